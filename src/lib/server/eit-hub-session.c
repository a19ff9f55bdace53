/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's half of the connection layer for one client instance of one
 * token identity: the current connection, older connections that are
 * closing (still read until their close completes, never written), the
 * inactivity watchdog, the takeover history, and the grace period that lets
 * a dropped client resume its session. */
#include "config.h"

#include <string.h>

#include "eit-error.h"
#include "eit-hub-private.h"
#include "eit-json.h"

/* Body spans kept between frames: 16 bytes each. */
#define KEEP_BODIES 4096

struct _EitHubSession
{
  GObject          parent_instance;

  const EitHubSessionHost *host; /* how it reports to its owner */
  gpointer         owner;        /* not owned: the owner owns its sessions */
  char            *id;
  char            *identity;
  char            *instance;
  EitProtocolMode  mode;
  EitHubSettings   settings;
  EitFlow         *flow;
  EitTransport    *current;
  GPtrArray       *retired;      /* superseded or dropped, until "closed" */
  guint64          generation;
  guint64          max_generation;
  /* Monotonic µs of the takeovers of a live connection within the storm
   * window, oldest first. */
  GArray          *takeovers;
  guint            watchdog_id;
  guint            grace_id;
  gboolean         expired;
  GArray          *bodies;
};

G_DEFINE_FINAL_TYPE (EitHubSession, eit_hub_session, G_TYPE_OBJECT)

static void arm_watchdog (EitHubSession *self);

static void session_log (EitHubSession *self,
                         const char    *kind,
                         const char    *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
session_log (EitHubSession *self,
             const char    *kind,
             const char    *format,
             ...)
{
  va_list args;

  va_start (args, format);
  self->host->log (self->owner, kind, format, args);
  va_end (args);
}

/* Bytes count, not only whole frames (PROTOCOL.md 5.3): a large frame on a
 * slow link is alive while it arrives. */
static gint64
last_alive (EitTransport *transport)
{
  EitWebsocket *websocket = eit_transport_get_websocket (transport);
  gint64 frame = eit_transport_get_last_receive_time (transport);

  if (websocket == NULL)
    return frame;
  return MAX (frame, eit_websocket_get_last_progress_time (websocket));
}

static gint64
deadline_of (EitHubSession *self,
             EitTransport  *transport)
{
  return last_alive (transport) + (gint64) self->settings.inactivity_timeout * 1000;
}

static gboolean
watchdog_cb (gpointer user_data)
{
  EitHubSession *self = user_data;
  gint64 now = g_get_monotonic_time ();

  self->watchdog_id = 0;
  g_object_ref (self);
  if (self->current != NULL && deadline_of (self, self->current) <= now)
    {
      session_log (self, NULL, "session %s instance %s: closed after %u ms of silence (4000 timeout)",
                   self->id, self->instance, self->settings.inactivity_timeout);
      eit_transport_close (self->current, EIT_CLOSE_TIMEOUT, "timeout");
    }
  arm_watchdog (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* Watches the current connection only: a retired one is closing already,
 * and its WebSocket's close-timeout ends it. */
static void
arm_watchdog (EitHubSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next;

  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->settings.inactivity_timeout == 0 || self->current == NULL ||
      !eit_transport_is_open (self->current))
    return;
  next = deadline_of (self, self->current);
  self->watchdog_id = g_timeout_add ((guint) MAX ((next - now) / 1000 + 1, 1), watchdog_cb, self);
}

static gboolean
grace_cb (gpointer user_data)
{
  EitHubSession *self = user_data;

  self->grace_id = 0;
  self->expired = TRUE;
  session_log (self, NULL, "session %s instance %s: grace period over, session discarded",
               self->id, self->instance);
  self->host->expired (self->owner, self);
  return G_SOURCE_REMOVE;
}

static void
on_frame (EitTransport *transport,
          const char   *text,
          gulong        len,
          gpointer      user_data)
{
  EitHubSession *self = user_data;
  g_autoptr(GError) error = NULL;
  EitEnvelope envelope;

  if (self->mode != EIT_PROTOCOL_MODE_FULL)
    {
      if (!eit_json_validate (text, len, NULL, &error))
        {
          session_log (self, NULL, "session %s: %s (closing 1007)", self->id, error->message);
          eit_transport_close (transport, EIT_CLOSE_INVALID_JSON, error->message);
          return;
        }
      self->host->deliver (self->owner, self, text, len);
      return;
    }

  /* No frame may carry more bodies than our window: refused before they
   * are all scanned (issue 9 row 10). */
  if (!eit_envelope_parse_bounded (text, len, &envelope, self->bodies, self->settings.window_messages,
                                   &error))
    {
      gushort code = g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON) ? EIT_CLOSE_INVALID_JSON :
                     g_error_matches (error, EIT_ERROR, EIT_ERROR_CREDIT_OVERRUN) ? EIT_CLOSE_CREDIT_OVERRUN :
                     EIT_CLOSE_PROTOCOL_VIOLATION;

      session_log (self, NULL, "session %s: %s (closing %u)", self->id, error->message, code);
      eit_transport_close (transport, code, error->message);
      return;
    }
  if (!eit_flow_receive (self->flow, transport, &envelope, self->bodies))
    session_log (self, NULL, "session %s: closed %u %s", self->id,
                 eit_transport_get_close_code (transport),
                 eit_transport_get_close_reason (transport));
  /* A frame of many bodies leaves a large index behind: a session (in
   * grace too) keeps only a small one. */
  if (self->bodies->len > KEEP_BODIES)
    {
      g_array_unref (self->bodies);
      self->bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
    }
}

static void
forget_transport (EitHubSession *self,
                  EitTransport  *transport)
{
  EitWebsocket *websocket = eit_transport_get_websocket (transport);

  g_signal_handlers_disconnect_by_data (transport, self);
  if (websocket != NULL)
    g_signal_handlers_disconnect_by_data (websocket, self);
}

/* The current connection has ended as far as the session is concerned: the
 * hub saw a close frame, sent one (a timeout, a violation), or the stream
 * broke. The grace period starts now, not when the close handshake ends
 * (issue 10: a 3 s grace used to run out 5 s late). */
static void
lose_current (EitHubSession *self)
{
  EitTransport *lost = g_steal_pointer (&self->current);

  session_log (self, NULL, "session %s instance %s generation %" G_GUINT64_FORMAT ": closed %u %s",
               self->id, self->instance, self->generation,
               eit_transport_get_close_code (lost),
               eit_transport_get_close_reason (lost) ?: "");
  g_ptr_array_add (self->retired, lost);
  if (self->flow != NULL)
    eit_flow_detach (self->flow);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);

  /* Base-layer clients cannot resume: their session ends with the connection. */
  if (self->mode != EIT_PROTOCOL_MODE_FULL || self->settings.session_grace == 0)
    {
      self->expired = TRUE;
      self->host->expired (self->owner, self);
      return;
    }
  g_clear_handle_id (&self->grace_id, g_source_remove);
  self->grace_id = g_timeout_add (self->settings.session_grace, grace_cb, self);
}

