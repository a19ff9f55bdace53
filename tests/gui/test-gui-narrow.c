/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A 360 px wide window (a phone, half of a small laptop screen): nothing in
 * the main window may demand more width than that, on any page or in the
 * hub list; the view switcher moves to the bottom bar there, and the
 * default size keeps the wide layout. */
#include "config.h"

#include "eit-gui-test.h"

#define NARROW_WIDTH 360
#define NARROW_HEIGHT 640
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

static void
narrow_body (EitGuiTest *test)
{
  EitHubMonitor *monitor = eit_gui_test_demo_monitor (test);
  EitBackoffPage *backoff = eit_monitor_window_get_backoff_page (test->window);
  AdwLeaflet *leaflet = ADW_LEAFLET (window_child (test, "leaflet"));
  AdwViewSwitcherTitle *title = ADW_VIEW_SWITCHER_TITLE (window_child (test, "switcher_title"));
  g_autofree char *shot = NULL;

  g_assert_true (eit_test_wait_until (eit_hub_monitor_get_metrics (monitor)->messages_in > 10,
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
  check_view (test, "backoff");
  screenshot_end (test, GTK_WIDGET (backoff), "narrow-360-backoff-end");

  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.show-hubs", NULL);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");
  shot = eit_gui_test_screenshot (GTK_WIDGET (test->window), "narrow-360-hubs");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (test->window)), <=, 400);

  gtk_window_set_default_size (GTK_WINDOW (test->window), 1200, 820);
  g_assert_true (eit_test_wait_until (!adw_leaflet_get_folded (leaflet) &&
                                      !adw_view_switcher_title_get_title_visible (title), 5000));
  g_assert_false (eit_backoff_page_get_narrow (backoff));
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
