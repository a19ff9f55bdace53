/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-hub-row.h"
#include "eit-state-style.h"

struct _EitHubRow
{
  GtkListBoxRow  parent_instance;

  GtkWidget     *dot;
  GtkLabel      *name_label;
  GtkLabel      *url_label;
  GtkWidget     *demo_tag;
  EitHubConfig  *config;
  EitHubWatch   *watch;
  GSignalGroup  *config_signals;
  GBindingGroup *config_bindings;
  GSignalGroup  *watch_signals;
  const char    *state_class;
  int            state;
};

G_DEFINE_FINAL_TYPE (EitHubRow, eit_hub_row, GTK_TYPE_LIST_BOX_ROW)

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
  klass = eit_connection_state_get_css_class (state);
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
  update_accessible (self);
}

static void
eit_hub_row_dispose (GObject *object)
{
  EitHubRow *self = EIT_HUB_ROW (object);

  g_clear_object (&self->config_signals);
  g_clear_object (&self->config_bindings);
  g_clear_object (&self->watch_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_HUB_ROW);
  g_clear_object (&self->watch);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (eit_hub_row_parent_class)->dispose (object);
}

static void
eit_hub_row_class_init (EitHubRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = eit_hub_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-hub-row.ui");
  gtk_widget_class_bind_template_child (widget_class, EitHubRow, dot);
  gtk_widget_class_bind_template_child (widget_class, EitHubRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, EitHubRow, url_label);
  gtk_widget_class_bind_template_child (widget_class, EitHubRow, demo_tag);
}

static void
eit_hub_row_init (EitHubRow *self)
{
  self->state = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The display name falls back to the address: both change it. */
  self->config_signals = g_signal_group_new (EIT_TYPE_HUB_CONFIG);
  g_signal_group_connect_object (self->config_signals, "notify::name",
                                 G_CALLBACK (update_text), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->config_signals, "notify::url",
                                 G_CALLBACK (update_text), self, G_CONNECT_SWAPPED);
  self->config_bindings = g_binding_group_new ();
  g_binding_group_bind (self->config_bindings, "url", self->url_label, "label", G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->config_bindings, "demo", self->demo_tag, "visible", G_BINDING_SYNC_CREATE);
  self->watch_signals = g_signal_group_new (EIT_TYPE_HUB_WATCH);
  g_signal_group_connect_object (self->watch_signals, "metrics-changed",
                                 G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
}

GtkWidget *
eit_hub_row_new (EitHubConfig  *config,
                 EitHubWatch *watch)
{
  EitHubRow *self = g_object_new (EIT_TYPE_HUB_ROW, NULL);

  self->config = g_object_ref (config);
  g_binding_group_set_source (self->config_bindings, config);
  g_signal_group_set_target (self->config_signals, config);
  if (watch != NULL)
    self->watch = g_object_ref (watch);
  g_signal_group_set_target (self->watch_signals, watch);
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