static void
on_closing (EitWebsocket *websocket,
            gpointer      user_data)
{
  EitHubSession *self = user_data;
  /* The owner may drop its reference when the session expires. */
  g_autoptr(EitHubSession) hold_self = g_object_ref (self);

  if (self->current != NULL && eit_transport_get_websocket (self->current) == websocket)
    lose_current (self);
}

static void
on_closed (EitTransport *transport,
           gpointer      user_data)
{
  EitHubSession *self = user_data;
  g_autoptr(EitTransport) hold = g_object_ref (transport);
  g_autoptr(EitHubSession) hold_self = g_object_ref (self);

  if (transport == self->current)
    lose_current (self);
  forget_transport (self, transport);
  g_ptr_array_remove (self->retired, transport);
}

static void
on_flow_message (EitFlow    *flow,
                 const char *json,
                 gulong      len,
                 gpointer    user_data)
{
  EitHubSession *self = user_data;

  self->host->deliver (self->owner, self, json, len);
}

static void
adopt (EitHubSession *self,
       EitTransport  *transport)
{
  EitWebsocket *websocket = eit_transport_get_websocket (transport);

  g_signal_connect (transport, "frame", G_CALLBACK (on_frame), self);
  g_signal_connect (transport, "closed", G_CALLBACK (on_closed), self);
  if (websocket != NULL)
    {
      g_signal_connect (websocket, "closing", G_CALLBACK (on_closing), self);
      eit_websocket_set_output_limit (websocket, self->settings.output_limit,
                                      self->settings.slow_consumer_timeout);
      eit_websocket_set_control_frame_limit (websocket, self->settings.control_frame_limit);
    }
  self->current = g_object_ref (transport);
  g_clear_handle_id (&self->grace_id, g_source_remove);
}

