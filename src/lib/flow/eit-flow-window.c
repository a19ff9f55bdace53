/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* In the spirit of BBR's delivery-rate samples and gRPC's BDP probe, but on
 * acknowledgements of consumed messages, and sized by a delay target rather
 * than by the bandwidth-delay product alone.
 *
 * When the peer reports how long our data queued on its way ("qd",
 * LEDBAT's one-way delay, PROTOCOL.md 4.4), the rest of the ack RTT is the
 * path: path = min (ack RTT − qd, target). Per round trip the window
 * changes by (path + target / 2) / ack RTT, which is 1 where our own queue
 * holds target / 2, whatever the acks' way back costs: they wait behind the
 * peer's data, and a peer with a long queue no longer eats our window.
 * Measured on a 1 Mbit/s link loaded both ways, the rule below left one
 * direction's queue empty and its link at 59-68 % in some runs. The cap on
 * the path keeps a peer that is slow to consume (its acks wait for its
 * application, not for the path) from growing the window without end.
 *
 * Without a report (a peer that does not send "qd"):
 *
 *   window = rate × (target / 2 + min (ack RTT, target / 2))
 *
 * The ack RTT then counts our own queue, the path and the acks' way back.
 * With nothing coming back, the ack RTT is our queue and the window settles
 * where it holds `target`; with the peer sending as hard, the two queues
 * share `target`. The cap keeps a queue from feeding itself. Either way the
 * window grows geometrically whenever the path is faster than the window
 * lets it show. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eit-flow-window.h"

void
eit_flow_window_init (EitFlowWindow *self,
                      guint          target_ms)
{
  memset (self, 0, sizeof *self);
  self->target_ms = MAX (target_ms, 1);
  self->window = EIT_FLOW_WINDOW_INITIAL_BYTES;
  self->ack_rtt = -1;
  self->queue_delay = -1;
  self->path_rtt = -1;
  self->frames = g_array_new (FALSE, FALSE, sizeof (EitFlowWindowFrame));
  for (guint i = 0; i < EIT_FLOW_WINDOW_BUCKETS; i++)
    self->bucket_index[i] = -1;
}

void
eit_flow_window_clear (EitFlowWindow *self)
{
  g_clear_pointer (&self->frames, g_array_unref);
}

void
eit_flow_window_set_target (EitFlowWindow *self,
                            guint          target_ms)
{
  self->target_ms = MAX (target_ms, 1);
}

void
eit_flow_window_frame_sent (EitFlowWindow *self,
                            guint64        last_seq,
                            gint64         now,
                            gboolean       app_limited)
{
  EitFlowWindowFrame frame;

  /* From idle, what this frame's ack covers is sent from now on. */
  if (self->frames_head == self->frames->len)
    self->first_sent_time = now;
  frame = (EitFlowWindowFrame) {
    last_seq, now, self->delivered,
    self->delivered_time != 0 ? self->delivered_time : now,
    self->first_sent_time, app_limited,
  };
  g_array_append_val (self->frames, frame);
}

void
eit_flow_window_forget_frames (EitFlowWindow *self)
{
  g_array_set_size (self->frames, 0);
  self->frames_head = 0;
  self->queue_delay = -1;
  self->path_rtt = -1;
}

guint64
eit_flow_window_get (const EitFlowWindow *self,
                     gint64               now)
{
  /* A probe lasts a round trip at least, so that its acks come back as
   * samples before it ends. */
  gint64 phase = MAX (EIT_FLOW_WINDOW_BUCKET_US, (gint64) (self->ack_rtt * 1000));

  /* A peer that reports our queue shows the room there is: no probe. */
  if (self->path_rtt < 0 && (now / phase) % EIT_FLOW_WINDOW_PROBE_PERIOD == 0)
    return self->window + self->window / 2;
  return self->window;
}

gboolean
eit_flow_window_holds_frame (guint64 frame_bytes,
                             guint64 in_flight_before,
                             guint64 window,
                             guint64 bound)
{
  return frame_bytes < MIN (bound, window / 2) && in_flight_before >= window / 2;
}

/* Finds the newest frame ack covers (FALSE if none); drops every frame it
 * covers. */
static gboolean
pop_acked_frame (EitFlowWindow      *self,
                 guint64             ack,
                 EitFlowWindowFrame *newest)
{
  gboolean found = FALSE;

  while (self->frames_head < self->frames->len)
    {
      EitFlowWindowFrame *f = &g_array_index (self->frames, EitFlowWindowFrame, self->frames_head);

      if (f->last_seq > ack)
        break;
      *newest = *f;
      found = TRUE;
      self->frames_head++;
    }
  if (self->frames_head == self->frames->len)
    eit_flow_window_forget_frames (self);
  else if (self->frames_head > 256 && self->frames_head * 2 > self->frames->len)
    {
      g_array_remove_range (self->frames, 0, self->frames_head);
      self->frames_head = 0;
    }
  return found;
}

/* The max filter: the largest sample per bucket of time, over the buckets
 * of the last second of samples (an idle sender keeps its estimate). */
static void
add_sample (EitFlowWindow *self,
            double         sample,
            gint64         now)
{
  gint64 index = now / EIT_FLOW_WINDOW_BUCKET_US;
  guint slot = (guint) (index % EIT_FLOW_WINDOW_BUCKETS);

  if (self->bucket_index[slot] != index)
    {
      self->bucket_index[slot] = index;
      self->bucket_max[slot] = 0;
    }
  self->bucket_max[slot] = MAX (self->bucket_max[slot], sample);

  self->rate = 0;
  for (guint i = 0; i < EIT_FLOW_WINDOW_BUCKETS; i++)
    if (self->bucket_index[i] > index - EIT_FLOW_WINDOW_BUCKETS)
      self->rate = MAX (self->rate, self->bucket_max[i]);
}

gboolean
eit_flow_window_acked (EitFlowWindow *self,
                       guint64        ack,
                       guint64        bytes,
                       gint64         now,
                       gint64         queue_delay_ms)
{
  EitFlowWindowFrame frame;
  gint64 interval;
  double sample, half, queue_ms, rtt_ms, path = -1;
  gboolean sampled;
  guint64 window;

  self->delivered += bytes;
  self->delivered_time = now;
  if (!pop_acked_frame (self, ack, &frame))
    return FALSE;

  rtt_ms = (now - frame.sent) / 1000.0;
  self->ack_rtt = self->ack_rtt < 0 ? rtt_ms : self->ack_rtt + (rtt_ms - self->ack_rtt) / 8.0;
  if (queue_delay_ms >= 0)
    {
      path = MAX (rtt_ms - (double) queue_delay_ms, 0);
      self->queue_delay = (double) queue_delay_ms;
      self->path_rtt = self->path_rtt < 0 ? path : self->path_rtt + (path - self->path_rtt) / 8.0;
    }

  self->first_sent_time = frame.sent;
  /* The sender ran dry: the sample would say nothing of the path (see the
   * header), and the window stays. */
  if (frame.app_limited)
    return FALSE;
  interval = MAX (now - frame.delivered_time, frame.sent - frame.first_sent);
  sampled = interval >= EIT_FLOW_WINDOW_MIN_INTERVAL_US;
  if (sampled)
    {
      sample = (double) (self->delivered - frame.delivered) * G_USEC_PER_SEC / (double) interval;
      add_sample (self, sample, now);
    }

  half = self->target_ms / 2.0;
  if (path >= 0 && rtt_ms > 0)
    {
      /* Per round trip the window changes by (path + target / 2) / ack RTT,
       * which is 1 where our queue holds target / 2; spread over the acks
       * of a round trip by the share of the window each frees, at most
       * doubling or halving. The path is capped at the target: a peer slow
       * to consume makes acks late, not the path. */
      double factor = CLAMP ((MIN (path, self->target_ms) + half) / rtt_ms, 0.5, 2.0);
      double limit = EIT_FLOW_WINDOW_CEILING_BYTES;

      /* Where the peer's window, not ours, is the limit, the factor stays
       * above 1: twice the most the rule aims at (path + target / 2, the
       * path capped at the target) is enough, once a rate is known. */
      if (self->rate > 0)
        limit = MIN (limit, self->rate * 3.0 * self->target_ms / 1000.0);
      window = (guint64) MIN (self->window * pow (factor, MIN ((double) bytes / self->window, 1.0)), limit);
    }
  else if (sampled)
    {
      queue_ms = half + MIN (self->ack_rtt, half);
      window = (guint64) (self->rate * queue_ms / 1000.0);
    }
  else
    return FALSE;
  window = MAX (window, EIT_FLOW_WINDOW_FLOOR_BYTES);
  if (window == self->window)
    return FALSE;
  self->window = window;
  return TRUE;
}
