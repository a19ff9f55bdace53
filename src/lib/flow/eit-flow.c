/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The back-off layer. Hot path rules (the stack must keep up with Node's
 * `ws`): a message is copied once into a ring when accepted, bodies are
 * never re-serialized, what is ready and within credit leaves in as few
 * "data" frames as the frame bound allows, once per main-loop iteration, and
 * acks ride on data frames. Responsiveness rules (PROTOCOL.md 6.4): a frame
 * carries what the path delivers in about 100 ms, at least 4 KiB and never
 * more than 64 KiB, small frames wait while half a window is in flight, and
 * the bytes in flight follow the delivery rate, so a ping queues behind
 * about the queueing-delay target of data, not behind a whole window. */
#include "config.h"

#include <string.h>

#include "eit-error.h"
#include "eit-flow-private.h"
#include "eit-flow-window.h"
#include "eit-signal.h"
#include "eit-msg-ring.h"
#include "eit-rtt.h"
#include "eit-transport.h"

#define N_PING_SLOTS 8

struct _EitFlow
{
  GObject       parent_instance;

  EitTransport *transport;

  /* settings */
  guint         window_messages;
  guint64       window_bytes;
  guint         send_queue_limit;
  guint64       send_queue_bytes;
  guint         queue_delay_target;
  guint         keepalive_interval;
  guint         rtt_interval;
  guint         ack_delay;
  guint64       max_message_size;
  gboolean      receiving_paused;

  /* outbound: out holds every message from peer_ack + 1 to last_assigned */
  EitMsgRing    out;
  guint64       peer_ack;        /* the peer consumed everything up to here */
  guint64       sent_seq;        /* sent on the current transport up to here */
  guint64       sent_high;       /* highest seq ever sent in this session */
  guint64       last_assigned;   /* seq of the newest accepted message */
  guint64       in_flight_bytes; /* bytes of (peer_ack, sent_seq] */
  guint64       queued_bytes;    /* bytes of (sent_high, last_assigned] */
  guint         peer_window_messages;
  guint64       peer_window_bytes;
  EitFlowWindow rate_window;
  gint64        last_send_time;
  gint64        last_ping_time;
  gint64        credit_blocked_since;
  gint64        credit_wait_time;

  /* inbound */
  guint64       recv_seq;        /* received, contiguous */
  guint64       consumed_seq;    /* delivered to the application */
  guint64       ack_sent;        /* the last ack we sent */
  /* The credit base the peer may count from: the last ack we sent or what
   * we had consumed when the handshake (which carries an ack) went out. */
  guint64       ack_base;
  guint64       consumed_bytes_since_ack;
  /* One-way delay of the peer's data on this connection (PROTOCOL.md 4.4):
   * arrival on our clock − "t" on the peer's, in ms. Its minimum is the
   * path without a queue; what comes above it is queue, reported as "qd"
   * with the next ack (the least since the last one; -1: nothing to say). */
  gboolean      owd_base_set;
  gint64        owd_base;
  gint64        queue_delay_to_report;
  EitMsgRing    inbound;         /* received, not yet consumed */
  guint         inbound_legacy;  /* queued from a session that was reset */
  guint64       inbound_legacy_bytes;

  /* keep-alive */
  guint64       next_ping_id;
  guint64       ping_ids[N_PING_SLOTS];
  gint64        ping_times[N_PING_SLOTS];
  EitRtt        rtt;

  /* While a received frame is delivered, sends only mark a flush as wanted:
   * it happens once, when the delivery ends, with no source made for it. */
  gboolean      delivering;
  gboolean      flush_wanted;

  /* sources */
  guint         flush_id;
  guint         ack_timer_id;
  guint         keepalive_id;
  guint         drain_id;

  GString      *frame;
  GString      *deliver;

  /* counters */
  guint64       pings_sent, pongs_received, pings_received;
  guint64       messages_in, messages_out, bytes_in, bytes_out;
  guint64       frames_out, duplicates, resent, rejected;
};

