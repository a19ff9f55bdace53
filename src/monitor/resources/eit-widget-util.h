/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8's gtk_widget_dispose_template () leaves the template's top-level
 * children parented; a templated widget calls this in dispose after it. */
void eit_widget_unparent_children (GtkWidget *widget);

G_END_DECLS
