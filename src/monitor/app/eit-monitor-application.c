/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-monitor-application-private.h"
#include "eit-preferences-window.h"
#include "eit-state-style.h"
#include "eit-token-store.h"

struct _EitMonitorApplication
{
  AdwApplication   parent_instance;

  GType            window_type;
  GSettings       *settings;
  EitHubStore     *store;
  GHashTable      *watches;    /* EitHubConfig → EitHubWatch */
  GHashTable      *notified;    /* hub ids with a notification out */
  GSignalGroup    *settings_signals;
  GSignalGroup    *store_signals;

  EitDemoHub      *demo;
  EitHubConfig    *demo_config;
  GSignalGroup    *demo_signals;
  char            *demo_error;
  gboolean         demo_traffic;
  guint            n_notifications;
};

G_DEFINE_FINAL_TYPE (EitMonitorApplication, eit_monitor_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_WINDOW_TYPE,
  PROP_DEMO_TRAFFIC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void sync_watches (EitMonitorApplication *self);

/* The values of the settings key "color-scheme"
 * (io.github.eithub.Monitor.ColorScheme). */
typedef enum {
  COLOR_SCHEME_DEFAULT,
  COLOR_SCHEME_LIGHT,
  COLOR_SCHEME_DARK,
} ColorScheme;

static void
apply_color_scheme (EitMonitorApplication *self)
{
  AdwColorScheme scheme;

  switch ((ColorScheme) g_settings_get_enum (self->settings, "color-scheme"))
    {
    case COLOR_SCHEME_LIGHT: scheme = ADW_COLOR_SCHEME_FORCE_LIGHT; break;
    case COLOR_SCHEME_DARK:  scheme = ADW_COLOR_SCHEME_FORCE_DARK; break;
    case COLOR_SCHEME_DEFAULT:
    default:                 scheme = ADW_COLOR_SCHEME_DEFAULT; break;
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

static void
apply_log_limit (EitMonitorApplication *self)
{
  guint limit = g_settings_get_uint (self->settings, "log-limit");
  GHashTableIter iter;
  gpointer watch;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, &watch))
    g_object_set (watch, "log-limit", limit, NULL);
}

/* The application knows its main window only by the type it was given:
 * the window depends on the application, never the other way round. */
static GtkWindow *
get_main_window (EitMonitorApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, self->window_type))
      return l->data;
  return NULL;
}

static void
connection_lost_cb (EitHubWatch         *watch,
                    const char            *reason,
                    EitMonitorApplication *self)
{
  EitHubConfig *config = eit_hub_watch_get_config (watch);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (!g_settings_get_boolean (self->settings, "notify-on-loss"))
    return;

  name = eit_hub_config_dup_display_name (config);
  if (m->state == EIT_CONNECTION_STATE_FAILED)
    {
      title = g_strdup_printf (_("Cannot connect to %s"), name);
      body = g_strdup_printf (_("%s. Check the hub’s settings, then connect again."),
                              reason != NULL ? reason : _("The hub refused the connection"));
    }
  else
    {
      title = g_strdup_printf (_("Connection to %s lost"), name);
      body = g_strdup_printf (_("%s. Reconnecting with back-off."),
                              reason != NULL ? reason : _("The connection dropped"));
    }

  id = g_strconcat ("hub-", eit_hub_config_get_id (config), NULL);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.show-hub", "s",
                                                eit_hub_config_get_id (config));
  g_application_send_notification (G_APPLICATION (self), id, notification);
  g_hash_table_add (self->notified, g_strdup (eit_hub_config_get_id (config)));
  self->n_notifications++;
}

static void
watch_metrics_cb (EitHubWatch         *watch,
                    EitMonitorApplication *self)
{
  const char *hub_id = eit_hub_config_get_id (eit_hub_watch_get_config (watch));

  /* A notification about a loss is stale once the hub is back. */
  if (eit_hub_watch_get_metrics (watch)->state == EIT_CONNECTION_STATE_CONNECTED &&
      g_hash_table_remove (self->notified, hub_id))
    {
      g_autofree char *id = g_strconcat ("hub-", hub_id, NULL);
      g_application_withdraw_notification (G_APPLICATION (self), id);
    }
}

static void
drop_watch (gpointer data)
{
  EitHubWatch *watch = data;

  g_signal_handlers_disconnect_matched (watch, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        connection_lost_cb, NULL);
  g_signal_handlers_disconnect_matched (watch, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        watch_metrics_cb, NULL);
  eit_hub_watch_disconnect (watch);
  g_object_unref (watch);
}