G_DEFINE_FINAL_TYPE (EitFlow, eit_flow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WINDOW_MESSAGES,
  PROP_WINDOW_BYTES,
  PROP_SEND_QUEUE_LIMIT,
  PROP_SEND_QUEUE_BYTES,
  PROP_QUEUE_DELAY_TARGET,
  PROP_KEEPALIVE_INTERVAL,
  PROP_RTT_INTERVAL,
  PROP_ACK_DELAY,
  PROP_MAX_MESSAGE_SIZE,
  PROP_RECEIVING_PAUSED,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_flush     (EitFlow *self);
static void schedule_keepalive (EitFlow *self,
                                guint    delay_ms);
static void deliver_pending    (EitFlow *self);

static inline gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
append_uint (GString *s,
             guint64  v)
{
  char buf[24];
  int i = sizeof buf;

  do
    {
      buf[--i] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v > 0);
  g_string_append_len (s, buf + i, sizeof buf - i);
}

static gboolean
send_control (EitFlow    *self,
              const char *text,
              gsize       len)
{
  if (self->transport == NULL || !eit_transport_send (self->transport, text, len))
    return FALSE;
  self->last_send_time = g_get_monotonic_time ();
  return TRUE;
}

static void
mark_ack_sent (EitFlow *self,
               guint64  ack)
{
  self->ack_sent = ack;
  self->ack_base = MAX (self->ack_base, ack);
  self->consumed_bytes_since_ack = 0;
  self->queue_delay_to_report = -1;
  g_clear_handle_id (&self->ack_timer_id, g_source_remove);
}

/* A data frame stamped t (the peer's ms) arrived now on the current
 * connection. */
static void
note_arrival (EitFlow *self,
              guint64  t)
{
  gint64 owd = g_get_monotonic_time () / 1000 - (gint64) t;

  if (!self->owd_base_set || owd < self->owd_base)
    {
      self->owd_base = owd;
      self->owd_base_set = TRUE;
    }
  if (self->queue_delay_to_report < 0 || owd - self->owd_base < self->queue_delay_to_report)
    self->queue_delay_to_report = owd - self->owd_base;
}

/* The members an acknowledgement carries: "ack", and "qd" when there is one. */
static void
append_ack (EitFlow *self,
            GString *out)
{
  g_string_append (out, ",\"ack\":");
  append_uint (out, self->consumed_seq);
  if (self->queue_delay_to_report >= 0)
    {
      g_string_append (out, ",\"qd\":");
      append_uint (out, (guint64) self->queue_delay_to_report);
    }
}

static void
send_ack (EitFlow *self)
{
  if (self->consumed_seq <= self->ack_sent)
    return;
  /* The frame buffer is free between flushes. */
  g_string_assign (self->frame, "{\"type\":\"ack\"");
  append_ack (self, self->frame);
  g_string_append_c (self->frame, '}');
  if (send_control (self, self->frame->str, self->frame->len))
    mark_ack_sent (self, self->consumed_seq);
}

static gboolean
ack_timer_cb (gpointer user_data)
{
  EitFlow *self = user_data;

  self->ack_timer_id = 0;
  send_ack (self);
  return G_SOURCE_REMOVE;
}

static gboolean
ack_is_urgent (EitFlow *self)
{
  return self->consumed_seq - self->ack_sent >= MAX (1, self->window_messages / 4) ||
         self->consumed_bytes_since_ack >= MAX (1, self->window_bytes / 4);
}

/* Called after consuming: a quarter window goes at once (with data if any
 * leaves in this iteration), anything less after ack-delay. */
static void
ack_consumed (EitFlow *self)
{
  if (self->consumed_seq <= self->ack_sent)
    return;
  if (ack_is_urgent (self))
    schedule_flush (self);
  else if (self->ack_timer_id == 0)
    self->ack_timer_id = g_timeout_add (self->ack_delay, ack_timer_cb, self);
}

/* The byte window we send within: the peer's grant, narrowed to what the
 * path delivers within the queueing-delay target. */
static guint64
send_window_bytes (EitFlow *self,
                   gint64   now)
{
  return MIN (self->peer_window_bytes, eit_flow_window_get (&self->rate_window, now));
}

/* May body seq (of len bytes) go out now? */
static gboolean
has_credit (EitFlow *self,
            guint64  seq,
            gsize    len,
            guint64  window_bytes)
{
  if (seq - self->peer_ack > self->peer_window_messages)
    return FALSE;
  /* One body always moves when nothing is in flight, so a message larger
   * than the byte window cannot stall the session. */
  if (seq == self->peer_ack + 1)
    return TRUE;
  return self->in_flight_bytes + len <= window_bytes;
}

/* Body bytes one data frame may carry: what the path delivers in
 * EIT_FLOW_FRAME_TIME_MS, at most EIT_FLOW_MAX_FRAME_BODIES_BYTES (a frame
 * is never cut: one body always fits), and at least the frame floor, the
 * floor alone before the first rate sample: at 100 kbit/s, frames of one
 * 1 kB body each spent 13 % of the link on frame, TLS record and TCP/IP
 * headers. */
static guint64
frame_bound (EitFlow *self)
{
  double rate = self->rate_window.rate;
  guint64 bound = (guint64) (rate * EIT_FLOW_FRAME_TIME_MS / 1000.0);

  return CLAMP (bound, EIT_FLOW_FRAME_FLOOR_BYTES, EIT_FLOW_MAX_FRAME_BODIES_BYTES);
}

static void
flush (EitFlow *self)
{
  guint64 bound = frame_bound (self);
  gint64 now = g_get_monotonic_time ();
  guint64 window_bytes = send_window_bytes (self, now);

  if (self->transport == NULL || !eit_transport_is_open (self->transport))
    return;

  while (self->sent_seq < self->last_assigned)
    {
      guint64 first = self->sent_seq + 1;
      guint64 seq = first;
      guint64 frame_bytes = 0, new_messages = 0, new_bytes = 0;
      gboolean with_ack = self->consumed_seq > self->ack_sent;
      gboolean cut_by_credit = FALSE;

      g_string_truncate (self->frame, 0);
      g_string_append (self->frame, "{\"type\":\"data\",\"seq\":");
      append_uint (self->frame, first);
      g_string_append (self->frame, ",\"t\":");
      append_uint (self->frame, (guint64) (now / 1000));
      if (with_ack)
        append_ack (self, self->frame);
      g_string_append (self->frame, ",\"bodies\":[");

      while (seq <= self->last_assigned)
        {
          gsize len;
          const char *body = eit_msg_ring_peek (&self->out, (guint) (seq - self->peer_ack - 1), &len);

          /* The bound first: a full frame is full, credit or not. */
          if (seq > first && frame_bytes + len > bound)
            break;
          if (!has_credit (self, seq, len, window_bytes))
            {
              cut_by_credit = TRUE;
              break;
            }
          if (seq > first)
            g_string_append_c (self->frame, ',');
          g_string_append_len (self->frame, body, len);
          self->in_flight_bytes += len;
          frame_bytes += len;
          if (seq > self->sent_high)
            {
              new_messages++;
              new_bytes += len;
            }
          seq++;
        }

      /* Credit that trickles back one ack at a time would go out as one
       * small frame each (silly-window syndrome). */
      if (cut_by_credit && seq > first &&
          eit_flow_window_holds_frame (frame_bytes, self->in_flight_bytes - frame_bytes,
                                       window_bytes, bound))
        {
          self->in_flight_bytes -= frame_bytes;
          seq = first;
        }
      if (seq == first)
        {
          /* Out of credit: remember since when, for the credit-wait metric. */
          if (self->credit_blocked_since == 0)
            self->credit_blocked_since = now;
          break;
        }

      g_string_append (self->frame, "]}");
      if (!eit_transport_send (self->transport, self->frame->str, self->frame->len))
        {
          /* Not sent: undo the in-flight accounting; the next attach re-sends. */
          self->in_flight_bytes -= frame_bytes;
          return;
        }

      self->last_send_time = now;
      self->frames_out++;
      /* Nothing more to send after it, and most of the window unused: the
       * path could have taken more (application-limited). A sender that
       * just keeps up with its credit is not. */
      eit_flow_window_frame_sent (&self->rate_window, seq - 1, now,
                                  seq > self->last_assigned &&
                                  self->in_flight_bytes < window_bytes / 2);
      if (with_ack)
        mark_ack_sent (self, self->consumed_seq);
      self->messages_out += new_messages;
      self->bytes_out += new_bytes;
      self->queued_bytes -= new_bytes;
      self->resent += (seq - first) - new_messages;
      if (seq - 1 > self->sent_high)
        self->sent_high = seq - 1;
      self->sent_seq = seq - 1;
      if (self->credit_blocked_since != 0)
        {
          self->credit_wait_time += now - self->credit_blocked_since;
          self->credit_blocked_since = 0;
        }
    }

  if (self->consumed_seq > self->ack_sent && ack_is_urgent (self))
    send_ack (self);
}

static gboolean
flush_cb (gpointer user_data)
{
  EitFlow *self = user_data;

  self->flush_id = 0;
  flush (self);
  return G_SOURCE_REMOVE;
}

/* At default priority, not idle priority: under a steady inbound stream an
 * idle source would starve and nothing would go out. */
static void
schedule_flush (EitFlow *self)
{
  if (self->delivering)
    {
      self->flush_wanted = TRUE;
      return;
    }
  if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, flush_cb, self, NULL);
}

