/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub as one object: it wires its parts and holds their settings. Its
 * EitHubListener accepts, runs TLS and reads the upgrade request; the
 * EitHubGate decides on it (docs/PROTOCOL.md 2.4); after the upgrade, a v1
 * client has inactivity-timeout to say hello (eit-handshake), and the
 * EitHubRegistry admits it to the session of its instance (PROTOCOL.md
 * 5.5), which then owns the connection. A base-layer client gets a session
 * at once. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/resource.h>

#include "eit-error.h"
#include "eit-handshake.h"
#include "eit-hub-gate.h"
#include "eit-hub-registry.h"
#include "eit-hub-server.h"
#include "eit-log-limit.h"
#include "eit-marshal.h"
#include "eit-profile.h"
#include "eit-tls.h"

#define TOKEN_INDEX_KEY "eit-token-index"
#define IDENTITY_KEY    "eit-identity"
#define SHUTDOWN_REASON "hub shutting down"

/* A v1 connection waiting for its hello. */
typedef struct {
  EitHubServer *server;
  EitTransport *transport;
  guint         timer_id;
} Handshake;

struct _EitHubServer
{
  GObject          parent_instance;

  GTlsCertificate *certificate;
  EitHubSettings   settings;
  EitHubGate       gate;
  EitHubRegistry   registry;

  EitHubListener  *listener;
  char            *epoch;
  EitLogLimit     *log_limit;
  GPtrArray       *handshakes;      /* Handshake* */
  GPtrArray       *transports;      /* every open transport, for counting and shutdown */
};

G_DEFINE_FINAL_TYPE (EitHubServer, eit_hub_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TLS_CERTIFICATE,
  PROP_TOKENS,
  PROP_ALLOWED_ORIGINS,
  PROP_INSECURE_DEV,
  PROP_INACTIVITY_TIMEOUT,
  PROP_KEEPALIVE_INTERVAL,
  PROP_SESSION_GRACE,
  PROP_WINDOW_MESSAGES,
  PROP_WINDOW_BYTES,
  PROP_SEND_QUEUE_LIMIT,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MAX_CONNECTIONS_PER_TOKEN,
  PROP_HANDSHAKE_TIMEOUT,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_UNAUTHENTICATED_PER_ADDRESS,
  PROP_FIRST_BYTE_TIMEOUT,
  PROP_REQUEST_TIMEOUT,
  PROP_OUTPUT_LIMIT,
  PROP_SLOW_CONSUMER_TIMEOUT,
  PROP_CONTROL_FRAME_LIMIT,
  PROP_MAX_QUEUED_BYTES,
  PROP_TAKEOVER_STORM_LIMIT,
  PROP_TAKEOVER_STORM_WINDOW,
  PROP_PORT,
  PROP_EPOCH,
  N_PROPS
};

