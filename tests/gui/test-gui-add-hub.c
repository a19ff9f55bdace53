/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Add a hub through the UI's own actions and editor rows: its settings go
 * to GSettings, its token to the keyring (a real gnome-keyring daemon when
 * EIT_TEST_KEYRING=1) and never to GSettings; the app connects to it.
 * Removing it deletes settings and token and finalizes its runtime. */
#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "eit-gui-test.h"
#include "eit-hub-editor.h"
#include "eit-token-store.h"

static gboolean
have_keyring (void)
{
  return g_strcmp0 (g_getenv ("EIT_TEST_KEYRING"), "1") == 0;
}

static GtkWidget *
editor_row (EitHubEditor *editor,
            const char   *name)
{
  GObject *row = gtk_widget_get_template_child (GTK_WIDGET (editor), EIT_TYPE_HUB_EDITOR, name);

  g_assert_nonnull (row);
  return GTK_WIDGET (row);
}

static gboolean
settings_hold (GSettings  *settings,
               const char *text)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *printed = g_variant_print (value, FALSE);

      if (strstr (printed, text) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
add_hub_body (EitGuiTest *test)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitHubStore *store = eit_monitor_application_get_store (test->app);
  GSettings *settings = eit_monitor_application_get_settings (test->app);
  EitHubEditor *editor;
  EitHubConfig *config;
  EitHubWatch *watch;
  g_autoptr(GSettings) hub_settings = NULL;
  g_auto(GStrv) hubs = NULL;
  g_autofree char *path = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shot = NULL;
  const EitHubMetrics *m;

  g_assert_cmpuint (eit_hub_store_get_n_configured (store), ==, 0);

  /* The same action as the "+" button, the menu and Ctrl+N. */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.add-hub", NULL);
  g_assert_true (eit_test_wait_until (eit_gui_test_find_window (EIT_TYPE_HUB_EDITOR) != NULL, 3000));
  editor = EIT_HUB_EDITOR (eit_gui_test_find_window (EIT_TYPE_HUB_EDITOR));

  /* Saving an empty form says what to fix, and saves nothing. */
  gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL);
  g_assert_nonnull (eit_hub_editor_get_error (editor));
  g_assert_nonnull (strstr (eit_hub_editor_get_error (editor), "wss://"));
  g_assert_cmpuint (eit_hub_store_get_n_configured (store), ==, 0);

  /* A plaintext address is refused with the reason. */
  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, "url_row")), "ws://127.0.0.1:1/");
  gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL);
  g_assert_nonnull (strstr (eit_hub_editor_get_error (editor), "TLS"));

  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, "name_row")), "Test hub");
  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, "url_row")), hub->url);
  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, "token_row")), hub->token);
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_row (editor, "trust_row")), EIT_TRUST_PINNED);
  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, "pin_row")), hub->fingerprint);
  eit_gui_test_wait_frames (GTK_WIDGET (editor), 2, 2000);
  shot = eit_gui_test_screenshot (GTK_WIDGET (editor), "add-hub-editor");
  g_clear_pointer (&shot, g_free);

  gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL);
  g_assert_cmpuint (eit_hub_store_get_n_configured (store), ==, 1);
  config = eit_hub_editor_get_config (editor);
  g_assert_nonnull (config);
  id = g_strdup (eit_hub_config_get_id (config));

  /* Settings: the id in "hubs", the hub's keys at its path, no token. */
  hubs = g_settings_get_strv (settings, "hubs");
  g_assert_true (g_strv_contains ((const char * const *) hubs, id));
  path = g_strdup_printf ("/io/github/eithub/Monitor/hubs/%s/", id);
  hub_settings = g_settings_new_with_path ("io.github.eithub.Monitor.Hub", path);
  g_assert_cmpstr (g_settings_get_string (hub_settings, "url"), ==, hub->url);
  g_assert_cmpstr (g_settings_get_string (hub_settings, "name"), ==, "Test hub");
  g_assert_cmpint (g_settings_get_enum (hub_settings, "trust-mode"), ==, EIT_TRUST_PINNED);
  g_assert_false (settings_hold (hub_settings, hub->token));
  g_assert_false (settings_hold (settings, hub->token));

  if (have_keyring ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *stored = NULL;

      /* The editor closes once the keyring has the token. */
      g_assert_true (eit_test_wait_until (eit_gui_test_find_window (EIT_TYPE_HUB_EDITOR) == NULL, 10000));
      stored = secret_password_lookup_sync (eit_token_store_get_schema (), NULL, &error,
                                            "hub-id", id, NULL);
      g_assert_no_error (error);
      g_assert_cmpstr (stored, ==, hub->token);
    }
  else
    {
      g_test_message ("EIT_TEST_KEYRING is not set: no keyring daemon; checking the message");
      g_assert_true (eit_test_wait_until (!eit_hub_editor_is_busy (editor), 10000));
      g_assert_nonnull (eit_hub_editor_get_error (editor));
      gtk_window_close (GTK_WINDOW (editor));
    }

  /* The new hub is selected and the app connects to it. */
  watch = eit_monitor_application_get_watch (test->app, config);
  g_assert_nonnull (watch);
  g_assert_true (eit_monitor_window_get_selected_config (test->window) == config);
  m = eit_hub_watch_get_metrics (watch);
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 15000));
  g_assert_cmpint (m->mode, ==, EIT_PROTOCOL_MODE_FULL);
  eit_test_run_for (600);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "add-hub-connected");

  /* A notification's action shows its hub: the application asks its window
   * (win.select-hub); an unknown id changes nothing. */
  g_action_group_activate_action (G_ACTION_GROUP (test->app), "show-hub", g_variant_new_string ("demo"));
  g_assert_true (eit_hub_config_is_demo (eit_monitor_window_get_selected_config (test->window)));
  g_action_group_activate_action (G_ACTION_GROUP (test->app), "show-hub", g_variant_new_string ("no-such-hub"));
  g_assert_true (eit_hub_config_is_demo (eit_monitor_window_get_selected_config (test->window)));
  g_action_group_activate_action (G_ACTION_GROUP (test->app), "show-hub", g_variant_new_string (id));
  g_assert_true (eit_monitor_window_get_selected_config (test->window) == config);

  /* A new runtime reads its token from the keyring. */
  if (have_keyring ())
    {
      EitHubWatch *fresh = eit_hub_watch_new (config, NULL);
      g_assert_true (eit_test_wait_until (eit_hub_watch_get_token_state (fresh) == EIT_TOKEN_STATE_READY,
                                          5000));
      g_assert_finalize_object (fresh);
    }

  /* Remove it (the response of the confirmation dialog): its runtime goes. */
  g_object_add_weak_pointer (G_OBJECT (watch), (gpointer *) &watch);
  g_action_group_activate_action (G_ACTION_GROUP (test->app), "remove-hub", g_variant_new_string (id));
  g_assert_cmpuint (eit_hub_store_get_n_configured (store), ==, 0);
  g_assert_true (eit_test_wait_until (watch == NULL, 5000));
  g_clear_pointer (&hubs, g_strfreev);
  hubs = g_settings_get_strv (settings, "hubs");
  g_assert_cmpuint (g_strv_length (hubs), ==, 0);
  g_assert_cmpstr (g_settings_get_string (hub_settings, "url"), ==, "");
  /* The demo hub is selected again. */
  g_assert_true (eit_test_wait_until (eit_monitor_window_get_selected_config (test->window) != NULL, 2000));

  if (have_keyring ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *stored = NULL;

      g_assert_true (eit_test_wait_until (({
        g_clear_pointer (&stored, g_free);
        stored = secret_password_lookup_sync (eit_token_store_get_schema (), NULL, NULL,
                                              "hub-id", id, NULL);
        stored == NULL; }), 5000));
      g_assert_no_error (error);
    }
}

static void
test_add_hub (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (add_hub_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/hubs/add-through-editor-and-remove", test_add_hub);

  return g_test_run ();
}