static void
send_ping (EitFlow *self)
{
  char buf[64];
  int len;
  guint slot;

  self->next_ping_id++;
  len = g_snprintf (buf, sizeof buf, "{\"type\":\"ping\",\"id\":%" G_GUINT64_FORMAT "}",
                    self->next_ping_id);
  slot = self->next_ping_id % N_PING_SLOTS;
  self->ping_ids[slot] = self->next_ping_id;
  self->ping_times[slot] = self->last_ping_time = g_get_monotonic_time ();
  if (send_control (self, buf, len))
    self->pings_sent++;
}

/* A ping goes out when nothing else has for keepalive-interval (the
 * keep-alive), and also when none has for rtt-interval, so a busy link
 * still gets round-trip samples. */
static gboolean
keepalive_cb (gpointer user_data)
{
  EitFlow *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 idle_ms = (now - self->last_send_time) / 1000;
  gint64 since_ping_ms = (now - self->last_ping_time) / 1000;
  gint64 wait_ms;

  self->keepalive_id = 0;
  if (self->transport == NULL || self->keepalive_interval == 0)
    return G_SOURCE_REMOVE;

  if (idle_ms >= self->keepalive_interval ||
      (self->rtt_interval > 0 && since_ping_ms >= self->rtt_interval))
    {
      send_ping (self);
      idle_ms = since_ping_ms = 0;
    }
  wait_ms = self->keepalive_interval - idle_ms;
  if (self->rtt_interval > 0)
    wait_ms = MIN (wait_ms, self->rtt_interval - since_ping_ms);
  schedule_keepalive (self, (guint) MAX (wait_ms, 1));
  return G_SOURCE_REMOVE;
}

