/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A 360 px wide window (a phone, half of a small laptop screen): nothing in
 * the main window may demand more width than that, on any page or in the
 * hub list; the view switcher moves to the bottom bar there, and the
 * default size keeps the wide layout. The message log adapts itself, with
 * nothing scrolling sideways, at 360 px and at 800 px beside the sidebar;
 * in the narrow log the detail of a message takes the table's place. */
#include "config.h"

#include "eit-gui-test.h"

#define NARROW_WIDTH 360
#define NARROW_HEIGHT 640
/* The log leaves room for margins around it in a 360 px window. */
#define LOG_MIN_WIDTH 336
#define MID_WIDTH 800
#define MID_HEIGHT 700
#define CONNECT_TIMEOUT_MS 20000

static GObject *
window_child (EitGuiTest *test,
              const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (test->window), EIT_TYPE_MONITOR_WINDOW, name);
}

static int
minimum_width (GtkWidget *widget)
{
  int minimum;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  return minimum;
}

/* The first mapped scrolled window in widget, depth first. */
static GtkScrolledWindow *
find_scrolled (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    return GTK_SCROLLED_WINDOW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkScrolledWindow *found = gtk_widget_get_mapped (child) ? find_scrolled (child) : NULL;
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
log_child (EitMessageLogView *log,
           const char        *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (log), EIT_TYPE_MESSAGE_LOG_VIEW, name));
}

/* No mapped scrolled window in widget scrolls sideways or shows a
 * horizontal scrollbar. */
static void
assert_no_sideways_scrolling (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    {
      GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (widget);
      GtkAdjustment *adjustment = gtk_scrolled_window_get_hadjustment (scrolled);

      g_assert_false (gtk_widget_get_mapped (gtk_scrolled_window_get_hscrollbar (scrolled)));
      g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_lower (adjustment),
                         <=, gtk_adjustment_get_page_size (adjustment) + 0.5);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_get_mapped (child))
      assert_no_sideways_scrolling (child);
}

/* The log on the Traffic page: no scroller around it, a minimum that fits
 * 336 px and its allocation, every control it shows whole and inside it,
 * the filters at hand, and nothing scrolling sideways. */
static void
check_log (EitGuiTest *test)
{
  EitTrafficPage *page = eit_monitor_window_get_traffic_page (test->window);
  EitMessageLogView *log = eit_traffic_page_get_log_view (page);
  GtkWidget *paned = log_child (log, "paned");
  int width = gtk_widget_get_width (GTK_WIDGET (log));

  for (GtkWidget *up = gtk_widget_get_parent (GTK_WIDGET (log)); up != GTK_WIDGET (page);
       up = gtk_widget_get_parent (up))
    g_assert_false (GTK_IS_SCROLLED_WINDOW (up));

  g_test_message ("log: minimum width %d, width %d; page minimum width %d",
                  minimum_width (GTK_WIDGET (log)), width, minimum_width (GTK_WIDGET (page)));
  g_assert_cmpint (minimum_width (GTK_WIDGET (log)), <=, LOG_MIN_WIDTH);
  g_assert_cmpint (minimum_width (GTK_WIDGET (log)), <=, width);
  g_assert_cmpint (width, <=, gtk_widget_get_width (GTK_WIDGET (page)));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (log)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      graphene_rect_t bounds;

      if (child == paned || !gtk_widget_get_mapped (child))
        continue;
      g_assert_true (gtk_widget_compute_bounds (child, GTK_WIDGET (log), &bounds));
      g_assert_cmpfloat (bounds.origin.x, >=, 0);
      g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, width);
      g_assert_cmpfloat (bounds.size.width + gtk_widget_get_margin_start (child) +
                         gtk_widget_get_margin_end (child), >=, minimum_width (child));
    }
  g_assert_true (gtk_widget_get_mapped (log_child (log, "search_entry")));
  g_assert_true (gtk_widget_get_mapped (log_child (log, "direction_dropdown")) ||
                 gtk_widget_get_mapped (log_child (log, "filter_button")));
  g_assert_true (gtk_widget_get_mapped (log_child (log, "column_view")));

  assert_no_sideways_scrolling (GTK_WIDGET (page));
}

