/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's base layer and handshake. Every refusal happens before the
 * WebSocket upgrade with a status and a body that says what to do
 * (docs/PROTOCOL.md 2.4); after the upgrade, a v1 client has
 * inactivity-timeout to say hello, and then belongs to the session of its
 * instance. Sessions are keyed by instance, so two instances sharing a
 * token never replace each other. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "eit-enums.h"
#include "eit-error.h"
#include "eit-hub-private.h"
#include "eit-json.h"
#include "eit-marshal.h"
#include "eit-profile.h"
#include "eit-tls.h"

#define TOKEN_INDEX_KEY "eit-token-index"
#define MODE_KEY        "eit-mode"
#define NO_TOKEN        G_MAXUINT

typedef struct {
  EitHubServer *server;
  EitTransport *transport;
  guint         timer_id;
} Handshake;

/* A TLS handshake in progress. Freed by its own callback, which always
 * runs; server is NULL once the server is gone. */
typedef struct {
  EitHubServer       *server;
  GTlsConnection     *tls;
  GSocketConnection  *socket;
  GCancellable       *cancellable;
  guint               timer_id;
} TlsAccept;

#define DEFAULT_HANDSHAKE_TIMEOUT_MS 10000

struct _EitHubServer
{
  GObject          parent_instance;

  GTlsCertificate *certificate;
  char           **tokens;
  char           **token_digests;
  char           **allowed_origins;
  gboolean         insecure_dev;
  EitHubSettings   settings;
  guint            max_connections_per_token;

  /* We accept TLS ourselves and hand libsoup finished streams: its own
   * HTTPS listener in 3.2 keeps every accepted TLS session (even failed
   * handshakes) until it exits, and has no handshake timeout. */
  GSocketService  *service;
  GPtrArray       *tls_accepts;     /* TlsAccept*, not owned */
  guint            handshake_timeout;
  SoupServer      *soup;
  guint            port;
  char            *epoch;
  GHashTable      *sessions;        /* instance -> EitHubSession */
  GPtrArray       *session_list;    /* the same sessions, in order of arrival */
  GPtrArray       *handshakes;      /* Handshake* */
  GPtrArray       *transports;      /* every open transport, for counting and shutdown */
  GHashTable      *per_token;       /* token index -> open connections */
  guint            base_counter;
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

void
eit_hub_server_log (EitHubServer *self,
                    const char   *format,
                    ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s", line);
  g_signal_emit (self, signals[SIGNAL_LOG], 0, line);
}

void
eit_hub_server_deliver (EitHubServer  *self,
                        EitHubSession *session,
                        const char    *json,
                        gsize          len)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, session, json, (gulong) len);
}

void
eit_hub_server_session_expired (EitHubServer  *self,
                                EitHubSession *session)
{
  g_autoptr(EitHubSession) hold = g_object_ref (session);

  if (g_hash_table_lookup (self->sessions, eit_hub_session_get_instance (session)) == session)
    g_hash_table_remove (self->sessions, eit_hub_session_get_instance (session));
  if (g_ptr_array_remove (self->session_list, session))
    g_signal_emit (self, signals[SIGNAL_SESSION_REMOVED], 0, session);
}