void
eit_hub_session_take_transport (EitHubSession *self,
                                EitTransport  *transport,
                                guint64        generation,
                                guint64        peer_recv,
                                guint64        peer_ack,
                                guint          peer_window_messages,
                                guint64        peer_window_bytes)
{
  g_return_if_fail (EIT_IS_HUB_SESSION (self));

  if (self->current != NULL)
    {
      EitTransport *old = g_steal_pointer (&self->current);

      /* Closed at once: a superseded tab that keeps pinging would otherwise
       * stay open (issue 11). Its close frame is graceful, and what it sent
       * before the hello is read; what it sends after is re-sent by the
       * client on the new connection (welcome.recv). */
      g_ptr_array_add (self->retired, old);
      session_log (self, "supersede",
                   "token %.8s instance %s: generation %" G_GUINT64_FORMAT
                   " superseded by %" G_GUINT64_FORMAT " (closing 4004)",
                   self->identity, self->instance, self->generation, generation);
      eit_transport_close (old, EIT_CLOSE_SUPERSEDED, "superseded");
    }
  self->generation = generation;
  self->max_generation = MAX (self->max_generation, generation);
  adopt (self, transport);

  if (self->mode == EIT_PROTOCOL_MODE_FULL)
    {
      eit_flow_detach (self->flow);
      eit_flow_attach (self->flow, transport, peer_recv, peer_ack,
                       peer_window_messages, peer_window_bytes);
    }
  else
    eit_transport_set_ws_keepalive (transport, self->settings.keepalive_interval);
  arm_watchdog (self);
}

gboolean
eit_hub_session_has_live_connection (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), FALSE);

  if (self->current == NULL || !eit_transport_is_open (self->current))
    return FALSE;
  if (self->settings.inactivity_timeout == 0)
    return TRUE;
  return deadline_of (self, self->current) > g_get_monotonic_time ();
}

guint
eit_hub_session_count_takeovers (EitHubSession *self)
{
  gint64 since = g_get_monotonic_time () - (gint64) self->settings.takeover_storm_window * 1000;
  guint old = 0;

  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), 0);

  while (old < self->takeovers->len && g_array_index (self->takeovers, gint64, old) <= since)
    old++;
  g_array_remove_range (self->takeovers, 0, old);
  return self->takeovers->len;
}

void
eit_hub_session_record_takeover (EitHubSession *self)
{
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (EIT_IS_HUB_SESSION (self));

  /* Only the last limit of them matter. */
  if (self->takeovers->len > 0 && self->takeovers->len >= self->settings.takeover_storm_limit)
    g_array_remove_index (self->takeovers, 0);
  g_array_append_val (self->takeovers, now);
}

void
eit_hub_session_inherit (EitHubSession *self,
                         EitHubSession *old)
{
  g_return_if_fail (EIT_IS_HUB_SESSION (self));
  g_return_if_fail (EIT_IS_HUB_SESSION (old));

  self->max_generation = MAX (self->max_generation, old->max_generation);
  g_array_set_size (self->takeovers, 0);
  g_array_append_vals (self->takeovers, old->takeovers->data, old->takeovers->len);
}

gboolean
eit_hub_session_send (EitHubSession *self,
                      const char    *json,
                      gssize         len)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), FALSE);

  if (len < 0)
    len = strlen (json);
  if (!self->host->may_queue (self->owner, self, len))
    return FALSE;
  if (self->mode == EIT_PROTOCOL_MODE_FULL)
    return eit_flow_send (self->flow, json, len);

  if (self->current == NULL)
    return FALSE;
  if ((guint64) len > self->settings.max_message_size || !eit_json_validate (json, len, NULL, NULL))
    return FALSE;
  return eit_transport_send (self->current, json, len);
}

guint64
eit_hub_session_get_queued_bytes (EitHubSession *self)
{
  guint64 bytes = 0;

  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), 0);

  if (self->flow != NULL)
    {
      EitFlowStats stats;

      eit_flow_get_stats (self->flow, &stats);
      bytes += stats.queued_bytes + stats.in_flight_bytes;
    }
  if (self->current != NULL && eit_transport_get_websocket (self->current) != NULL)
    bytes += eit_websocket_get_unsent_bytes (eit_transport_get_websocket (self->current));
  for (guint i = 0; i < self->retired->len; i++)
    {
      EitWebsocket *websocket = eit_transport_get_websocket (g_ptr_array_index (self->retired, i));

      if (websocket != NULL)
        bytes += eit_websocket_get_unsent_bytes (websocket);
    }
  return bytes;
}

