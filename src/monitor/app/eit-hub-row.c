/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-hub-row.h"
#include "eit-state-band.h"

struct _EitHubRow
{
  GtkListBoxRow  parent_instance;

  GtkWidget     *dot;
  GtkLabel      *name_label;
  GtkLabel      *url_label;
  EitHubConfig  *config;
  EitHubWatch *watch;
  gulong         metrics_handler;
  gulong         name_handler;
  gulong         url_handler;
  const char    *state_class;
  int            state;
};

G_DEFINE_FINAL_TYPE (EitHubRow, eit_hub_row, GTK_TYPE_LIST_BOX_ROW)

static const char * const state_classes[] = {
  "state-disconnected", "state-connecting", "state-connected",
  "state-cycling", "state-backing-off", "state-failed",
};

static void
update_accessible (EitHubRow *self)
{
  g_autofree char *name = eit_hub_config_dup_display_name (self->config);
  g_autofree char *label = NULL;

  /* Translators: a hub in the sidebar: its name and its connection state */
  label = g_strdup_printf (_("%s, %s"), name,
                           eit_connection_state_get_label ((EitConnectionState) MAX (self->state, 0)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
update_state (EitHubRow *self)
{
  EitConnectionState state;
  const char *klass;

  if (self->watch == NULL)
    return;
  state = eit_hub_watch_get_metrics (self->watch)->state;
  if ((int) state == self->state)
    return;

  self->state = state;
  klass = state_classes[MIN ((guint) state, G_N_ELEMENTS (state_classes) - 1)];
  if (self->state_class != NULL)
    gtk_widget_remove_css_class (self->dot, self->state_class);
  gtk_widget_add_css_class (self->dot, klass);
  self->state_class = klass;
  gtk_widget_set_tooltip_text (self->dot, eit_connection_state_get_label (state));
  update_accessible (self);
}

static void
update_text (EitHubRow *self)
{
  g_autofree char *name = eit_hub_config_dup_display_name (self->config);

  gtk_label_set_text (self->name_label, name);
  gtk_label_set_text (self->url_label, eit_hub_config_get_url (self->config));
  update_accessible (self);
}

static void
eit_hub_row_dispose (GObject *object)
{
  EitHubRow *self = EIT_HUB_ROW (object);

  if (self->watch != NULL)
    g_clear_signal_handler (&self->metrics_handler, self->watch);
  if (self->config != NULL)
    {
      g_clear_signal_handler (&self->name_handler, self->config);
      g_clear_signal_handler (&self->url_handler, self->config);
    }
  g_clear_object (&self->watch);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (eit_hub_row_parent_class)->dispose (object);
}

static void
eit_hub_row_class_init (EitHubRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = eit_hub_row_dispose;
}

static void
eit_hub_row_init (EitHubRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  self->state = -1;
  self->dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_size_request (self->dot, 10, 10);
  gtk_widget_set_valign (self->dot, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->dot, "state-dot");
  gtk_widget_add_css_class (self->dot, "small");

  self->name_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->name_label, 0);
  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_END);
  self->url_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->url_label, 0);
  gtk_label_set_ellipsize (self->url_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->url_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->url_label), "dim-label");

  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (self->name_label));
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (self->url_label));
  gtk_box_append (GTK_BOX (box), self->dot);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
}

GtkWidget *
eit_hub_row_new (EitHubConfig  *config,
                 EitHubWatch *watch)
{
  EitHubRow *self = g_object_new (EIT_TYPE_HUB_ROW, NULL);

  self->config = g_object_ref (config);
  self->name_handler = g_signal_connect_swapped (config, "notify::name", G_CALLBACK (update_text), self);
  self->url_handler = g_signal_connect_swapped (config, "notify::url", G_CALLBACK (update_text), self);

  if (eit_hub_config_is_demo (config))
    {
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (self));
      GtkWidget *tag = gtk_label_new (_("Demo"));

      gtk_widget_add_css_class (tag, "demo-tag");
      gtk_widget_add_css_class (tag, "caption-heading");
      gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (box), tag);
    }

  if (watch != NULL)
    {
      self->watch = g_object_ref (watch);
      self->metrics_handler = g_signal_connect_swapped (watch, "metrics-changed",
                                                        G_CALLBACK (update_state), self);
    }
  update_text (self);
  update_state (self);
  return GTK_WIDGET (self);
}

EitHubConfig *
eit_hub_row_get_config (EitHubRow *self)
{
  g_return_val_if_fail (EIT_IS_HUB_ROW (self), NULL);
  return self->config;
}
