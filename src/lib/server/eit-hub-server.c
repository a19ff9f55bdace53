/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hub's base layer and handshake. Its EitHubListener accepts, runs
 * TLS and reads the upgrade request; this file decides on it: every
 * refusal has a status and a body that says what to do (docs/PROTOCOL.md
 * 2.4); after the upgrade, a v1 client has
 * inactivity-timeout to say hello, and then belongs to the session of its
 * instance. Sessions are keyed by (token identity, instance), so two
 * instances sharing a token never replace each other and nothing crosses
 * tokens; handle_hello () applies the multi-tab rules (PROTOCOL.md 5.5). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/resource.h>

#include "eit-enums.h"
#include "eit-error.h"
#include "eit-hub-listener.h"
#include "eit-hub-private.h"
#include "eit-json.h"
#include "eit-log-limit.h"
#include "eit-marshal.h"
#include "eit-profile.h"
#include "eit-tls.h"

#define TOKEN_INDEX_KEY "eit-token-index"
#define IDENTITY_KEY    "eit-identity"
#define NO_TOKEN        G_MAXUINT

typedef struct {
  EitHubServer *server;
  EitTransport *transport;
  guint         timer_id;
} Handshake;

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

  EitHubListener  *listener;
  char            *epoch;
  /* "identity/instance" -> full-protocol EitHubSession: nothing crosses
   * token identities, and base-layer sessions are not in it at all. */
  GHashTable      *sessions;
  GHashTable      *sessions_by_id;  /* session id -> full EitHubSession, not owned */
  GPtrArray       *session_list;    /* every session, base layer too, in order of arrival */
  guint64          max_queued_bytes;
  guint64          queued_total;    /* cached for a millisecond: summing is O(sessions) */
  gint64           queued_total_time;
  EitLogLimit     *session_log_limit;
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
eit_hub_server_log_limited (EitHubServer *self,
                            const char   *kind,
                            const char   *format,
                            ...)
{
  g_autofree char *line = NULL;
  guint suppressed = 0;
  va_list args;

  if (!eit_log_limit_check (self->session_log_limit, kind, &suppressed))
    return;
  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  if (suppressed > 0)
    eit_hub_server_log (self, "%s (and %u more like it in the last second)", line, suppressed);
  else
    eit_hub_server_log (self, "%s", line);
}

static char *
session_key (const char *identity,
             const char *instance)
{
  return g_strconcat (identity, "/", instance, NULL);
}