static EitHubWatch *
create_watch (EitMonitorApplication *self,
                EitHubConfig          *config)
{
  gboolean demo = eit_hub_config_is_demo (config);
  EitHubWatch *watch;

  watch = eit_hub_watch_new (config, demo && self->demo != NULL
                                         ? eit_demo_hub_get_token (self->demo) : NULL);
  g_object_set (watch, "log-limit", g_settings_get_uint (self->settings, "log-limit"), NULL);
  g_signal_connect_object (watch, "connection-lost", G_CALLBACK (connection_lost_cb), self, 0);
  g_signal_connect_object (watch, "metrics-changed", G_CALLBACK (watch_metrics_cb), self, 0);

  if (demo && self->demo != NULL)
    eit_demo_hub_drive (self->demo, eit_hub_watch_get_connection (watch));
  if (eit_hub_config_get_auto_connect (config))
    eit_hub_watch_connect (watch);
  return watch;
}

static void
sync_watches (EitMonitorApplication *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      gboolean found = FALSE;

      for (guint i = 0; i < n && !found; i++)
        {
          g_autoptr(EitHubConfig) config = g_list_model_get_item (model, i);
          found = config == key;
        }
      if (!found)
        g_ptr_array_add (gone, key);
    }
  for (guint i = 0; i < gone->len; i++)
    g_hash_table_remove (self->watches, g_ptr_array_index (gone, i));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EitHubConfig) config = g_list_model_get_item (model, i);

      if (!g_hash_table_contains (self->watches, config))
        g_hash_table_insert (self->watches, g_object_ref (config), create_watch (self, config));
    }
}

static void
store_changed_cb (EitMonitorApplication *self)
{
  sync_watches (self);
}

/* The demo hub gets a new address, certificate and token each time it
 * starts: follow it. */
static void
demo_url_cb (EitMonitorApplication *self)
{
  EitHubWatch *watch;

  if (self->demo_config == NULL || eit_demo_hub_get_url (self->demo) == NULL)
    return;

  watch = g_hash_table_lookup (self->watches, self->demo_config);
  if (watch != NULL)
    {
      eit_demo_hub_drive (self->demo, eit_hub_watch_get_connection (watch));
      eit_hub_watch_set_token (watch, eit_demo_hub_get_token (self->demo));
    }
  g_object_set (self->demo_config,
                "url", eit_demo_hub_get_url (self->demo),
                "pinned-fingerprint", eit_demo_hub_get_fingerprint (self->demo),
                NULL);
}

static void
start_demo (EitMonitorApplication *self)
{
  g_autoptr(GError) error = NULL;

  self->demo = eit_demo_hub_new ();
  if (!self->demo_traffic)
    g_object_set (self->demo, "traffic", FALSE, "drop-interval", 0, NULL);
  if (!eit_demo_hub_start (self->demo, &error))
    {
      g_warning ("The demo hub did not start: %s", error->message);
      self->demo_error = g_strdup_printf (_("The demo hub could not start (%s). Add a hub to "
                                            "watch it instead."), error->message);
      g_clear_object (&self->demo);
      return;
    }

  self->demo_config = eit_hub_config_new_demo (eit_demo_hub_get_url (self->demo),
                                               eit_demo_hub_get_fingerprint (self->demo));
  g_signal_group_set_target (self->demo_signals, self->demo);
  eit_hub_store_add (self->store, self->demo_config);
}