static char *
token_digest (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* Compares digests, every byte of every token, so the time taken says
 * nothing about how much of a token was right. */
static guint
find_token (EitHubServer *self,
            const char   *token)
{
  g_autofree char *digest = token_digest (token);
  guint found = NO_TOKEN;

  for (guint i = 0; self->token_digests != NULL && self->token_digests[i] != NULL; i++)
    {
      const char *known = self->token_digests[i];
      guchar diff = 0;

      for (guint j = 0; j < 64; j++)
        diff |= (guchar) (known[j] ^ digest[j]);
      if (diff == 0)
        found = i;
    }
  return found;
}

static char *
token_from_request (SoupMessageHeaders *headers)
{
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *protocols;

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    return g_strstrip (g_strdup (authorization + 7));

  protocols = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  if (protocols != NULL)
    {
      g_auto(GStrv) entries = g_strsplit (protocols, ",", -1);

      for (guint i = 0; entries[i] != NULL; i++)
        {
          const char *entry = g_strstrip (entries[i]);
          if (g_str_has_prefix (entry, EIT_SUBPROTOCOL_BEARER))
            return g_strdup (entry + strlen (EIT_SUBPROTOCOL_BEARER));
        }
    }
  return NULL;
}

static gboolean
offers_protocol (SoupMessageHeaders *headers,
                 const char         *protocol)
{
  const char *protocols = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  g_auto(GStrv) entries = NULL;

  if (protocols == NULL)
    return FALSE;
  entries = g_strsplit (protocols, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    if (strcmp (g_strstrip (entries[i]), protocol) == 0)
      return TRUE;
  return FALSE;
}

static void
refuse (EitHubServer      *self,
        SoupServerMessage *msg,
        guint              status,
        const char        *body)
{
  g_autofree char *text = g_strconcat (body, "\n", NULL);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
  eit_hub_server_log (self, "refused %s: %u %s",
                      soup_server_message_get_remote_host (msg) ?: "?", status, body);
}

static guint
count_for_token (EitHubServer *self,
                 guint         index)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->per_token, GUINT_TO_POINTER (index)));
}

static void
add_to_token (EitHubServer *self,
              guint         index,
              int           delta)
{
  guint count = count_for_token (self, index);

  g_hash_table_insert (self->per_token, GUINT_TO_POINTER (index), GUINT_TO_POINTER (count + delta));
}

static void upgraded_cb (SoupServerMessage *msg,
                         EitHubServer      *self);

/* Every request: refusals happen here, with a status, and an upgrade. */
static void
request_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  EitHubServer *self = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *origin = soup_message_headers_get_one (request, "Origin");
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  guint index = NO_TOKEN;
  EitProtocolMode mode;

  if (origin != NULL && self->allowed_origins != NULL && self->allowed_origins[0] != NULL &&
      !g_strv_contains ((const char * const *) self->allowed_origins, origin))
    {
      g_autofree char *body = g_strdup_printf ("origin not allowed: %s", origin);
      refuse (self, msg, SOUP_STATUS_FORBIDDEN, body);
      return;
    }

  token = token_from_request (request);
  if (!self->insecure_dev)
    {
      if (token == NULL || *token == '\0')
        {
          soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"eithub\"");
          refuse (self, msg, SOUP_STATUS_UNAUTHORIZED,
                  "missing token: send \"Authorization: Bearer <token>\" or the subprotocol \"eithub.bearer.<token>\"");
          return;
        }
      index = find_token (self, token);
      if (index == NO_TOKEN)
        {
          soup_message_headers_replace (response, "WWW-Authenticate",
                                        "Bearer realm=\"eithub\", error=\"invalid_token\"");
          refuse (self, msg, SOUP_STATUS_UNAUTHORIZED, "invalid token: check the hub's token file");
          return;
        }
    }

  if (!soup_message_headers_header_equals (request, "Upgrade", "websocket"))
    {
      refuse (self, msg, 426, "this is an Eit hub: connect with a WebSocket (wss://)");
      soup_server_message_set_status (msg, 426, "Upgrade Required");
      return;
    }

  if (count_for_token (self, index) >= self->max_connections_per_token)
    {
      g_autofree char *body = g_strdup_printf ("too many connections for this token (limit %u)",
                                               self->max_connections_per_token);
      soup_message_headers_replace (response, "Retry-After", "1");
      refuse (self, msg, 429, body);
      return;
    }

  /* libsoup refuses a client whose offered protocols it does not list, but
   * a browser that offers only "eithub.bearer.<token>" must get in: we pick
   * the protocol ourselves and tell libsoup nothing. */
  if (offers_protocol (request, EIT_SUBPROTOCOL_V1))
    {
      soup_message_headers_replace (response, "Sec-WebSocket-Protocol", EIT_SUBPROTOCOL_V1);
      mode = EIT_PROTOCOL_MODE_FULL;
    }
  else
    {
      if (offers_protocol (request, EIT_SUBPROTOCOL_JSON))
        soup_message_headers_replace (response, "Sec-WebSocket-Protocol", EIT_SUBPROTOCOL_JSON);
      mode = EIT_PROTOCOL_MODE_BASE;
    }
  /* libsoup checks the rest of RFC 6455 4.2.1 and writes the 101; the
   * WebSocket itself is ours. */
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      g_autofree char *body = g_strdup_printf ("not a valid WebSocket upgrade (%s): connect with "
                                               "a WebSocket client (RFC 6455, version 13)",
                                               error->message);
      refuse (self, msg, SOUP_STATUS_BAD_REQUEST, body);
      return;
    }
  soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL);
  g_object_set_data (G_OBJECT (msg), TOKEN_INDEX_KEY, GUINT_TO_POINTER (index));
  g_object_set_data (G_OBJECT (msg), MODE_KEY, GINT_TO_POINTER (mode));
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (upgraded_cb), self,
                           G_CONNECT_DEFAULT);
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
  eit_hub_server_log (self, "no hello within %u ms: closing 4000 timeout",
                      self->settings.inactivity_timeout);
  eit_transport_close (handshake->transport, EIT_CLOSE_TIMEOUT, "timeout");
  return G_SOURCE_REMOVE;
}

