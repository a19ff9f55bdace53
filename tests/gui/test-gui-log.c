/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live message log: filters by direction and type, text search, the
 * pretty-printed view of the selected message, and pause / resume; every
 * message the connection sends is logged as outgoing once, whoever sent it
 * (the composer, the demo hub's generator, other code). */
#include "config.h"

#include <string.h>

#include "eit-gui-test.h"

static EitMessageLogView *view;

/* Every row the log view shows passes check. */
static gboolean
all_entries (GListModel *model,
             gboolean  (*check) (EitLogEntry *entry, gconstpointer data),
             gconstpointer data)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(EitLogEntry) entry = eit_message_log_view_dup_entry (view, i);
      if (entry == NULL || !check (entry, data))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_direction (EitLogEntry   *entry,
              gconstpointer  data)
{
  return (int) eit_log_entry_get_direction (entry) == GPOINTER_TO_INT (data);
}

static gboolean
is_type (EitLogEntry   *entry,
         gconstpointer  data)
{
  return g_strcmp0 (eit_log_entry_get_message_type (entry), data) == 0;
}

static gboolean
contains (EitLogEntry   *entry,
          gconstpointer  data)
{
  return strstr (eit_log_entry_get_text (entry), data) != NULL;
}

/* Whether some row the log view shows passes check. */
static gboolean
any_entry (GListModel *model,
           gboolean  (*check) (EitLogEntry *entry, gconstpointer data),
           gconstpointer data)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(EitLogEntry) entry = eit_message_log_view_dup_entry (view, i);
      if (entry != NULL && check (entry, data))
        return TRUE;
    }
  return FALSE;
}

static GtkDropDown *
type_dropdown (void)
{
  return GTK_DROP_DOWN (gtk_widget_get_template_child (GTK_WIDGET (view), EIT_TYPE_MESSAGE_LOG_VIEW,
                                                       "type_dropdown"));
}

/* What the type dropdown shows. */
static const char *
shown_type (void)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (type_dropdown ());

  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

/* How often the type dropdown lists type; position: where, last. */
static guint
times_listed (const char *type,
              guint      *position)
{
  GListModel *types = gtk_drop_down_get_model (type_dropdown ());
  guint times = 0;

  for (guint i = 0; i < g_list_model_get_n_items (types); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (types), i), type) == 0)
      {
        times++;
        if (position != NULL)
          *position = i;
      }
  return times;
}

/* How often the filter menu (the narrow toolbar's) offers type. */
static guint
times_in_menu (const char *type)
{
  GMenuModel *section = G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (view), EIT_TYPE_MESSAGE_LOG_VIEW,
                                                                     "type_section"));
  guint times = 0;

  for (int i = 0; i < g_menu_model_get_n_items (section); i++)
    {
      g_autofree char *target = NULL;

      if (g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_TARGET, "s", &target) &&
          g_strcmp0 (target, type) == 0)
        times++;
    }
  return times;
}

/* The label of the one popup row of the type dropdown that shows its
 * check mark, or NULL (also if more than one does). */
static const char *
checked_in_popup (GtkWidget *widget)
{
  const char *found = NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *checked = NULL;

      if (GTK_IS_IMAGE (child) && gtk_widget_get_mapped (child) && gtk_widget_get_opacity (child) > 0 &&
          GTK_IS_LABEL (gtk_widget_get_prev_sibling (child)))
        checked = gtk_label_get_label (GTK_LABEL (gtk_widget_get_prev_sibling (child)));
      else
        checked = checked_in_popup (child);
      if (checked != NULL && found != NULL)
        return NULL;
      if (checked != NULL)
        found = checked;
    }
  return found;
}

static char *
dup_view_type (void)
{
  char *type = NULL;

  g_object_get (view, "type", &type, NULL);
  return type;
}

static gpointer
first_item (GListModel *model)
{
  gpointer item = eit_message_log_view_dup_entry (view, 0);

  if (item != NULL)
    g_object_unref (item);  /* the log keeps it; compared only */
  return item;
}

