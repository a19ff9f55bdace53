/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client connection layer. One EitFlow carries the session across
 * every transport; the connection decides when transports come and go:
 * reconnect with full-jitter back-off, inactivity, make-before-break cycles.
 * A pending connect and every timer are owned here and cleared in dispose,
 * so no leftover timer can close a newer connection. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "eit-backoff.h"
#include "eit-connection.h"
#include "eit-connection-private.h"
#include "eit-enums.h"
#include "eit-error.h"
#include "eit-flow-private.h"
#include "eit-handshake.h"
#include "eit-json.h"
#include "eit-marshal.h"
#include "eit-signal.h"
#include "eit-transport-private.h"

struct _EitConnection
{
  GObject             parent_instance;

  /* settings */
  char               *url;
  char               *token;
  char               *origin;
  EitTrustMode        trust_mode;
  char               *ca_file;
  char               *pinned_fingerprint;
  guint               inactivity_timeout;
  guint               keepalive_interval;
  guint               cycle_interval_min;
  guint               cycle_interval_max;
  guint               reconnect_base;
  guint               reconnect_cap;
  guint               stable_period;
  guint               connect_timeout;
  guint               window_messages;
  guint64             window_bytes;
  guint               send_queue_limit;
  EitProtocolPreference protocol_mode;

  /* state */
  EitConnectionState  state;
  EitProtocolMode     mode;
  /* Why the connection runs in its mode (NULL for the full protocol). */
  const char         *mode_reason;
  /* The hub at url selected eithub.v1 without speaking it (PROTOCOL.md 2.3). */
  gboolean            hub_base_only;
  gboolean            wanted;          /* connect() called, disconnect() not */
  char               *instance_id;
  guint64             generation;
  char               *session_id;
  char               *session_epoch;
  EitFlow            *flow;
  EitTransport       *active;
  EitTransport       *pending;         /* connecting, handshaking or cycling in */
  GPtrArray          *retired;         /* closing after a cycle */
  GCancellable       *connect_cancellable;
  EitConnectFunc      connect_func;    /* NULL: eit_transport_connect_async () */
  gpointer            connect_data;
  GArray             *bodies;

  GRand              *rand;
  EitBackoff          backoff;

  /* timers */
  guint               retry_id;
  guint               connect_timeout_id;
  guint               inactivity_id;
  guint               cycle_id;
  guint               stable_id;

  /* "Progress counts as life": the kernel's receive counter at the last
   * inactivity check, when that check ran, and the latest time bytes are
   * known to have arrived by it. */
  guint64             kernel_bytes_received;
  gint64              kernel_check_time;
  gint64              kernel_progress_time;

  /* The least delay a hub asked for (4429 retry after), in ms. */
  guint               retry_at_least;
  /* The hub closed the old connection of a cycle (4004) before the new
   * one's welcome came: the cycle completes on the welcome all the same. */
  gboolean            cycle_took_over;

  /* metrics */
  guint               reconnects;
  guint               cycles;
  guint               timeouts;
  guint               session_resets;
  guint               backoff_delay;
  gint64              next_retry_time;
  gint64              connected_since;
  guint               last_close_code;
  char               *last_close_reason;
  GError             *last_error;
  guint64             messages_in, messages_out, bytes_in, bytes_out;
};

G_DEFINE_FINAL_TYPE (EitConnection, eit_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  PROP_TOKEN,
  PROP_ORIGIN,
  PROP_TRUST_MODE,
  PROP_CA_FILE,
  PROP_PINNED_FINGERPRINT,
  PROP_INACTIVITY_TIMEOUT,
  PROP_KEEPALIVE_INTERVAL,
  PROP_CYCLE_INTERVAL_MIN,
  PROP_CYCLE_INTERVAL_MAX,
  PROP_RECONNECT_BASE,
  PROP_RECONNECT_CAP,
  PROP_STABLE_PERIOD,
  PROP_CONNECT_TIMEOUT,
  PROP_WINDOW_MESSAGES,
  PROP_WINDOW_BYTES,
  PROP_SEND_QUEUE_LIMIT,
  PROP_PROTOCOL_MODE,
  PROP_STATE,
  PROP_MODE,
  PROP_MODE_REASON,
  PROP_CONNECTED,
  PROP_INSTANCE_ID,
  PROP_GENERATION,
  PROP_SESSION_ID,
  PROP_SESSION_EPOCH,
  PROP_RECONNECTS,
  PROP_CYCLES,
  PROP_TIMEOUTS,
  PROP_SESSION_RESETS,
  PROP_BACKOFF_DELAY,
  PROP_NEXT_RETRY_TIME,
  PROP_CONNECTED_SINCE,
  PROP_LAST_CLOSE_CODE,
  PROP_LAST_CLOSE_REASON,
  PROP_LAST_ERROR_MESSAGE,
  PROP_TLS_VERSION,
  PROP_TLS_CIPHER,
  PROP_PEER_FINGERPRINT,
  PROP_FLOW,
  PROP_MESSAGES_IN,
  PROP_MESSAGES_OUT,
  PROP_BYTES_IN,
  PROP_BYTES_OUT,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE,
  SIGNAL_SENT,
  SIGNAL_SESSION_RESET,
  SIGNAL_TRANSITION,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_attempt    (EitConnection *self);
static void schedule_retry   (EitConnection *self);
static void drop_transport   (EitConnection *self,
                              EitTransport  *transport);

static void
notify (EitConnection *self,
        guint          prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_state (EitConnection      *self,
           EitConnectionState  state,
           const char         *reason)
{
  EitConnectionState old = self->state;
  gboolean was_connected = eit_connection_is_connected (self);

  if (old == state)
    return;
  self->state = state;
  g_debug ("connection %s: %s -> %s (%s)", self->instance_id,
           eit_connection_state_to_string (old), eit_connection_state_to_string (state),
           reason ? reason : "");
  g_object_freeze_notify (G_OBJECT (self));
  notify (self, PROP_STATE);
  if (was_connected != eit_connection_is_connected (self))
    notify (self, PROP_CONNECTED);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_TRANSITION], 0, old, state, reason ? reason : "");
}

static void
set_last_error (EitConnection *self,
                const GError  *error)
{
  g_clear_error (&self->last_error);
  if (error != NULL)
    self->last_error = g_error_copy (error);
  notify (self, PROP_LAST_ERROR_MESSAGE);
}

