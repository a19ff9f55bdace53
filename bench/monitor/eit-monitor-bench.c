/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eit-hub-server.h"
#include "eit-hub-session.h"
#include "eit-monitor-bench.h"

#define FEED_INTERVAL_MS   5
#define PROBE_INTERVAL_MS  5
#define STALL_LIMIT_US     (20 * 1000)
#define RSS_GROWTH_LIMIT   (16.0 * 1024 * 1024)

typedef enum { PHASE_CONNECTING, PHASE_WARMUP, PHASE_MEASURE, PHASE_DONE } Phase;

struct _EitMonitorBench
{
  GObject           parent_instance;

  EitBenchOptions   options;
  EitMonitorWindow *window;
  EitHubServer     *server;
  EitHubWatch    *watch;
  GdkFrameClock    *clock;
  gulong            before_handler;
  gulong            update_handler;
  gulong            layout_handler;
  gulong            paint_handler;

  Phase             phase;
  gint64            feed_start;
  guint64           sent;
  guint64           refused;
  guint64           seq;
  char             *padding;
  guint             feed_id;
  guint             probe_id;
  guint             phase_id;
  guint             rss_id;

  gint64            measure_start;
  gint64            measure_end;
  gint64            last_probe;
  gint64            max_lateness;
  guint             n_stalls;
  GArray           *probe_lateness;    /* gint64 µs */
  gint64            frame_begin;
  gint64            frame_cpu_begin;
  GArray           *frame_cpu;         /* gint64 µs of main-thread CPU per frame */
  gint64            cpu_start, cpu_end;
  gint64            update_end;
  gint64            layout_end;
  gint64            last_frame;
  GArray           *frame_intervals;   /* gint64 µs */
  GArray           *frame_work;        /* gint64 µs */
  GArray           *frame_update;      /* tick callbacks: the log splice, charts */
  GArray           *frame_layout;
  GArray           *frame_paint;
  guint64           in_start, in_end;
  guint64           sent_start, sent_end;
  double            rss_start, rss_end, rss_min, rss_max, rss_peak;
  GString          *rss_trend;         /* MB every 10 s while measuring */
  GString          *stall_times;       /* when the stalls happened */
  GString          *events;            /* connection transitions while measuring */
  gulong            transition_handler;
  guint             rss_ticks;
  gboolean          passed;
};

G_DEFINE_FINAL_TYPE (EitMonitorBench, eit_monitor_bench, G_TYPE_OBJECT)

enum { FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static double
read_rss (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return NAN;
  return (double) resident * sysconf (_SC_PAGESIZE);
}

static double
read_peak_rss (void)
{
  g_autofree char *status = NULL;
  const char *line;
  unsigned long kb = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL ||
      sscanf (line + 6, "%lu", &kb) != 1)
    return NAN;
  return kb * 1024.0;
}

/* CPU time of this thread (µs): unlike wall time, other processes on a
 * busy machine do not inflate it. */
static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *values,
               double  p)
{
  guint index;

  if (values->len == 0)
    return NAN;
  index = (guint) MIN (values->len - 1, floor (p / 100.0 * values->len));
  return g_array_index (values, gint64, index) / 1000.0;
}

static gboolean
feed_cb (gpointer user_data)
{
  EitMonitorBench *self = user_data;
  GPtrArray *sessions = eit_hub_server_get_sessions (self->server);
  gint64 now = g_get_monotonic_time ();
  guint64 due;
  guint64 budget;

  if (self->feed_start == 0)
    self->feed_start = now;
  due = (guint64) ((now - self->feed_start) / 1e6 * self->options.rate);
  /* Never more than 50 ms worth at once: a late tick does not make a burst. */
  budget = MIN (due > self->sent ? due - self->sent : 0, (guint64) self->options.rate / 20 + 1);

  for (guint64 i = 0; i < budget; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"type\":\"bench\",\"seq\":%" G_GUINT64_FORMAT
                                               ",\"t\":%" G_GINT64_FORMAT ",\"pad\":\"%s\"}",
                                               ++self->seq, now, self->padding);
      gboolean accepted = FALSE;

      for (guint s = 0; s < sessions->len; s++)
        accepted |= eit_hub_session_send (g_ptr_array_index (sessions, s), json, -1);
      if (!accepted)
        {
          self->refused += budget - i;
          break;
        }
      self->sent++;
    }
  /* Refused messages are not owed later. */
  if (due > self->sent + self->options.rate)
    self->sent = due;
  return G_SOURCE_CONTINUE;
}