enum {
  SIGNAL_SESSION_ADDED,
  SIGNAL_SESSION_REMOVED,
  SIGNAL_MESSAGE,
  SIGNAL_LOG,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* kind: at most one line a second of it ("supersede", "session-refusal",
 * "queue-budget"), the next one saying how many were left out; NULL for
 * every line. */
static void
hub_logv (gpointer    owner,
          const char *kind,
          const char *format,
          va_list     args)
{
  EitHubServer *self = owner;
  g_autofree char *line = eit_log_limit_vformat (self->log_limit, kind, format, args);

  if (line == NULL)
    return;
  /* Lines carry a peer's words (a close reason): one line stays one line. */
  for (char *p = line; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  g_debug ("%s", line);
  g_signal_emit (self, signals[SIGNAL_LOG], 0, line);
}

static void hub_log (EitHubServer *self,
                     const char   *kind,
                     const char   *format,
                     ...) G_GNUC_PRINTF (3, 4);

static void
hub_log (EitHubServer *self,
         const char   *kind,
         const char   *format,
         ...)
{
  va_list args;

  va_start (args, format);
  hub_logv (self, kind, format, args);
  va_end (args);
}

/* What sessions tell the server (eit-hub-private.h). */

static gboolean
session_may_queue (gpointer       owner,
                   EitHubSession *session,
                   gsize          len)
{
  EitHubServer *self = owner;
  guint64 own = 0, fair = 0;

  if (eit_hub_registry_may_queue (&self->registry, session, len, &own, &fair))
    return TRUE;
  hub_log (self, "queue-budget",
           "hub-wide queue budget of %" G_GUINT64_FORMAT " bytes reached: "
           "message to session %s refused (it holds %" G_GUINT64_FORMAT
           " bytes, fair share %" G_GUINT64_FORMAT ")",
           self->registry.max_queued_bytes, eit_hub_session_get_id (session), own, fair);
  return FALSE;
}

static void
session_deliver (gpointer       owner,
                 EitHubSession *session,
                 const char    *json,
                 gsize          len)
{
  g_signal_emit (owner, signals[SIGNAL_MESSAGE], 0, session, json, (gulong) len);
}

static void
session_expired (gpointer       owner,
                 EitHubSession *session)
{
  EitHubServer *self = owner;
  g_autoptr(EitHubSession) hold = g_object_ref (session);

  if (eit_hub_registry_remove (&self->registry, session))
    g_signal_emit (self, signals[SIGNAL_SESSION_REMOVED], 0, session);
}

static const EitHubSessionHost session_host = {
  session_may_queue,
  session_deliver,
  session_expired,
  hub_logv,
};

static EitHubSession *
add_session (EitHubServer    *self,
             const char      *identity,
             const char      *instance,
             EitProtocolMode  mode)
{
  EitHubSession *session = eit_hub_registry_add (&self->registry, identity, instance, mode);

  g_signal_emit (self, signals[SIGNAL_SESSION_ADDED], 0, session);
  return session;
}

static void
request_cb (EitHubListener *listener,
            EitHubRequest  *request,
            EitHubServer   *self)
{
  eit_hub_gate_decide (&self->gate, request);
  if (request->status == SOUP_STATUS_SWITCHING_PROTOCOLS)
    request->max_message_size = self->settings.max_message_size;
}

static void
handshake_free (Handshake *handshake)
{
  g_clear_handle_id (&handshake->timer_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (handshake->transport, handshake);
  g_object_unref (handshake->transport);
  g_free (handshake);
}

static void
end_handshake (EitHubServer *self,
               Handshake    *handshake)
{
  g_ptr_array_remove (self->handshakes, handshake);
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  Handshake *handshake = user_data;
  EitHubServer *self = handshake->server;

  handshake->timer_id = 0;
  hub_log (self, NULL, "no hello within %u ms: closing 4000 timeout", self->settings.inactivity_timeout);
  eit_transport_close (handshake->transport, EIT_CLOSE_TIMEOUT, "timeout");
  return G_SOURCE_REMOVE;
}

/* A hello the session rules refuse: the connection closes with code and
 * reason, and nothing else changes. */
static void
refuse_hello (EitHubServer *self,
              EitTransport *transport,
              const char   *identity,
              const char   *instance,
              gushort       code,
              const char   *reason)
{
  hub_log (self, "session-refusal", "token %.8s instance %s: %s (closing %u)",
           identity, instance, reason, code);
  eit_transport_close (transport, code, reason);
}

static void
bad_hello (EitHubServer   *self,
           EitTransport   *transport,
           const EitHello *hello,
           const GError   *error)
{
  gushort code = g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON)
                 ? EIT_CLOSE_INVALID_JSON : EIT_CLOSE_PROTOCOL_VIOLATION;

  if (hello->type == NULL)
    hub_log (self, NULL, "bad hello: %s (closing %u)", error->message, code);
  else if (strcmp (hello->type, "hello") != 0)
    hub_log (self, NULL, "first frame of type '%s' instead of hello (closing 4002)", hello->type);
  else
    hub_log (self, NULL, "invalid hello (closing 4002)");
  eit_transport_close (transport, code, error->message);
}

static void
handle_hello (EitHubServer *self,
              Handshake    *handshake,
              const char   *text,
              gsize         len)
{
  g_autoptr(EitTransport) transport = g_object_ref (handshake->transport);
  g_autoptr(GError) error = NULL;
  g_auto(EitHello) hello = { NULL, };
  EitHubAdmission admission;
  g_autofree char *welcome_text = NULL;
  const char *identity = g_object_get_data (G_OBJECT (transport), IDENTITY_KEY);
  EitHubSession *session;
  EitWelcome welcome;

  if (!eit_hello_parse (text, len, &hello, &error))
    {
      bad_hello (self, transport, &hello, error);
      return;
    }

  if (identity == NULL)
    identity = "none";
  eit_hub_registry_admit (&self->registry, identity, &hello, self->epoch, &admission);
  if (admission.refusal_code != 0)
    {
      refuse_hello (self, transport, identity, hello.instance, admission.refusal_code, admission.refusal);
      g_free (admission.refusal);
      return;
    }

  session = admission.session;
  if (session != NULL && !admission.resumed)
    {
      /* The instance started over: its old session has nobody to resume it. */
      g_autoptr(EitHubSession) old = g_object_ref (session);

      session = add_session (self, identity, hello.instance, EIT_PROTOCOL_MODE_FULL);
      eit_hub_session_inherit (session, old);
      if (eit_hub_session_is_attached (old))
        hub_log (self, "supersede",
                 "token %.8s instance %s: session %s superseded by a new session "
                 "(closing 4004)", identity, hello.instance, eit_hub_session_get_id (old));
      eit_hub_session_close_all (old, EIT_CLOSE_SUPERSEDED, "superseded");
      session_expired (self, old);
    }
  if (session == NULL)
    session = add_session (self, identity, hello.instance, EIT_PROTOCOL_MODE_FULL);

  end_handshake (self, handshake);
  welcome = (EitWelcome) {
    .session = (char *) eit_hub_session_get_id (session),
    .epoch = self->epoch,
    .resumed = admission.resumed,
    .generation = admission.generation,
    .recv = admission.resumed ? eit_flow_get_recv_seq (eit_hub_session_get_flow (session)) : 0,
    .ack = admission.resumed ? eit_flow_get_consumed_seq (eit_hub_session_get_flow (session)) : 0,
    .window_messages = self->settings.window_messages,
    .window_bytes = self->settings.window_bytes,
    .inactivity_ms = self->settings.inactivity_timeout,
    .keepalive_ms = self->settings.keepalive_interval,
    .max_message_size = self->settings.max_message_size,
  };
  welcome_text = eit_welcome_build (&welcome);
  eit_transport_send (transport, welcome_text, strlen (welcome_text));
  eit_hub_session_take_transport (session, transport, admission.generation,
                                  admission.resumed ? hello.recv : 0, admission.resumed ? hello.ack : 0,
                                  (guint) MIN (hello.window_messages, G_MAXUINT32), hello.window_bytes);
  hub_log (self, NULL, "connection mode=v1 token %.8s instance=%s generation=%" G_GUINT64_FORMAT
           " session=%s %s", identity, hello.instance, admission.generation,
           eit_hub_session_get_id (session), admission.resumed ? "resumed" : "new session");
}

static void
on_handshake_frame (EitTransport *transport,
                    const char   *text,
                    gulong        len,
                    gpointer      user_data)
{
  Handshake *handshake = user_data;

  handle_hello (handshake->server, handshake, text, len);
}

static void
on_handshake_closed (EitTransport *transport,
                     gpointer      user_data)
{
  Handshake *handshake = user_data;

  end_handshake (handshake->server, handshake);
}

static void
on_transport_closed (EitTransport *transport,
                     gpointer      user_data)
{
  EitHubServer *self = user_data;
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (transport), TOKEN_INDEX_KEY));

