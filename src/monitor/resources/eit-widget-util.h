/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8's gtk_widget_dispose_template () leaves the template's top-level
 * children parented; a templated widget calls this in dispose after it. */
void eit_widget_unparent_children   (GtkWidget *widget);

/* Removes the widget's tick callback *tick_id, if any, and zeroes it (on
 * unmap and in dispose, wherever a widget animates). */
void eit_widget_clear_tick_callback (GtkWidget *widget,
                                     guint     *tick_id);

G_END_DECLS