static void
schedule_keepalive (EitFlow *self,
                    guint    delay_ms)
{
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  if (self->transport != NULL && self->keepalive_interval > 0)
    self->keepalive_id = g_timeout_add (MAX (delay_ms, 1), keepalive_cb, self);
}

static void
handle_pong (EitFlow *self,
             guint64  id)
{
  guint slot = id % N_PING_SLOTS;

  self->pongs_received++;
  if (self->ping_ids[slot] == id && self->ping_times[slot] != 0)
    {
      eit_rtt_add (&self->rtt, (g_get_monotonic_time () - self->ping_times[slot]) / 1000.0);
      self->ping_times[slot] = 0;
    }
}

static gboolean
handle_ack (EitFlow      *self,
            EitTransport *from,
            guint64       ack,
            gint64        queue_delay)
{
  guint64 counted_until, freed = 0;

  if (ack > self->sent_high)
    {
      g_autofree char *reason =
        g_strdup_printf ("protocol violation: ack %" G_GUINT64_FORMAT " of a message never sent (highest %" G_GUINT64_FORMAT ")",
                         ack, self->sent_high);
      eit_transport_close (from, EIT_CLOSE_PROTOCOL_VIOLATION, reason);
      return FALSE;
    }
  if (ack <= self->peer_ack)
    return TRUE;

  counted_until = MIN (ack, self->sent_seq);
  for (guint64 s = self->peer_ack + 1; s <= counted_until; s++)
    {
      gsize len;
      eit_msg_ring_peek (&self->out, (guint) (s - self->peer_ack - 1), &len);
      freed += len;
    }
  self->in_flight_bytes -= freed;
  eit_flow_window_acked (&self->rate_window, ack, freed, g_get_monotonic_time (), queue_delay);
  eit_msg_ring_pop (&self->out, (guint) (ack - self->peer_ack));
  self->peer_ack = ack;
  /* The peer may have received messages through an older connection that
   * we were about to send again: no need. */
  if (self->sent_seq < ack)
    self->sent_seq = ack;
  if (self->sent_seq < self->last_assigned)
    schedule_flush (self);
  return TRUE;
}

/* Copies the body first: the signal wants a NUL-terminated string and the
 * source may be a ring that moves. */
static void
prepare_delivery (EitFlow    *self,
                  const char *body,
                  gsize       len)
{
  g_string_truncate (self->deliver, 0);
  g_string_append_len (self->deliver, body, len);
}

static void
emit_delivery (EitFlow *self)
{
  self->messages_in++;
  self->bytes_in += self->deliver->len;
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, self->deliver->str, (gulong) self->deliver->len);
}

static void
consume_one (EitFlow *self,
             gsize    len)
{
  self->consumed_seq++;
  self->consumed_bytes_since_ack += len;
}

static gboolean
drain_cb (gpointer user_data)
{
  EitFlow *self = user_data;

  self->drain_id = 0;
  deliver_pending (self);
  return G_SOURCE_REMOVE;
}

/* Delivers queued inbound messages until the queue is empty or the
 * application pauses receiving again (a handler may do so). */
static void
deliver_pending (EitFlow *self)
{
  g_object_ref (self);
  while (!self->receiving_paused && eit_msg_ring_length (&self->inbound) > 0)
    {
      gsize len;
      const char *body = eit_msg_ring_peek (&self->inbound, 0, &len);

      prepare_delivery (self, body, len);
      eit_msg_ring_pop (&self->inbound, 1);
      if (self->inbound_legacy > 0)
        {
          self->inbound_legacy--;
          self->inbound_legacy_bytes -= len;
        }
      else
        consume_one (self, len);
      emit_delivery (self);
    }
  ack_consumed (self);
  g_object_unref (self);
}

static guint64
inbound_waiting_bytes (EitFlow *self)
{
  return self->inbound.total_bytes - self->inbound_legacy_bytes;
}

static gboolean
close_overrun (EitFlow      *self,
               EitTransport *from,
               guint64       seq)
{
  g_autofree char *reason =
    g_strdup_printf ("credit overrun: message %" G_GUINT64_FORMAT " beyond the window "
                     "(acked %" G_GUINT64_FORMAT ", window %u messages / %" G_GUINT64_FORMAT " bytes)",
                     seq, self->ack_base, self->window_messages, self->window_bytes);
  eit_transport_close (from, EIT_CLOSE_CREDIT_OVERRUN, reason);
  return FALSE;
}