/* Nothing is connected any more. */
static void
clear_connected_since (EitConnection *self)
{
  if (self->connected_since == 0)
    return;
  self->connected_since = 0;
  notify (self, PROP_CONNECTED_SINCE);
}

static void
set_mode (EitConnection   *self,
          EitProtocolMode  mode,
          const char      *reason)
{
  if (self->mode != mode)
    {
      self->mode = mode;
      notify (self, PROP_MODE);
    }
  if (g_strcmp0 (self->mode_reason, reason) != 0)
    {
      self->mode_reason = reason;
      notify (self, PROP_MODE_REASON);
    }
}

static void
clear_timers (EitConnection *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->inactivity_id, g_source_remove);
  g_clear_handle_id (&self->cycle_id, g_source_remove);
  g_clear_handle_id (&self->stable_id, g_source_remove);
}

static void
disconnect_transport_handlers (EitConnection *self,
                               EitTransport  *transport)
{
  g_signal_handlers_disconnect_by_data (transport, self);
}

/* Cancels a pending connect and forgets a handshaking transport. */
static void
cancel_pending (EitConnection *self)
{
  self->cycle_took_over = FALSE;
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->connect_cancellable != NULL)
    {
      g_cancellable_cancel (self->connect_cancellable);
      g_clear_object (&self->connect_cancellable);
    }
  if (self->pending != NULL)
    {
      EitTransport *pending = g_steal_pointer (&self->pending);

      disconnect_transport_handlers (self, pending);
      eit_transport_close (pending, EIT_CLOSE_NORMAL, "bye");
      g_object_unref (pending);
    }
}

static void
record_close (EitConnection *self,
              EitTransport  *transport)
{
  const char *reason = eit_transport_get_close_reason (transport);

  self->last_close_code = eit_transport_get_close_code (transport);
  g_free (self->last_close_reason);
  self->last_close_reason = g_strdup (reason ? reason : "");
  notify (self, PROP_LAST_CLOSE_CODE);
  notify (self, PROP_LAST_CLOSE_REASON);
}

static GError *
close_to_error (EitTransport *transport)
{
  guint code = eit_transport_get_close_code (transport);
  const char *reason = eit_transport_get_close_reason (transport);
  EitError domain_code = EIT_ERROR_CLOSED;

  if (code == 0)
    return g_error_new (EIT_ERROR, EIT_ERROR_CLOSED,
                        _("The connection to the hub dropped without a close frame"));
  if (eit_transport_get_closed_locally (transport))
    return g_error_new (EIT_ERROR, code == EIT_CLOSE_TIMEOUT ? EIT_ERROR_TIMEOUT : EIT_ERROR_CLOSED,
                        _("The client closed the connection (%u %s)"), code, reason ? reason : "");

  /* Refusals a browser can read (PROTOCOL.md 2.4) mean what their HTTP
   * statuses mean: 4401 and 4403 are permanent, 4429 is not. */
  switch (code)
    {
    case EIT_CLOSE_TIMEOUT:      domain_code = EIT_ERROR_TIMEOUT; break;
    case EIT_CLOSE_UNAUTHORIZED: domain_code = EIT_ERROR_AUTH; break;
    case EIT_CLOSE_FORBIDDEN:    domain_code = EIT_ERROR_FORBIDDEN; break;
    case EIT_CLOSE_TOO_MANY:     domain_code = EIT_ERROR_TOO_MANY; break;
    default: break;
    }
  return g_error_new (EIT_ERROR, domain_code, _("The hub closed the connection (%u %s)"), code,
                      reason ? reason : "");
}

static gboolean
stable_cb (gpointer user_data)
{
  EitConnection *self = user_data;

  self->stable_id = 0;
  eit_backoff_reset (&self->backoff);
  return G_SOURCE_REMOVE;
}

