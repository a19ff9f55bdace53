/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's half of the connection layer for one client instance: the
 * current connection, older connections that are being cycled out (still
 * read, never written), the inactivity watchdog, and the grace period that
 * lets a dropped client resume its session. */
#include "config.h"

#include <string.h>

#include "eit-error.h"
#include "eit-hub-private.h"
#include "eit-json.h"

struct _EitHubSession
{
  GObject          parent_instance;

  EitHubServer    *server;       /* not owned: the server owns its sessions */
  char            *id;
  char            *instance;
  EitProtocolMode  mode;
  EitHubSettings   settings;
  EitFlow         *flow;
  EitTransport    *current;
  GPtrArray       *superseded;
  guint64          generation;
  guint64          max_generation;
  guint            watchdog_id;
  guint            grace_id;
  gboolean         expired;
  GArray          *bodies;
};

G_DEFINE_FINAL_TYPE (EitHubSession, eit_hub_session, G_TYPE_OBJECT)

static void arm_watchdog (EitHubSession *self);

static gint64
deadline_of (EitHubSession *self,
             EitTransport  *transport)
{
  return eit_transport_get_last_receive_time (transport) +
         (gint64) self->settings.inactivity_timeout * 1000;
}

static gboolean
watchdog_cb (gpointer user_data)
{
  EitHubSession *self = user_data;
  gint64 now = g_get_monotonic_time ();

  self->watchdog_id = 0;
  g_object_ref (self);
  for (guint i = self->superseded->len; i > 0; i--)
    {
      EitTransport *old = g_ptr_array_index (self->superseded, i - 1);
      if (deadline_of (self, old) <= now)
        eit_transport_close (old, EIT_CLOSE_SUPERSEDED, "superseded");
    }
  if (self->current != NULL && deadline_of (self, self->current) <= now)
    {
      eit_hub_server_log (self->server, "session %s instance %s: closed after %u ms of silence (4000 timeout)",
                          self->id, self->instance, self->settings.inactivity_timeout);
      eit_transport_close (self->current, EIT_CLOSE_TIMEOUT, "timeout");
    }
  arm_watchdog (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* One timer per session, set for the earliest deadline among its connections. */
static void
arm_watchdog (EitHubSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;

  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->settings.inactivity_timeout == 0)
    return;
  if (self->current != NULL && eit_transport_is_open (self->current))
    next = deadline_of (self, self->current);
  for (guint i = 0; i < self->superseded->len; i++)
    {
      EitTransport *old = g_ptr_array_index (self->superseded, i);
      if (eit_transport_is_open (old))
        next = MIN (next, deadline_of (self, old));
    }
  if (next == G_MAXINT64)
    return;
  self->watchdog_id = g_timeout_add ((guint) MAX ((next - now) / 1000 + 1, 1), watchdog_cb, self);
}

static gboolean
grace_cb (gpointer user_data)
{
  EitHubSession *self = user_data;

  self->grace_id = 0;
  self->expired = TRUE;
  eit_hub_server_log (self->server, "session %s instance %s: grace period over, session discarded",
                      self->id, self->instance);
  eit_hub_server_session_expired (self->server, self);
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
          eit_hub_server_log (self->server, "session %s: %s (closing 1007)", self->id, error->message);
          eit_transport_close (transport, EIT_CLOSE_INVALID_JSON, error->message);
          return;
        }
      eit_hub_server_deliver (self->server, self, text, len);
      return;
    }

  if (!eit_envelope_parse (text, len, &envelope, self->bodies, &error))
    {
      gboolean bad_json = g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON);

      eit_hub_server_log (self->server, "session %s: %s (closing %u)", self->id, error->message,
                          bad_json ? EIT_CLOSE_INVALID_JSON : EIT_CLOSE_PROTOCOL_VIOLATION);
      eit_transport_close (transport, bad_json ? EIT_CLOSE_INVALID_JSON : EIT_CLOSE_PROTOCOL_VIOLATION,
                           error->message);
      return;
    }
  if (!eit_flow_receive (self->flow, transport, &envelope, self->bodies))
    eit_hub_server_log (self->server, "session %s: closed %u %s", self->id,
                        eit_transport_get_close_code (transport),
                        eit_transport_get_close_reason (transport));
}

static void
forget_transport (EitHubSession *self,
                  EitTransport  *transport)
{
  g_signal_handlers_disconnect_by_data (transport, self);
}