static gboolean
receive_data (EitFlow           *self,
              EitTransport      *from,
              const EitEnvelope *envelope,
              GArray            *bodies)
{
  g_object_ref (self);
  for (guint i = 0; i < bodies->len; i++)
    {
      const EitJsonSpan *span = &g_array_index (bodies, EitJsonSpan, i);
      guint64 seq = envelope->seq + i;
      guint32 size = (guint32) span->len;

      if (seq <= self->recv_seq)
        {
          self->duplicates++;
          continue;
        }
      if (seq > self->recv_seq + 1)
        {
          if (from == self->transport)
            {
              g_autofree char *reason =
                g_strdup_printf ("protocol violation: sequence gap (expected %" G_GUINT64_FORMAT ", got %" G_GUINT64_FORMAT ")",
                                 self->recv_seq + 1, seq);
              eit_transport_close (from, EIT_CLOSE_PROTOCOL_VIOLATION, reason);
              g_object_unref (self);
              return FALSE;
            }
          /* A superseded connection can lag behind: the current one carries it. */
          break;
        }
      if (span->len > self->max_message_size)
        {
          g_autofree char *reason =
            g_strdup_printf ("message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GUINT64_FORMAT,
                             span->len, self->max_message_size);
          eit_transport_close (from, EIT_CLOSE_TOO_BIG, reason);
          g_object_unref (self);
          return FALSE;
        }
      /* Messages count from the credit base; bytes are those waiting to be
       * consumed, which is what the window bounds in memory. Both are at
       * least as generous as the sender's own count, so a lost ack never
       * turns into a false overrun. */
      if (seq - self->ack_base > self->window_messages ||
          (seq > self->consumed_seq + 1 &&
           inbound_waiting_bytes (self) + size > self->window_bytes))
        {
          close_overrun (self, from, seq);
          g_object_unref (self);
          return FALSE;
        }

      self->recv_seq = seq;

      if (self->receiving_paused || eit_msg_ring_length (&self->inbound) > 0)
        eit_msg_ring_push (&self->inbound, span->start, span->len);
      else
        {
          consume_one (self, span->len);
          prepare_delivery (self, span->start, span->len);
          emit_delivery (self);
        }
    }
  g_object_unref (self);
  return TRUE;
}

gboolean
eit_flow_receive (EitFlow           *self,
                  EitTransport      *from,
                  const EitEnvelope *envelope,
                  GArray            *bodies)
{
  g_return_val_if_fail (EIT_IS_FLOW (self), FALSE);

  /* Delays are measured per connection: a superseded one took another way. */
  if (envelope->has_ack &&
      !handle_ack (self, from, envelope->ack,
                   envelope->has_qd && from == self->transport ? (gint64) envelope->qd : -1))
    return FALSE;
  if (envelope->has_t && from == self->transport)
    note_arrival (self, envelope->t);

  switch (envelope->type)
    {
    case EIT_ENVELOPE_DATA:
      {
        gboolean ok;

        g_object_ref (self);
        self->delivering = TRUE;
        ok = receive_data (self, from, envelope, bodies);
        self->delivering = FALSE;
        /* Whatever the application sent while handling these messages (an
         * echo, a reply) is complete now: send it in this iteration rather
         * than the next, which saves a poll per hop in request/response,
         * and the ack rides along. Only what is still unacknowledged after
         * that needs the ack timer. */
        if (self->flush_wanted || self->flush_id != 0)
          {
            self->flush_wanted = FALSE;
            g_clear_handle_id (&self->flush_id, g_source_remove);
            flush (self);
          }
        ack_consumed (self);
        g_object_unref (self);
        return ok;
      }

    case EIT_ENVELOPE_ACK:
      if (!envelope->has_ack)
        {
          eit_transport_close (from, EIT_CLOSE_PROTOCOL_VIOLATION,
                               "protocol violation: \"ack\" frame without \"ack\"");
          return FALSE;
        }
      return TRUE;

    case EIT_ENVELOPE_PING:
      {
        char buf[64];
        int len = g_snprintf (buf, sizeof buf, "{\"type\":\"pong\",\"id\":%" G_GUINT64_FORMAT "}",
                              envelope->has_id ? envelope->id : 0);
        self->pings_received++;
        /* Answer on the connection it came from: that is the one being probed. */
        if (eit_transport_send (from, buf, len) && from == self->transport)
          self->last_send_time = g_get_monotonic_time ();
        return TRUE;
      }

    case EIT_ENVELOPE_PONG:
      if (envelope->has_id)
        handle_pong (self, envelope->id);
      return TRUE;

    case EIT_ENVELOPE_HELLO:
    case EIT_ENVELOPE_WELCOME:
      eit_transport_close (from, EIT_CLOSE_PROTOCOL_VIOLATION,
                           "protocol violation: repeated handshake");
      return FALSE;

    case EIT_ENVELOPE_UNKNOWN:
    default:
      {
        const char *end;
        g_autofree char *reason = NULL;

        /* The name is valid UTF-8 (the frame validated); cut it at a
         * character boundary so the close reason stays valid too. */
        g_utf8_validate_len (envelope->type_name.start, MIN (envelope->type_name.len, 64), &end);
        reason = g_strdup_printf ("unknown message type '%.*s'",
                                  (int) (end - envelope->type_name.start),
                                  envelope->type_name.start);
        eit_transport_close (from, EIT_CLOSE_UNKNOWN_TYPE, reason);
        return FALSE;
      }
    }
}

