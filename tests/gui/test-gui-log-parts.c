/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The log view's parts on their own, with a display but without a hub: the
 * filter's answers and its strictness, the one table of connection-state
 * styles (and the style sheet made from it), and a log view that comes
 * and goes without leaking. */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"
#include "eit-log-filter.h"
#include "eit-state-style.h"

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_filter (void)
{
  EitLogFilter *filter = eit_log_filter_new ();
  EitLogEntry *hello = eit_log_entry_new (0, EIT_LOG_DIRECTION_IN, "{\"type\":\"hello\",\"x\":\"Needle\"}", 31);
  EitLogEntry *sent = eit_log_entry_new (0, EIT_LOG_DIRECTION_OUT, "{\"type\":\"ping\"}", 15);
  guint changes = 0;

  g_signal_connect_swapped (filter, "changed", G_CALLBACK (count_cb), &changes);
  g_assert_cmpint (gtk_filter_get_strictness (GTK_FILTER (filter)), ==, GTK_FILTER_MATCH_ALL);
  g_assert_true (gtk_filter_match (GTK_FILTER (filter), hello));

  /* Unknown directions mean both; an unchanged value changes nothing. */
  g_assert_false (eit_log_filter_set_direction (filter, "sideways"));
  g_assert_cmpstr (eit_log_filter_get_direction (filter), ==, "all");
  g_assert_true (eit_log_filter_set_direction (filter, "out"));
  g_assert_cmpint (gtk_filter_get_strictness (GTK_FILTER (filter)), ==, GTK_FILTER_MATCH_SOME);
  g_assert_false (gtk_filter_match (GTK_FILTER (filter), hello));
  g_assert_true (gtk_filter_match (GTK_FILTER (filter), sent));
  g_assert_true (eit_log_filter_set_direction (filter, NULL));
  g_assert_cmpuint (changes, ==, 2);

  g_assert_true (eit_log_filter_set_message_type (filter, "hello"));
  g_assert_true (gtk_filter_match (GTK_FILTER (filter), hello));
  g_assert_false (gtk_filter_match (GTK_FILTER (filter), sent));
  g_assert_true (eit_log_filter_set_message_type (filter, NULL));
  g_assert_cmpstr (eit_log_filter_get_message_type (filter), ==, "");

  /* The search is folded and stripped, and matches in any case. */
  g_assert_true (eit_log_filter_set_search (filter, "  NEEDLE "));
  g_assert_cmpstr (eit_log_filter_get_search (filter), ==, "needle");
  g_assert_false (eit_log_filter_set_search (filter, "needle"));
  g_assert_true (gtk_filter_match (GTK_FILTER (filter), hello));
  g_assert_false (gtk_filter_match (GTK_FILTER (filter), sent));
  g_assert_true (eit_log_filter_set_search (filter, ""));
  g_assert_cmpint (gtk_filter_get_strictness (GTK_FILTER (filter)), ==, GTK_FILTER_MATCH_ALL);
  g_assert_cmpuint (changes, ==, 6);

  g_signal_handlers_disconnect_by_data (filter, &changes);
  g_assert_finalize_object (hello);
  g_assert_finalize_object (sent);
  g_assert_finalize_object (filter);
}

static void
css_error_cb (GtkCssProvider *provider,
              GtkCssSection  *section,
              GError         *error,
              gpointer        user_data)
{
  g_error ("the state style sheet does not parse: %s", error->message);
}

static void
test_state_style (void)
{
  g_autoptr(GHashTable) classes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
  g_autofree char *css = eit_connection_state_dup_css ();

  for (EitConnectionState s = EIT_CONNECTION_STATE_DISCONNECTED; s <= EIT_CONNECTION_STATE_FAILED; s++)
    {
      const char *klass = eit_connection_state_get_css_class (s);
      g_autofree char *rule = NULL;
      GdkRGBA color;

      /* Each state its own class, named after the state's nick, and a
       * colour that both CSS and the state band can read. */
      g_assert_true (g_hash_table_add (classes, (gpointer) klass));
      g_assert_cmpstr (klass + strlen ("state-"), ==, eit_connection_state_to_string (s));
      g_assert_true (gdk_rgba_parse (&color, eit_connection_state_get_color (s)));
      rule = g_strdup_printf (".state-dot.%s { background-color: %s; }", klass,
                              eit_connection_state_get_color (s));
      g_assert_nonnull (strstr (css, rule));
      g_assert_cmpstr (eit_connection_state_get_label (s), !=, "Unknown");
    }
  g_assert_cmpstr (eit_connection_state_get_label (EIT_CONNECTION_STATE_FAILED + 1), ==, "Unknown");
  g_assert_cmpstr (eit_connection_state_get_css_class (EIT_CONNECTION_STATE_FAILED + 1), ==, "state-failed");
  g_assert_cmpstr (eit_connection_state_get_label (EIT_CONNECTION_STATE_BACKING_OFF), ==, "Backing off");

  g_signal_connect (provider, "parsing-error", G_CALLBACK (css_error_cb), NULL);
  gtk_css_provider_load_from_data (provider, css, -1);
}

/* A log view without a hub, and one that had a hub's log: both go away
 * whole (the signal groups, the cells, the detail and the filter are
 * cleared in dispose). */
static void
test_view_finalizes (void)
{
  g_autoptr(EitHubConfig) config = eit_hub_config_new_demo ("wss://127.0.0.1:9/", NULL);
  EitHubWatch *watch = eit_hub_watch_new (config, "token");
  GtkWidget *view = g_object_ref_sink (g_object_new (EIT_TYPE_MESSAGE_LOG_VIEW, NULL));
  GtkWidget *other = g_object_ref_sink (g_object_new (EIT_TYPE_MESSAGE_LOG_VIEW, "watch", watch, NULL));

  g_object_set (other, "direction", "in", "type", "hello", "search", "x", NULL);
  g_assert_finalize_object (view);
  g_assert_finalize_object (other);
  g_assert_finalize_object (watch);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gui/log-parts/filter", test_filter);
  g_test_add_func ("/gui/log-parts/state-style", test_state_style);
  g_test_add_func ("/gui/log-parts/view-finalizes", test_view_finalizes);
  return g_test_run ();
}