/* Selecting a message in the narrow log shows it in the table's place,
 * with nothing scrolling sideways; the close button brings the table
 * back. */
static void
check_log_detail (EitGuiTest *test)
{
  EitTrafficPage *page = eit_monitor_window_get_traffic_page (test->window);
  EitMessageLogView *log = eit_traffic_page_get_log_view (page);
  g_autofree char *detail = NULL;
  g_autofree char *shot = NULL;

  g_object_set (log, "paused", TRUE, NULL);
  eit_message_log_view_select (log, 0);
  detail = eit_message_log_view_dup_detail (log);
  g_assert_nonnull (detail);
  g_assert_true (eit_test_wait_until (gtk_widget_get_mapped (log_child (log, "detail_view")), 3000));
  g_assert_false (gtk_widget_get_mapped (log_child (log, "column_view")));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "narrow-360-traffic-detail");
  assert_no_sideways_scrolling (GTK_WIDGET (page));

  g_signal_emit_by_name (log_child (log, "close_detail_button"), "clicked");
  g_assert_null (eit_message_log_view_dup_detail (log));
  g_assert_true (eit_test_wait_until (gtk_widget_get_mapped (log_child (log, "column_view")), 3000));
  g_assert_false (gtk_widget_get_mapped (log_child (log, "detail_view")));
  g_object_set (log, "paused", FALSE, NULL);
}

/* Scrolls a page to its end for a second screenshot, then back. */
static void
screenshot_end (EitGuiTest *test,
                GtkWidget  *page,
                const char *name)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (find_scrolled (page));
  g_autofree char *shot = NULL;

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), name);
  gtk_adjustment_set_value (adjustment, 0);
}

/* Shows view, checks that neither it nor the window's content asks for
 * more than the narrow width, and saves narrow-360-<view>.png. */
static void
check_view (EitGuiTest *test,
            const char *view)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (test->window));
  AdwViewStack *stack = ADW_VIEW_STACK (window_child (test, "view_stack"));
  g_autofree char *name = g_strconcat ("narrow-360-", view, NULL);
  g_autofree char *shot = NULL;

  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.view", "s", view);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, view);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), name);

  g_test_message ("%s: page minimum width %d, content %d, window %d", view,
                  minimum_width (adw_view_stack_get_visible_child (stack)),
                  minimum_width (content), gtk_widget_get_width (GTK_WIDGET (test->window)));
  g_assert_cmpint (minimum_width (adw_view_stack_get_visible_child (stack)), <=, NARROW_WIDTH);
  g_assert_cmpint (minimum_width (content), <=, NARROW_WIDTH);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (test->window)), <=, 400);
}

/* At 1200 × 820 the log is laid out as before: the toolbar in one row,
 * the detail beside the table. */
static void
check_wide_log (EitGuiTest *test)
{
  EitMessageLogView *log = eit_traffic_page_get_log_view (eit_monitor_window_get_traffic_page (test->window));
  GtkWidget *table = log_child (log, "column_view");
  GtkWidget *detail = log_child (log, "detail_stack");
  graphene_rect_t title, search, table_bounds, detail_bounds;

  eit_gui_test_wait_frames (GTK_WIDGET (test->window), 3, 2000);
  g_assert_true (gtk_widget_get_mapped (log_child (log, "direction_dropdown")));
  g_assert_true (gtk_widget_compute_bounds (log_child (log, "title_label"), GTK_WIDGET (log), &title));
  g_assert_true (gtk_widget_compute_bounds (log_child (log, "search_entry"), GTK_WIDGET (log), &search));
  g_assert_cmpfloat (search.origin.y, <, title.origin.y + title.size.height);

  g_assert_true (gtk_widget_get_mapped (table));
  g_assert_true (gtk_widget_get_mapped (detail));
  g_assert_true (gtk_widget_compute_bounds (table, GTK_WIDGET (log), &table_bounds));
  g_assert_true (gtk_widget_compute_bounds (detail, GTK_WIDGET (log), &detail_bounds));
  g_assert_cmpfloat (detail_bounds.origin.x, >=, table_bounds.origin.x + table_bounds.size.width);
  g_assert_cmpfloat (detail_bounds.size.width, >=, 260);
  g_assert_false (gtk_widget_get_mapped (log_child (log, "close_detail_button")));
}