static EitHubSession *
add_session (EitHubServer    *self,
             const char      *instance,
             EitProtocolMode  mode)
{
  EitHubSession *session = eit_hub_session_new_internal (self, instance, mode, &self->settings);

  g_hash_table_insert (self->sessions, g_strdup (instance), session);
  g_ptr_array_add (self->session_list, g_object_ref (session));
  g_signal_emit (self, signals[SIGNAL_SESSION_ADDED], 0, session);
  return session;
}

static char *
build_welcome (EitHubServer  *self,
               EitHubSession *session,
               gboolean       resumed)
{
  EitFlow *flow = eit_hub_session_get_flow (session);

  return g_strdup_printf ("{\"type\":\"welcome\",\"session\":\"%s\",\"epoch\":\"%s\",\"resumed\":%s,"
                          "\"recv\":%" G_GUINT64_FORMAT ",\"ack\":%" G_GUINT64_FORMAT ","
                          "\"window\":{\"messages\":%u,\"bytes\":%" G_GUINT64_FORMAT "},"
                          "\"inactivity_ms\":%u,\"keepalive_ms\":%u,\"max_message_size\":%" G_GUINT64_FORMAT "}",
                          eit_hub_session_get_id (session), self->epoch, resumed ? "true" : "false",
                          resumed ? eit_flow_get_recv_seq (flow) : 0,
                          resumed ? eit_flow_get_consumed_seq (flow) : 0,
                          self->settings.window_messages, self->settings.window_bytes,
                          self->settings.inactivity_timeout, self->settings.keepalive_interval,
                          self->settings.max_message_size);
}