static void
stop_demo (EitMonitorApplication *self)
{
  if (self->demo_config != NULL)
    {
      eit_hub_store_remove (self->store, self->demo_config);
      g_clear_object (&self->demo_config);
    }
  if (self->demo != NULL)
    {
      g_signal_group_set_target (self->demo_signals, NULL);
      eit_demo_hub_stop (self->demo);
      g_clear_object (&self->demo);
    }
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  EitMonitorApplication *self = user_data;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL;)
    {
      GtkWindow *window = l->data;
      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  EitMonitorApplication *self = user_data;
  const char *developers[] = { _("The Eit Hub Monitor contributors"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", get_main_window (self),
                        "application-name", _("Eit Hub Monitor"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Eit Hub Monitor contributors"),
                        "developers", developers,
                        "comments", _("Watch the health of Eit hub connections live: connection "
                                      "state, message traffic and back-off metrics."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2025 The Eit Hub Monitor contributors",
                        "debug-info", "profile: " PROFILE "\n",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  EitMonitorApplication *self = user_data;
  GtkWidget *window = eit_preferences_window_new (get_main_window (self), self->settings);

  gtk_window_present (GTK_WINDOW (window));
}

static void
shortcuts_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  GtkWindow *window = get_main_window (EIT_MONITOR_APPLICATION (user_data));

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static void
remove_hub_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  EitMonitorApplication *self = user_data;
  EitHubConfig *config = eit_hub_store_lookup (self->store, g_variant_get_string (parameter, NULL));

  if (config != NULL)
    eit_monitor_application_remove_hub (self, config);
}

static void
show_hub_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  EitMonitorApplication *self = user_data;
  GtkWindow *window;

  g_application_activate (G_APPLICATION (self));
  window = get_main_window (self);
  if (window != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (window), "select-hub", parameter);
}

static const GActionEntry app_entries[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "preferences", preferences_action },
  { "shortcuts", shortcuts_action },
  { "remove-hub", remove_hub_action, "s" },
  { "show-hub", show_hub_action, "s" },
};

static const struct { const char *action; const char *accels[3]; } app_accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
  { "win.add-hub", { "<Control>n", NULL } },
  { "win.edit-hub", { "<Control>e", NULL } },
  { "win.export", { "<Control>s", NULL } },
  { "win.connect", { "<Control><Shift>c", NULL } },
  { "win.disconnect", { "<Control><Shift>d", NULL } },
  { "win.cycle-now", { "<Control><Shift>r", NULL } },
  { "win.view('connection')", { "<Alt>1", NULL } },
  { "win.view('traffic')", { "<Alt>2", NULL } },
  { "win.view('backoff')", { "<Alt>3", NULL } },
  { "win.search-log", { "<Control>f", NULL } },
  { "win.pause-log", { "<Control>p", NULL } },
  { "window.close", { "<Control>w", NULL } },
};

/* The state dots take their colours from the table the state band draws
 * with. */
static void
add_state_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
  g_autofree char *css = eit_connection_state_dup_css ();
  GdkDisplay *display = gdk_display_get_default ();

  if (display == NULL)
    return;
  gtk_css_provider_load_from_data (provider, css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
eit_monitor_application_startup (GApplication *application)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (application);

  G_APPLICATION_CLASS (eit_monitor_application_parent_class)->startup (application);
  add_state_style ();

  gtk_window_set_default_icon_name (APP_ID);
  self->settings = g_settings_new (EIT_SETTINGS_SCHEMA);
  g_signal_group_set_target (self->settings_signals, self->settings);
  apply_color_scheme (self);

  self->store = eit_hub_store_new (self->settings);
  g_signal_group_set_target (self->store_signals, self->store);
  sync_watches (self);

  if (eit_hub_store_get_n_configured (self->store) == 0 &&
      g_settings_get_boolean (self->settings, "demo-hub"))
    start_demo (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), app_accels[i].action,
                                           app_accels[i].accels);
}

static void
eit_monitor_application_activate (GApplication *application)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (application);
  GtkWindow *window = get_main_window (self);

  if (window == NULL)
    window = g_object_new (self->window_type, "application", self, NULL);
  gtk_window_present (window);
}

/* On shutdown, and on dispose when the application never ran: the demo hub
 * stops, every watch disconnects, nothing listens any more. */
static void
stop (EitMonitorApplication *self)
{
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  if (self->settings_signals != NULL)
    g_signal_group_set_target (self->settings_signals, NULL);
  if (self->store != NULL)
    stop_demo (self);
  if (self->watches != NULL)
    g_hash_table_remove_all (self->watches);
}

static void
eit_monitor_application_shutdown (GApplication *application)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (application);

  stop (self);

  G_APPLICATION_CLASS (eit_monitor_application_parent_class)->shutdown (application);
}

static int
eit_monitor_application_handle_local_options (GApplication *application,
                                              GVariantDict *options)
{
  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("eithub-monitor %s\n", PACKAGE_VERSION);
      return 0;
    }

  return -1;
}

static void
eit_monitor_application_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_WINDOW_TYPE:  g_value_set_gtype (value, self->window_type); break;
    case PROP_DEMO_TRAFFIC: g_value_set_boolean (value, self->demo_traffic); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_monitor_application_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_WINDOW_TYPE:  self->window_type = g_value_get_gtype (value); break;
    case PROP_DEMO_TRAFFIC: self->demo_traffic = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_monitor_application_dispose (GObject *object)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (object);

  stop (self);
  g_clear_object (&self->settings_signals);
  g_clear_object (&self->store_signals);
  g_clear_object (&self->demo_signals);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (eit_monitor_application_parent_class)->dispose (object);
}