static gboolean
cycle_cb (gpointer user_data)
{
  EitConnection *self = user_data;

  self->cycle_id = 0;
  eit_connection_cycle_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_cycle (EitConnection *self,
                guint          delay_ms)
{
  g_clear_handle_id (&self->cycle_id, g_source_remove);
  if (self->cycle_interval_max > 0)
    self->cycle_id = g_timeout_add (MAX (delay_ms, 1), cycle_cb, self);
}

static guint
draw_cycle_interval (EitConnection *self)
{
  guint lo = MIN (self->cycle_interval_min, self->cycle_interval_max);
  guint hi = MAX (self->cycle_interval_min, self->cycle_interval_max);

  return lo == hi ? hi : (guint) g_rand_int_range (self->rand, (gint32) lo, (gint32) MIN (hi, G_MAXINT32 - 1) + 1);
}

static void lose_active (EitConnection *self,
                         const GError  *error,
                         const char    *reason);

static gboolean
inactivity_cb (gpointer user_data)
{
  EitConnection *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 silent_ms;
  guint64 kernel_bytes;
  gint64 last_life;

  self->inactivity_id = 0;
  if (self->active == NULL || self->inactivity_timeout == 0)
    return G_SOURCE_REMOVE;

  /* libsoup delivers whole frames only: a large frame still arriving shows
   * no activity above it. The kernel's receive counter does (PROTOCOL.md
   * 5.3). Bytes that moved since the last check arrived after it, so that
   * check's time is when the link was last known alive: a frame delivered
   * meanwhile is newer already, and a link that went dark right after its
   * last frame is not kept alive by that frame's bytes. */
  if (eit_transport_get_kernel_bytes_received (self->active, &kernel_bytes) &&
      kernel_bytes != self->kernel_bytes_received)
    {
      self->kernel_bytes_received = kernel_bytes;
      self->kernel_progress_time = self->kernel_check_time;
    }
  self->kernel_check_time = now;
  last_life = MAX (eit_transport_get_last_receive_time (self->active), self->kernel_progress_time);
  silent_ms = (now - last_life) / 1000;
  if (silent_ms >= self->inactivity_timeout)
    {
      g_autoptr(GError) error =
        g_error_new (EIT_ERROR, EIT_ERROR_TIMEOUT,
                     _("Nothing received from the hub for %u ms: the link is down or half-open"),
                     self->inactivity_timeout);
      g_autofree char *reason = g_strdup_printf ("inactivity for %" G_GINT64_FORMAT " ms", silent_ms);

      self->timeouts++;
      notify (self, PROP_TIMEOUTS);
      /* The close frame goes out if the link still takes it; lose_active
       * then drops the link without waiting for an answer. */
      eit_transport_close (self->active, EIT_CLOSE_TIMEOUT, "timeout");
      lose_active (self, error, reason);
      return G_SOURCE_REMOVE;
    }
  /* Checked at least eight times per timeout, so progress is dated to
   * within an eighth of it. */
  self->inactivity_id = g_timeout_add (MIN ((guint) (self->inactivity_timeout - silent_ms) + 1,
                                            MAX (self->inactivity_timeout / 8, 1)),
                                       inactivity_cb, self);
  return G_SOURCE_REMOVE;
}

static void
arm_inactivity (EitConnection *self)
{
  g_clear_handle_id (&self->inactivity_id, g_source_remove);
  self->kernel_progress_time = 0;
  self->kernel_check_time = g_get_monotonic_time ();
  if (self->active == NULL ||
      !eit_transport_get_kernel_bytes_received (self->active, &self->kernel_bytes_received))
    self->kernel_bytes_received = 0;
  if (self->inactivity_timeout > 0)
    self->inactivity_id = g_timeout_add (MAX (self->inactivity_timeout / 8, 1), inactivity_cb, self);
}

static void
notify_tls (EitConnection *self)
{
  notify (self, PROP_TLS_VERSION);
  notify (self, PROP_TLS_CIPHER);
  notify (self, PROP_PEER_FINGERPRINT);
}

/* The pending transport is ready: it becomes the active one. */
static void
promote_pending (EitConnection *self)
{
  EitTransport *old = g_steal_pointer (&self->active);
  gboolean cycled = old != NULL || self->cycle_took_over;

  self->cycle_took_over = FALSE;
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->active = g_steal_pointer (&self->pending);
  set_mode (self, eit_transport_get_mode (self->active),
            eit_transport_get_mode (self->active) == EIT_PROTOCOL_MODE_FULL ? NULL
            : self->protocol_mode == EIT_PROTOCOL_PREFERENCE_BASE ? EIT_MODE_REASON_BASE_CHOSEN
            : self->hub_base_only ? EIT_MODE_REASON_FELL_BACK
            : EIT_MODE_REASON_NOT_SELECTED);

  if (old != NULL)
    {
      /* Make-before-break: the old connection drains and closes; frames
       * that still arrive on it are deduplicated by the flow. */
      g_ptr_array_add (self->retired, old);
      eit_transport_close (old, EIT_CLOSE_NORMAL, "cycle");
    }
  if (cycled)
    {
      self->cycles++;
      notify (self, PROP_CYCLES);
    }

  if (self->next_retry_time != 0)
    {
      self->next_retry_time = 0;
      notify (self, PROP_NEXT_RETRY_TIME);
    }
  if (self->connected_since == 0 || !cycled)
    {
      self->connected_since = g_get_real_time ();
      notify (self, PROP_CONNECTED_SINCE);
    }
  set_last_error (self, NULL);
  notify_tls (self);
  arm_inactivity (self);
  schedule_cycle (self, draw_cycle_interval (self));
  if (!cycled)
    {
      g_clear_handle_id (&self->stable_id, g_source_remove);
      self->stable_id = g_timeout_add (MAX (self->stable_period, 1), stable_cb, self);
    }
  if (cycled)
    set_state (self, EIT_CONNECTION_STATE_CONNECTED, "cycle complete");
  else if (self->mode == EIT_PROTOCOL_MODE_FULL)
    set_state (self, EIT_CONNECTION_STATE_CONNECTED, "session ready");
  else
    {
      g_autofree char *reason = g_strdup_printf ("connected (base layer only: %s)",
                                                 self->mode_reason);

      set_state (self, EIT_CONNECTION_STATE_CONNECTED, reason);
    }
}

static void
pending_failed (EitConnection *self,
                const GError  *error)
{
  cancel_pending (self);
  set_last_error (self, error);

  if (self->active != NULL)
    {
      /* A failed cycle: the old connection carries on; try again later. */
      set_state (self, EIT_CONNECTION_STATE_CONNECTED, error ? error->message : "cycle failed");
      schedule_cycle (self, eit_backoff_next (&self->backoff, self->rand) + 1);
      return;
    }
  /* No connection left (a cycle's old one may have gone first, 4004). */
  g_clear_handle_id (&self->stable_id, g_source_remove);
  clear_connected_since (self);

  if (eit_error_is_permanent (error))
    {
      clear_timers (self);
      set_state (self, EIT_CONNECTION_STATE_FAILED, error->message);
      return;
    }
  schedule_retry (self);
}

static void
lose_active (EitConnection *self,
             const GError  *error,
             const char    *reason)
{
  EitTransport *lost = g_steal_pointer (&self->active);

  if (lost != NULL)
    {
      disconnect_transport_handlers (self, lost);
      /* Give up on it without waiting for a close handshake on a dead link. */
      eit_transport_abort (lost);
      g_object_unref (lost);
    }
  if (self->flow != NULL)
    eit_flow_detach (self->flow);
  g_clear_handle_id (&self->inactivity_id, g_source_remove);
  g_clear_handle_id (&self->cycle_id, g_source_remove);
  g_clear_handle_id (&self->stable_id, g_source_remove);
  clear_connected_since (self);
  set_last_error (self, error);

  if (self->pending != NULL)
    {
      /* A cycle was under way: its connection becomes the way back. */
      set_state (self, EIT_CONNECTION_STATE_CONNECTING, reason);
      return;
    }
  schedule_retry (self);
}

static gboolean
retry_cb (gpointer user_data)
{
  EitConnection *self = user_data;

  self->retry_id = 0;
  self->reconnects++;
  notify (self, PROP_RECONNECTS);
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (EitConnection *self)
{
  guint delay;

  if (!self->wanted)
    {
      set_state (self, EIT_CONNECTION_STATE_DISCONNECTED, NULL);
      return;
    }
  g_clear_handle_id (&self->retry_id, g_source_remove);
  delay = eit_backoff_next (&self->backoff, self->rand);
  /* A hub that said when to come back (4429) is not asked sooner. */
  delay = MAX (delay, self->retry_at_least);
  self->retry_at_least = 0;
  self->backoff_delay = delay;
  self->next_retry_time = g_get_monotonic_time () + (gint64) delay * 1000;
  self->retry_id = g_timeout_add (delay, retry_cb, self);
  notify (self, PROP_BACKOFF_DELAY);
  notify (self, PROP_NEXT_RETRY_TIME);
  set_state (self, EIT_CONNECTION_STATE_BACKING_OFF,
             self->last_error ? self->last_error->message : NULL);
}

static char *
build_hello (EitConnection *self)
{
  /* Both ids were checked by eit_protocol_id_is_valid () when they arrived. */
  EitHello hello = {
    .instance = self->instance_id,
    .generation = self->generation,
    .session = self->session_id,
    .epoch = self->session_epoch,
    .recv = self->flow ? eit_flow_get_recv_seq (self->flow) : 0,
    .ack = self->flow ? eit_flow_get_consumed_seq (self->flow) : 0,
    .window_messages = self->window_messages,
    .window_bytes = self->window_bytes,
    .keepalive_ms = self->keepalive_interval,
  };

  return eit_hello_build (&hello);
}

static void
on_flow_message (EitFlow    *flow,
                 const char *json,
                 gulong      len,
                 gpointer    user_data)
{
  EitConnection *self = user_data;

  self->messages_in++;
  self->bytes_in += len;
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, json, len);
}

static void
ensure_flow (EitConnection *self)
{
  if (self->flow != NULL)
    return;
  self->flow = g_object_new (EIT_TYPE_FLOW,
                             "window-messages", self->window_messages,
                             "window-bytes", self->window_bytes,
                             "send-queue-limit", self->send_queue_limit,
                             "keepalive-interval", self->keepalive_interval,
                             NULL);
  g_signal_connect (self->flow, "message", G_CALLBACK (on_flow_message), self);
  notify (self, PROP_FLOW);
}

static gboolean
handle_welcome (EitConnection *self,
                EitTransport  *transport,
                const char    *text,
                gsize          len)
{
  g_autoptr(GError) error = NULL;
  g_auto(EitWelcome) welcome = { NULL, };

  if (!eit_welcome_parse (text, len, &welcome, &error))
    {
      eit_transport_close (transport, EIT_CLOSE_PROTOCOL_VIOLATION, error->message);
      return FALSE;
    }
  /* The hub may have moved the generation past what we sent (a reloaded
   * client restarts at 1): the next connect goes on from the hub's. */
  if (welcome.generation != 0 && welcome.generation != self->generation)
    {
      self->generation = welcome.generation;
      notify (self, PROP_GENERATION);
    }

  ensure_flow (self);
  if (!welcome.resumed && self->session_id != NULL)
    {
      guint resent = eit_flow_reset_session (self->flow);

      self->session_resets++;
      notify (self, PROP_SESSION_RESETS);
      g_debug ("session %s lost (hub epoch %s -> %s): %u messages renumbered",
               self->session_id, self->session_epoch, welcome.epoch, resent);
      g_signal_emit (self, signals[SIGNAL_SESSION_RESET], 0, resent);
    }
  if (g_strcmp0 (self->session_id, welcome.session) != 0)
    {
      g_free (self->session_id);
      self->session_id = g_strdup (welcome.session);
      notify (self, PROP_SESSION_ID);
    }
  if (g_strcmp0 (self->session_epoch, welcome.epoch) != 0)
    {
      g_free (self->session_epoch);
      self->session_epoch = g_strdup (welcome.epoch);
      notify (self, PROP_SESSION_EPOCH);
    }

  eit_flow_detach (self->flow);
  eit_flow_attach (self->flow, transport,
                   welcome.resumed ? welcome.recv : 0, welcome.resumed ? welcome.ack : 0,
                   (guint) MIN (welcome.window_messages, G_MAXUINT32), welcome.window_bytes);
  promote_pending (self);
  return TRUE;
}

/* The hub selected eithub.v1 and answered hello with something that is not
 * a welcome (a Node `ws` MVP hub echoes it): it speaks the base layer only
 * (PROTOCOL.md 2.3). */
static void
hub_not_full (EitConnection *self,
              EitTransport  *transport)
{
  /* A cycle's new connection: the session runs on the old one, so the hub
   * is not a base-layer one; the cycle fails and is tried again. */
  if (self->protocol_mode == EIT_PROTOCOL_PREFERENCE_FULL || self->active != NULL)
    {
      eit_transport_close (transport, EIT_CLOSE_PROTOCOL_VIOLATION,
                           "protocol violation: expected welcome");
      return;
    }

  /* The first frame (our hello, echoed) is not the application's. */
  g_message ("connection %s: the hub at %s selected %s but answered hello with something else: "
             "using the base layer, and offering %s from now on",
             self->instance_id, self->url, EIT_SUBPROTOCOL_V1, EIT_SUBPROTOCOL_JSON);
  self->hub_base_only = TRUE;
  eit_transport_set_mode (transport, EIT_PROTOCOL_MODE_BASE);
  eit_transport_set_ws_keepalive (transport, self->keepalive_interval);
  promote_pending (self);
}

static void
on_transport_frame (EitTransport *transport,
                    const char   *text,
                    gulong        len,
                    gpointer      user_data)
{
  EitConnection *self = user_data;
  g_autoptr(GError) error = NULL;
  EitEnvelope envelope;

  if (eit_transport_get_mode (transport) != EIT_PROTOCOL_MODE_FULL)
    {
      /* Base layer: every frame is one application message. */
      if (!eit_json_validate (text, len, NULL, &error))
        {
          eit_transport_close (transport, EIT_CLOSE_INVALID_JSON, error->message);
          return;
        }
      self->messages_in++;
      self->bytes_in += len;
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text, len);
      return;
    }

  if (transport == self->pending)
    {
      if (!eit_envelope_parse (text, len, &envelope, self->bodies, NULL) ||
          envelope.type != EIT_ENVELOPE_WELCOME)
        {
          hub_not_full (self, transport);
          return;
        }
      handle_welcome (self, transport, text, len);
      return;
    }

  if (!eit_envelope_parse (text, len, &envelope, self->bodies, &error))
    {
      eit_transport_close (transport,
                           g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON)
                           ? EIT_CLOSE_INVALID_JSON : EIT_CLOSE_PROTOCOL_VIOLATION,
                           error->message);
      return;
    }

  if (self->flow != NULL)
    eit_flow_receive (self->flow, transport, &envelope, self->bodies);
}

