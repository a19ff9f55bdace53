/* SPDX-License-Identifier: GPL-3.0-or-later */
/* With no Secret Service to reach, saving a hub's token fails with a plain
 * message that says what to do; nothing crashes, the hub is saved, and the
 * token typed is still used for this session. */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"
#include "eit-hub-editor.h"
#include "eit-token-store.h"

static void
token_store_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (eit_token_store_save_finish (result, error));
}

static void
test_token_store_without_keyring (void)
{
  GError *error = NULL;

  eit_token_store_save_async ("hub-nokeyring", "No keyring", "secret-token", NULL,
                              token_store_cb, &error);
  g_assert_true (eit_test_wait_until (error != NULL, 10000));
  g_assert_error (error, EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_NO_KEYRING);
  g_assert_cmpstr (error->message, ==,
                   "No keyring is available, so the token cannot be stored. Install and unlock "
                   "GNOME Keyring, or another Secret Service, then try again.");
  g_clear_error (&error);
}

static void
editor_body (EitGuiTest *test)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitHubStore *store = eit_monitor_application_get_store (test->app);
  EitHubEditor *editor;
  EitHubWatch *watch;
  GObject *row;
  g_autofree char *shot = NULL;

  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.add-hub", NULL);
  g_assert_true (eit_test_wait_until (eit_gui_test_find_window (EIT_TYPE_HUB_EDITOR) != NULL, 3000));
  editor = EIT_HUB_EDITOR (eit_gui_test_find_window (EIT_TYPE_HUB_EDITOR));

  row = gtk_widget_get_template_child (GTK_WIDGET (editor), EIT_TYPE_HUB_EDITOR, "url_row");
  gtk_editable_set_text (GTK_EDITABLE (row), hub->url);
  row = gtk_widget_get_template_child (GTK_WIDGET (editor), EIT_TYPE_HUB_EDITOR, "token_row");
  gtk_editable_set_text (GTK_EDITABLE (row), hub->token);
  row = gtk_widget_get_template_child (GTK_WIDGET (editor), EIT_TYPE_HUB_EDITOR, "trust_row");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), EIT_TRUST_PINNED);
  row = gtk_widget_get_template_child (GTK_WIDGET (editor), EIT_TYPE_HUB_EDITOR, "pin_row");
  gtk_editable_set_text (GTK_EDITABLE (row), hub->fingerprint);

  gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL);
  g_assert_cmpuint (eit_hub_store_get_n_configured (store), ==, 1);
  g_assert_true (eit_test_wait_until (!eit_hub_editor_is_busy (editor), 10000));
  g_assert_nonnull (eit_hub_editor_get_error (editor));
  g_assert_nonnull (strstr (eit_hub_editor_get_error (editor), "No keyring is available"));
  g_assert_nonnull (strstr (eit_hub_editor_get_error (editor), "then try again"));
  shot = eit_gui_test_screenshot (GTK_WIDGET (editor), "no-keyring-editor");
  g_clear_pointer (&shot, g_free);

  /* The editor stays open on the message; the hub is saved and connects
   * with the token typed, for this session. */
  watch = eit_monitor_application_get_watch (test->app, eit_hub_editor_get_config (editor));
  g_assert_nonnull (watch);
  g_assert_true (eit_test_wait_until (eit_hub_watch_get_metrics (watch)->state ==
                                      EIT_CONNECTION_STATE_CONNECTED, 15000));
  gtk_window_close (GTK_WINDOW (editor));
  eit_test_run_for (300);
}

static void
test_editor_without_keyring (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (editor_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  /* A session bus address where nothing listens: no Secret Service. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/eit-test-no-bus", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/keyring/missing/token-store", test_token_store_without_keyring);
  g_test_add_func ("/gui/keyring/missing/editor", test_editor_without_keyring);

  return g_test_run ();
}
