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