/* A new session from the next hello on, with what was not acknowledged
 * renumbered into it. */
static void
start_fresh_session (EitConnection *self)
{
  if (self->session_id == NULL)
    return;
  g_clear_pointer (&self->session_id, g_free);
  g_clear_pointer (&self->session_epoch, g_free);
  notify (self, PROP_SESSION_ID);
  notify (self, PROP_SESSION_EPOCH);
  if (self->flow != NULL)
    {
      guint resent = eit_flow_reset_session (self->flow);

      self->session_resets++;
      notify (self, PROP_SESSION_RESETS);
      g_signal_emit (self, signals[SIGNAL_SESSION_RESET], 0, resent);
    }
}

static char *
new_instance_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *id = g_string_new (NULL);

  for (const char *p = uuid; *p; p++)
    if (*p != '-')
      g_string_append_c (id, *p);
  return g_string_free (id, FALSE);
}

/* What the hub's close codes ask of a client (PROTOCOL.md 3 and 5.4). */
static void
follow_close_code (EitConnection *self,
                   EitTransport  *transport)
{
  guint code = eit_transport_get_close_code (transport);
  const char *reason = eit_transport_get_close_reason (transport);

  if (eit_transport_get_closed_locally (transport))
    return;

  switch (code)
    {
    case EIT_CLOSE_INSTANCE_IN_USE:
    case EIT_CLOSE_TAKEOVER_STORM:
      {
        g_autofree char *old = NULL;

        /* During a cycle the old connection is the instance's: it carries on. */
        if (self->active != NULL && self->active != transport)
          return;
        old = g_steal_pointer (&self->instance_id);
        self->instance_id = new_instance_id ();
        g_message ("connection %s: the hub refused instance %s (%u %s): connecting again as "
                   "instance %s", self->instance_id, old, code, reason ? reason : "",
                   self->instance_id);
        self->generation = 0;
        notify (self, PROP_INSTANCE_ID);
        notify (self, PROP_GENERATION);
        start_fresh_session (self);
        break;
      }

    case EIT_CLOSE_FOREIGN_SESSION:
      g_message ("connection %s: the hub refused session %s (%u %s): starting a new session",
                 self->instance_id, self->session_id ? self->session_id : "",
                 code, reason ? reason : "");
      start_fresh_session (self);
      break;

    case EIT_CLOSE_TOO_MANY:
      {
        const char *after = reason ? strstr (reason, "retry after ") : NULL;
        guint64 seconds;
        g_autofree char *number = NULL;

        if (after == NULL)
          break;
        after += strlen ("retry after ");
        number = g_strndup (after, strspn (after, "0123456789"));
        if (g_ascii_string_to_unsigned (number, 10, 0, 86400, &seconds, NULL))
          self->retry_at_least = (guint) seconds * 1000;
        break;
      }

    default:
      break;
    }
}