static void
narrow_body (EitGuiTest *test)
{
  EitHubWatch *watch = eit_gui_test_demo_watch (test);
  EitBackoffPage *backoff = eit_monitor_window_get_backoff_page (test->window);
  AdwLeaflet *leaflet = ADW_LEAFLET (window_child (test, "leaflet"));
  AdwViewSwitcherTitle *title = ADW_VIEW_SWITCHER_TITLE (window_child (test, "switcher_title"));
  EitMessageLogView *log = eit_traffic_page_get_log_view (eit_monitor_window_get_traffic_page (test->window));
  g_autofree char *shot = NULL;

  g_assert_true (eit_test_wait_until (eit_hub_watch_get_metrics (watch)->messages_in > 10,
                                      CONNECT_TIMEOUT_MS));
  g_assert_true (eit_test_wait_until (eit_backoff_page_is_active (backoff), 5000));

  /* The default size keeps the wide layout: sidebar, switcher in the header. */
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_false (adw_view_switcher_title_get_title_visible (title));
  g_assert_false (eit_backoff_page_get_narrow (backoff));

  gtk_window_set_default_size (GTK_WINDOW (test->window), NARROW_WIDTH, NARROW_HEIGHT);
  g_assert_true (eit_test_wait_until (adw_leaflet_get_folded (leaflet) &&
                                      gtk_widget_get_width (GTK_WIDGET (test->window)) <= 400,
                                      5000));
  /* The switcher moved to the bottom bar, and the back-off charts stack. */
  g_assert_true (eit_test_wait_until (adw_view_switcher_title_get_title_visible (title), 3000));
  g_assert_true (eit_backoff_page_get_narrow (backoff));

  check_view (test, "connection");
  screenshot_end (test, GTK_WIDGET (eit_monitor_window_get_connection_page (test->window)),
                  "narrow-360-connection-end");
  check_view (test, "traffic");
  check_log (test);
  check_log_detail (test);
  check_view (test, "backoff");
  screenshot_end (test, GTK_WIDGET (backoff), "narrow-360-backoff-end");

  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.show-hubs", NULL);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "narrow-360-hubs");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (test->window)), <=, 400);

  /* In between, beside the sidebar: the log fits without scrolling. */
  gtk_window_set_default_size (GTK_WINDOW (test->window), MID_WIDTH, MID_HEIGHT);
  g_assert_true (eit_test_wait_until (!adw_leaflet_get_folded (leaflet) &&
                                      gtk_widget_get_width (GTK_WIDGET (test->window)) > 700, 5000));
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.view", "s", "traffic");
  g_clear_pointer (&shot, g_free);
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "mid-800-traffic");
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (test->window)), <=, MID_WIDTH + 40);
  check_log (test);
  /* A long type name shrinks its dropdown rather than widening the log. */
  gtk_widget_activate_action (GTK_WIDGET (log), "log.type", "s",
                              "a-message-type-with-a-name-far-longer-than-any-dropdown-should-be");
  eit_gui_test_wait_frames (GTK_WIDGET (test->window), 3, 2000);
  check_log (test);
  gtk_widget_activate_action (GTK_WIDGET (log), "log.type", "s", "");

  gtk_window_set_default_size (GTK_WINDOW (test->window), 1200, 820);
  g_assert_true (eit_test_wait_until (!adw_leaflet_get_folded (leaflet) &&
                                      !adw_view_switcher_title_get_title_visible (title), 5000));
  g_assert_false (eit_backoff_page_get_narrow (backoff));
  check_wide_log (test);
}

static void
test_narrow (void)
{
  eit_gui_test_reset_settings ();
  eit_gui_test_run (narrow_body, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/narrow/every-page-fits-360px", test_narrow);

  return g_test_run ();
}