const char *
eit_hub_session_get_id (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), NULL);
  return self->id;
}

const char *
eit_hub_session_get_identity (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), NULL);
  return self->identity;
}

const char *
eit_hub_session_get_instance (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), NULL);
  return self->instance;
}

guint64
eit_hub_session_get_generation (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), 0);
  return self->generation;
}

guint64
eit_hub_session_get_max_generation (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), 0);
  return self->max_generation;
}

EitProtocolMode
eit_hub_session_get_mode (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), EIT_PROTOCOL_MODE_UNKNOWN);
  return self->mode;
}

gboolean
eit_hub_session_is_attached (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), FALSE);
  return self->current != NULL;
}

gboolean
eit_hub_session_is_expired (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), TRUE);
  return self->expired;
}

EitFlow *
eit_hub_session_get_flow (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), NULL);
  return self->flow;
}

void
eit_hub_session_close (EitHubSession *self,
                       gushort        code,
                       const char    *reason)
{
  g_return_if_fail (EIT_IS_HUB_SESSION (self));

  if (self->current != NULL)
    eit_transport_close (self->current, code, reason);
}

void
eit_hub_session_close_all (EitHubSession *self,
                           gushort        code,
                           const char    *reason)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (EIT_IS_HUB_SESSION (self));

  /* Closing may re-enter on_closing and change the lists: walk a copy. */
  if (self->current != NULL)
    g_ptr_array_add (all, g_object_ref (self->current));
  for (guint i = 0; i < self->retired->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (self->retired, i)));
  for (guint i = 0; i < all->len; i++)
    eit_transport_close (g_ptr_array_index (all, i), code, reason);
}

static char *
random_id (const char *prefix)
{
  return g_strdup_printf ("%s%08x%08x", prefix, g_random_int (), g_random_int ());
}

EitHubSession *
eit_hub_session_new_internal (const EitHubSessionHost *host,
                              gpointer                 owner,
                              const char              *identity,
                              const char              *instance,
                              EitProtocolMode          mode,
                              const EitHubSettings    *settings)
{
  EitHubSession *self = g_object_new (EIT_TYPE_HUB_SESSION, NULL);

  self->host = host;
  self->owner = owner;
  self->id = random_id ("s-");
  self->identity = g_strdup (identity);
  self->instance = g_strdup (instance);
  self->mode = mode;
  self->settings = *settings;
  if (mode == EIT_PROTOCOL_MODE_FULL)
    {
      self->flow = g_object_new (EIT_TYPE_FLOW,
                                 "window-messages", settings->window_messages,
                                 "window-bytes", settings->window_bytes,
                                 "send-queue-limit", settings->send_queue_limit,
                                 "keepalive-interval", settings->keepalive_interval,
                                 "max-message-size", settings->max_message_size,
                                 NULL);
      g_signal_connect (self->flow, "message", G_CALLBACK (on_flow_message), self);
    }
  return self;
}

static void
eit_hub_session_dispose (GObject *object)
{
  EitHubSession *self = EIT_HUB_SESSION (object);

  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  g_clear_handle_id (&self->grace_id, g_source_remove);
  if (self->current != NULL)
    {
      forget_transport (self, self->current);
      g_clear_object (&self->current);
    }
  for (guint i = 0; i < self->retired->len; i++)
    forget_transport (self, g_ptr_array_index (self->retired, i));
  g_ptr_array_set_size (self->retired, 0);
  if (self->flow != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->flow, self);
      eit_flow_detach (self->flow);
      g_clear_object (&self->flow);
    }

  G_OBJECT_CLASS (eit_hub_session_parent_class)->dispose (object);
}

static void
eit_hub_session_finalize (GObject *object)
{
  EitHubSession *self = EIT_HUB_SESSION (object);

  g_free (self->id);
  g_free (self->identity);
  g_free (self->instance);
  g_ptr_array_unref (self->retired);
  g_array_unref (self->bodies);
  g_array_unref (self->takeovers);

  G_OBJECT_CLASS (eit_hub_session_parent_class)->finalize (object);
}

static void
eit_hub_session_class_init (EitHubSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_hub_session_dispose;
  object_class->finalize = eit_hub_session_finalize;
}

static void
eit_hub_session_init (EitHubSession *self)
{
  self->retired = g_ptr_array_new_with_free_func (g_object_unref);
  self->bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
  self->takeovers = g_array_new (FALSE, FALSE, sizeof (gint64));
}
