/* SPDX-License-Identifier: GPL-3.0-or-later */
/* monitor-bench: the real application and window, its demo hub fed by
 * EitMonitorBench instead of the demo's own traffic (bench/monitor-load.md).
 * Not installed; bench/monitor-load runs it under Xvfb. */
#include "config.h"

#include <locale.h>

#include "eit-monitor-application.h"
#include "eit-monitor-bench.h"
#include "eit-monitor-window.h"

typedef struct {
  EitBenchOptions        options;
  EitMonitorApplication *app;
  EitMonitorBench       *bench;
  int                    status;
} Run;

static void
finished_cb (EitMonitorBench *bench,
             Run             *run)
{
  run->status = eit_monitor_bench_passed (bench) ? 0 : 3;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* Borrowed: the store keeps its reference. */
static EitHubConfig *
find_demo_config (EitHubStore *store)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(EitHubConfig) config = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (eit_hub_config_is_demo (config))
        return config;
    }
  return NULL;
}

/* After the application's own activate: its window is on screen. */
static void
activate_cb (EitMonitorApplication *app,
             Run                   *run)
{
  EitMonitorWindow *window = EIT_MONITOR_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  EitDemoHub *demo = eit_monitor_application_get_demo_hub (app);
  EitHubConfig *config = find_demo_config (eit_monitor_application_get_store (app));
  EitHubWatch *watch;

  g_signal_handlers_disconnect_by_func (app, activate_cb, run);
  if (demo == NULL || config == NULL)
    {
      g_printerr ("monitor-bench: no demo hub to measure: %s\n",
                  eit_monitor_application_get_demo_error (app) != NULL
                  ? eit_monitor_application_get_demo_error (app)
                  : "the demo hub is off in the settings");
      run->status = 1;
      g_application_quit (G_APPLICATION (app));
      return;
    }

  watch = eit_monitor_application_get_watch (app, config);
  /* The demo cycles its connection every 20-30 s to show cycling; a load
   * measurement uses the production interval (10-15 min) unless asked to
   * keep the demo's. */
  if (!run->options.demo_cycles)
    g_object_set (eit_hub_watch_get_connection (watch),
                  "cycle-interval-min", EIT_DEFAULT_CYCLE_INTERVAL_MIN_MS,
                  "cycle-interval-max", EIT_DEFAULT_CYCLE_INTERVAL_MAX_MS,
                  NULL);
  eit_monitor_window_select_hub (window, config);
  eit_monitor_window_show_view (window, run->options.view);

  run->bench = eit_monitor_bench_new (&run->options);
  g_signal_connect (run->bench, "finished", G_CALLBACK (finished_cb), run);
  eit_monitor_bench_start (run->bench, window, eit_demo_hub_get_server (demo), watch);
}

int
main (int   argc,
      char *argv[])
{
  Run run = { { 20000, 60, 3, 120, NULL, NULL, FALSE }, NULL, NULL, 0 };
  g_autofree char *view = NULL;
  GOptionEntry entries[] = {
    { "rate", 0, 0, G_OPTION_ARG_INT, &run.options.rate, "Messages per second into the monitor (20000)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &run.options.seconds, "Seconds to measure (60)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &run.options.warmup, "Seconds of traffic before measuring (3)", "S" },
    { "size", 0, 0, G_OPTION_ARG_INT, &run.options.size, "Approximate message size in bytes (120)", "BYTES" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &run.options.json_out, "Also write the figures to this JSON file", "FILE" },
    { "demo-cycles", 0, 0, G_OPTION_ARG_NONE, &run.options.demo_cycles,
      "Keep the demo hub's 20-30 s connection cycling while measuring", NULL },
    { "view", 0, 0, G_OPTION_ARG_STRING, &view,
      "The panel shown while measuring: traffic (default), connection, backoff", "NAME" },
    { NULL }
  };
  const char * const views[] = { "traffic", "connection", "backoff", NULL };
  g_autoptr(GOptionContext) context = g_option_context_new ("- measure eithub-monitor under load");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("monitor-bench: %s (see --help)\n", error->message);
      return 2;
    }
  if (view == NULL)
    view = g_strdup ("traffic");
  if (!g_strv_contains (views, view))
    {
      g_printerr ("monitor-bench: unknown view “%s”: use traffic, connection or backoff\n", view);
      return 2;
    }
  run.options.view = view;

  /* A first launch (the demo hub), with no desktop notification service. */
  settings = g_settings_new (EIT_SETTINGS_SCHEMA);
  g_settings_set_boolean (settings, "demo-hub", TRUE);
  g_settings_set_boolean (settings, "notify-on-loss", FALSE);

  run.app = eit_monitor_application_new (APP_ID, G_APPLICATION_NON_UNIQUE, EIT_TYPE_MONITOR_WINDOW);
  g_object_set (run.app, "demo-traffic", FALSE, NULL);
  g_signal_connect_after (run.app, "activate", G_CALLBACK (activate_cb), &run);
  if (g_application_run (G_APPLICATION (run.app), 0, NULL) != 0 && run.status == 0)
    run.status = 1;

  g_clear_object (&run.bench);
  g_clear_object (&run.app);
  g_free (run.options.json_out);
  return run.status;
}
