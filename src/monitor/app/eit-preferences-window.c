/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-preferences-window.h"

struct _EitPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  AdwComboRow *style_row;
  AdwComboRow *chart_window_row;
  GtkSpinButton *log_limit_spin;
  GtkSwitch   *notify_switch;
  GtkSwitch   *demo_switch;

  GSettings   *settings;
};

G_DEFINE_FINAL_TYPE (EitPreferencesWindow, eit_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char * const color_schemes[] = { "default", "light", "dark", NULL };
static const char * const chart_windows[] = { "one-minute", "five-minutes", "one-hour", NULL };

/* An enum key as the index of its nick in a list, both ways. */
static gboolean
nick_to_index (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_strcmp0 (nicks[i], nick) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_nick (const GValue       *value,
               const GVariantType *type,
               gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint index = g_value_get_uint (value);

  if (index >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[index]);
}

static void
eit_preferences_window_dispose (GObject *object)
{
  EitPreferencesWindow *self = EIT_PREFERENCES_WINDOW (object);

  if (self->settings != NULL)
    {
      g_settings_unbind (self->style_row, "selected");
      g_settings_unbind (self->chart_window_row, "selected");
      g_settings_unbind (self->log_limit_spin, "value");
      g_settings_unbind (self->notify_switch, "active");
      g_settings_unbind (self->demo_switch, "active");
    }
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (eit_preferences_window_parent_class)->dispose (object);
}

static void
eit_preferences_window_class_init (EitPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EitPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, EitPreferencesWindow, chart_window_row);
  gtk_widget_class_bind_template_child (widget_class, EitPreferencesWindow, log_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, EitPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, EitPreferencesWindow, demo_switch);
}

static void
eit_preferences_window_init (EitPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
eit_preferences_window_new (GtkWindow *parent,
                            GSettings *settings)
{
  EitPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (EIT_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);

  g_settings_bind_with_mapping (settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_to_index, index_to_nick,
                                (gpointer) color_schemes, NULL);
  g_settings_bind_with_mapping (settings, "chart-window", self->chart_window_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_to_index, index_to_nick,
                                (gpointer) chart_windows, NULL);
  g_settings_bind (settings, "log-limit", self->log_limit_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notify-on-loss", self->notify_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "demo-hub", self->demo_switch, "active", G_SETTINGS_BIND_DEFAULT);
  return GTK_WIDGET (self);
}