static gboolean
probe_cb (gpointer user_data)
{
  EitMonitorBench *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->phase == PHASE_MEASURE && self->last_probe != 0)
    {
      gint64 lateness = MAX (0, now - self->last_probe - PROBE_INTERVAL_MS * 1000);

      g_array_append_val (self->probe_lateness, lateness);
      self->max_lateness = MAX (self->max_lateness, lateness);
      if (lateness > STALL_LIMIT_US)
        {
          self->n_stalls++;
          g_string_append_printf (self->stall_times, "%s%.1f s (%.0f ms)", self->stall_times->len ? ", " : "",
                                  (now - self->measure_start) / 1e6, lateness / 1000.0);
        }
    }
  self->last_probe = now;
  return G_SOURCE_CONTINUE;
}

static void
frame_before_cb (GdkFrameClock   *clock,
                 EitMonitorBench *self)
{
  self->frame_begin = g_get_monotonic_time ();
  self->frame_cpu_begin = thread_cpu_time ();
  self->update_end = self->layout_end = 0;
}

/* Connected after GTK's own handlers: these run when a phase is done. */
static void
frame_update_cb (GdkFrameClock   *clock,
                 EitMonitorBench *self)
{
  self->update_end = g_get_monotonic_time ();
}

static void
frame_layout_cb (GdkFrameClock   *clock,
                 EitMonitorBench *self)
{
  self->layout_end = g_get_monotonic_time ();
}

static void
frame_painted_cb (GdkFrameClock   *clock,
                  EitMonitorBench *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->phase == PHASE_MEASURE)
    {
      if (self->frame_begin != 0)
        {
          gint64 work = now - self->frame_begin;
          gint64 cpu = thread_cpu_time () - self->frame_cpu_begin;
          g_array_append_val (self->frame_work, work);
          g_array_append_val (self->frame_cpu, cpu);
          if (self->update_end != 0 && self->layout_end != 0)
            {
              gint64 update = self->update_end - self->frame_begin;
              gint64 layout = self->layout_end - self->update_end;
              gint64 paint = now - self->layout_end;
              g_array_append_val (self->frame_update, update);
              g_array_append_val (self->frame_layout, layout);
              g_array_append_val (self->frame_paint, paint);
            }
        }
      if (self->last_frame != 0)
        {
          gint64 interval = now - self->last_frame;
          g_array_append_val (self->frame_intervals, interval);
        }
    }
  self->last_frame = now;
}

static void
transition_cb (EitConnection      *connection,
               EitConnectionState  old_state,
               EitConnectionState  new_state,
               const char         *reason,
               EitMonitorBench    *self)
{
  if (self->phase != PHASE_MEASURE)
    return;
  g_string_append_printf (self->events, "%s%.1f s %s", self->events->len ? ", " : "",
                          (g_get_monotonic_time () - self->measure_start) / 1e6,
                          eit_connection_state_to_string (new_state));
}

static gboolean
rss_cb (gpointer user_data)
{
  EitMonitorBench *self = user_data;
  double rss = read_rss ();

  if (self->phase == PHASE_MEASURE && !isnan (rss))
    {
      self->rss_min = MIN (self->rss_min, rss);
      self->rss_max = MAX (self->rss_max, rss);
      if (++self->rss_ticks % 10 == 0)
        g_string_append_printf (self->rss_trend, "%s%.0f", self->rss_trend->len ? " " : "",
                                rss / 1048576.0);
    }
  return G_SOURCE_CONTINUE;
}