static void
handle_hello (EitHubServer *self,
              Handshake    *handshake,
              const char   *text,
              gsize         len)
{
  g_autoptr(EitTransport) transport = g_object_ref (handshake->transport);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) hello = eit_json_parse_object (text, len, &error);
  g_autofree char *welcome = NULL;
  const char *instance, *session_id, *epoch;
  guint64 generation = 0, recv = 0, ack = 0, win_messages = 0, win_bytes = 0;
  JsonObject *window;
  EitHubSession *session;
  gboolean resumed;

  if (hello == NULL)
    {
      gushort code = g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON)
                     ? EIT_CLOSE_INVALID_JSON : EIT_CLOSE_PROTOCOL_VIOLATION;
      eit_hub_server_log (self, "bad hello: %s (closing %u)", error->message, code);
      eit_transport_close (transport, code, error->message);
      return;
    }

  instance = eit_json_object_get_string (hello, "instance");
  session_id = eit_json_object_get_string (hello, "session");
  epoch = eit_json_object_get_string (hello, "epoch");
  window = eit_json_object_get_object (hello, "window");
  if (g_strcmp0 (eit_json_object_get_string (hello, "type"), "hello") != 0)
    {
      const char *type = eit_json_object_get_string (hello, "type");
      const char *reason = "protocol violation: the first frame must be hello";

      /* The type is the client's text: logged only if it is a plain word. */
      eit_hub_server_log (self, "first frame of type '%s' instead of hello (closing 4002)",
                          eit_protocol_id_is_valid (type) ? type : "?");
      eit_transport_close (transport, EIT_CLOSE_PROTOCOL_VIOLATION, reason);
      return;
    }
  if (!eit_protocol_id_is_valid (instance) ||
      !eit_json_object_get_uint (hello, "generation", &generation) || generation == 0 ||
      !eit_json_object_get_uint (hello, "recv", &recv) ||
      !eit_json_object_get_uint (hello, "ack", &ack) || ack > recv ||
      window == NULL ||
      !eit_json_object_get_uint (window, "messages", &win_messages) || win_messages == 0 ||
      !eit_json_object_get_uint (window, "bytes", &win_bytes) || win_bytes == 0)
    {
      const char *reason = "protocol violation: hello needs instance, generation >= 1, recv, ack and window";

      eit_hub_server_log (self, "invalid hello (closing 4002)");
      eit_transport_close (transport, EIT_CLOSE_PROTOCOL_VIOLATION, reason);
      return;
    }

  session = g_hash_table_lookup (self->sessions, instance);
  if (session != NULL && generation <= eit_hub_session_get_max_generation (session))
    {
      g_autofree char *reason =
        g_strdup_printf ("stale generation %" G_GUINT64_FORMAT " (current %" G_GUINT64_FORMAT ")",
                         generation, eit_hub_session_get_max_generation (session));
      eit_hub_server_log (self, "instance %s: %s (closing 4003; the newer connection stays)",
                          instance, reason);
      eit_transport_close (transport, EIT_CLOSE_STALE_GENERATION, reason);
      return;
    }

  resumed = session != NULL && g_strcmp0 (session_id, eit_hub_session_get_id (session)) == 0 &&
            g_strcmp0 (epoch, self->epoch) == 0;
  if (session != NULL && !resumed)
    {
      /* The instance started over: its old session has nobody to resume it. */
      eit_hub_session_close_all (session, EIT_CLOSE_SUPERSEDED, "superseded");
      eit_hub_server_session_expired (self, session);
      session = NULL;
    }
  if (session == NULL)
    session = add_session (self, instance, EIT_PROTOCOL_MODE_FULL);

  end_handshake (self, handshake);
  welcome = build_welcome (self, session, resumed);
  eit_transport_send (transport, welcome, strlen (welcome));
  eit_hub_session_take_transport (session, transport, generation,
                                  resumed ? recv : 0, resumed ? ack : 0,
                                  (guint) MIN (win_messages, G_MAXUINT32), win_bytes);
  eit_hub_server_log (self, "connection mode=v1 instance=%s generation=%" G_GUINT64_FORMAT " session=%s %s",
                      instance, generation, eit_hub_session_get_id (session),
                      resumed ? "resumed" : "new session");
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
  add_to_token (self, index, -1);
  g_ptr_array_remove (self->transports, transport);
}

/* The 101 has gone out: the connection is the WebSocket's from here on. */
static void
upgraded_cb (SoupServerMessage *msg,
             EitHubServer      *self)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), TOKEN_INDEX_KEY));
  EitProtocolMode mode = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (msg), MODE_KEY));
  g_autoptr(EitTransport) transport = NULL;

  if (mode == EIT_PROTOCOL_MODE_UNKNOWN)
    mode = EIT_PROTOCOL_MODE_BASE;
  if (stream == NULL)
    return;
  transport = eit_transport_new_for_server (stream, mode, self->settings.max_message_size);
  g_object_set_data (G_OBJECT (transport), TOKEN_INDEX_KEY, GUINT_TO_POINTER (index));
  add_to_token (self, index, +1);
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
      g_autofree char *instance = g_strdup_printf ("base-%u", ++self->base_counter);
      EitHubSession *session = add_session (self, instance, EIT_PROTOCOL_MODE_BASE);

      eit_hub_session_take_transport (session, transport, 1, 0, 0, 0, 0);
      eit_hub_server_log (self, "connection mode=base from %s session=%s (no subprotocol: authenticated JSON only)",
                          soup_server_message_get_remote_host (msg) ?: "?",
                          eit_hub_session_get_id (session));
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
  if (self->insecure_dev != !!insecure)
    {
      self->insecure_dev = !!insecure;
      if (insecure)
        eit_hub_server_log (self, "INSECURE DEVELOPMENT MODE: connections without a token are accepted");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INSECURE_DEV]);
    }
  return TRUE;
}