static void
eit_monitor_application_finalize (GObject *object)
{
  EitMonitorApplication *self = EIT_MONITOR_APPLICATION (object);

  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_pointer (&self->notified, g_hash_table_unref);
  g_free (self->demo_error);

  G_OBJECT_CLASS (eit_monitor_application_parent_class)->finalize (object);
}

static void
eit_monitor_application_class_init (EitMonitorApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = eit_monitor_application_get_property;
  object_class->set_property = eit_monitor_application_set_property;
  object_class->dispose = eit_monitor_application_dispose;
  object_class->finalize = eit_monitor_application_finalize;
  app_class->startup = eit_monitor_application_startup;
  app_class->activate = eit_monitor_application_activate;
  app_class->shutdown = eit_monitor_application_shutdown;
  app_class->handle_local_options = eit_monitor_application_handle_local_options;

  /* The class of the main window activate creates (a GtkWindow). */
  properties[PROP_WINDOW_TYPE] =
    g_param_spec_gtype ("window-type", NULL, NULL, GTK_TYPE_WINDOW,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Read when the demo hub starts: off, the demo hub neither sends its own
   * traffic nor drops connections (bench/monitor-load feeds it instead). */
  properties[PROP_DEMO_TRAFFIC] =
    g_param_spec_boolean ("demo-traffic", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
eit_monitor_application_init (EitMonitorApplication *self)
{
  static const GOptionEntry options[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };

  self->watches = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, drop_watch);
  self->notified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->settings_signals = g_signal_group_new (G_TYPE_SETTINGS);
  g_signal_group_connect_object (self->settings_signals, "changed::color-scheme",
                                 G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->settings_signals, "changed::log-limit",
                                 G_CALLBACK (apply_log_limit), self, G_CONNECT_SWAPPED);
  self->store_signals = g_signal_group_new (EIT_TYPE_HUB_STORE);
  g_signal_group_connect_object (self->store_signals, "items-changed",
                                 G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  self->demo_signals = g_signal_group_new (EIT_TYPE_DEMO_HUB);
  g_signal_group_connect_object (self->demo_signals, "notify::url",
                                 G_CALLBACK (demo_url_cb), self, G_CONNECT_SWAPPED);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

EitMonitorApplication *
eit_monitor_application_new (const char        *application_id,
                             GApplicationFlags  flags,
                             GType              window_type)
{
  g_return_val_if_fail (g_type_is_a (window_type, GTK_TYPE_WINDOW), NULL);

  return g_object_new (EIT_TYPE_MONITOR_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "window-type", window_type,
                       "resource-base-path", "/io/github/eithub/Monitor",
                       NULL);
}

GSettings *
eit_monitor_application_get_settings (EitMonitorApplication *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (self), NULL);
  return self->settings;
}

EitHubStore *
eit_monitor_application_get_store (EitMonitorApplication *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (self), NULL);
  return self->store;
}

EitHubWatch *
eit_monitor_application_get_watch (EitMonitorApplication *self,
                                     EitHubConfig          *config)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (self), NULL);
  return config != NULL ? g_hash_table_lookup (self->watches, config) : NULL;
}

EitDemoHub *
eit_monitor_application_get_demo_hub (EitMonitorApplication *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (self), NULL);
  return self->demo;
}

const char *
eit_monitor_application_get_demo_error (EitMonitorApplication *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (self), NULL);
  return self->demo_error;
}

static void
token_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hub_id = user_data;

  if (!eit_token_store_clear_finish (result, &error))
    g_message ("The token of hub %s stays in the keyring: %s", hub_id, error->message);
}

void
eit_monitor_application_remove_hub (EitMonitorApplication *self,
                                    EitHubConfig          *config)
{
  g_autoptr(EitHubConfig) hold = NULL;

  g_return_if_fail (EIT_IS_MONITOR_APPLICATION (self));
  g_return_if_fail (EIT_IS_HUB_CONFIG (config));

  hold = g_object_ref (config);
  if (eit_hub_config_is_demo (config))
    {
      stop_demo (self);
      return;
    }
  eit_token_store_clear_async (eit_hub_config_get_id (config), NULL, token_cleared_cb,
                               g_strdup (eit_hub_config_get_id (config)));
  eit_hub_store_remove (self->store, config);
}

guint
eit_monitor_application_get_n_notifications (EitMonitorApplication *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (self), 0);
  return self->n_notifications;
}