  g_signal_handlers_disconnect_by_func (transport, on_transport_closed, self);
  eit_hub_gate_count (&self->gate, index, -1);
  g_ptr_array_remove (self->transports, transport);
}

/* The 101 has gone out: the connection is the WebSocket's from here on. */
static void
upgraded_cb (EitHubListener *listener,
             EitTransport   *transport,
             guint           index,
             const char     *peer,
             const char     *protocol,
             EitHubServer   *self)
{
  EitProtocolMode mode = eit_transport_get_mode (transport);

  g_object_set_data (G_OBJECT (transport), TOKEN_INDEX_KEY, GUINT_TO_POINTER (index));
  g_object_set_data_full (G_OBJECT (transport), IDENTITY_KEY, eit_hub_gate_identity (&self->gate, index), g_free);
  eit_websocket_set_output_limit (eit_transport_get_websocket (transport), self->settings.output_limit,
                                  self->settings.slow_consumer_timeout);
  eit_websocket_set_control_frame_limit (eit_transport_get_websocket (transport),
                                         self->settings.control_frame_limit);
  eit_hub_gate_count (&self->gate, index, +1);
  g_ptr_array_add (self->transports, g_object_ref (transport));
  g_signal_connect (transport, "closed", G_CALLBACK (on_transport_closed), self);

  if (mode == EIT_PROTOCOL_MODE_FULL)
    {
      Handshake *handshake = g_new0 (Handshake, 1);

      handshake->server = self;
      handshake->transport = g_object_ref (transport);
      g_signal_connect (transport, "frame", G_CALLBACK (on_handshake_frame), handshake);
      g_signal_connect (transport, "closed", G_CALLBACK (on_handshake_closed), handshake);
      if (self->settings.inactivity_timeout > 0)
        handshake->timer_id = g_timeout_add (self->settings.inactivity_timeout,
                                             handshake_timeout_cb, handshake);
      g_ptr_array_add (self->handshakes, handshake);
    }
  else
    {
      g_autofree char *instance = eit_hub_registry_next_base_instance (&self->registry);
      EitHubSession *session = add_session (self, g_object_get_data (G_OBJECT (transport), IDENTITY_KEY),
                                            instance, EIT_PROTOCOL_MODE_BASE);

      eit_hub_session_take_transport (session, transport, 1, 0, 0, 0, 0);
      hub_log (self, NULL, "connection mode=base from %s session=%s (%s: authenticated JSON only)",
               peer, eit_hub_session_get_id (session), protocol != NULL ? protocol : "no subprotocol");
    }
}

