/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The delivery-rate window on a simulated path: a sender that always has
 * data, a bottleneck of a given rate and base RTT, and a receiver that acks
 * every 10 ms what it consumed. The window must settle where the queue in
 * front of the bottleneck holds about the target delay, shrink when the path
 * slows, grow quickly when it is fast, and not shrink for a sender that
 * merely has little to send. */
#include "config.h"

#include "eit-flow-window.h"

#define TICK_US (10 * 1000)

typedef struct {
  EitFlowWindow w;
  gint64        now;
  double        sent;       /* bytes sent, in total: the "sequence number" */
  double        delivered;  /* bytes through the bottleneck, in total */
  double        acked;      /* bytes acknowledged, in total */
  GArray       *back;       /* acks on their way back: what they acknowledge */
  GArray       *back_delay; /* and the queueing delay they report */
  double        worst_delay_ms;
  double        least_delay_ms;
  gboolean      report_queue; /* acks carry the queueing delay ("qd") */
} Path;

static void
path_init (Path *p)
{
  eit_flow_window_init (&p->w, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
  p->now = G_USEC_PER_SEC;
  p->sent = p->delivered = p->acked = 0;
  p->report_queue = FALSE;
  p->back = g_array_new (FALSE, FALSE, sizeof (double));
  p->back_delay = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
path_clear (Path *p)
{
  eit_flow_window_clear (&p->w);
  g_array_unref (p->back);
  g_array_unref (p->back_delay);
}

/* Runs the path for ms: a bottleneck of rate bytes/s with a FIFO queue,
 * acks that take base_rtt_ms to come back; offer is what the sender's
 * application offers per second (G_MAXDOUBLE: always more than the window
 * lets out). Every tick the sender sends one frame. */
static void
path_run (Path     *p,
          double    rate,
          double    base_rtt_ms,
          double    offer,
          guint     ms,
          gboolean  measure_delay)
{
  guint ack_ticks = MAX (1, (guint) (base_rtt_ms * 1000 / TICK_US));
  GArray *back = p->back, *back_delay = p->back_delay;

  p->worst_delay_ms = 0;
  p->least_delay_ms = G_MAXDOUBLE;
  for (guint t = 0; t < ms * 1000; t += TICK_US)
    {
      double room = (double) eit_flow_window_get (&p->w, p->now) - (p->sent - p->acked);
      double want = offer == G_MAXDOUBLE ? room : offer * TICK_US / G_USEC_PER_SEC;
      gboolean app_limited = want < room;

      want = MIN (want, MAX (room, 0));
      p->now += TICK_US;
      if (want >= 1)
        {
          p->sent += want;
          eit_flow_window_frame_sent (&p->w, (guint64) p->sent, p->now, app_limited);
        }
      /* What the bytes leaving the bottleneck now waited in its queue. */
      double delay_ms = (p->sent - p->delivered) / rate * 1000.0;

      if (measure_delay)
        {
          p->worst_delay_ms = MAX (p->worst_delay_ms, delay_ms);
          p->least_delay_ms = MIN (p->least_delay_ms, delay_ms);
        }
      p->delivered = MIN (p->sent, p->delivered + rate * TICK_US / G_USEC_PER_SEC);
      /* Acks travel back for base_rtt_ms. */
      g_array_append_val (back, p->delivered);
      g_array_append_val (back_delay, delay_ms);
      if (back->len > ack_ticks)
        {
          double ack = g_array_index (back, double, 0);
          gint64 queue_delay = p->report_queue ? (gint64) g_array_index (back_delay, double, 0) : -1;

          g_array_remove_index (back, 0);
          g_array_remove_index (back_delay, 0);
          if (ack > p->acked)
            {
              eit_flow_window_acked (&p->w, (guint64) ack, (guint64) ack - (guint64) p->acked, p->now,
                                     queue_delay);
              p->acked = (guint64) ack;
            }
        }
    }
}

static void
test_settles_on_slow_links (void)
{
  const double rates[] = { 125000 /* 1 Mbit/s */, 12500 /* 100 kbit/s */, 1250000 /* 10 Mbit/s */ };

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      Path p;
      double queue_ms;

      path_init (&p);
      path_run (&p, rates[i], 2, G_MAXDOUBLE, 5000, FALSE);
      path_run (&p, rates[i], 2, G_MAXDOUBLE, 2000, TRUE);
      queue_ms = (double) p.w.window / rates[i] * 1000.0;
      g_test_message ("%.0f B/s: window %" G_GUINT64_FORMAT " B (%.0f ms of queue), rate %.0f B/s, "
                      "worst queue %.0f ms", rates[i], p.w.window, queue_ms, p.w.rate, p.worst_delay_ms);
      /* The rate is the path's (the max filter overestimates by at most a
       * tick's worth), the queue near the target and never far above it. */
      g_assert_cmpfloat (p.w.rate, >=, rates[i] * 0.9);
      g_assert_cmpfloat (p.w.rate, <=, rates[i] * 1.2);
      if (rates[i] * 0.252 >= EIT_FLOW_WINDOW_FLOOR_BYTES)
        g_assert_cmpfloat (queue_ms, >=, 200);
      /* (a probe adds half the window for 100 ms in 400) */
      g_assert_cmpfloat (p.worst_delay_ms, <=, MAX (400, EIT_FLOW_WINDOW_FLOOR_BYTES / rates[i] * 1000 * 1.5 + 20));
      path_clear (&p);
    }
}

/* Acks that come back 300 ms late (behind the peer's own queue, on a link
 * loaded both ways) on a 1 Mbit/s path. Without a report of our queueing
 * delay, the window (at most rate × target) cannot cover the acks' way and
 * the link idles; with it ("qd", LEDBAT's one-way delay), our own queue
 * settles near target / 2 and never empties. */
static void
test_own_queue_behind_late_acks (void)
{
  const double rate = 125000;
  const struct {
    double   ack_ms;
    gboolean reported;
  } cases[] = { { 300, FALSE }, { 300, TRUE }, { 2, TRUE } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Path p;
      double before, throughput;

      path_init (&p);
      p.report_queue = cases[i].reported;
      path_run (&p, rate, cases[i].ack_ms, G_MAXDOUBLE, 10000, FALSE);
      before = p.delivered;
      path_run (&p, rate, cases[i].ack_ms, G_MAXDOUBLE, 4000, TRUE);
      throughput = (p.delivered - before) / 4.0;
      g_test_message ("acks after %.0f ms, qd %s: %.0f B/s of %.0f, queue %.0f-%.0f ms, window %"
                      G_GUINT64_FORMAT " B", cases[i].ack_ms,
                      cases[i].reported ? "reported" : "not reported", throughput, rate,
                      p.least_delay_ms, p.worst_delay_ms, p.w.window);
      if (cases[i].reported)
        {
          g_assert_cmpfloat (throughput, >=, rate * 0.99);
          g_assert_cmpfloat (p.least_delay_ms, >, 0);
          g_assert_cmpfloat (p.worst_delay_ms, <=, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
        }
      else
        g_assert_cmpfloat (throughput, <, rate * 0.9);
      path_clear (&p);
    }
}

/* A loopback-like path whose acks report no queue at all: the factor is
 * 2 every round trip, for minutes. The window stays finite. */
static void
test_ceiling (void)
{
  EitFlowWindow w;
  gint64 now = G_USEC_PER_SEC;

  eit_flow_window_init (&w, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
  for (guint64 i = 1; i <= 200; i++)
    {
      eit_flow_window_frame_sent (&w, i, now, FALSE);
      now += 100;
      eit_flow_window_acked (&w, i, w.window, now, 0);
    }
  g_test_message ("window %" G_GUINT64_FORMAT " B", w.window);
  g_assert_cmpuint (w.window, ==, EIT_FLOW_WINDOW_CEILING_BYTES);
  eit_flow_window_clear (&w);
}

/* Silly-window avoidance: only a frame the credit cut short waits, and only
 * while half the window is in flight besides it. */
static void
test_holds_small_frames (void)
{
  /* window 16384, bound 4096 */
  g_assert_true (eit_flow_window_holds_frame (1000, 12000, 16384, 4096));
  g_assert_true (eit_flow_window_holds_frame (4000, 8192, 16384, 4096));
  g_assert_false (eit_flow_window_holds_frame (4096, 12000, 16384, 4096));
  g_assert_false (eit_flow_window_holds_frame (1000, 8191, 16384, 4096));
  /* a window of the floor: half of it is the limit */
  g_assert_true (eit_flow_window_holds_frame (2000, 2048, 4096, 4096));
  g_assert_false (eit_flow_window_holds_frame (2048, 2048, 4096, 4096));
}

static void
test_grows_on_fast_links (void)
{
  Path p;
  guint ms = 0;

  path_init (&p);
  g_assert_cmpuint (p.w.window, ==, EIT_FLOW_WINDOW_INITIAL_BYTES);
  /* 100 MB/s with 0.1 ms of base RTT: a loopback-like path. */
  while (p.w.window < 20 * 1000 * 1000 && ms < 2000)
    {
      path_run (&p, 100e6, 0.1, G_MAXDOUBLE, 100, FALSE);
      ms += 100;
    }
  g_test_message ("window %" G_GUINT64_FORMAT " B after %u ms", p.w.window, ms);
  g_assert_cmpuint (p.w.window, >=, 20 * 1000 * 1000);
  /* Geometric growth, not linear: well under a second. */
  g_assert_cmpuint (ms, <=, 1000);
  path_clear (&p);
}

/* Whole frames on a 100 kbit/s link with no burst allowance: a frame of 4000
 * bytes of bodies takes 320 ms to cross, longer than the target, and its
 * ack comes back 330 ms after its last byte (behind the peer's own frame on
 * a link loaded both ways). The peer's "qd" counts, as a real receiver's
 * does, each frame's one-way delay above the least seen. Unless the window
 * lets the next frame leave before the one before it is acknowledged, the
 * link idles half the time. */
static void
test_slow_link_stays_busy (void)
{
  const double rate = 12500, frame = 4000;
  const gint64 tick = 1000, ack_delay = 330 * 1000, end = 30 * G_USEC_PER_SEC;
  EitFlowWindow w;
  GArray *acks = g_array_new (FALSE, FALSE, sizeof (gint64[3])); /* due, seq, qd */
  gint64 now = 0, link_free = 0, least_owd = G_MAXINT64, busy = 0;
  guint64 sent = 0, acked = 0;

  eit_flow_window_init (&w, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
  for (now = tick; now <= end; now += tick)
    {
      while (acks->len > 0 && ((gint64 *) acks->data)[0] <= now)
        {
          gint64 *a = (gint64 *) acks->data;

          eit_flow_window_acked (&w, (guint64) a[1], (guint64) frame, now, a[2]);
          acked = (guint64) a[1];
          g_array_remove_index (acks, 0);
        }
      while ((double) (sent - acked + 1) * frame <= (double) eit_flow_window_get (&w, now))
        {
          gint64 start = MAX (now, link_free), cross = (gint64) (frame / rate * G_USEC_PER_SEC);
          gint64 a[3];

          sent++;
          eit_flow_window_frame_sent (&w, sent, now, FALSE);
          link_free = start + cross;
          if (now >= end / 3)
            busy += cross;
          least_owd = MIN (least_owd, link_free - now);
          a[0] = link_free + ack_delay;
          a[1] = (gint64) sent;
          a[2] = (link_free - now - least_owd) / 1000;
          g_array_append_val (acks, a);
        }
    }
  g_test_message ("window %" G_GUINT64_FORMAT " B; link busy %.0f %% of the last 20 s",
                  w.window, 100.0 * (double) busy / (double) (end - end / 3));
  g_assert_cmpfloat ((double) busy / (double) (end - end / 3), >=, 0.9);
  g_array_unref (acks);
  eit_flow_window_clear (&w);
}

static void
test_follows_a_slowdown (void)
{
  Path p;

  path_init (&p);
  path_run (&p, 1e6, 1, G_MAXDOUBLE, 3000, FALSE);
  g_assert_cmpuint (p.w.window, >=, 200000);
  /* What was in flight at the old rate (250 kB) takes 20 s to drain at the
   * new one, and its acks still carry some of the old rate; once it has
   * drained, the window is the new path's. */
  path_run (&p, 12500, 1, G_MAXDOUBLE, 5000, FALSE);
  g_test_message ("5 s after 1 MB/s -> 12.5 kB/s: window %" G_GUINT64_FORMAT " B", p.w.window);
  g_assert_cmpuint (p.w.window, <, 200000 / 4);
  path_run (&p, 12500, 1, G_MAXDOUBLE, 40000, FALSE);
  path_run (&p, 12500, 1, G_MAXDOUBLE, 1000, TRUE);
  g_test_message ("45 s after: window %" G_GUINT64_FORMAT " B, worst queue %.0f ms",
                  p.w.window, p.worst_delay_ms);
  /* Half a second of the new rate, or the floor: two frames. */
  g_assert_cmpuint (p.w.window, <=, MAX (12500 / 2, EIT_FLOW_WINDOW_FLOOR_BYTES));
  g_assert_cmpfloat (p.worst_delay_ms, <=, MAX (520, EIT_FLOW_WINDOW_FLOOR_BYTES / 12500.0 * 1000 * 1.5 + 20));
  path_clear (&p);
}

static void
test_app_limited_keeps_window (void)
{
  Path p;
  guint64 learned;
  double learned_rate;

  path_init (&p);
  path_run (&p, 1e6, 1, G_MAXDOUBLE, 3000, FALSE);
  learned = p.w.window;
  learned_rate = p.w.rate;
  /* A trickle of 1 kB/s on a 1 MB/s path says nothing about the path's
   * rate; only the ack RTT (no queue now) may narrow the window a little. */
  path_run (&p, 1e6, 1, 1000, 5000, FALSE);
  g_test_message ("learned %" G_GUINT64_FORMAT " B at %.0f B/s, after a trickle %" G_GUINT64_FORMAT
                  " B at %.0f B/s", learned, learned_rate, p.w.window, p.w.rate);
  g_assert_cmpfloat (p.w.rate, >=, learned_rate * 0.9);
  g_assert_cmpuint (p.w.window, >=, learned / 2);
  path_clear (&p);
}

static void
test_floor_and_idle (void)
{
  Path p;
  guint64 before;

  path_init (&p);
  path_run (&p, 1000, 1, G_MAXDOUBLE, 40000, FALSE);
  g_assert_cmpuint (p.w.window, ==, EIT_FLOW_WINDOW_FLOOR_BYTES);

  path_clear (&p);

  /* A long silence, then one small message: the estimate stays. */
  path_init (&p);
  path_run (&p, 1e6, 1, G_MAXDOUBLE, 2000, FALSE);
  before = p.w.window;
  p.now += 30 * G_USEC_PER_SEC;
  p.sent += 100;
  eit_flow_window_frame_sent (&p.w, (guint64) p.sent, p.now, TRUE);
  p.now += 1000;
  eit_flow_window_acked (&p.w, (guint64) p.sent, 100, p.now, -1);
  g_assert_cmpuint (p.w.window, >=, before * 4 / 5);
  path_clear (&p);
}

/* Twenty 1000-byte frames cross a 12.5 kB/s link, 80 ms apart, and a TCP
 * retransmission holds every ack back: the first comes 1.7 s in, the rest
 * in one burst 9 ms later, together with that of a frame sent in between.
 * 20 kB in 9 ms is no 2.2 MB/s path: the bytes took 1.6 s to send. */
static void
test_ack_burst_is_no_fast_path (void)
{
  EitFlowWindow w;
  gint64 t0 = G_USEC_PER_SEC;

  eit_flow_window_init (&w, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
  for (guint64 i = 1; i <= 20; i++)
    eit_flow_window_frame_sent (&w, i, t0 + i * 80000, FALSE);
  eit_flow_window_acked (&w, 1, 1000, t0 + 1700000, -1);
  eit_flow_window_frame_sent (&w, 21, t0 + 1701000, FALSE);
  eit_flow_window_acked (&w, 21, 20000, t0 + 1709000, -1);
  g_test_message ("rate %.0f B/s, window %" G_GUINT64_FORMAT " B", w.rate, w.window);
  g_assert_cmpfloat (w.rate, <=, 13000);
  g_assert_cmpuint (w.window, <=, EIT_FLOW_WINDOW_INITIAL_BYTES);
  eit_flow_window_clear (&w);
}

/* A trickle (one message every 2 ms) through a link's token bucket is
 * acknowledged within 0.3 ms: that says nothing of the link's rate, and a
 * fresh window must not grow from it. */
static void
test_trickle_gives_no_sample (void)
{
  EitFlowWindow w;
  gint64 now = G_USEC_PER_SEC;

  eit_flow_window_init (&w, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
  for (guint64 i = 1; i <= 20; i++)
    {
      eit_flow_window_frame_sent (&w, i, now, TRUE);
      eit_flow_window_acked (&w, i, 1000, now + 300, -1);
      now += 2000;
    }
  g_assert_cmpfloat (w.rate, ==, 0);
  g_assert_cmpuint (w.window, ==, EIT_FLOW_WINDOW_INITIAL_BYTES);
  eit_flow_window_clear (&w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flow-window/settles-on-slow-links", test_settles_on_slow_links);
  g_test_add_func ("/flow-window/grows-on-fast-links", test_grows_on_fast_links);
  g_test_add_func ("/flow-window/own-queue-behind-late-acks", test_own_queue_behind_late_acks);
  g_test_add_func ("/flow-window/holds-small-frames", test_holds_small_frames);
  g_test_add_func ("/flow-window/ceiling", test_ceiling);
  g_test_add_func ("/flow-window/slow-link-stays-busy", test_slow_link_stays_busy);
  g_test_add_func ("/flow-window/follows-a-slowdown", test_follows_a_slowdown);
  g_test_add_func ("/flow-window/app-limited-keeps-window", test_app_limited_keeps_window);
  g_test_add_func ("/flow-window/floor-and-idle", test_floor_and_idle);
  g_test_add_func ("/flow-window/ack-burst-is-no-fast-path", test_ack_burst_is_no_fast_path);
  g_test_add_func ("/flow-window/trickle-gives-no-sample", test_trickle_gives_no_sample);
  return g_test_run ();
}