static void
on_transport_closed (EitTransport *transport,
                     gpointer      user_data)
{
  EitConnection *self = user_data;
  g_autoptr(EitTransport) hold = g_object_ref (transport);

  disconnect_transport_handlers (self, transport);

  if (g_ptr_array_remove (self->retired, transport))
    return;

  record_close (self, transport);
  follow_close_code (self, transport);

  if (transport == self->pending)
    {
      g_autoptr(GError) error = close_to_error (transport);

      g_clear_object (&self->pending);
      pending_failed (self, error);
    }
  else if (transport == self->active && self->pending != NULL &&
           eit_transport_get_close_code (transport) == EIT_CLOSE_SUPERSEDED &&
           !eit_transport_get_closed_locally (transport))
    {
      /* Our own cycle took over: the hub's 4004 on the old connection came
       * before the welcome on the new one (two sockets race). That is no
       * loss: the flow waits for the new connection, and sends go on. */
      g_clear_object (&self->active);
      if (self->flow != NULL)
        eit_flow_detach (self->flow);
      g_clear_handle_id (&self->inactivity_id, g_source_remove);
      self->cycle_took_over = TRUE;
    }
  else if (transport == self->active)
    {
      g_autoptr(GError) error = close_to_error (transport);
      g_autofree char *reason =
        g_strdup_printf ("closed %u %s", eit_transport_get_close_code (transport),
                         eit_transport_get_close_reason (transport) ?: "");

      if (eit_transport_get_close_code (transport) == EIT_CLOSE_TIMEOUT)
        {
          self->timeouts++;
          notify (self, PROP_TIMEOUTS);
        }
      lose_active (self, error, reason);
    }
}

static void
drop_transport (EitConnection *self,
                EitTransport  *transport)
{
  disconnect_transport_handlers (self, transport);
  eit_transport_close (transport, EIT_CLOSE_NORMAL, "bye");
}

static gboolean
connect_timeout_cb (gpointer user_data)
{
  EitConnection *self = user_data;
  g_autoptr(GError) error =
    g_error_new (EIT_ERROR, EIT_ERROR_TIMEOUT,
                 _("The hub did not complete the connection within %u ms"), self->connect_timeout);

  self->connect_timeout_id = 0;
  pending_failed (self, error);
  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EitTransport) transport = eit_transport_connect_finish (result, &error);
  EitConnection *self;

  /* Cancelled means the connection was disposed or moved on: do not touch it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = user_data;
  g_clear_object (&self->connect_cancellable);

  if (transport == NULL)
    {
      pending_failed (self, error);
      return;
    }

  self->pending = g_object_ref (transport);
  g_signal_connect (transport, "frame", G_CALLBACK (on_transport_frame), self);
  g_signal_connect (transport, "closed", G_CALLBACK (on_transport_closed), self);

  if (eit_transport_get_mode (transport) == EIT_PROTOCOL_MODE_FULL)
    {
      g_autofree char *hello = build_hello (self);
      eit_transport_send (transport, hello, strlen (hello));
    }
  else
    {
      /* Base layer: nothing to negotiate, WebSocket pings keep it alive. */
      eit_transport_set_ws_keepalive (transport, self->keepalive_interval);
      promote_pending (self);
    }
}

static void
start_attempt (EitConnection *self)
{
  EitTransportOptions options = {
    .url = self->url,
    .token = self->token,
    .trust_mode = self->trust_mode,
    .ca_file = self->ca_file,
    .pin = self->pinned_fingerprint,
    .offer_v1 = self->protocol_mode == EIT_PROTOCOL_PREFERENCE_FULL ||
                (self->protocol_mode == EIT_PROTOCOL_PREFERENCE_AUTO && !self->hub_base_only),
    .origin = self->origin,
    .max_message_size = EIT_DEFAULT_MAX_MESSAGE_SIZE,
  };

  cancel_pending (self);
  self->generation++;
  notify (self, PROP_GENERATION);
  self->connect_cancellable = g_cancellable_new ();
  if (self->connect_timeout > 0)
    self->connect_timeout_id = g_timeout_add (self->connect_timeout, connect_timeout_cb, self);
  if (self->active == NULL)
    set_state (self, EIT_CONNECTION_STATE_CONNECTING, NULL);
  if (self->connect_func != NULL)
    self->connect_func (self->connect_data, &options, self->connect_cancellable, connect_cb, self);
  else
    eit_transport_connect_async (&options, self->connect_cancellable, connect_cb, self);
}