gboolean
eit_hub_server_may_queue (EitHubServer  *self,
                          EitHubSession *session,
                          gsize          len)
{
  gint64 now = g_get_monotonic_time ();
  guint64 own, fair;

  if (self->max_queued_bytes == 0)
    return TRUE;
  if (now - self->queued_total_time > 1000)
    {
      self->queued_total = 0;
      for (guint i = 0; i < self->session_list->len; i++)
        self->queued_total += eit_hub_session_get_queued_bytes (g_ptr_array_index (self->session_list, i));
      self->queued_total_time = now;
    }
  if (self->queued_total + len <= self->max_queued_bytes)
    {
      self->queued_total += len;
      return TRUE;
    }
  /* Policy at the limit: sessions holding less than an equal share keep
   * sending, the ones that hold more are refused until they drain. */
  own = eit_hub_session_get_queued_bytes (session);
  fair = self->max_queued_bytes / MAX (self->session_list->len, 1);
  if (own + len <= fair)
    {
      self->queued_total += len;
      return TRUE;
    }
  eit_hub_server_log_limited (self, "queue-budget",
                              "hub-wide queue budget of %" G_GUINT64_FORMAT " bytes reached: "
                              "message to session %s refused (it holds %" G_GUINT64_FORMAT
                              " bytes, fair share %" G_GUINT64_FORMAT ")",
                              self->max_queued_bytes, eit_hub_session_get_id (session), own, fair);
  return FALSE;
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
  g_autofree char *key = session_key (eit_hub_session_get_identity (session),
                                      eit_hub_session_get_instance (session));

  if (g_hash_table_lookup (self->sessions, key) == session)
    g_hash_table_remove (self->sessions, key);
  if (g_hash_table_lookup (self->sessions_by_id, eit_hub_session_get_id (session)) == session)
    g_hash_table_remove (self->sessions_by_id, eit_hub_session_get_id (session));
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

/* The listener writes the answer, and logs it rate-limited. */
static void
refuse (EitHubRequest *request,
        guint          status,
        const char    *body)
{
  request->status = status;
  g_free (request->body);
  request->body = g_strdup (body);
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

/* Every upgrade request, in the order of PROTOCOL.md 2.4: origin, token,
 * upgrade, the token's connection limit, RFC 6455. */
static void
request_cb (EitHubListener *listener,
            EitHubRequest  *request,
            EitHubServer   *self)
{
  SoupMessageHeaders *response = request->response_headers;
  const char *origin = soup_message_headers_get_one (request->request_headers, "Origin");
  g_autofree char *token = NULL;
  guint index = NO_TOKEN;

  if (origin != NULL && self->allowed_origins != NULL && self->allowed_origins[0] != NULL &&
      !g_strv_contains ((const char * const *) self->allowed_origins, origin))
    {
      g_autofree char *body = g_strdup_printf ("origin not allowed: %s", origin);
      refuse (request, SOUP_STATUS_FORBIDDEN, body);
      return;
    }

  token = token_from_request (request->request_headers);
  if (!self->insecure_dev)
    {
      if (token == NULL || *token == '\0')
        {
          soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"eithub\"");
          refuse (request, SOUP_STATUS_UNAUTHORIZED,
                  "missing token: send \"Authorization: Bearer <token>\" or the subprotocol \"eithub.bearer.<token>\"");
          return;
        }
      index = find_token (self, token);
      if (index == NO_TOKEN)
        {
          soup_message_headers_replace (response, "WWW-Authenticate",
                                        "Bearer realm=\"eithub\", error=\"invalid_token\"");
          refuse (request, SOUP_STATUS_UNAUTHORIZED, "invalid token: check the hub's token file");
          return;
        }
    }

  if (!request->is_upgrade)
    {
      refuse (request, 426, "this is an Eit hub: connect with a WebSocket (wss://)");
      return;
    }

  if (count_for_token (self, index) >= self->max_connections_per_token)
    {
      g_autofree char *body = g_strdup_printf ("too many connections for this token (limit %u)",
                                               self->max_connections_per_token);
      soup_message_headers_replace (response, "Retry-After", "1");
      refuse (request, 429, body);
      return;
    }

  if (request->upgrade_error != NULL)
    {
      g_autofree char *body = g_strdup_printf ("not a valid WebSocket upgrade (%s): connect with "
                                               "a WebSocket client (RFC 6455, version 13)",
                                               request->upgrade_error);
      refuse (request, SOUP_STATUS_BAD_REQUEST, body);
      return;
    }

  /* A browser that offers only "eithub.bearer.<token>" gets in with no
   * protocol selected: the bearer entry is never selected. */
  if (eit_hub_request_offers_protocol (request, EIT_SUBPROTOCOL_V1))
    {
      soup_message_headers_replace (response, "Sec-WebSocket-Protocol", EIT_SUBPROTOCOL_V1);
      request->mode = EIT_PROTOCOL_MODE_FULL;
    }
  else
    {
      if (eit_hub_request_offers_protocol (request, EIT_SUBPROTOCOL_JSON))
        soup_message_headers_replace (response, "Sec-WebSocket-Protocol", EIT_SUBPROTOCOL_JSON);
      request->mode = EIT_PROTOCOL_MODE_BASE;
    }
  request->status = SOUP_STATUS_SWITCHING_PROTOCOLS;
  request->max_message_size = self->settings.max_message_size;
  request->tag = index;
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
             const char      *identity,
             const char      *instance,
             EitProtocolMode  mode)
{
  EitHubSession *session = eit_hub_session_new_internal (self, identity, instance, mode,
                                                         &self->settings);

  /* A base-layer session has no name a hello could use. */
  if (mode == EIT_PROTOCOL_MODE_FULL)
    {
      g_hash_table_insert (self->sessions, session_key (identity, instance), g_object_ref (session));
      g_hash_table_insert (self->sessions_by_id, g_strdup (eit_hub_session_get_id (session)), session);
    }
  g_ptr_array_add (self->session_list, session);
  g_signal_emit (self, signals[SIGNAL_SESSION_ADDED], 0, session);
  return session;
}

static char *
build_welcome (EitHubServer  *self,
               EitHubSession *session,
               gboolean       resumed,
               guint64        generation)
{
  EitFlow *flow = eit_hub_session_get_flow (session);

  return g_strdup_printf ("{\"type\":\"welcome\",\"session\":\"%s\",\"epoch\":\"%s\",\"resumed\":%s,"
                          "\"generation\":%" G_GUINT64_FORMAT ","
                          "\"recv\":%" G_GUINT64_FORMAT ",\"ack\":%" G_GUINT64_FORMAT ","
                          "\"window\":{\"messages\":%u,\"bytes\":%" G_GUINT64_FORMAT "},"
                          "\"inactivity_ms\":%u,\"keepalive_ms\":%u,\"max_message_size\":%" G_GUINT64_FORMAT "}",
                          eit_hub_session_get_id (session), self->epoch, resumed ? "true" : "false",
                          generation,
                          resumed ? eit_flow_get_recv_seq (flow) : 0,
                          resumed ? eit_flow_get_consumed_seq (flow) : 0,
                          self->settings.window_messages, self->settings.window_bytes,
                          self->settings.inactivity_timeout, self->settings.keepalive_interval,
                          self->settings.max_message_size);
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
  eit_hub_server_log_limited (self, "session-refusal", "token %.8s instance %s: %s (closing %u)",
                              identity, instance, reason, code);
  eit_transport_close (transport, code, reason);
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
  g_autofree char *key = NULL;
  const char *identity = g_object_get_data (G_OBJECT (transport), IDENTITY_KEY);
  const char *instance, *session_id, *epoch;
  guint64 generation = 0, recv = 0, ack = 0, win_messages = 0, win_bytes = 0, max_seen;
  JsonObject *window;
  EitHubSession *session, *named;
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

  if (identity == NULL)
    identity = "none";
  /* Nothing crosses identities: naming another token's session is refused
   * and leaves its owner untouched. */
  named = session_id != NULL ? g_hash_table_lookup (self->sessions_by_id, session_id) : NULL;
  if (named != NULL && strcmp (eit_hub_session_get_identity (named), identity) != 0)
    {
      refuse_hello (self, transport, identity, instance, EIT_CLOSE_FOREIGN_SESSION,
                    "session belongs to another token");
      return;
    }

  key = session_key (identity, instance);
  session = g_hash_table_lookup (self->sessions, key);
  max_seen = session != NULL ? eit_hub_session_get_max_generation (session) : 0;
  if (session != NULL && generation > max_seen + EIT_MAX_GENERATION_JUMP)
    {
      g_autofree char *reason =
        g_strdup_printf ("protocol violation: generation jumps by more than %u", EIT_MAX_GENERATION_JUMP);
      refuse_hello (self, transport, identity, instance, EIT_CLOSE_PROTOCOL_VIOLATION, reason);
      return;
    }

  /* PROTOCOL.md 5.5: only a live connection can make a hello stale or in
   * use; without one (dropped, in grace, or never) the hello is accepted. */
  if (session != NULL && eit_hub_session_has_live_connection (session))
    {
      guint64 current = eit_hub_session_get_generation (session);
      guint takeovers = eit_hub_session_count_takeovers (session);

      if (generation < current)
        {
          g_autofree char *reason =
            g_strdup_printf ("stale generation %" G_GUINT64_FORMAT " (current %" G_GUINT64_FORMAT ")",
                             generation, current);
          refuse_hello (self, transport, identity, instance, EIT_CLOSE_STALE_GENERATION, reason);
          return;
        }
      if (generation == current)
        {
          g_autofree char *reason =
            g_strdup_printf ("instance in use: instance %s already has a live connection; "
                             "each tab or process needs its own instance id", instance);
          refuse_hello (self, transport, identity, instance, EIT_CLOSE_INSTANCE_IN_USE, reason);
          return;
        }
      if (self->settings.takeover_storm_limit > 0 && takeovers >= self->settings.takeover_storm_limit)
        {
          g_autofree char *reason =
            g_strdup_printf ("takeover storm: instance %s was taken over %u times in %u s; "
                             "each tab or process needs its own instance id",
                             instance, takeovers, (self->settings.takeover_storm_window + 999) / 1000);
          refuse_hello (self, transport, identity, instance, EIT_CLOSE_TAKEOVER_STORM, reason);
          return;
        }
      eit_hub_session_record_takeover (session);
    }
  /* A reloaded tab restarts its generation at 1: the hub moves it past
   * every generation it has seen, and the welcome says which it took. */
  generation = MAX (generation, max_seen + 1);

  resumed = session != NULL && g_strcmp0 (session_id, eit_hub_session_get_id (session)) == 0 &&
            g_strcmp0 (epoch, self->epoch) == 0;
  if (session != NULL && !resumed)
    {
      /* The instance started over: its old session has nobody to resume it. */
      EitHubSession *old = g_object_ref (session);

      session = add_session (self, identity, instance, EIT_PROTOCOL_MODE_FULL);
      eit_hub_session_inherit (session, old);
      if (eit_hub_session_is_attached (old))
        eit_hub_server_log_limited (self, "supersede",
                                    "token %.8s instance %s: session %s superseded by a new session "
                                    "(closing 4004)", identity, instance, eit_hub_session_get_id (old));
      eit_hub_session_close_all (old, EIT_CLOSE_SUPERSEDED, "superseded");
      eit_hub_server_session_expired (self, old);
      g_object_unref (old);
    }
  if (session == NULL)
    session = add_session (self, identity, instance, EIT_PROTOCOL_MODE_FULL);

  end_handshake (self, handshake);
  welcome = build_welcome (self, session, resumed, generation);
  eit_transport_send (transport, welcome, strlen (welcome));
  eit_hub_session_take_transport (session, transport, generation,
                                  resumed ? recv : 0, resumed ? ack : 0,
                                  (guint) MIN (win_messages, G_MAXUINT32), win_bytes);
  eit_hub_server_log (self, "connection mode=v1 token %.8s instance=%s generation=%" G_GUINT64_FORMAT
                      " session=%s %s", identity, instance, generation, eit_hub_session_get_id (session),
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

/* Who the connection belongs to: the SHA-256 of its token, never the token. */
static char *
identity_of (EitHubServer *self,
             guint         index)
{
  if (index == NO_TOKEN || self->token_digests == NULL ||
      index >= g_strv_length (self->token_digests))
    return g_strdup ("none");
  return g_strdup (self->token_digests[index]);
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
  g_object_set_data_full (G_OBJECT (transport), IDENTITY_KEY, identity_of (self, index), g_free);
  eit_websocket_set_output_limit (eit_transport_get_websocket (transport), self->settings.output_limit,
                                  self->settings.slow_consumer_timeout);
  eit_websocket_set_control_frame_limit (eit_transport_get_websocket (transport),
                                         self->settings.control_frame_limit);
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
      EitHubSession *session = add_session (self, g_object_get_data (G_OBJECT (transport), IDENTITY_KEY),
                                            instance, EIT_PROTOCOL_MODE_BASE);

      eit_hub_session_take_transport (session, transport, 1, 0, 0, 0, 0);
      eit_hub_server_log (self, "connection mode=base from %s session=%s (%s: authenticated JSON only)",
                          peer, eit_hub_session_get_id (session),
                          protocol != NULL ? protocol : "no subprotocol");
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
listener_log_cb (EitHubListener *listener,
                 const char     *line,
                 EitHubServer   *self)
{
  eit_hub_server_log (self, "%s", line);
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
  eit_hub_server_log (self, "listening on %s (epoch %s; max-connections %u, open-file limit %llu)",
                      url, self->epoch,
                      eit_hub_listener_get_effective_max_connections (self->listener),
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

static GPtrArray *
all_transports (EitHubServer *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->transports->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (self->transports, i)));
  return copy;
}

void
eit_hub_server_shutdown (EitHubServer *self)
{
  g_autoptr(GPtrArray) transports = NULL;

  g_return_if_fail (EIT_IS_HUB_SERVER (self));

  eit_hub_server_log (self, "shutting down: closing %u connections with 1001", self->transports->len);
  eit_hub_listener_stop (self->listener);
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
      eit_hub_listener_stop (self->listener);
      g_signal_handlers_disconnect_by_data (self->listener, self);
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
  g_hash_table_remove_all (self->sessions_by_id);
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
  g_hash_table_unref (self->sessions_by_id);
  g_ptr_array_unref (self->session_list);
  eit_log_limit_free (self->session_log_limit);
  g_ptr_array_unref (self->handshakes);
  g_clear_object (&self->listener);
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
    case PROP_MAX_QUEUED_BYTES:   g_value_set_uint64 (value, self->max_queued_bytes); break;
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
    case PROP_MAX_QUEUED_BYTES:   self->max_queued_bytes = g_value_get_uint64 (value); break;
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
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->sessions_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->session_log_limit = eit_log_limit_new (1000);
  self->session_list = g_ptr_array_new_with_free_func (g_object_unref);
  self->handshakes = g_ptr_array_new_with_free_func ((GDestroyNotify) handshake_free);
  /* Before the construct properties: some of them are the listener's. */
  self->listener = eit_hub_listener_new ();
  self->transports = g_ptr_array_new_with_free_func (g_object_unref);
  self->per_token = g_hash_table_new (NULL, NULL);
}