static void
log_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitTrafficPage *page = eit_monitor_window_get_traffic_page (test->window);
  view = eit_traffic_page_get_log_view (page);
  EitComposer *composer = eit_traffic_page_get_composer (page);
  EitMessageLog *log = eit_hub_watch_get_log (watch);
  GListModel *shown = eit_message_log_view_get_model (view);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autofree char *shot = NULL;
  g_autofree char *detail = NULL;
  gpointer first;
  guint n_shown;
  guint64 received;

  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (shown) >= 5, 8000));

  /* One message of ours. The demo generator's are outgoing too, so wait
   * for this one itself: the view knows its type once it is spliced in. */
  eit_composer_set_text (composer, "{\"type\": \"log-test\", \"note\": \"needle-42\"}");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_false (eit_composer_has_error (composer));
  g_assert_true (eit_test_wait_until (g_strv_contains (eit_message_log_get_types (log), "log-test"),
                                      3000));

  /* Direction: outgoing only. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.direction", "s", "out");
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (shown) >= 1, 3000));
  g_assert_true (all_entries (shown, is_direction, GINT_TO_POINTER (EIT_LOG_DIRECTION_OUT)));

  /* Incoming only. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.direction", "s", "in");
  g_assert_cmpuint (g_list_model_get_n_items (shown), >, 0);
  g_assert_true (all_entries (shown, is_direction, GINT_TO_POINTER (EIT_LOG_DIRECTION_IN)));

  /* Type: the demo hub's readings. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.direction", "s", "all");
  gtk_widget_activate_action (GTK_WIDGET (view), "log.type", "s", "reading");
  g_assert_cmpuint (g_list_model_get_n_items (shown), >, 0);
  g_assert_true (all_entries (shown, is_type, "reading"));
  gtk_widget_activate_action (GTK_WIDGET (view), "log.type", "s", "log-test");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  gtk_widget_activate_action (GTK_WIDGET (view), "log.type", "s", "");

  /* Text search. */
  eit_message_log_view_set_search (view, "NEEDLE-42");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_true (all_entries (shown, contains, "needle-42"));
  eit_message_log_view_select (view, 0);
  detail = eit_message_log_view_dup_detail (view);
  g_assert_nonnull (detail);
  g_assert_nonnull (strstr (detail, "\n  \"note\": \"needle-42\""));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "log-search");
  g_clear_pointer (&shot, g_free);
  eit_message_log_view_set_search (view, "");
  g_assert_cmpuint (g_list_model_get_n_items (shown), >, 1);

  /* Pause: the log stands still while messages keep arriving. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.pause", NULL);
  g_assert_true (eit_message_log_view_get_paused (view));
  eit_test_run_for (100);
  n_shown = g_list_model_get_n_items (shown);
  first = first_item (shown);
  received = m->messages_in;
  g_assert_true (eit_test_wait_until (m->messages_in >= received + 20, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_shown);
  g_assert_true (first_item (shown) == first);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "log-paused");
  g_clear_pointer (&shot, g_free);

  /* Resume: what arrived meanwhile comes in at once. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.pause", NULL);
  g_assert_false (eit_message_log_view_get_paused (view));
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (shown) >= n_shown + 20, 3000));
  g_assert_true (first_item (shown) != first);
}

static void
outgoing_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitConnection *connection = eit_hub_watch_get_connection (watch);
  EitTrafficPage *page = eit_monitor_window_get_traffic_page (test->window);
  GListModel *shown;
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  g_autofree char *shot = NULL;

  view = eit_traffic_page_get_log_view (page);
  shown = eit_message_log_view_get_model (view);
  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));

  /* The demo generator sends its commands through the same connection:
   * they are the outgoing half of the conversation. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.direction", "s", "out");
  g_assert_true (eit_test_wait_until (any_entry (shown, is_type, "command"), 5000));
  g_assert_true (all_entries (shown, is_direction, GINT_TO_POINTER (EIT_LOG_DIRECTION_OUT)));

  /* Code that is not the composer sends: logged as outgoing, once, with
   * both directions shown; a few more frames add no second copy. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.direction", "s", "all");
  eit_message_log_view_set_search (view, "sent-by-code-7");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  g_assert_true (eit_connection_send (connection, "{\"type\":\"direct\",\"note\":\"sent-by-code-7\"}"));
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (shown) > 0, 3000));
  eit_gui_test_wait_frames (GTK_WIDGET (test->window), 5, 2000);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_true (all_entries (shown, is_direction, GINT_TO_POINTER (EIT_LOG_DIRECTION_OUT)));
  g_assert_true (all_entries (shown, is_type, "direct"));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "log-outgoing-direct");
}

/* A type filter asked for before any message of that type arrived holds:
 * nothing is shown until such messages come, then exactly those, and types
 * that arrive later do not reset it. */