static void
on_closed (EitTransport *transport,
           gpointer      user_data)
{
  EitHubSession *self = user_data;
  g_autoptr(EitTransport) hold = g_object_ref (transport);
  /* The server may drop its reference when the session expires below. */
  g_autoptr(EitHubSession) hold_self = g_object_ref (self);

  forget_transport (self, transport);
  if (g_ptr_array_remove (self->superseded, transport))
    {
      arm_watchdog (self);
      return;
    }
  if (transport != self->current)
    return;

  eit_hub_server_log (self->server, "session %s instance %s generation %" G_GUINT64_FORMAT ": closed %u %s",
                      self->id, self->instance, self->generation,
                      eit_transport_get_close_code (transport),
                      eit_transport_get_close_reason (transport) ?: "");
  g_clear_object (&self->current);
  if (self->flow != NULL)
    eit_flow_detach (self->flow);
  arm_watchdog (self);

  /* Base-layer clients cannot resume: their session ends with the connection. */
  if (self->mode != EIT_PROTOCOL_MODE_FULL || self->settings.session_grace == 0)
    {
      self->expired = TRUE;
      eit_hub_server_session_expired (self->server, self);
      return;
    }
  g_clear_handle_id (&self->grace_id, g_source_remove);
  self->grace_id = g_timeout_add (self->settings.session_grace, grace_cb, self);
}

static void
on_flow_message (EitFlow    *flow,
                 const char *json,
                 gulong      len,
                 gpointer    user_data)
{
  EitHubSession *self = user_data;

  eit_hub_server_deliver (self->server, self, json, len);
}

static void
adopt (EitHubSession *self,
       EitTransport  *transport)
{
  g_signal_connect (transport, "frame", G_CALLBACK (on_frame), self);
  g_signal_connect (transport, "closed", G_CALLBACK (on_closed), self);
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
      /* Make-before-break: the client closes the old one; until then its
       * frames are still read and deduplicated by sequence number. */
      g_ptr_array_add (self->superseded, g_steal_pointer (&self->current));
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
eit_hub_session_send (EitHubSession *self,
                      const char    *json,
                      gssize         len)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), FALSE);

  if (self->mode == EIT_PROTOCOL_MODE_FULL)
    return eit_flow_send (self->flow, json, len);

  if (self->current == NULL)
    return FALSE;
  if (len < 0)
    len = strlen (json);
  if ((guint64) len > self->settings.max_message_size || !eit_json_validate (json, len, NULL, NULL))
    return FALSE;
  return eit_transport_send (self->current, json, len);
}

const char *
eit_hub_session_get_id (EitHubSession *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SESSION (self), NULL);
  return self->id;
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

  /* Closing may re-enter on_closed and change the lists: walk a copy. */
  if (self->current != NULL)
    g_ptr_array_add (all, g_object_ref (self->current));
  for (guint i = 0; i < self->superseded->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (self->superseded, i)));
  for (guint i = 0; i < all->len; i++)
    eit_transport_close (g_ptr_array_index (all, i), code, reason);
}

void
eit_hub_session_abort_all (EitHubSession *self)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (EIT_IS_HUB_SESSION (self));

  if (self->current != NULL)
    g_ptr_array_add (all, g_object_ref (self->current));
  for (guint i = 0; i < self->superseded->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (self->superseded, i)));
  for (guint i = 0; i < all->len; i++)
    eit_transport_abort (g_ptr_array_index (all, i));
}

static char *
random_id (const char *prefix)
{
  return g_strdup_printf ("%s%08x%08x", prefix, g_random_int (), g_random_int ());
}

EitHubSession *
eit_hub_session_new_internal (EitHubServer         *server,
                              const char           *instance,
                              EitProtocolMode       mode,
                              const EitHubSettings *settings)
{
  EitHubSession *self = g_object_new (EIT_TYPE_HUB_SESSION, NULL);

  self->server = server;
  self->id = random_id ("s-");
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
  for (guint i = 0; i < self->superseded->len; i++)
    forget_transport (self, g_ptr_array_index (self->superseded, i));
  g_ptr_array_set_size (self->superseded, 0);
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
  g_free (self->instance);
  g_ptr_array_unref (self->superseded);
  g_array_unref (self->bodies);

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
  self->superseded = g_ptr_array_new_with_free_func (g_object_unref);
  self->bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
}