static void
tls_accept_free (TlsAccept *accept)
{
  g_clear_handle_id (&accept->timer_id, g_source_remove);
  g_clear_object (&accept->tls);
  g_clear_object (&accept->socket);
  g_clear_object (&accept->cancellable);
  g_free (accept);
}

static char *
describe_peer (GSocketConnection *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_connection_get_remote_address (socket, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      g_autofree char *host =
        g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
      return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
    }
  return g_strdup ("?");
}

static gboolean
handshake_timeout_tls_cb (gpointer user_data)
{
  TlsAccept *accept = user_data;

  accept->timer_id = 0;
  g_cancellable_cancel (accept->cancellable);
  return G_SOURCE_REMOVE;
}

static void
tls_handshake_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TlsAccept *accept = user_data;
  EitHubServer *self = accept->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autofree char *peer = NULL;
  gboolean timed_out;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  timed_out = accept->timer_id == 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_handle_id (&accept->timer_id, g_source_remove);
  if (self == NULL)
    {
      tls_accept_free (accept);
      return;
    }
  g_ptr_array_remove (self->tls_accepts, accept);
  peer = describe_peer (accept->socket);

  if (error != NULL)
    {
      /* Plain HTTP or ws:// lands here: TLS only, never an upgrade. */
      if (timed_out)
        eit_hub_server_log (self, "refused %s: no TLS handshake within %u ms", peer, self->handshake_timeout);
      else
        eit_hub_server_log (self, "refused %s: TLS handshake failed (%s); this port only speaks wss://",
                            peer, error->message);
      g_io_stream_close (G_IO_STREAM (accept->socket), NULL, NULL);
      tls_accept_free (accept);
      return;
    }

  local = g_socket_connection_get_local_address (accept->socket, NULL);
  remote = g_socket_connection_get_remote_address (accept->socket, NULL);
  if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (accept->tls), local, remote, &error))
    {
      eit_hub_server_log (self, "dropped %s: %s", peer, error->message);
      g_io_stream_close (G_IO_STREAM (accept->tls), NULL, NULL);
    }
  tls_accept_free (accept);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *socket,
             GObject           *source_object,
             gpointer           user_data)
{
  EitHubServer *self = user_data;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;
  TlsAccept *accept;

  /* Nagle's algorithm would hold the handshake's small records, and later
   * each small frame, until the client's delayed ACK (40 ms on Linux); the
   * flow does its own batching. */
  g_socket_set_option (g_socket_connection_get_socket (socket), IPPROTO_TCP, TCP_NODELAY, TRUE,
                       NULL);
  /* No database: the hub asks for no client certificate, and without one
   * given, glib-networking reads the whole system store again for every
   * connection, some 10 ms of main-loop time per accept. */
  tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", socket,
                        "certificate", self->certificate,
                        "database", NULL,
                        NULL);
  if (tls == NULL)
    {
      eit_hub_server_log (self, "cannot start TLS: %s", error->message);
      return TRUE;
    }

  accept = g_new0 (TlsAccept, 1);
  accept->server = self;
  accept->tls = G_TLS_CONNECTION (tls);
  accept->socket = g_object_ref (socket);
  accept->cancellable = g_cancellable_new ();
  if (self->handshake_timeout > 0)
    accept->timer_id = g_timeout_add (self->handshake_timeout, handshake_timeout_tls_cb, accept);
  g_ptr_array_add (self->tls_accepts, accept);
  g_tls_connection_handshake_async (accept->tls, G_PRIORITY_DEFAULT, accept->cancellable,
                                    tls_handshake_cb, accept);
  return TRUE;
}