static void
print_row (GString    *out,
           const char *name,
           const char *value)
{
  g_string_append_printf (out, "| %-44s | %-36s |\n", name, value);
}

static void
report (EitMonitorBench *self)
{
  double seconds = (self->measure_end - self->measure_start) / 1e6;
  double in_rate = seconds > 0 ? (self->in_end - self->in_start) / seconds : 0;
  double sent_rate = seconds > 0 ? (self->sent_end - self->sent_start) / seconds : 0;
  EitMessageLog *log = eit_hub_watch_get_log (self->watch);
  GString *out = g_string_new (NULL);
  double growth = self->rss_end - self->rss_start;
  gboolean rate_ok = in_rate >= 0.95 * self->options.rate;
  gboolean stalls_ok = self->n_stalls == 0;
  gboolean memory_ok = growth <= RSS_GROWTH_LIMIT;
  char buf[256];

  g_array_sort (self->frame_intervals, compare_int64);
  g_array_sort (self->frame_work, compare_int64);
  g_array_sort (self->probe_lateness, compare_int64);
  g_array_sort (self->frame_update, compare_int64);
  g_array_sort (self->frame_cpu, compare_int64);
  g_array_sort (self->frame_layout, compare_int64);
  g_array_sort (self->frame_paint, compare_int64);
  self->passed = rate_ok && stalls_ok && memory_ok;

  g_string_append (out, "\neithub-monitor load benchmark (bench/monitor-load)\n\n");
  print_row (out, "figure", "value");
  g_string_append (out, "|----------------------------------------------|--------------------------------------|\n");
  g_snprintf (buf, sizeof buf, "%u msg/s, ~%u B each", self->options.rate, self->options.size);
  print_row (out, "target rate into the monitor", buf);
  g_snprintf (buf, sizeof buf, "%.1f s (after %u s warm-up)", seconds, self->options.warmup);
  print_row (out, "measured", buf);
  g_snprintf (buf, sizeof buf, "%.0f msg/s", sent_rate);
  print_row (out, "sent by the hub", buf);
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT " (%.0f msg/s)%s", self->in_end - self->in_start,
              in_rate, rate_ok ? "" : "  << below 95% of target");
  print_row (out, "received by the monitor", buf);
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, eit_hub_watch_get_metrics (self->watch)->messages_in);
  print_row (out, "received in total (incl. warm-up)", buf);
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, self->refused);
  print_row (out, "refused by the hub's send queue", buf);
  g_snprintf (buf, sizeof buf, "%u%s", self->n_stalls, stalls_ok ? "" : "  << FAIL");
  print_row (out, "main-loop stalls over 20 ms", buf);
  g_snprintf (buf, sizeof buf, "%.1f / %.1f / %.1f ms", percentile_ms (self->probe_lateness, 99),
              percentile_ms (self->probe_lateness, 99.9), self->max_lateness / 1000.0);
  print_row (out, "high-priority timer lateness p99/p99.9/max", buf);
  g_snprintf (buf, sizeof buf, "%u (%.1f/s)", self->frame_intervals->len + 1,
              seconds > 0 ? self->frame_intervals->len / seconds : 0);
  print_row (out, "frames drawn", buf);
  g_snprintf (buf, sizeof buf, "%.1f / %.1f / %.1f / %.1f ms",
              percentile_ms (self->frame_intervals, 50), percentile_ms (self->frame_intervals, 95),
              percentile_ms (self->frame_intervals, 99),
              self->frame_intervals->len ? g_array_index (self->frame_intervals, gint64,
                                                          self->frame_intervals->len - 1) / 1000.0 : NAN);
  print_row (out, "frame interval p50/p95/p99/max", buf);
  g_snprintf (buf, sizeof buf, "%.2f / %.2f / %.2f / %.2f ms",
              percentile_ms (self->frame_work, 50), percentile_ms (self->frame_work, 95),
              percentile_ms (self->frame_work, 99),
              self->frame_work->len ? g_array_index (self->frame_work, gint64,
                                                     self->frame_work->len - 1) / 1000.0 : NAN);
  print_row (out, "frame time (update..paint) p50/p95/p99/max", buf);
  g_snprintf (buf, sizeof buf, "%.2f / %.2f / %.2f ms", percentile_ms (self->frame_cpu, 50),
              percentile_ms (self->frame_cpu, 95), percentile_ms (self->frame_cpu, 99));
  print_row (out, "frame CPU time (this thread) p50/p95/p99", buf);
  g_snprintf (buf, sizeof buf, "%.0f%% of one CPU",
              seconds > 0 ? 100.0 * (self->cpu_end - self->cpu_start) / 1e6 / seconds : 0);
  print_row (out, "main thread CPU (hub, client and UI)", buf);
  g_snprintf (buf, sizeof buf, "%.2f / %.2f / %.2f ms", percentile_ms (self->frame_layout, 50),
              percentile_ms (self->frame_layout, 95), percentile_ms (self->frame_layout, 99));
  print_row (out, "  of which ticks+layout (log splice) p50/p95/p99", buf);
  g_snprintf (buf, sizeof buf, "%.2f / %.2f / %.2f ms", percentile_ms (self->frame_paint, 50),
              percentile_ms (self->frame_paint, 95), percentile_ms (self->frame_paint, 99));
  print_row (out, "  of which paint p50/p95/p99", buf);
  g_snprintf (buf, sizeof buf, "%u rows; %" G_GUINT64_FORMAT " skipped",
              g_list_model_get_n_items (eit_message_log_get_model (log)),
              eit_message_log_get_n_skipped (log));
  print_row (out, "message log (ring)", buf);
  g_snprintf (buf, sizeof buf, "%.1f / %.1f MB (%+.1f MB)%s", self->rss_start / 1048576.0,
              self->rss_end / 1048576.0, growth / 1048576.0, memory_ok ? "" : "  << FAIL");
  print_row (out, "RSS start / end", buf);
  g_snprintf (buf, sizeof buf, "%.1f / %.1f MB; peak %.1f MB", self->rss_min / 1048576.0,
              self->rss_max / 1048576.0, self->rss_peak / 1048576.0);
  print_row (out, "RSS min / max while measuring", buf);
  print_row (out, "RSS every 10 s (MB)", self->rss_trend->str);
  print_row (out, "stalls at", self->stall_times->len ? self->stall_times->str : "none");
  print_row (out, "connection events while measuring", self->events->len ? self->events->str : "none");
  print_row (out, "result", self->passed ? "PASS" : "FAIL");
  g_print ("%s\n", out->str);
  g_string_free (out, TRUE);

  if (self->options.json_out != NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;

      json_builder_begin_object (b);
#define NUM(name, value) G_STMT_START { json_builder_set_member_name (b, name); \
        double _v = (double) (value); json_builder_add_double_value (b, isnan (_v) ? -1 : _v); } G_STMT_END
      NUM ("target_rate", self->options.rate);
      NUM ("seconds", seconds);
      NUM ("received_rate", in_rate);
      NUM ("sent_rate", sent_rate);
      NUM ("refused", self->refused);
      NUM ("stalls_over_20ms", self->n_stalls);
      NUM ("max_timer_lateness_ms", self->max_lateness / 1000.0);
      NUM ("frame_interval_p50_ms", percentile_ms (self->frame_intervals, 50));
      NUM ("frame_interval_p99_ms", percentile_ms (self->frame_intervals, 99));
      NUM ("frame_time_p50_ms", percentile_ms (self->frame_work, 50));
      NUM ("frame_time_p99_ms", percentile_ms (self->frame_work, 99));
      NUM ("frame_cpu_p50_ms", percentile_ms (self->frame_cpu, 50));
      NUM ("frame_cpu_p99_ms", percentile_ms (self->frame_cpu, 99));
      NUM ("main_thread_cpu_percent", seconds > 0 ? 100.0 * (self->cpu_end - self->cpu_start) / 1e6 / seconds : 0);
      NUM ("rss_start_mb", self->rss_start / 1048576.0);
      NUM ("rss_end_mb", self->rss_end / 1048576.0);
      NUM ("messages_total", (double) eit_hub_watch_get_metrics (self->watch)->messages_in);
