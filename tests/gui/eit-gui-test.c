/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-gui-test.h"
#include "eit-hub-config.h"

#define TEST_APP_ID "io.github.eithub.Monitor.Test"

void
eit_gui_test_reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (EIT_SETTINGS_SCHEMA);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
  /* No desktop notification service runs in the test session. */
  g_settings_set_boolean (settings, "notify-on-loss", FALSE);
  g_settings_set_int (settings, "window-width", 1200);
  g_settings_set_int (settings, "window-height", 820);
}

typedef struct {
  EitGuiTest     test;
  EitGuiTestFunc body;
  gboolean       ran;
} Run;

static void
body_idle_cb (gpointer user_data)
{
  Run *run = user_data;
  GList *windows;

  run->test.window = EIT_MONITOR_WINDOW (eit_gui_test_find_window (EIT_TYPE_MONITOR_WINDOW));
  g_assert_nonnull (run->test.window);
  eit_gui_test_wait_frames (GTK_WIDGET (run->test.window), 2, 5000);

  run->body (&run->test);
  run->ran = TRUE;

  /* Close every window the test left, then let destruction settle. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (run->test.app))) != NULL)
    gtk_window_destroy (GTK_WINDOW (windows->data));
  run->test.window = NULL;
  eit_test_run_for (50);
  g_application_quit (G_APPLICATION (run->test.app));
}

static void
activate_cb (GApplication *app,
             Run          *run)
{
  g_signal_handlers_disconnect_by_func (app, activate_cb, run);
  g_idle_add_once (body_idle_cb, run);
}

void
eit_gui_test_run (EitGuiTestFunc body,
                  gpointer       user_data)
{
  Run run = { { NULL, NULL, user_data }, body, FALSE };

  run.test.app = eit_monitor_application_new (TEST_APP_ID, G_APPLICATION_NON_UNIQUE,
                                              EIT_TYPE_MONITOR_WINDOW);
  g_signal_connect_after (run.test.app, "activate", G_CALLBACK (activate_cb), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (run.test.app), 0, NULL), ==, 0);
  g_assert_true (run.ran);
  g_assert_finalize_object (run.test.app);
}

typedef struct {
  guint frames;
} FrameCount;

static void
after_paint_cb (GdkFrameClock *clock,
                FrameCount    *count)
{
  count->frames++;
}

void
eit_gui_test_wait_frames (GtkWidget *widget,
                          guint      n,
                          guint      timeout_ms)
{
  GdkFrameClock *clock;
  FrameCount count = { 0 };
  gulong handler;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* The window must be mapped before it has a frame clock. */
  while (gtk_widget_get_frame_clock (widget) == NULL && g_get_monotonic_time () < deadline)
    eit_test_iterate ();
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &count);
  while (count.frames < n && g_get_monotonic_time () < deadline)
    {
      gtk_widget_queue_draw (widget);
      eit_test_iterate ();
    }
  g_signal_handler_disconnect (clock, handler);
}

char *
eit_gui_test_screenshot (GtkWidget  *widget,
                         const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GskRenderer *renderer;
  g_autofree char *file = NULL;
  char *path;
  int width, height;

  /* Let idle work (switchers, revealers) settle, then a few frames. */
  eit_test_run_for (250);
  eit_gui_test_wait_frames (widget, 3, 5000);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);

  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (eit_test_output_dir (), file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return path;
}

EitHubWatch *
eit_gui_test_demo_watch (EitGuiTest *test)
{
  EitHubStore *store = eit_monitor_application_get_store (test->app);
  EitHubConfig *config = eit_hub_store_lookup (store, "demo");

  return config != NULL ? eit_monitor_application_get_watch (test->app, config) : NULL;
}

void
eit_gui_test_fast_timings (EitHubWatch *watch)
{
  g_object_set (eit_hub_watch_get_connection (watch),
                "reconnect-base", 200,
                "reconnect-cap", 1500,
                "connect-timeout", 3000,
                NULL);
  g_object_set (watch, "sample-interval", 100, NULL);
}

GtkWindow *
eit_gui_test_find_window (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}
