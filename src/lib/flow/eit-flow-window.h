/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sender's delivery-rate window (docs/PROTOCOL.md 6.4): how many bytes
 * may be unacknowledged so that the queue in front of the slowest part of
 * the path stays near a target delay. Acknowledgements come only after the
 * receiver's application consumed a body, so the rate measured is that of
 * the slowest of link, peer and peer's application.
 *
 * Each data frame remembers, when it is sent, how much had been delivered
 * (acknowledged) and when; its acknowledgement then gives one rate sample
 * over at least one round trip: (delivered now - delivered then) / (now -
 * then), or over the time those bytes took to send if that is longer (BBR's
 * send_elapsed): acks that waited behind the peer's data or behind a TCP
 * retransmission and arrive as one burst cannot pass for a fast path. Seen
 * on a 1 Mbit/s link without it: one sample of 2.4 MB/s, a window of 600 kB,
 * the bottleneck's queue overflowing and 5 s of TCP recovery. The estimate
 * is the largest sample of the last second. A frame sent when the sender had
 * nothing more to send and half its window unused (application-limited)
 * gives no sample: it cannot show the path's limit, and through a token
 * bucket (a link's burst allowance) a trickle is acknowledged at once, which
 * as a sample made a fresh session's window several times too large for a
 * 1 Mbit/s or 100 kbit/s link.
 *
 * Without the peer's report of our queueing delay ("qd"), one phase (an
 * ack RTT, at least 100 ms) in EIT_FLOW_WINDOW_PROBE_PERIOD the window is
 * half as large again: where the path has room, that shows as
 * a higher rate. A side whose acks wait behind the peer's data cannot
 * otherwise find out that its own direction has room: measured on a 1 Mbit/s
 * link loaded both ways, without probes, or with probes of 100 ms, the echo
 * direction kept 13-40 % of the link in some runs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The estimate is the largest sample in this many buckets of BUCKET_US. */
#define EIT_FLOW_WINDOW_BUCKETS        10
#define EIT_FLOW_WINDOW_BUCKET_US      (100 * 1000)
#define EIT_FLOW_WINDOW_PROBE_PERIOD   4
/* Samples over a shorter interval are noise. */
#define EIT_FLOW_WINDOW_MIN_INTERVAL_US 1000
/* A data frame may always carry this many bytes of bodies, whatever the
 * rate: smaller frames spend too much of a slow link on headers. */
#define EIT_FLOW_FRAME_FLOOR_BYTES     4096
/* Two such frames: the next one leaves while the one before it still
 * crosses the link. With one, a frame that takes longer to cross than the
 * target (330 ms at 100 kbit/s) waited for the acknowledgement of the one
 * before it, and the link idled while each acknowledgement came back: 73 %
 * of a 100 kbit/s link whose rate limit allows no burst. */
#define EIT_FLOW_WINDOW_FLOOR_BYTES    (2 * EIT_FLOW_FRAME_FLOOR_BYTES)
/* Before the first sample nothing says the path takes more than the floor.
 * A window of 16 KiB (TCP's initial window) burst into a 100 kbit/s link's
 * 600 ms queue and lost 10 packets; when TCP's recovery then handed the
 * echoing hub 11 kB at once, its echo lost a packet the other way, and such
 * runs fell to 88-90 % of the link. On a fast path the window doubles
 * every round trip: 8 KiB to 4 MiB in 285 ms on loopback. */
#define EIT_FLOW_WINDOW_INITIAL_BYTES  EIT_FLOW_WINDOW_FLOOR_BYTES
/* Where the peer's window is the limit (a fast path), ours keeps growing by
 * its round-trip factor: this keeps it finite, far above any peer's. */
#define EIT_FLOW_WINDOW_CEILING_BYTES  (G_GUINT64_CONSTANT (1) << 32)
#define EIT_DEFAULT_QUEUE_DELAY_TARGET_MS 250

typedef struct {
  guint64  last_seq;
  gint64   sent;            /* µs */
  guint64  delivered;       /* bytes acknowledged before it was sent */
  gint64   delivered_time;  /* when the last of those was acknowledged */
  gint64   first_sent;      /* when the newest frame acknowledged before it had been sent */
  gboolean app_limited;
} EitFlowWindowFrame;

typedef struct {
  guint    target_ms;
  guint64  window;          /* bytes the sender may have unacknowledged */
  double   rate;            /* bytes per second; 0 before a sample */
  double   ack_rtt;         /* ms from sending a frame to its ack, smoothed; -1 before one */
  double   queue_delay;     /* ms our data last queued on its way, as the peer measured it; -1 unknown */
  double   path_rtt;        /* ms, the ack RTT less queue_delay, smoothed; -1 unknown */
  guint64  delivered;       /* bytes acknowledged, in total */
  gint64   delivered_time;  /* µs of the last acknowledgement, 0 before one */
  gint64   first_sent_time; /* when the newest frame acknowledged had been sent */
  GArray  *frames;          /* EitFlowWindowFrame sent, not yet acknowledged */
  guint    frames_head;
  double   bucket_max[EIT_FLOW_WINDOW_BUCKETS];
  gint64   bucket_index[EIT_FLOW_WINDOW_BUCKETS];
} EitFlowWindow;

void     eit_flow_window_init          (EitFlowWindow *self,
                                        guint          target_ms);
void     eit_flow_window_clear         (EitFlowWindow *self);
void     eit_flow_window_set_target    (EitFlowWindow *self,
                                        guint          target_ms);
/* A data frame carrying bodies up to last_seq left at now; app_limited:
 * the sender had nothing more to send after it and half its window unused. */
void     eit_flow_window_frame_sent    (EitFlowWindow *self,
                                        guint64        last_seq,
                                        gint64         now,
                                        gboolean       app_limited);
/* The frames sent so far will never be acknowledged as such (a new
 * transport re-sends them); the rate and the window stay, what the old
 * connection's path measured goes. */
void     eit_flow_window_forget_frames (EitFlowWindow *self);
/* The window at now (monotonic µs), probe included. */
guint64  eit_flow_window_get           (const EitFlowWindow *self,
                                        gint64               now);
/* Silly-window avoidance (docs/PROTOCOL.md 6.4) for a data frame of
 * frame_bytes that the credit cut short: it waits while at least half of
 * window is in flight besides it and it would fill less than half the
 * window or the frame bound. A frame the bound filled, or one that takes
 * everything queued, is not cut by credit and never waits: held, a frame
 * full by the bound (8 bodies of 1000 bytes under a bound of 8466) left
 * two frames in flight whatever the window. */
gboolean eit_flow_window_holds_frame   (guint64        frame_bytes,
                                        guint64        in_flight_before,
                                        guint64        window,
                                        guint64        bound);
/* A cumulative acknowledgement of ack freed bytes at now, with the queueing
 * delay in ms the peer measured on our data (its "qd"), or -1 without one.
 * TRUE if the window changed. */
gboolean eit_flow_window_acked         (EitFlowWindow *self,
                                        guint64        ack,
                                        guint64        bytes,
                                        gint64         now,
                                        gint64         queue_delay_ms);

G_END_DECLS