EitHubServer *
eit_hub_server_new (GTlsCertificate    *certificate,
                    const char * const *tokens)
{
  return g_object_new (EIT_TYPE_HUB_SERVER,
                       "tls-certificate", certificate,
                       "tokens", tokens,
                       NULL);
}

gboolean
eit_hub_server_set_insecure_dev (EitHubServer *self,
                                 gboolean      insecure,
                                 GError      **error)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), FALSE);

  if (insecure && !eit_profile_is_development ())
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_INSECURE_RELEASE,
                           _("--insecure-dev is only available in a development build "
                             "(configure with -Dprofile=development); release builds always require a token"));
      return FALSE;
    }
  if (self->gate.insecure_dev != !!insecure)
    {
      self->gate.insecure_dev = !!insecure;
      if (insecure)
        hub_log (self, NULL, "INSECURE DEVELOPMENT MODE: connections without a token are accepted");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INSECURE_DEV]);
    }
  return TRUE;
}

static void
listener_log_cb (EitHubListener *listener,
                 const char     *line,
                 EitHubServer   *self)
{
  hub_log (self, NULL, "%s", line);
}

gboolean
eit_hub_server_listen (EitHubServer *self,
                       const char   *address,
                       guint         port,
                       GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;
  struct rlimit limit = { 0, };

  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), FALSE);

  if (self->certificate == NULL)
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_CONFIG,
                           _("The hub needs a TLS certificate: it never accepts plaintext connections"));
      return FALSE;
    }
  if (address == NULL)
    address = "127.0.0.1";
  g_object_set (self->listener, "tls-certificate", self->certificate, NULL);
  if (!eit_hub_listener_listen (self->listener, address, port, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                     _("“%s” is not an IP address to listen on"), address);
      else
        g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG, _("Cannot listen on %s port %u: %s"),
                     address, port, local_error->message);
      return FALSE;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  url = eit_hub_listener_get_url (self->listener);
  getrlimit (RLIMIT_NOFILE, &limit);
  hub_log (self, NULL, "listening on %s (epoch %s; max-connections %u, open-file limit %llu)",
           url, self->epoch, eit_hub_listener_get_effective_max_connections (self->listener),
           (unsigned long long) limit.rlim_cur);
  return TRUE;
}

