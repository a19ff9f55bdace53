/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app in German (LANGUAGE=de in the C.UTF-8 locale, which every glibc
 * has), with the catalogue this build compiled from po/de.po: the state, the
 * view titles and the chart titles on screen are the German ones. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "eit-gui-test.h"

#define CONNECT_TIMEOUT_MS 20000

/* Whether a label showing exactly text is somewhere under widget. */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

static void
german_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitConnectionPage *connection_page = eit_monitor_window_get_connection_page (test->window);
  GtkWidget *window = GTK_WIDGET (test->window);
  g_autofree char *shot = NULL;

  g_assert_nonnull (watch);
  g_assert_true (eit_test_wait_until (eit_hub_watch_get_metrics (watch)->state ==
                                      EIT_CONNECTION_STATE_CONNECTED, CONNECT_TIMEOUT_MS));
  g_assert_true (eit_test_wait_until (g_strcmp0 (eit_connection_page_get_state_text (connection_page),
                                                 "Verbunden") == 0, 2000));
  /* The view switcher's titles and the connection page's section titles. */
  g_assert_true (shows_label (window, "Datenverkehr"));
  g_assert_true (shows_label (window, "Zustands-Zeitleiste"));
  g_assert_false (shows_label (window, "Traffic"));
  shot = eit_gui_test_screenshot (window, "translation-de-connection");
  g_clear_pointer (&shot, g_free);

  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (shows_label (window, "Nachrichten pro Sekunde"), 3000));
  g_assert_true (shows_label (window, "Nachrichtenprotokoll"));
  shot = eit_gui_test_screenshot (window, "translation-de-traffic");
}

static void
test_german (void)
{
  /* What the app's main() does, with this build's catalogues. */
  bindtextdomain (GETTEXT_PACKAGE, EIT_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_assert_cmpstr (_("Connected"), ==, "Verbunden");

  eit_gui_test_reset_settings ();
  eit_gui_test_run (german_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/translation/german", test_german);

  return g_test_run ();
}