void
_eit_connection_set_connect_func (EitConnection  *self,
                                  EitConnectFunc  func,
                                  gpointer        data)
{
  g_return_if_fail (EIT_IS_CONNECTION (self));

  self->connect_func = func;
  self->connect_data = data;
}

void
eit_connection_connect (EitConnection *self)
{
  g_return_if_fail (EIT_IS_CONNECTION (self));

  self->wanted = TRUE;
  if (self->active != NULL || self->pending != NULL || self->connect_cancellable != NULL)
    return;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  eit_backoff_init (&self->backoff, self->reconnect_base, self->reconnect_cap);
  start_attempt (self);
}

void
eit_connection_disconnect (EitConnection *self)
{
  g_return_if_fail (EIT_IS_CONNECTION (self));

  self->wanted = FALSE;
  clear_timers (self);
  cancel_pending (self);
  if (self->active != NULL)
    {
      EitTransport *active = g_steal_pointer (&self->active);
      drop_transport (self, active);
      g_object_unref (active);
    }
  if (self->flow != NULL)
    eit_flow_detach (self->flow);
  if (self->next_retry_time != 0)
    {
      self->next_retry_time = 0;
      notify (self, PROP_NEXT_RETRY_TIME);
    }
  clear_connected_since (self);
  set_state (self, EIT_CONNECTION_STATE_DISCONNECTED, "disconnected by the application");
}

void
eit_connection_cycle_now (EitConnection *self)
{
  g_return_if_fail (EIT_IS_CONNECTION (self));

  if (self->state != EIT_CONNECTION_STATE_CONNECTED || self->pending != NULL ||
      self->connect_cancellable != NULL)
    return;
  g_clear_handle_id (&self->cycle_id, g_source_remove);
  set_state (self, EIT_CONNECTION_STATE_CYCLING, "make-before-break");
  start_attempt (self);
}

gboolean
eit_connection_is_connected (EitConnection *self)
{
  g_return_val_if_fail (EIT_IS_CONNECTION (self), FALSE);

  return self->state == EIT_CONNECTION_STATE_CONNECTED ||
         self->state == EIT_CONNECTION_STATE_CYCLING;
}

gboolean
eit_connection_send (EitConnection *self,
                     const char    *json)
{
  gsize len;

  g_return_val_if_fail (EIT_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  if (!eit_connection_is_connected (self))
    return FALSE;

  len = strlen (json);
  if (self->mode == EIT_PROTOCOL_MODE_FULL)
    {
      if (!eit_flow_send (self->flow, json, len))
        return FALSE;
    }
  else if (len > EIT_DEFAULT_MAX_MESSAGE_SIZE || !eit_json_validate (json, len, NULL, NULL) ||
           !eit_transport_send (self->active, json, len))
    return FALSE;

  self->messages_out++;
  self->bytes_out += len;
  /* Checked first: an emission nobody listens to still costs on this path. */
  if (g_signal_has_handler_pending (self, signals[SIGNAL_SENT], 0, TRUE))
    g_signal_emit (self, signals[SIGNAL_SENT], 0, json, (gulong) len);
  return TRUE;
}

EitConnectionState
eit_connection_get_state (EitConnection *self)
{
  g_return_val_if_fail (EIT_IS_CONNECTION (self), EIT_CONNECTION_STATE_DISCONNECTED);
  return self->state;
}

EitProtocolMode
eit_connection_get_mode (EitConnection *self)
{
  g_return_val_if_fail (EIT_IS_CONNECTION (self), EIT_PROTOCOL_MODE_UNKNOWN);
  return self->mode;
}

EitFlow *
eit_connection_get_flow (EitConnection *self)
{
  g_return_val_if_fail (EIT_IS_CONNECTION (self), NULL);
  return self->flow;
}

const GError *
eit_connection_get_last_error (EitConnection *self)
{
  g_return_val_if_fail (EIT_IS_CONNECTION (self), NULL);
  return self->last_error;
}

EitConnection *
eit_connection_new (const char *url,
                    const char *token)
{
  return g_object_new (EIT_TYPE_CONNECTION, "url", url, "token", token, NULL);
}

static void
eit_connection_dispose (GObject *object)
{
  EitConnection *self = EIT_CONNECTION (object);

  self->wanted = FALSE;
  clear_timers (self);
  cancel_pending (self);
  if (self->active != NULL)
    {
      drop_transport (self, self->active);
      g_clear_object (&self->active);
    }
  for (guint i = 0; i < self->retired->len; i++)
    disconnect_transport_handlers (self, g_ptr_array_index (self->retired, i));
  g_ptr_array_set_size (self->retired, 0);
  if (self->flow != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->flow, self);
      eit_flow_detach (self->flow);
      g_clear_object (&self->flow);
    }

  G_OBJECT_CLASS (eit_connection_parent_class)->dispose (object);
}

static void
eit_connection_finalize (GObject *object)
{
  EitConnection *self = EIT_CONNECTION (object);

  g_free (self->url);
  g_free (self->token);
  g_free (self->origin);
  g_free (self->ca_file);
  g_free (self->pinned_fingerprint);
  g_free (self->instance_id);
  g_free (self->session_id);
  g_free (self->session_epoch);
  g_free (self->last_close_reason);
  g_clear_error (&self->last_error);
  g_ptr_array_unref (self->retired);
  g_array_unref (self->bodies);
  g_rand_free (self->rand);

  G_OBJECT_CLASS (eit_connection_parent_class)->finalize (object);
}