static void
type_ahead_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitConnection *connection = eit_hub_watch_get_connection (watch);
  EitTrafficPage *page = eit_monitor_window_get_traffic_page (test->window);
  EitMessageLog *log = eit_hub_watch_get_log (watch);
  const EitHubMetrics *m = eit_hub_watch_get_metrics (watch);
  GListModel *shown;
  g_autofree char *type = NULL;
  g_autofree char *shot = NULL;
  guint position = 0;

  view = eit_traffic_page_get_log_view (page);
  shown = eit_message_log_view_get_model (view);
  eit_monitor_window_show_view (test->window, "traffic");
  g_assert_true (eit_test_wait_until (m->state == EIT_CONNECTION_STATE_CONNECTED, 20000));
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (shown) >= 5, 8000));

  /* From all types to one nobody has sent yet. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.type", "s", "early-bird");
  type = dup_view_type ();
  g_assert_cmpstr (type, ==, "early-bird");
  g_clear_pointer (&type, g_free);
  g_assert_cmpstr (shown_type (), ==, "early-bird");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  eit_gui_test_wait_frames (GTK_WIDGET (test->window), 5, 2000);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);

  /* Its first message is the one row, and the type is listed once. */
  g_assert_true (eit_connection_send (connection, "{\"type\":\"early-bird\",\"note\":\"first\"}"));
  g_assert_true (eit_test_wait_until (g_list_model_get_n_items (shown) > 0, 3000));
  eit_gui_test_wait_frames (GTK_WIDGET (test->window), 5, 2000);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_true (all_entries (shown, is_type, "early-bird"));
  g_assert_cmpstr (shown_type (), ==, "early-bird");
  g_assert_cmpuint (times_listed ("early-bird", NULL), ==, 1);

  /* Other new types join the dropdown without resetting the filter. */
  g_assert_true (eit_connection_send (connection, "{\"type\":\"late-comer\"}"));
  g_assert_true (eit_test_wait_until (g_strv_contains (eit_message_log_get_types (log), "late-comer"),
                                      3000));
  eit_gui_test_wait_frames (GTK_WIDGET (test->window), 5, 2000);
  g_assert_cmpuint (times_listed ("late-comer", NULL), ==, 1);
  type = dup_view_type ();
  g_assert_cmpstr (type, ==, "early-bird");
  g_clear_pointer (&type, g_free);
  g_assert_cmpstr (shown_type (), ==, "early-bird");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_true (all_entries (shown, is_type, "early-bird"));

  /* From a listed type to another unsent one. */
  gtk_widget_activate_action (GTK_WIDGET (view), "log.type", "s", "night-owl");
  type = dup_view_type ();
  g_assert_cmpstr (type, ==, "night-owl");
  g_assert_cmpstr (shown_type (), ==, "night-owl");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "log-type-ahead");

  /* Picked in the dropdown instead, before any arrived: no longer listed. */
  g_clear_pointer (&type, g_free);
  g_assert_cmpuint (times_listed ("early-bird", &position), ==, 1);
  gtk_drop_down_set_selected (type_dropdown (), position);
  type = dup_view_type ();
  g_assert_cmpstr (type, ==, "early-bird");
  g_assert_cmpstr (shown_type (), ==, "early-bird");
  g_assert_cmpuint (times_listed ("night-owl", NULL), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);

  /* The filter menu offers the same types; the dropdown's popup marks the
   * chosen one. */
  g_assert_cmpuint (times_in_menu ("early-bird"), ==, 1);
  g_assert_cmpuint (times_in_menu ("late-comer"), ==, 1);
  g_assert_cmpuint (times_in_menu ("night-owl"), ==, 0);
  g_assert_cmpuint (times_in_menu (""), ==, 1);
  g_signal_emit_by_name (type_dropdown (), "activate");
  g_assert_true (eit_test_wait_until (g_strcmp0 (checked_in_popup (GTK_WIDGET (type_dropdown ())),
                                                 "early-bird") == 0, 3000));
}

static void
test_log (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (log_body, NULL);
}

static void
test_outgoing (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (outgoing_body, NULL);
}

static void
test_type_ahead (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (type_ahead_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/log/filter-search-pause", test_log);
  g_test_add_func ("/gui/log/outgoing-from-any-sender", test_outgoing);
  g_test_add_func ("/gui/log/type-before-first-message", test_type_ahead);

  return g_test_run ();
}