gboolean
eit_hub_server_listen (EitHubServer *self,
                       const char   *address,
                       guint         port,
                       GError      **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), FALSE);

  if (self->certificate == NULL)
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_CONFIG,
                           _("The hub needs a TLS certificate: it never accepts plaintext connections"));
      return FALSE;
    }
  socket_address = g_inet_socket_address_new_from_string (address ? address : "127.0.0.1", port);
  if (socket_address == NULL)
    {
      g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                   _("“%s” is not an IP address to listen on"), address);
      return FALSE;
    }
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &local_error))
    {
      g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG, _("Cannot listen on %s port %u: %s"),
                   address ? address : "127.0.0.1", port, local_error->message);
      return FALSE;
    }
  g_socket_service_start (self->service);

  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  eit_hub_server_log (self, "listening on wss://%s:%u/ (epoch %s)",
                      address ? address : "127.0.0.1", self->port, self->epoch);
  return TRUE;
}

guint
eit_hub_server_get_port (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), 0);
  return self->port;
}

char *
eit_hub_server_get_url (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), NULL);
  return g_strdup_printf ("wss://127.0.0.1:%u/", self->port);
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

static GPtrArray *
all_transports (EitHubServer *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->transports->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (self->transports, i)));
  return copy;
}

static void
stop_accepting (EitHubServer *self)
{
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  for (guint i = 0; i < self->tls_accepts->len; i++)
    {
      TlsAccept *accept = g_ptr_array_index (self->tls_accepts, i);

      /* Its callback still runs, and frees it. */
      accept->server = NULL;
      g_clear_handle_id (&accept->timer_id, g_source_remove);
      g_cancellable_cancel (accept->cancellable);
    }
  g_ptr_array_set_size (self->tls_accepts, 0);
}

void
eit_hub_server_shutdown (EitHubServer *self)
{
  g_autoptr(GPtrArray) transports = NULL;

  g_return_if_fail (EIT_IS_HUB_SERVER (self));

  eit_hub_server_log (self, "shutting down: closing %u connections with 1001", self->transports->len);
  stop_accepting (self);
  soup_server_disconnect (self->soup);
  transports = all_transports (self);
  for (guint i = 0; i < transports->len; i++)
    eit_transport_close (g_ptr_array_index (transports, i), EIT_CLOSE_GOING_AWAY, "hub shutting down");
}

void
eit_hub_server_abort_all (EitHubServer *self)
{
  g_autoptr(GPtrArray) transports = NULL;

  g_return_if_fail (EIT_IS_HUB_SERVER (self));

  transports = all_transports (self);
  for (guint i = 0; i < transports->len; i++)
    eit_transport_abort (g_ptr_array_index (transports, i));
}

GPtrArray *
eit_hub_server_get_sessions (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), NULL);
  return self->session_list;
}

guint
eit_hub_server_get_n_connections (EitHubServer *self)
{
  g_return_val_if_fail (EIT_IS_HUB_SERVER (self), 0);
  return self->transports->len;
}

static void
eit_hub_server_constructed (GObject *object)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  G_OBJECT_CLASS (eit_hub_server_parent_class)->constructed (object);

  self->soup = soup_server_new ("server-header", "eithub-hub", NULL);
  self->service = g_socket_service_new ();
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  /* Deflate would let a small frame inflate past our size limit. */
  soup_server_add_handler (self->soup, NULL, request_cb, self, NULL);
}

static void
eit_hub_server_dispose (GObject *object)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  if (self->service != NULL)
    {
      stop_accepting (self);
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  g_ptr_array_set_size (self->handshakes, 0);
  for (guint i = 0; i < self->transports->len; i++)
    {
      EitTransport *transport = g_ptr_array_index (self->transports, i);
      g_signal_handlers_disconnect_by_func (transport, on_transport_closed, self);
      eit_transport_abort (transport);
    }
  g_ptr_array_set_size (self->transports, 0);
  for (guint i = 0; i < self->session_list->len; i++)
    g_object_run_dispose (g_ptr_array_index (self->session_list, i));
  g_ptr_array_set_size (self->session_list, 0);
  g_hash_table_remove_all (self->sessions);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (eit_hub_server_parent_class)->dispose (object);
}

