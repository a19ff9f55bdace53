/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-log-dropdown.h"

static void
button_item_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
button_item_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  user_data)
{
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)),
                       gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static void
popup_item_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), g_object_new (GTK_TYPE_IMAGE,
                                               "icon-name", "object-select-symbolic",
                                               "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                               NULL));
  gtk_list_item_set_child (item, box);
}

static void
popup_check_cb (GtkDropDown *dropdown,
                GParamSpec  *pspec,
                GtkListItem *item)
{
  GtkWidget *check = gtk_widget_get_last_child (gtk_list_item_get_child (item));

  gtk_widget_set_opacity (check, gtk_drop_down_get_selected_item (dropdown) ==
                                 gtk_list_item_get_item (item) ? 1.0 : 0.0);
}

static void
popup_item_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    GtkDropDown              *dropdown)
{
  GtkWidget *label = gtk_widget_get_first_child (gtk_list_item_get_child (item));

  gtk_label_set_label (GTK_LABEL (label),
                       gtk_string_object_get_string (gtk_list_item_get_item (item)));
  g_signal_connect (dropdown, "notify::selected-item", G_CALLBACK (popup_check_cb), item);
  popup_check_cb (dropdown, NULL, item);
}

static void
popup_item_unbind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      GtkDropDown              *dropdown)
{
  g_signal_handlers_disconnect_by_func (dropdown, popup_check_cb, item);
}

void
eit_log_dropdown_setup (GtkDropDown *dropdown)
{
  GtkListItemFactory *button = gtk_signal_list_item_factory_new ();
  GtkListItemFactory *popup = gtk_signal_list_item_factory_new ();

  g_signal_connect (button, "setup", G_CALLBACK (button_item_setup_cb), NULL);
  g_signal_connect (button, "bind", G_CALLBACK (button_item_bind_cb), NULL);
  g_signal_connect (popup, "setup", G_CALLBACK (popup_item_setup_cb), NULL);
  g_signal_connect (popup, "bind", G_CALLBACK (popup_item_bind_cb), dropdown);
  g_signal_connect (popup, "unbind", G_CALLBACK (popup_item_unbind_cb), dropdown);
  gtk_drop_down_set_factory (dropdown, button);
  gtk_drop_down_set_list_factory (dropdown, popup);
  g_object_unref (button);
  g_object_unref (popup);
}