gboolean
eit_flow_send (EitFlow    *self,
               const char *json,
               gssize      len)
{
  gsize n;

  g_return_val_if_fail (EIT_IS_FLOW (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  n = len < 0 ? strlen (json) : (gsize) len;
  while (n > 0 && is_json_space (*json))
    json++, n--;
  while (n > 0 && is_json_space (json[n - 1]))
    n--;

  /* An empty queue takes any message within max-message-size, so a byte
   * limit below it cannot lock a large message out. */
  if (self->last_assigned - self->sent_high >= self->send_queue_limit ||
      (self->last_assigned > self->sent_high && self->queued_bytes + n > self->send_queue_bytes) ||
      n > self->max_message_size ||
      !eit_json_validate (json, n, NULL, NULL))
    {
      self->rejected++;
      return FALSE;
    }

  eit_msg_ring_push (&self->out, json, n);
  self->last_assigned++;
  self->queued_bytes += n;
  schedule_flush (self);
  return TRUE;
}

void
eit_flow_attach (EitFlow      *self,
                 EitTransport *transport,
                 guint64       peer_recv,
                 guint64       peer_ack,
                 guint         peer_window_messages,
                 guint64       peer_window_bytes)
{
  g_return_if_fail (EIT_IS_FLOW (self));
  g_return_if_fail (EIT_IS_TRANSPORT (transport));

  g_set_object (&self->transport, transport);
  eit_flow_window_forget_frames (&self->rate_window);
  self->owd_base_set = FALSE;
  self->queue_delay_to_report = -1;
  /* Clamped to our own maximum: a window of 2^53-1 must not let a peer that
   * never acks make us keep gigabytes for it. */
  self->peer_window_messages = CLAMP (peer_window_messages, 1, self->window_messages);
  self->peer_window_bytes = CLAMP (peer_window_bytes, 1, self->window_bytes);
  /* Our handshake carried an ack no greater than this. */
  self->ack_base = MAX (self->ack_base, self->consumed_seq);

  /* The handshake's ack acknowledges like any ack. */
  if (peer_ack > self->peer_ack && peer_ack <= self->sent_high)
    {
      eit_msg_ring_pop (&self->out, (guint) (peer_ack - self->peer_ack));
      self->peer_ack = peer_ack;
    }
  self->sent_seq = CLAMP (peer_recv, self->peer_ack, self->sent_high);

  /* Only what the peer holds is in flight; the rest goes again. */
  self->in_flight_bytes = 0;
  for (guint64 s = self->peer_ack + 1; s <= self->sent_seq; s++)
    {
      gsize len;
      eit_msg_ring_peek (&self->out, (guint) (s - self->peer_ack - 1), &len);
      self->in_flight_bytes += len;
    }

  self->last_send_time = self->last_ping_time = g_get_monotonic_time ();
  /* A ping before any data measures the path's base RTT, which the
   * delivery-rate window needs; later pings queue behind data. */
  if (self->keepalive_interval > 0)
    send_ping (self);
  schedule_keepalive (self, self->keepalive_interval);
  schedule_flush (self);
  if (self->consumed_seq > self->ack_sent)
    ack_consumed (self);
}

void
eit_flow_detach (EitFlow *self)
{
  g_return_if_fail (EIT_IS_FLOW (self));

  g_clear_object (&self->transport);
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_handle_id (&self->ack_timer_id, g_source_remove);
}

EitTransport *
eit_flow_get_transport (EitFlow *self)
{
  g_return_val_if_fail (EIT_IS_FLOW (self), NULL);
  return self->transport;
}

guint
eit_flow_reset_session (EitFlow *self)
{
  guint pending;

  g_return_val_if_fail (EIT_IS_FLOW (self), 0);

  /* Unacknowledged messages keep their order and get new numbers. */
  pending = eit_msg_ring_length (&self->out);
  self->peer_ack = 0;
  self->sent_seq = 0;
  self->sent_high = 0;
  self->last_assigned = pending;
  self->in_flight_bytes = 0;
  self->queued_bytes = self->out.total_bytes;
  self->credit_blocked_since = 0;
  eit_flow_window_forget_frames (&self->rate_window);

  self->inbound_legacy = eit_msg_ring_length (&self->inbound);
  self->inbound_legacy_bytes = self->inbound.total_bytes;
  self->recv_seq = 0;
  self->consumed_seq = 0;
  self->ack_sent = 0;
  self->ack_base = 0;
  self->consumed_bytes_since_ack = 0;
  g_clear_handle_id (&self->ack_timer_id, g_source_remove);

  if (pending > 0)
    schedule_flush (self);
  return pending;
}

guint64
eit_flow_get_recv_seq (EitFlow *self)
{
  g_return_val_if_fail (EIT_IS_FLOW (self), 0);
  return self->recv_seq;
}

guint64
eit_flow_get_consumed_seq (EitFlow *self)
{
  g_return_val_if_fail (EIT_IS_FLOW (self), 0);
  return self->consumed_seq;
}

void
eit_flow_set_receiving_paused (EitFlow  *self,
                               gboolean  paused)
{
  g_return_if_fail (EIT_IS_FLOW (self));

  paused = !!paused;
  if (self->receiving_paused == paused)
    return;
  self->receiving_paused = paused;
  if (!paused && eit_msg_ring_length (&self->inbound) > 0 && self->drain_id == 0)
    self->drain_id = g_idle_add_full (G_PRIORITY_DEFAULT, drain_cb, self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVING_PAUSED]);
}

static guint
credit_messages (EitFlow *self)
{
  guint64 used = self->sent_seq - self->peer_ack;
  return used >= self->peer_window_messages ? 0 : (guint) (self->peer_window_messages - used);
}

static guint64
credit_bytes (EitFlow *self)
{
  guint64 window = send_window_bytes (self, g_get_monotonic_time ());

  return self->in_flight_bytes >= window ? 0 : window - self->in_flight_bytes;
}

static gint64
credit_wait_now (EitFlow *self)
{
  gint64 wait = self->credit_wait_time;

  if (self->credit_blocked_since != 0)
    wait += g_get_monotonic_time () - self->credit_blocked_since;
  return wait;
}

void
eit_flow_get_stats (EitFlow      *self,
                    EitFlowStats *stats)
{
  g_return_if_fail (EIT_IS_FLOW (self));

  stats->window_messages = self->window_messages;
  stats->window_bytes = self->window_bytes;
  stats->peer_window_messages = self->peer_window_messages;
  stats->peer_window_bytes = self->peer_window_bytes;
  stats->credit_messages = credit_messages (self);
  stats->credit_bytes = credit_bytes (self);
  stats->in_flight_messages = (guint) (self->sent_seq - self->peer_ack);
  stats->in_flight_bytes = self->in_flight_bytes;
  stats->queue_depth = (guint) (self->last_assigned - self->sent_seq);
  stats->inbound_pending = eit_msg_ring_length (&self->inbound);
  stats->credit_wait_time = credit_wait_now (self);
  stats->waiting_for_credit = self->credit_blocked_since != 0;
  stats->adapted_window = send_window_bytes (self, g_get_monotonic_time ());
  stats->delivery_rate = self->rate_window.rate;
  stats->frame_bound = frame_bound (self);
  stats->queued_bytes = self->queued_bytes;
  stats->send_queue_bytes = self->send_queue_bytes;
  stats->rtt_min = self->rtt.min;
  stats->ack_rtt = self->rate_window.ack_rtt;
  stats->queue_delay = self->rate_window.queue_delay;
  stats->path_rtt = self->rate_window.path_rtt;
  stats->pings_sent = self->pings_sent;
  stats->pongs_received = self->pongs_received;
  stats->pings_received = self->pings_received;
  stats->rtt_last = self->rtt.last;
  stats->rtt_smoothed = self->rtt.smoothed;
  stats->rtt_p50 = eit_rtt_percentile (&self->rtt, 50);
  stats->rtt_p99 = eit_rtt_percentile (&self->rtt, 99);
  stats->messages_in = self->messages_in;
  stats->messages_out = self->messages_out;
  stats->bytes_in = self->bytes_in;
  stats->bytes_out = self->bytes_out;
  stats->frames_out = self->frames_out;
  stats->duplicates = self->duplicates;
  stats->resent = self->resent;
  stats->rejected = self->rejected;
}

EitFlow *
eit_flow_new (void)
{
  return g_object_new (EIT_TYPE_FLOW, NULL);
}

static void
eit_flow_dispose (GObject *object)
{
  EitFlow *self = EIT_FLOW (object);

  eit_flow_detach (self);
  g_clear_handle_id (&self->drain_id, g_source_remove);

  G_OBJECT_CLASS (eit_flow_parent_class)->dispose (object);
}

static void
eit_flow_finalize (GObject *object)
{
  EitFlow *self = EIT_FLOW (object);

  eit_msg_ring_clear (&self->out);
  eit_msg_ring_clear (&self->inbound);
  g_string_free (self->frame, TRUE);
  g_string_free (self->deliver, TRUE);
  eit_flow_window_clear (&self->rate_window);

  G_OBJECT_CLASS (eit_flow_parent_class)->finalize (object);
}

static void
eit_flow_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  EitFlow *self = EIT_FLOW (object);

  switch (prop_id)
    {
    case PROP_WINDOW_MESSAGES:    g_value_set_uint (value, self->window_messages); break;
    case PROP_WINDOW_BYTES:       g_value_set_uint64 (value, self->window_bytes); break;
    case PROP_SEND_QUEUE_LIMIT:   g_value_set_uint (value, self->send_queue_limit); break;
    case PROP_SEND_QUEUE_BYTES:   g_value_set_uint64 (value, self->send_queue_bytes); break;
    case PROP_QUEUE_DELAY_TARGET: g_value_set_uint (value, self->queue_delay_target); break;
    case PROP_KEEPALIVE_INTERVAL: g_value_set_uint (value, self->keepalive_interval); break;
    case PROP_RTT_INTERVAL:       g_value_set_uint (value, self->rtt_interval); break;
    case PROP_ACK_DELAY:          g_value_set_uint (value, self->ack_delay); break;
    case PROP_MAX_MESSAGE_SIZE:   g_value_set_uint64 (value, self->max_message_size); break;
    case PROP_RECEIVING_PAUSED:   g_value_set_boolean (value, self->receiving_paused); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_flow_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  EitFlow *self = EIT_FLOW (object);

  switch (prop_id)
    {
    case PROP_WINDOW_MESSAGES:    self->window_messages = g_value_get_uint (value); break;
    case PROP_WINDOW_BYTES:       self->window_bytes = g_value_get_uint64 (value); break;
    case PROP_SEND_QUEUE_LIMIT:   self->send_queue_limit = g_value_get_uint (value); break;
    case PROP_SEND_QUEUE_BYTES:   self->send_queue_bytes = g_value_get_uint64 (value); break;
    case PROP_QUEUE_DELAY_TARGET:
      self->queue_delay_target = g_value_get_uint (value);
      eit_flow_window_set_target (&self->rate_window, self->queue_delay_target);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      self->keepalive_interval = g_value_get_uint (value);
      schedule_keepalive (self, self->keepalive_interval);
      break;
    case PROP_RTT_INTERVAL:       self->rtt_interval = g_value_get_uint (value); break;
    case PROP_ACK_DELAY:          self->ack_delay = g_value_get_uint (value); break;
    case PROP_MAX_MESSAGE_SIZE:   self->max_message_size = g_value_get_uint64 (value); break;
    case PROP_RECEIVING_PAUSED:   eit_flow_set_receiving_paused (self, g_value_get_boolean (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_flow_class_init (EitFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;

  object_class->dispose = eit_flow_dispose;
  object_class->finalize = eit_flow_finalize;
  object_class->get_property = eit_flow_get_property;
  object_class->set_property = eit_flow_set_property;

  properties[PROP_WINDOW_MESSAGES] =
    g_param_spec_uint ("window-messages", NULL, NULL, 1, G_MAXUINT32,
                       EIT_DEFAULT_WINDOW_MESSAGES, rw);
  properties[PROP_WINDOW_BYTES] =
    g_param_spec_uint64 ("window-bytes", NULL, NULL, 1, G_MAXUINT32,
                         EIT_DEFAULT_WINDOW_BYTES, rw);
  properties[PROP_SEND_QUEUE_LIMIT] =
    g_param_spec_uint ("send-queue-limit", NULL, NULL, 1, G_MAXUINT32,
                       EIT_DEFAULT_SEND_QUEUE_LIMIT, rw);
  properties[PROP_SEND_QUEUE_BYTES] =
    g_param_spec_uint64 ("send-queue-bytes", NULL, NULL, 1, G_MAXUINT32,
                         EIT_DEFAULT_SEND_QUEUE_BYTES, rw);
  properties[PROP_QUEUE_DELAY_TARGET] =
    g_param_spec_uint ("queue-delay-target", NULL, NULL, 1, 60000,
                       EIT_DEFAULT_QUEUE_DELAY_TARGET_MS, rw);
  properties[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 0, G_MAXUINT32,
                       EIT_DEFAULT_KEEPALIVE_INTERVAL_MS, rw);
  properties[PROP_RTT_INTERVAL] =
    g_param_spec_uint ("rtt-interval", NULL, NULL, 0, G_MAXUINT32,
                       EIT_DEFAULT_RTT_INTERVAL_MS, rw);
  properties[PROP_ACK_DELAY] =
    g_param_spec_uint ("ack-delay", NULL, NULL, 0, 60000, EIT_DEFAULT_ACK_DELAY_MS, rw);
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1, G_MAXUINT32,
                         EIT_DEFAULT_MAX_MESSAGE_SIZE, rw);
  properties[PROP_RECEIVING_PAUSED] =
    g_param_spec_boolean ("receiving-paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MESSAGE] = eit_text_signal_new ("message", G_TYPE_FROM_CLASS (klass));
}

static void
eit_flow_init (EitFlow *self)
{
  eit_msg_ring_init (&self->out);
  eit_msg_ring_init (&self->inbound);
  self->frame = g_string_sized_new (4096);
  self->deliver = g_string_sized_new (256);
  self->peer_window_messages = EIT_DEFAULT_WINDOW_MESSAGES;
  self->peer_window_bytes = EIT_DEFAULT_WINDOW_BYTES;
  self->queue_delay_to_report = -1;
  eit_rtt_init (&self->rtt);
  eit_flow_window_init (&self->rate_window, EIT_DEFAULT_QUEUE_DELAY_TARGET_MS);
}
