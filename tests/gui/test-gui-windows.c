/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The secondary windows open from the app's own actions: Preferences
 * (bound to GSettings), Keyboard Shortcuts (gtk/help-overlay.ui), About;
 * a lost connection sends a desktop notification when notify-on-loss is on;
 * every chart and the state band carry a text alternative. */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"
#include "eit-preferences-window.h"
#include "eit-state-band.h"

/* A stand-in notification server on the test session bus, so GNotification
 * is delivered (GLib's freedesktop backend) and can be checked. */
static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "<arg type='u' direction='out'/></method>"
  "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "<method name='GetServerInformation'><arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "<arg type='s' direction='out'/><arg type='s' direction='out'/></method>"
  "</interface></node>";

typedef struct {
  GPtrArray *summaries;
  GPtrArray *bodies;
  gboolean   owned;
} Notifications;

static void
notifications_call_cb (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *path,
                       const char            *interface,
                       const char            *method,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  Notifications *n = user_data;

  if (g_strcmp0 (method, "Notify") == 0)
    {
      const char *summary, *body;

      g_variant_get (parameters, "(&su&s&s&s@as@a{sv}i)", NULL, NULL, NULL, &summary, &body,
                     NULL, NULL, NULL);
      g_ptr_array_add (n->summaries, g_strdup (summary));
      g_ptr_array_add (n->bodies, g_strdup (body));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", n->summaries->len));
    }
  else if (g_strcmp0 (method, "GetCapabilities") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(['body'],)"));
  else if (g_strcmp0 (method, "GetServerInformation") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "eit", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ((Notifications *) user_data)->owned = TRUE;
}

static void
windows_body (EitGuiTest *test)
{
  GSettings *settings = eit_monitor_application_get_settings (test->app);
  EitTrafficPage *traffic = eit_monitor_window_get_traffic_page (test->window);
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  GtkWindow *window;
  g_autofree char *shot = NULL;

  /* Preferences: a change in the window is a change in GSettings. */
  g_action_group_activate_action (G_ACTION_GROUP (test->app), "preferences", NULL);
  g_assert_true (eit_test_wait_until (eit_gui_test_find_window (EIT_TYPE_PREFERENCES_WINDOW) != NULL, 3000));
  window = eit_gui_test_find_window (EIT_TYPE_PREFERENCES_WINDOW);
  {
    GObject *row = gtk_widget_get_template_child (GTK_WIDGET (window), EIT_TYPE_PREFERENCES_WINDOW,
                                                  "chart_window_row");
    adw_combo_row_set_selected (ADW_COMBO_ROW (row), 1);
    g_assert_cmpstr (g_settings_get_string (settings, "chart-window"), ==, "five-minutes");
    g_assert_cmpuint (eit_chart_get_window (eit_traffic_page_get_messages_chart (traffic)), ==, 300);
  }
  shot = eit_gui_test_screenshot (GTK_WIDGET (window), "preferences");
  g_clear_pointer (&shot, g_free);
  gtk_window_destroy (window);

  /* The chart window is also a window action (the primary menu's). */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.chart-window", "s", "one-hour");
  g_assert_cmpuint (eit_chart_get_window (eit_traffic_page_get_messages_chart (traffic)), ==, 3600);
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.chart-window", "s", "one-minute");

  /* Keyboard shortcuts: GtkApplication loads gtk/help-overlay.ui. */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.show-help-overlay", NULL);
  g_assert_true (eit_test_wait_until (eit_gui_test_find_window (GTK_TYPE_SHORTCUTS_WINDOW) != NULL, 3000));
  window = eit_gui_test_find_window (GTK_TYPE_SHORTCUTS_WINDOW);
  shot = eit_gui_test_screenshot (GTK_WIDGET (window), "shortcuts");
  g_clear_pointer (&shot, g_free);
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);

  /* About. */
  g_action_group_activate_action (G_ACTION_GROUP (test->app), "about", NULL);
  g_assert_true (eit_test_wait_until (eit_gui_test_find_window (ADW_TYPE_ABOUT_WINDOW) != NULL, 3000));
  window = eit_gui_test_find_window (ADW_TYPE_ABOUT_WINDOW);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (window)), ==, PACKAGE_VERSION);
  shot = eit_gui_test_screenshot (GTK_WIDGET (window), "about");
  g_clear_pointer (&shot, g_free);
  gtk_window_destroy (window);

  /* Text alternatives of the charts and the state band. */
  g_assert_true (eit_test_wait_until (eit_hub_watch_get_metrics (watch)->messages_in > 10, 20000));
  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (
    eit_chart_get_description (eit_traffic_page_get_messages_chart (traffic)) != NULL &&
    strstr (eit_chart_get_description (eit_traffic_page_get_messages_chart (traffic)), "In: now") != NULL,
    3000));
  g_assert_nonnull (strstr (eit_chart_get_description (eit_traffic_page_get_bytes_chart (traffic)),
                            "Bytes per second over the last 1 minute."));
  eit_monitor_window_show_view (test->window, "connection");
  eit_test_run_for (1200);

  /* A narrow window folds the sidebar away (AdwLeaflet). */
  {
    AdwLeaflet *leaflet = ADW_LEAFLET (gtk_widget_get_template_child (GTK_WIDGET (test->window),
                                                                      EIT_TYPE_MONITOR_WINDOW,
                                                                      "leaflet"));
    gtk_window_set_default_size (GTK_WINDOW (test->window), 420, 760);
    g_assert_true (eit_test_wait_until (adw_leaflet_get_folded (leaflet), 5000));
    gtk_widget_activate_action (GTK_WIDGET (test->window), "win.view", "s", "connection");
    shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "narrow-connection");
    g_clear_pointer (&shot, g_free);
    gtk_widget_activate_action (GTK_WIDGET (test->window), "win.show-hubs", NULL);
    shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "narrow-hubs");
    g_clear_pointer (&shot, g_free);
    gtk_window_set_default_size (GTK_WINDOW (test->window), 1200, 820);
    g_assert_true (eit_test_wait_until (!adw_leaflet_get_folded (leaflet), 5000));
  }

  /* A lost connection: one desktop notification, delivered. */
  {
    static const GDBusInterfaceVTable vtable = { notifications_call_cb, NULL, NULL, { 0 } };
    Notifications n = { g_ptr_array_new_with_free_func (g_free),
                        g_ptr_array_new_with_free_func (g_free), FALSE };
    g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
    g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
    guint object_id, owner_id;

    g_assert_nonnull (bus);
    object_id = g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications",
                                                   info->interfaces[0], &vtable, &n, NULL, NULL);
    owner_id = g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                             G_BUS_NAME_OWNER_FLAGS_NONE,
                                             name_acquired_cb, NULL, &n, NULL);
    g_assert_true (eit_test_wait_until (n.owned, 5000));

    g_settings_set_boolean (settings, "notify-on-loss", TRUE);
    eit_gui_test_fast_timings (watch);
    g_assert_cmpuint (eit_monitor_application_get_n_notifications (test->app), ==, 0);
    eit_demo_hub_stop (eit_monitor_application_get_demo_hub (test->app));
    g_assert_true (eit_test_wait_until (n.summaries->len == 1, 10000));
    g_test_message ("notification: %s / %s", (char *) g_ptr_array_index (n.summaries, 0),
                    (char *) g_ptr_array_index (n.bodies, 0));
    g_assert_cmpstr (g_ptr_array_index (n.summaries, 0), ==, "Connection to Demo hub lost");
    g_assert_nonnull (strstr (g_ptr_array_index (n.bodies, 0), "Reconnecting with back-off"));
    eit_test_run_for (800);
    /* Once, not once per failed retry. */
    g_assert_cmpuint (n.summaries->len, ==, 1);
    g_assert_cmpuint (eit_monitor_application_get_n_notifications (test->app), ==, 1);

    g_settings_set_boolean (settings, "notify-on-loss", FALSE);
    g_bus_unown_name (owner_id);
    g_dbus_connection_unregister_object (bus, object_id);
    g_ptr_array_unref (n.summaries);
    g_ptr_array_unref (n.bodies);
  }
}

static void
test_windows (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (windows_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/windows/preferences-shortcuts-about-notification", test_windows);

  return g_test_run ();
}