guint
eit_hub_server_get_port (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), 0);
  return eit_hub_listener_get_port (self->listener);
}

char *
eit_hub_server_get_url (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), NULL);
  return eit_hub_listener_get_url (self->listener);
}

const char *
eit_hub_server_get_epoch (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), NULL);
  return self->epoch;
}

char *
eit_hub_server_get_fingerprint (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), NULL);
  return self->certificate ? eit_tls_certificate_fingerprint (self->certificate) : NULL;
}

/* Ends every connection: closed with code and reason, or dropped without
 * a close frame when code is 0. */
static void
end_all (EitHubServer *self,
         gushort       code,
         const char   *reason)
{
  /* Closing re-enters on_transport_closed: walk a copy. */
  g_autoptr(GPtrArray) transports = g_ptr_array_copy (self->transports, (GCopyFunc) g_object_ref, NULL);

  for (guint i = 0; i < transports->len; i++)
    {
      if (code == 0)
        eit_transport_abort (g_ptr_array_index (transports, i));
      else
        eit_transport_close (g_ptr_array_index (transports, i), code, reason);
    }
}

void
eit_hub_server_shutdown (EitHubServer *self)
{
  g_return_if_fail (EIT_IS_HUB_SERVER (self));

  hub_log (self, NULL, "shutting down: closing %u connections with 1001", self->transports->len);
  eit_hub_listener_stop (self->listener, EIT_CLOSE_GOING_AWAY, SHUTDOWN_REASON);
  end_all (self, EIT_CLOSE_GOING_AWAY, SHUTDOWN_REASON);
}

void
eit_hub_server_abort_all (EitHubServer *self)
{
  g_return_if_fail (EIT_IS_HUB_SERVER (self));

  end_all (self, 0, NULL);
}

GPtrArray *
eit_hub_server_get_sessions (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), NULL);
  return self->registry.sessions;
}

guint
eit_hub_server_get_n_connections (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), 0);
  return eit_hub_listener_get_n_connections (self->listener);
}

static void
eit_hub_server_constructed (GObject *object)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  G_OBJECT_CLASS (eit_hub_server_parent_class)->constructed (object);

  g_signal_connect (self->listener, "request", G_CALLBACK (request_cb), self);
  g_signal_connect (self->listener, "upgraded", G_CALLBACK (upgraded_cb), self);
  g_signal_connect (self->listener, "log", G_CALLBACK (listener_log_cb), self);
}

static void
eit_hub_server_dispose (GObject *object)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  if (self->listener != NULL)
    {
      eit_hub_listener_stop (self->listener, 0, NULL);
      g_signal_handlers_disconnect_by_data (self->listener, self);
    }
  g_ptr_array_set_size (self->handshakes, 0);
  for (guint i = 0; i < self->transports->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->transports, i), on_transport_closed, self);
  end_all (self, 0, NULL);
  g_ptr_array_set_size (self->transports, 0);
  eit_hub_registry_dispose (&self->registry);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (eit_hub_server_parent_class)->dispose (object);
}

