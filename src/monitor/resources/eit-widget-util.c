/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-widget-util.h"

void
eit_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

void
eit_widget_clear_tick_callback (GtkWidget *widget,
                                guint     *tick_id)
{
  if (*tick_id != 0)
    gtk_widget_remove_tick_callback (widget, *tick_id);
  *tick_id = 0;
}