#undef NUM
      json_builder_set_member_name (b, "passed");
      json_builder_add_boolean_value (b, self->passed);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      if (!json_generator_to_file (gen, self->options.json_out, &error))
        g_printerr ("bench: %s\n", error->message);
    }
}

static void
stop_sources (EitMonitorBench *self)
{
  g_clear_handle_id (&self->feed_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  g_clear_handle_id (&self->phase_id, g_source_remove);
  g_clear_handle_id (&self->rss_id, g_source_remove);
  if (self->clock != NULL)
    {
      g_clear_signal_handler (&self->before_handler, self->clock);
      g_clear_signal_handler (&self->update_handler, self->clock);
      g_clear_signal_handler (&self->layout_handler, self->clock);
      g_clear_signal_handler (&self->paint_handler, self->clock);
      g_clear_object (&self->clock);
    }
}

static gboolean phase_cb (gpointer user_data);

static void
next_phase (EitMonitorBench *self,
            Phase            phase,
            guint            after_ms)
{
  self->phase = phase;
  g_clear_handle_id (&self->phase_id, g_source_remove);
  self->phase_id = g_timeout_add (after_ms, phase_cb, self);
}

static gboolean
phase_cb (gpointer user_data)
{
  EitMonitorBench *self = user_data;
  const EitHubMetrics *m = eit_hub_watch_get_metrics (self->watch);

  self->phase_id = 0;
  switch (self->phase)
    {
    case PHASE_CONNECTING:
      if (!eit_connection_is_connected (eit_hub_watch_get_connection (self->watch)))
        {
          next_phase (self, PHASE_CONNECTING, 100);
          break;
        }
      g_printerr ("bench: connected (%s mode); feeding %u msg/s, warming up for %u s\n",
                  eit_protocol_mode_to_string (m->mode), self->options.rate, self->options.warmup);
      self->feed_id = g_timeout_add (FEED_INTERVAL_MS, feed_cb, self);
      self->clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->window));
      if (self->clock != NULL)
        {
          g_object_ref (self->clock);
          self->before_handler = g_signal_connect (self->clock, "before-paint",
                                                   G_CALLBACK (frame_before_cb), self);
          self->update_handler = g_signal_connect (self->clock, "update",
                                                   G_CALLBACK (frame_update_cb), self);
          self->layout_handler = g_signal_connect (self->clock, "layout",
                                                   G_CALLBACK (frame_layout_cb), self);
          self->paint_handler = g_signal_connect (self->clock, "after-paint",
                                                  G_CALLBACK (frame_painted_cb), self);
        }
      next_phase (self, PHASE_WARMUP, self->options.warmup * 1000);
      break;

    case PHASE_WARMUP:
      self->measure_start = g_get_monotonic_time ();
      self->in_start = m->messages_in;
      self->sent_start = self->sent;
      self->rss_start = self->rss_min = self->rss_max = read_rss ();
      self->cpu_start = thread_cpu_time ();
      g_printerr ("bench: measuring for %u s\n", self->options.seconds);
      next_phase (self, PHASE_MEASURE, self->options.seconds * 1000);
      break;

    case PHASE_MEASURE:
      self->measure_end = g_get_monotonic_time ();
      self->in_end = m->messages_in;
      self->sent_end = self->sent;
      self->rss_end = read_rss ();
      self->cpu_end = thread_cpu_time ();
      self->rss_peak = read_peak_rss ();
      self->phase = PHASE_DONE;
      stop_sources (self);
      report (self);
      g_signal_emit (self, signals[FINISHED], 0);
      break;

    case PHASE_DONE:
    default:
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
eit_monitor_bench_dispose (GObject *object)
{
  EitMonitorBench *self = EIT_MONITOR_BENCH (object);

  stop_sources (self);
  if (self->watch != NULL)
    g_clear_signal_handler (&self->transition_handler, eit_hub_watch_get_connection (self->watch));
  g_clear_object (&self->window);
  g_clear_object (&self->server);
  g_clear_object (&self->watch);

  G_OBJECT_CLASS (eit_monitor_bench_parent_class)->dispose (object);
}

static void
eit_monitor_bench_finalize (GObject *object)
{
  EitMonitorBench *self = EIT_MONITOR_BENCH (object);

  g_array_unref (self->probe_lateness);
  g_array_unref (self->frame_intervals);
  g_array_unref (self->frame_work);
  g_array_unref (self->frame_update);
  g_array_unref (self->frame_cpu);
  g_array_unref (self->frame_layout);
  g_array_unref (self->frame_paint);
  g_free (self->padding);
  g_string_free (self->rss_trend, TRUE);
  g_string_free (self->stall_times, TRUE);
  g_string_free (self->events, TRUE);
  g_free (self->options.json_out);
  g_free (self->options.view);

  G_OBJECT_CLASS (eit_monitor_bench_parent_class)->finalize (object);
}

static void
eit_monitor_bench_class_init (EitMonitorBenchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_monitor_bench_dispose;
  object_class->finalize = eit_monitor_bench_finalize;

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
eit_monitor_bench_init (EitMonitorBench *self)
{
  self->probe_lateness = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->frame_intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->frame_work = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->frame_update = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->frame_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->rss_trend = g_string_new (NULL);
  self->stall_times = g_string_new (NULL);
  self->events = g_string_new (NULL);
  self->frame_layout = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->frame_paint = g_array_new (FALSE, FALSE, sizeof (gint64));
}

EitMonitorBench *
eit_monitor_bench_new (const EitBenchOptions *options)
{
  EitMonitorBench *self = g_object_new (EIT_TYPE_MONITOR_BENCH, NULL);
  guint pad;

  self->options = *options;
  self->options.json_out = g_strdup (options->json_out);
  self->options.view = g_strdup (options->view);
  self->options.rate = MAX (self->options.rate, 1);
  self->options.seconds = MAX (self->options.seconds, 1);
  pad = self->options.size > 70 ? self->options.size - 70 : 1;
  self->padding = g_strnfill (pad, 'x');
  return self;
}

void
eit_monitor_bench_start (EitMonitorBench  *self,
                         EitMonitorWindow *window,
                         EitHubServer     *server,
                         EitHubWatch    *watch)
{
  g_return_if_fail (EIT_IS_MONITOR_BENCH (self));
  g_return_if_fail (EIT_IS_HUB_SERVER (server));
  g_return_if_fail (EIT_IS_HUB_WATCH (watch));

  self->window = g_object_ref (window);
  self->server = g_object_ref (server);
  self->watch = g_object_ref (watch);
  self->transition_handler = g_signal_connect (eit_hub_watch_get_connection (watch), "transition",
                                               G_CALLBACK (transition_cb), self);

  self->probe_id = g_timeout_add_full (G_PRIORITY_HIGH, PROBE_INTERVAL_MS, probe_cb, self, NULL);
  self->rss_id = g_timeout_add_seconds (1, rss_cb, self);
  next_phase (self, PHASE_CONNECTING, 100);
}

gboolean
eit_monitor_bench_passed (EitMonitorBench *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_BENCH (self), FALSE);
  return self->passed;
}