static void
eit_hub_server_finalize (GObject *object)
{
  EitHubServer *self = EIT_HUB_SERVER (object);

  g_strfreev (self->tokens);
  g_strfreev (self->token_digests);
  g_strfreev (self->allowed_origins);
  g_free (self->epoch);
  g_hash_table_unref (self->sessions);
  g_ptr_array_unref (self->session_list);
  g_ptr_array_unref (self->handshakes);
  g_ptr_array_unref (self->tls_accepts);
  g_ptr_array_unref (self->transports);
  g_hash_table_unref (self->per_token);

  G_OBJECT_CLASS (eit_hub_server_parent_class)->finalize (object);
}

static void
set_tokens (EitHubServer *self,
            char        **tokens)
{
  guint n = tokens ? g_strv_length (tokens) : 0;

  g_strfreev (self->tokens);
  g_strfreev (self->token_digests);
  self->tokens = g_strdupv (tokens);
  self->token_digests = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    self->token_digests[i] = token_digest (tokens[i]);
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
    case PROP_TOKENS:             g_value_set_boxed (value, self->tokens); break;
    case PROP_ALLOWED_ORIGINS:    g_value_set_boxed (value, self->allowed_origins); break;
    case PROP_INSECURE_DEV:       g_value_set_boolean (value, self->insecure_dev); break;
    case PROP_INACTIVITY_TIMEOUT: g_value_set_uint (value, self->settings.inactivity_timeout); break;
    case PROP_KEEPALIVE_INTERVAL: g_value_set_uint (value, self->settings.keepalive_interval); break;
    case PROP_SESSION_GRACE:      g_value_set_uint (value, self->settings.session_grace); break;
    case PROP_WINDOW_MESSAGES:    g_value_set_uint (value, self->settings.window_messages); break;
    case PROP_WINDOW_BYTES:       g_value_set_uint64 (value, self->settings.window_bytes); break;
    case PROP_SEND_QUEUE_LIMIT:   g_value_set_uint (value, self->settings.send_queue_limit); break;
    case PROP_MAX_MESSAGE_SIZE:   g_value_set_uint64 (value, self->settings.max_message_size); break;
    case PROP_MAX_CONNECTIONS_PER_TOKEN: g_value_set_uint (value, self->max_connections_per_token); break;
    case PROP_HANDSHAKE_TIMEOUT:  g_value_set_uint (value, self->handshake_timeout); break;
    case PROP_PORT:               g_value_set_uint (value, self->port); break;
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
    case PROP_TOKENS:             set_tokens (self, g_value_get_boxed (value)); break;
    case PROP_ALLOWED_ORIGINS:
      g_strfreev (self->allowed_origins);
      self->allowed_origins = g_value_dup_boxed (value);
      break;
    case PROP_INACTIVITY_TIMEOUT: self->settings.inactivity_timeout = g_value_get_uint (value); break;
    case PROP_KEEPALIVE_INTERVAL: self->settings.keepalive_interval = g_value_get_uint (value); break;
    case PROP_SESSION_GRACE:      self->settings.session_grace = g_value_get_uint (value); break;
    case PROP_WINDOW_MESSAGES:    self->settings.window_messages = g_value_get_uint (value); break;
    case PROP_WINDOW_BYTES:       self->settings.window_bytes = g_value_get_uint64 (value); break;
    case PROP_SEND_QUEUE_LIMIT:   self->settings.send_queue_limit = g_value_get_uint (value); break;
    case PROP_MAX_MESSAGE_SIZE:   self->settings.max_message_size = g_value_get_uint64 (value); break;
    case PROP_MAX_CONNECTIONS_PER_TOKEN: self->max_connections_per_token = g_value_get_uint (value); break;
    case PROP_HANDSHAKE_TIMEOUT:  self->handshake_timeout = g_value_get_uint (value); break;
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
    setting_uint ("handshake-timeout", 0, DEFAULT_HANDSHAKE_TIMEOUT_MS);
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
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->session_list = g_ptr_array_new_with_free_func (g_object_unref);
  self->handshakes = g_ptr_array_new_with_free_func ((GDestroyNotify) handshake_free);
  self->tls_accepts = g_ptr_array_new ();
  self->transports = g_ptr_array_new_with_free_func (g_object_unref);
  self->per_token = g_hash_table_new (NULL, NULL);
}