static void
eit_hub_server_finalize (GObject *object)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  eit_hub_gate_clear (&self->gate);
  eit_hub_registry_finalize (&self->registry);
  g_free (self->epoch);
  eit_log_limit_free (self->log_limit);
  g_ptr_array_unref (self->handshakes);
  g_clear_object (&self->listener);
  g_ptr_array_unref (self->transports);

  G_OBJECT_CLASS (eit_hub_server_parent_class)->finalize (object);
}

static void
eit_hub_server_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  switch (prop_id)
    {
    case PROP_TLS_CERTIFICATE:    g_value_set_object (value, self->certificate); break;
    case PROP_TOKENS:             g_value_set_boxed (value, self->gate.tokens); break;
    case PROP_ALLOWED_ORIGINS:    g_value_set_boxed (value, self->gate.allowed_origins); break;
    case PROP_INSECURE_DEV:       g_value_set_boolean (value, self->gate.insecure_dev); break;
    case PROP_INACTIVITY_TIMEOUT: g_value_set_uint (value, self->settings.inactivity_timeout); break;
    case PROP_KEEPALIVE_INTERVAL: g_value_set_uint (value, self->settings.keepalive_interval); break;
    case PROP_SESSION_GRACE:      g_value_set_uint (value, self->settings.session_grace); break;
    case PROP_WINDOW_MESSAGES:    g_value_set_uint (value, self->settings.window_messages); break;
    case PROP_WINDOW_BYTES:       g_value_set_uint64 (value, self->settings.window_bytes); break;
    case PROP_SEND_QUEUE_LIMIT:   g_value_set_uint (value, self->settings.send_queue_limit); break;
    case PROP_MAX_MESSAGE_SIZE:   g_value_set_uint64 (value, self->settings.max_message_size); break;
    case PROP_MAX_CONNECTIONS_PER_TOKEN: g_value_set_uint (value, self->gate.max_connections_per_token); break;
    case PROP_HANDSHAKE_TIMEOUT:
    case PROP_MAX_CONNECTIONS:
    case PROP_MAX_UNAUTHENTICATED_PER_ADDRESS:
    case PROP_FIRST_BYTE_TIMEOUT:
    case PROP_REQUEST_TIMEOUT:
      /* The listener enforces them. */
      g_object_get_property (G_OBJECT (self->listener), pspec->name, value);
      break;
    case PROP_OUTPUT_LIMIT:       g_value_set_uint64 (value, self->settings.output_limit); break;
    case PROP_SLOW_CONSUMER_TIMEOUT: g_value_set_uint (value, self->settings.slow_consumer_timeout); break;
    case PROP_CONTROL_FRAME_LIMIT: g_value_set_uint (value, self->settings.control_frame_limit); break;
    case PROP_MAX_QUEUED_BYTES:   g_value_set_uint64 (value, self->registry.max_queued_bytes); break;
    case PROP_TAKEOVER_STORM_LIMIT: g_value_set_uint (value, self->settings.takeover_storm_limit); break;
    case PROP_TAKEOVER_STORM_WINDOW: g_value_set_uint (value, self->settings.takeover_storm_window); break;
    case PROP_PORT:
      g_value_set_uint (value, eit_hub_listener_get_port (self->listener));
      break;
    case PROP_EPOCH:              g_value_set_string (value, self->epoch); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_hub_server_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  switch (prop_id)
    {
    case PROP_TLS_CERTIFICATE:    self->certificate = g_value_dup_object (value); break;
    case PROP_TOKENS:             eit_hub_gate_set_tokens (&self->gate, g_value_get_boxed (value)); break;
    case PROP_ALLOWED_ORIGINS:
      g_strfreev (self->gate.allowed_origins);
      self->gate.allowed_origins = g_value_dup_boxed (value);
      break;
    case PROP_INACTIVITY_TIMEOUT: self->settings.inactivity_timeout = g_value_get_uint (value); break;
    case PROP_KEEPALIVE_INTERVAL: self->settings.keepalive_interval = g_value_get_uint (value); break;
    case PROP_SESSION_GRACE:      self->settings.session_grace = g_value_get_uint (value); break;
    case PROP_WINDOW_MESSAGES:    self->settings.window_messages = g_value_get_uint (value); break;
    case PROP_WINDOW_BYTES:       self->settings.window_bytes = g_value_get_uint64 (value); break;
    case PROP_SEND_QUEUE_LIMIT:   self->settings.send_queue_limit = g_value_get_uint (value); break;
    case PROP_MAX_MESSAGE_SIZE:   self->settings.max_message_size = g_value_get_uint64 (value); break;
    case PROP_MAX_CONNECTIONS_PER_TOKEN: self->gate.max_connections_per_token = g_value_get_uint (value); break;
    case PROP_HANDSHAKE_TIMEOUT:
    case PROP_MAX_CONNECTIONS:
    case PROP_MAX_UNAUTHENTICATED_PER_ADDRESS:
    case PROP_FIRST_BYTE_TIMEOUT:
    case PROP_REQUEST_TIMEOUT:
      g_object_set_property (G_OBJECT (self->listener), pspec->name, value);
      break;
    case PROP_OUTPUT_LIMIT:       self->settings.output_limit = g_value_get_uint64 (value); break;
    case PROP_SLOW_CONSUMER_TIMEOUT: self->settings.slow_consumer_timeout = g_value_get_uint (value); break;
    case PROP_CONTROL_FRAME_LIMIT: self->settings.control_frame_limit = g_value_get_uint (value); break;
    case PROP_MAX_QUEUED_BYTES:   self->registry.max_queued_bytes = g_value_get_uint64 (value); break;
    case PROP_TAKEOVER_STORM_LIMIT: self->settings.takeover_storm_limit = g_value_get_uint (value); break;
    case PROP_TAKEOVER_STORM_WINDOW: self->settings.takeover_storm_window = g_value_get_uint (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
setting_uint (const char *name,
              guint       min,
              guint       def)
{
  return g_param_spec_uint (name, NULL, NULL, min, G_MAXINT32, def,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
}

static void
eit_hub_server_class_init (EitHubServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = eit_hub_server_constructed;
  object_class->dispose = eit_hub_server_dispose;
  object_class->finalize = eit_hub_server_finalize;
  object_class->get_property = eit_hub_server_get_property;
  object_class->set_property = eit_hub_server_set_property;

  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKENS] =
    g_param_spec_boxed ("tokens", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOWED_ORIGINS] =
    g_param_spec_boxed ("allowed-origins", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_INSECURE_DEV] =
    g_param_spec_boolean ("insecure-dev", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INACTIVITY_TIMEOUT] =
    setting_uint ("inactivity-timeout", 0, EIT_DEFAULT_INACTIVITY_TIMEOUT_MS);
  properties[PROP_KEEPALIVE_INTERVAL] =
    setting_uint ("keepalive-interval", 0, EIT_DEFAULT_KEEPALIVE_INTERVAL_MS);
  properties[PROP_SESSION_GRACE] = setting_uint ("session-grace", 0, EIT_DEFAULT_SESSION_GRACE_MS);
  properties[PROP_WINDOW_MESSAGES] = setting_uint ("window-messages", 1, EIT_DEFAULT_WINDOW_MESSAGES);
  properties[PROP_WINDOW_BYTES] =
    g_param_spec_uint64 ("window-bytes", NULL, NULL, 1, G_MAXUINT32, EIT_DEFAULT_WINDOW_BYTES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEND_QUEUE_LIMIT] =
    setting_uint ("send-queue-limit", 1, EIT_DEFAULT_SEND_QUEUE_LIMIT);
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1, G_MAXUINT32 - EIT_FRAME_OVERHEAD,
                         EIT_DEFAULT_MAX_MESSAGE_SIZE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_CONNECTIONS_PER_TOKEN] =
    setting_uint ("max-connections-per-token", 1, EIT_DEFAULT_MAX_CONNECTIONS_PER_TOKEN);
  properties[PROP_HANDSHAKE_TIMEOUT] =
    setting_uint ("handshake-timeout", 0, EIT_DEFAULT_HANDSHAKE_TIMEOUT_MS);
  properties[PROP_MAX_CONNECTIONS] = setting_uint ("max-connections", 0, 0);
  properties[PROP_MAX_UNAUTHENTICATED_PER_ADDRESS] =
    setting_uint ("max-unauthenticated-per-address", 1,
                  EIT_DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS);
  properties[PROP_FIRST_BYTE_TIMEOUT] =
    setting_uint ("first-byte-timeout", 0, EIT_DEFAULT_FIRST_BYTE_TIMEOUT_MS);
  properties[PROP_REQUEST_TIMEOUT] =
    setting_uint ("request-timeout", 0, EIT_DEFAULT_REQUEST_TIMEOUT_MS);
  /* docs/SECURITY.md, "After authentication". */
  properties[PROP_OUTPUT_LIMIT] =
    g_param_spec_uint64 ("output-limit", NULL, NULL, 0, G_MAXUINT32, EIT_DEFAULT_OUTPUT_LIMIT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_SLOW_CONSUMER_TIMEOUT] =
    setting_uint ("slow-consumer-timeout", 0, EIT_DEFAULT_SLOW_CONSUMER_TIMEOUT_MS);
  properties[PROP_CONTROL_FRAME_LIMIT] =
    setting_uint ("control-frame-limit", 0, EIT_DEFAULT_CONTROL_FRAME_LIMIT);
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL, 0, G_MAXUINT64, EIT_DEFAULT_MAX_QUEUED_BYTES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_TAKEOVER_STORM_LIMIT] =
    setting_uint ("takeover-storm-limit", 0, EIT_DEFAULT_TAKEOVER_STORM_LIMIT);
  properties[PROP_TAKEOVER_STORM_WINDOW] =
    setting_uint ("takeover-storm-window", 1, EIT_DEFAULT_TAKEOVER_STORM_WINDOW_MS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EPOCH] =
    g_param_spec_string ("epoch", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SESSION_ADDED] =
    g_signal_new ("session-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, EIT_TYPE_HUB_SESSION);
  signals[SIGNAL_SESSION_REMOVED] =
    g_signal_new ("session-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, EIT_TYPE_HUB_SESSION);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, eit_marshal_VOID__OBJECT_STRING_ULONG,
                  G_TYPE_NONE, 3, EIT_TYPE_HUB_SESSION,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_ULONG);
  g_signal_set_va_marshaller (signals[SIGNAL_MESSAGE], G_TYPE_FROM_CLASS (klass),
                              eit_marshal_VOID__OBJECT_STRING_ULONGv);
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
eit_hub_server_init (EitHubServer *self)
{
  self->epoch = g_strdup_printf ("e-%08x%08x", g_random_int (), g_random_int ());
  eit_hub_gate_init (&self->gate);
  eit_hub_registry_init (&self->registry, &self->settings, &session_host, self);
  self->log_limit = eit_log_limit_new (1000);
  self->handshakes = g_ptr_array_new_with_free_func ((GDestroyNotify) handshake_free);
  /* Before the construct properties: some of them are the listener's. */
  self->listener = eit_hub_listener_new ();
  self->transports = g_ptr_array_new_with_free_func (g_object_unref);
}