static void
eit_connection_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  EitConnection *self = EIT_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URL:                g_value_set_string (value, self->url); break;
    case PROP_TOKEN:              g_value_set_string (value, self->token); break;
    case PROP_ORIGIN:             g_value_set_string (value, self->origin); break;
    case PROP_TRUST_MODE:         g_value_set_enum (value, self->trust_mode); break;
    case PROP_CA_FILE:            g_value_set_string (value, self->ca_file); break;
    case PROP_PINNED_FINGERPRINT: g_value_set_string (value, self->pinned_fingerprint); break;
    case PROP_INACTIVITY_TIMEOUT: g_value_set_uint (value, self->inactivity_timeout); break;
    case PROP_KEEPALIVE_INTERVAL: g_value_set_uint (value, self->keepalive_interval); break;
    case PROP_CYCLE_INTERVAL_MIN: g_value_set_uint (value, self->cycle_interval_min); break;
    case PROP_CYCLE_INTERVAL_MAX: g_value_set_uint (value, self->cycle_interval_max); break;
    case PROP_RECONNECT_BASE:     g_value_set_uint (value, self->reconnect_base); break;
    case PROP_RECONNECT_CAP:      g_value_set_uint (value, self->reconnect_cap); break;
    case PROP_STABLE_PERIOD:      g_value_set_uint (value, self->stable_period); break;
    case PROP_CONNECT_TIMEOUT:    g_value_set_uint (value, self->connect_timeout); break;
    case PROP_WINDOW_MESSAGES:    g_value_set_uint (value, self->window_messages); break;
    case PROP_WINDOW_BYTES:       g_value_set_uint64 (value, self->window_bytes); break;
    case PROP_SEND_QUEUE_LIMIT:   g_value_set_uint (value, self->send_queue_limit); break;
    case PROP_PROTOCOL_MODE:      g_value_set_enum (value, self->protocol_mode); break;
    case PROP_MODE_REASON:        g_value_set_string (value, self->mode_reason); break;
    case PROP_STATE:              g_value_set_enum (value, self->state); break;
    case PROP_MODE:               g_value_set_enum (value, self->mode); break;
    case PROP_CONNECTED:          g_value_set_boolean (value, eit_connection_is_connected (self)); break;
    case PROP_INSTANCE_ID:        g_value_set_string (value, self->instance_id); break;
    case PROP_GENERATION:         g_value_set_uint64 (value, self->generation); break;
    case PROP_SESSION_ID:         g_value_set_string (value, self->session_id); break;
    case PROP_SESSION_EPOCH:      g_value_set_string (value, self->session_epoch); break;
    case PROP_RECONNECTS:         g_value_set_uint (value, self->reconnects); break;
    case PROP_CYCLES:             g_value_set_uint (value, self->cycles); break;
    case PROP_TIMEOUTS:           g_value_set_uint (value, self->timeouts); break;
    case PROP_SESSION_RESETS:     g_value_set_uint (value, self->session_resets); break;
    case PROP_BACKOFF_DELAY:      g_value_set_uint (value, self->backoff_delay); break;
    case PROP_NEXT_RETRY_TIME:    g_value_set_int64 (value, self->next_retry_time); break;
    case PROP_CONNECTED_SINCE:    g_value_set_int64 (value, self->connected_since); break;
    case PROP_LAST_CLOSE_CODE:    g_value_set_uint (value, self->last_close_code); break;
    case PROP_LAST_CLOSE_REASON:  g_value_set_string (value, self->last_close_reason); break;
    case PROP_LAST_ERROR_MESSAGE:
      g_value_set_string (value, self->last_error ? self->last_error->message : NULL);
      break;
    case PROP_TLS_VERSION:
      g_value_set_string (value, self->active ? eit_transport_get_tls_version (self->active) : NULL);
      break;
    case PROP_TLS_CIPHER:
      g_value_set_string (value, self->active ? eit_transport_get_tls_cipher (self->active) : NULL);
      break;
    case PROP_PEER_FINGERPRINT:
      g_value_set_string (value, self->active ? eit_transport_get_peer_fingerprint (self->active) : NULL);
      break;
    case PROP_FLOW:               g_value_set_object (value, self->flow); break;
    case PROP_MESSAGES_IN:        g_value_set_uint64 (value, self->messages_in); break;
    case PROP_MESSAGES_OUT:       g_value_set_uint64 (value, self->messages_out); break;
    case PROP_BYTES_IN:           g_value_set_uint64 (value, self->bytes_in); break;
    case PROP_BYTES_OUT:          g_value_set_uint64 (value, self->bytes_out); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_string (char       **field,
            const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
eit_connection_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  EitConnection *self = EIT_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URL:
      /* What was learnt about the hub belongs to its URL. */
      if (g_strcmp0 (self->url, g_value_get_string (value)) != 0)
        self->hub_base_only = FALSE;
      set_string (&self->url, value);
      break;
    case PROP_TOKEN:              set_string (&self->token, value); break;
    case PROP_ORIGIN:             set_string (&self->origin, value); break;
    case PROP_TRUST_MODE:         self->trust_mode = g_value_get_enum (value); break;
    case PROP_CA_FILE:            set_string (&self->ca_file, value); break;
    case PROP_PINNED_FINGERPRINT: set_string (&self->pinned_fingerprint, value); break;
    case PROP_INACTIVITY_TIMEOUT: self->inactivity_timeout = g_value_get_uint (value); break;
    case PROP_KEEPALIVE_INTERVAL:
      self->keepalive_interval = g_value_get_uint (value);
      if (self->flow != NULL)
        g_object_set (self->flow, "keepalive-interval", self->keepalive_interval, NULL);
      break;
    case PROP_CYCLE_INTERVAL_MIN: self->cycle_interval_min = g_value_get_uint (value); break;
    case PROP_CYCLE_INTERVAL_MAX: self->cycle_interval_max = g_value_get_uint (value); break;
    case PROP_RECONNECT_BASE:
      self->reconnect_base = g_value_get_uint (value);
      self->backoff.base_ms = self->reconnect_base;
      break;
    case PROP_RECONNECT_CAP:
      self->reconnect_cap = g_value_get_uint (value);
      self->backoff.cap_ms = MAX (self->reconnect_cap, self->reconnect_base);
      break;
    case PROP_STABLE_PERIOD:      self->stable_period = g_value_get_uint (value); break;
    case PROP_CONNECT_TIMEOUT:    self->connect_timeout = g_value_get_uint (value); break;
    case PROP_WINDOW_MESSAGES:    self->window_messages = g_value_get_uint (value); break;
    case PROP_WINDOW_BYTES:       self->window_bytes = g_value_get_uint64 (value); break;
    case PROP_SEND_QUEUE_LIMIT:
      self->send_queue_limit = g_value_get_uint (value);
      if (self->flow != NULL)
        g_object_set (self->flow, "send-queue-limit", self->send_queue_limit, NULL);
      break;
    case PROP_PROTOCOL_MODE:      self->protocol_mode = g_value_get_enum (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
setting_ms (const char *name,
            guint       min,
            guint       def)
{
  return g_param_spec_uint (name, NULL, NULL, min, G_MAXINT32, def,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
setting_string (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
readonly_uint (const char *name)
{
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
readonly_string (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
counter_uint64 (const char *name)
{
  /* Changes per message: poll it, it does not notify. */
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
eit_connection_class_init (EitConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_connection_dispose;
  object_class->finalize = eit_connection_finalize;
  object_class->get_property = eit_connection_get_property;
  object_class->set_property = eit_connection_set_property;

  properties[PROP_URL] = setting_string ("url");
  properties[PROP_TOKEN] = setting_string ("token");
  properties[PROP_ORIGIN] = setting_string ("origin");
  properties[PROP_TRUST_MODE] =
    g_param_spec_enum ("trust-mode", NULL, NULL, EIT_TYPE_TRUST_MODE, EIT_TRUST_SYSTEM,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CA_FILE] = setting_string ("ca-file");
  properties[PROP_PINNED_FINGERPRINT] = setting_string ("pinned-fingerprint");
  properties[PROP_INACTIVITY_TIMEOUT] =
    setting_ms ("inactivity-timeout", 0, EIT_DEFAULT_INACTIVITY_TIMEOUT_MS);
  properties[PROP_KEEPALIVE_INTERVAL] =
    setting_ms ("keepalive-interval", 0, EIT_DEFAULT_KEEPALIVE_INTERVAL_MS);
  properties[PROP_CYCLE_INTERVAL_MIN] =
    setting_ms ("cycle-interval-min", 0, EIT_DEFAULT_CYCLE_INTERVAL_MIN_MS);
  properties[PROP_CYCLE_INTERVAL_MAX] =
    setting_ms ("cycle-interval-max", 0, EIT_DEFAULT_CYCLE_INTERVAL_MAX_MS);
  properties[PROP_RECONNECT_BASE] = setting_ms ("reconnect-base", 1, EIT_DEFAULT_RECONNECT_BASE_MS);
  properties[PROP_RECONNECT_CAP] = setting_ms ("reconnect-cap", 1, EIT_DEFAULT_RECONNECT_CAP_MS);
  properties[PROP_STABLE_PERIOD] = setting_ms ("stable-period", 0, EIT_DEFAULT_STABLE_PERIOD_MS);
  properties[PROP_CONNECT_TIMEOUT] =
    setting_ms ("connect-timeout", 0, EIT_DEFAULT_CONNECT_TIMEOUT_MS);
  properties[PROP_WINDOW_MESSAGES] = setting_ms ("window-messages", 1, EIT_DEFAULT_WINDOW_MESSAGES);
  properties[PROP_WINDOW_BYTES] =
    g_param_spec_uint64 ("window-bytes", NULL, NULL, 1, G_MAXUINT32, EIT_DEFAULT_WINDOW_BYTES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEND_QUEUE_LIMIT] =
    setting_ms ("send-queue-limit", 1, EIT_DEFAULT_SEND_QUEUE_LIMIT);

  properties[PROP_PROTOCOL_MODE] =
    g_param_spec_enum ("protocol-mode", NULL, NULL, EIT_TYPE_PROTOCOL_PREFERENCE,
                       EIT_PROTOCOL_PREFERENCE_AUTO,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, EIT_TYPE_CONNECTION_STATE,
                       EIT_CONNECTION_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, EIT_TYPE_PROTOCOL_MODE, EIT_PROTOCOL_MODE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODE_REASON] = readonly_string ("mode-reason");
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INSTANCE_ID] = readonly_string ("instance-id");
  properties[PROP_GENERATION] =
    g_param_spec_uint64 ("generation", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION_ID] = readonly_string ("session-id");
  properties[PROP_SESSION_EPOCH] = readonly_string ("session-epoch");
  properties[PROP_RECONNECTS] = readonly_uint ("reconnects");
  properties[PROP_CYCLES] = readonly_uint ("cycles");
  properties[PROP_TIMEOUTS] = readonly_uint ("timeouts");
  properties[PROP_SESSION_RESETS] = readonly_uint ("session-resets");
  properties[PROP_BACKOFF_DELAY] = readonly_uint ("backoff-delay");
  properties[PROP_NEXT_RETRY_TIME] =
    g_param_spec_int64 ("next-retry-time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED_SINCE] =
    g_param_spec_int64 ("connected-since", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_CLOSE_CODE] = readonly_uint ("last-close-code");
  properties[PROP_LAST_CLOSE_REASON] = readonly_string ("last-close-reason");
  properties[PROP_LAST_ERROR_MESSAGE] = readonly_string ("last-error-message");
  properties[PROP_TLS_VERSION] = readonly_string ("tls-version");
  properties[PROP_TLS_CIPHER] = readonly_string ("tls-cipher");
  properties[PROP_PEER_FINGERPRINT] = readonly_string ("peer-fingerprint");
  properties[PROP_FLOW] =
    g_param_spec_object ("flow", NULL, NULL, EIT_TYPE_FLOW,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGES_IN] = counter_uint64 ("messages-in");
  properties[PROP_MESSAGES_OUT] = counter_uint64 ("messages-out");
  properties[PROP_BYTES_IN] = counter_uint64 ("bytes-in");
  properties[PROP_BYTES_OUT] = counter_uint64 ("bytes-out");
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MESSAGE] = eit_text_signal_new ("message", G_TYPE_FROM_CLASS (klass));
  signals[SIGNAL_SENT] = eit_text_signal_new ("sent", G_TYPE_FROM_CLASS (klass));
  signals[SIGNAL_SESSION_RESET] =
    g_signal_new ("session-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_TRANSITION] =
    g_signal_new ("transition", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, eit_marshal_VOID__ENUM_ENUM_STRING,
                  G_TYPE_NONE, 3, EIT_TYPE_CONNECTION_STATE, EIT_TYPE_CONNECTION_STATE,
                  G_TYPE_STRING);
}

static void
eit_connection_init (EitConnection *self)
{
  self->instance_id = new_instance_id ();
  self->retired = g_ptr_array_new_with_free_func (g_object_unref);
  self->bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
  self->rand = g_rand_new ();
}
