/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-transport.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "eit-error.h"
#include "eit-signal.h"
#include "eit-tls.h"

/* libsoup 3.2 drops a connection without a close frame when one frame is over
 * its max-incoming-payload-size, so its limit sits well above ours and we
 * close with 1009 and a reason ourselves (PROTOCOL.md 2.6). */
#define LIBSOUP_LIMIT_FACTOR 4
#define LIBSOUP_LIMIT_SLACK  (1024 * 1024)

/* A close frame carries at most 125 bytes: the 2-byte code and the reason. */
#define MAX_CLOSE_REASON 123

#define MAX_TOKEN_LENGTH 256

struct _EitTransport
{
  GObject parent_instance;

  SoupWebsocketConnection *websocket;
  gulong message_handler;
  gulong pong_handler;
  gulong error_handler;
  gulong closed_handler;

  EitProtocolMode mode;
  guint64 frame_limit;

  /* Set once a frame broke the protocol: later frames are dropped. */
  gboolean violated;
  /* The stream was closed under libsoup, which has not noticed yet. */
  gboolean aborted;
  gboolean closed_locally;
  gboolean closed_emitted;
  gushort close_code;
  char *close_reason;

  const char *tls_version;
  char *tls_cipher;
  char *peer_fingerprint;

  gint64 last_receive_time;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 frames_in;
  guint64 frames_out;
};

G_DEFINE_FINAL_TYPE (EitTransport, eit_transport, G_TYPE_OBJECT)

enum {
  SIGNAL_FRAME,
  SIGNAL_PONG,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint64
frame_limit_for (EitProtocolMode mode,
                 guint64         max_message_size)
{
  if (max_message_size == 0)
    max_message_size = EIT_DEFAULT_MAX_MESSAGE_SIZE;

  /* An envelope carries a body plus its own members (PROTOCOL.md 2.6). */
  if (mode == EIT_PROTOCOL_MODE_FULL)
    return max_message_size + EIT_FRAME_OVERHEAD;
  return max_message_size;
}

static void
refuse (EitTransport *self,
        gushort       code,
        const char   *reason)
{
  self->violated = TRUE;
  eit_transport_close (self, code, reason);
}

static void
websocket_message_cb (SoupWebsocketConnection *websocket,
                      int                      type,
                      GBytes                  *message,
                      EitTransport            *self)
{
  const char *text;
  gsize len;

  text = g_bytes_get_data (message, &len);
  self->last_receive_time = g_get_monotonic_time ();
  self->frames_in++;
  self->bytes_in += len;

  if (self->violated)
    return;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      refuse (self, EIT_CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
      return;
    }

  if (len > self->frame_limit)
    {
      g_autofree char *reason = NULL;

      reason = g_strdup_printf ("message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
                                G_GUINT64_FORMAT, len, self->frame_limit);

      refuse (self, EIT_CLOSE_TOO_BIG, reason);
      return;
    }

  /* libsoup NUL-terminates every message it delivers (outside the length),
   * so the text can be handed on without a copy. */
  g_signal_emit (self, signals[SIGNAL_FRAME], 0, text != NULL ? text : "", (gulong) len);
}

static void
websocket_pong_cb (SoupWebsocketConnection *websocket,
                   GBytes                  *message,
                   EitTransport            *self)
{
  self->last_receive_time = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_PONG], 0);
}

static void
websocket_error_cb (SoupWebsocketConnection *websocket,
                    GError                  *error,
                    EitTransport            *self)
{
  g_debug ("transport %p: %s", self, error->message);
}

static void
websocket_closed_cb (SoupWebsocketConnection *websocket,
                     EitTransport            *self)
{
  if (self->closed_emitted)
    return;

  if (!self->closed_locally)
    {
      self->close_code = soup_websocket_connection_get_close_code (websocket);
      g_free (self->close_reason);
      self->close_reason = g_strdup (soup_websocket_connection_get_close_data (websocket));
    }

  g_debug ("transport %p closed: code %u, reason \"%s\", %s", self, self->close_code,
           self->close_reason ? self->close_reason : "",
           self->closed_locally ? "by us" : "by the peer");

  self->closed_emitted = TRUE;
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/* libsoup wraps the TLS connection in private stream types that expose it as
 * "base-iostream"; walk down to the GTlsConnection. */
static GTlsConnection *
find_tls_connection (GIOStream *stream)
{
  for (guint depth = 0; stream != NULL && depth < 4; depth++)
    {
      g_autoptr (GIOStream) base = NULL;

      if (G_IS_TLS_CONNECTION (stream))
        return G_TLS_CONNECTION (stream);

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") == NULL)
        return NULL;

      g_object_get (stream, "base-iostream", &base, NULL);
      /* The wrapper holds its own reference, so the pointer stays valid. */
      stream = base;
    }

  return NULL;
}

static void
set_tls_details (EitTransport        *self,
                 GTlsProtocolVersion  version,
                 const char          *cipher,
                 GTlsCertificate     *peer_certificate)
{
  self->tls_version = eit_tls_protocol_version_to_string (version);
  g_free (self->tls_cipher);
  self->tls_cipher = g_strdup (cipher);
  g_free (self->peer_fingerprint);
  self->peer_fingerprint = NULL;
  if (peer_certificate != NULL)
    self->peer_fingerprint = eit_tls_certificate_fingerprint (peer_certificate);
}

static EitTransport *
transport_new (SoupWebsocketConnection *websocket,
               EitProtocolMode          mode,
               guint64                  max_message_size)
{
  EitTransport *self = g_object_new (EIT_TYPE_TRANSPORT, NULL);
  guint64 libsoup_limit;

  self->websocket = g_object_ref (websocket);
  self->mode = mode;
  self->frame_limit = frame_limit_for (mode, max_message_size);
  self->last_receive_time = g_get_monotonic_time ();

  libsoup_limit = MAX (self->frame_limit * LIBSOUP_LIMIT_FACTOR,
                       self->frame_limit + LIBSOUP_LIMIT_SLACK);
  soup_websocket_connection_set_max_incoming_payload_size (websocket, libsoup_limit);

  self->message_handler =
    g_signal_connect (websocket, "message", G_CALLBACK (websocket_message_cb), self);
  self->pong_handler = g_signal_connect (websocket, "pong", G_CALLBACK (websocket_pong_cb), self);
  self->error_handler =
    g_signal_connect (websocket, "error", G_CALLBACK (websocket_error_cb), self);
  self->closed_handler =
    g_signal_connect (websocket, "closed", G_CALLBACK (websocket_closed_cb), self);

  return self;
}

EitTransport *
eit_transport_new_for_server (SoupWebsocketConnection *ws,
                              EitProtocolMode          mode,
                              guint64                  max_message_size)
{
  EitTransport *self;
  GTlsConnection *tls;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws), NULL);
  g_return_val_if_fail (mode != EIT_PROTOCOL_MODE_UNKNOWN, NULL);

  self = transport_new (ws, mode, max_message_size);

  tls = find_tls_connection (soup_websocket_connection_get_io_stream (ws));
  if (tls != NULL)
    {
      g_autofree char *cipher = g_tls_connection_get_ciphersuite_name (tls);

      set_tls_details (self, g_tls_connection_get_protocol_version (tls), cipher,
                       g_tls_connection_get_peer_certificate (tls));
    }

  return self;
}

/* Connecting ---------------------------------------------------------------- */

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  char *hostport;
  GSocketConnectable *identity;
  EitTrustMode trust_mode;
  char *pin;
  char *ca_file;
  GTlsDatabase *ca_database;
  gboolean has_token;
  guint64 max_message_size;

  /* Ours, so a trust check can stop the request before the token is sent. */
  GCancellable *cancellable;
  GCancellable *caller_cancellable;
  gulong caller_cancelled_handler;

  gulong accept_certificate_handler;
  gulong network_event_handler;

  /* Why our trust check refused the certificate, if it did. */
  GError *trust_error;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  if (data->caller_cancellable != NULL)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_handler);
  g_clear_object (&data->caller_cancellable);
  if (data->msg != NULL)
    {
      g_clear_signal_handler (&data->accept_certificate_handler, data->msg);
      g_clear_signal_handler (&data->network_event_handler, data->msg);
    }
  g_clear_object (&data->msg);
  g_clear_object (&data->session);
  g_clear_object (&data->identity);
  g_clear_object (&data->ca_database);
  g_clear_object (&data->cancellable);
  g_clear_error (&data->trust_error);
  g_free (data->hostport);
  g_free (data->pin);
  g_free (data->ca_file);
  g_free (data);
}

static char *
describe_certificate_errors (GTlsCertificateFlags errors)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } descriptions[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, N_("self-signed or signed by an unknown authority") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("issued for another host name") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("not valid yet") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("expired") },
    { G_TLS_CERTIFICATE_REVOKED, N_("revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_("signed with an insecure algorithm") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_("invalid") },
  };
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (descriptions); i++)
    {
      if ((errors & descriptions[i].flag) == 0)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, _(descriptions[i].text));
    }
  if (text->len == 0)
    g_string_append (text, _("not accepted"));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Decides whether the hub's certificate is trusted in the configured mode.
 * system_errors is the system store's verdict; pinned and CA-file modes
 * ignore it and decide on their own, so they stay strict even for a
 * certificate the system store accepts. */
static gboolean
check_certificate (ConnectData          *data,
                   GTlsCertificate      *certificate,
                   GTlsCertificateFlags  system_errors,
                   GError              **error)
{
  g_autofree char *fingerprint = eit_tls_certificate_fingerprint (certificate);

  switch (data->trust_mode)
    {
    case EIT_TRUST_PINNED:
      if (g_strcmp0 (fingerprint, data->pin) == 0)
        return TRUE;
      g_set_error (error, EIT_ERROR, EIT_ERROR_PIN_MISMATCH,
                   _("the hub's certificate %s does not match the pinned %s: check the pin, or "
                     "pin the new certificate if the hub's certificate was replaced on purpose"),
                   fingerprint, data->pin);
      return FALSE;

    case EIT_TRUST_CA_FILE:
      {
        g_autoptr (GError) local_error = NULL;
        g_autofree char *problem = NULL;
        GTlsCertificateFlags errors;

        errors = g_tls_database_verify_chain (data->ca_database, certificate,
                                              G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                              data->identity, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                              NULL, &local_error);
        if (errors == 0 && local_error == NULL)
          return TRUE;
        if (local_error != NULL)
          problem = g_strdup (local_error->message);
        else
          problem = describe_certificate_errors (errors);
        g_set_error (error, EIT_ERROR, EIT_ERROR_TLS,
                     _("the hub's certificate is not trusted by the CA file %s (%s): give the CA "
                       "file that issued it, or pin it with %s"),
                     data->ca_file, problem, fingerprint);
        return FALSE;
      }

    case EIT_TRUST_SYSTEM:
    default:
      {
        g_autofree char *problem = NULL;

        if (system_errors == 0)
          return TRUE;
        problem = describe_certificate_errors (system_errors);
        g_set_error (error, EIT_ERROR, EIT_ERROR_TLS,
                     _("the hub's certificate is not trusted (%s): pin it with %s or give its CA "
                       "file"),
                     problem, fingerprint);
        return FALSE;
      }
    }
}

/* Fires only when the system store refused the certificate. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       ConnectData          *data)
{
  g_clear_error (&data->trust_error);
  return check_certificate (data, certificate, errors, &data->trust_error);
}

/* After the handshake and before the request (and its token) is written: a
 * certificate the system store accepted still has to pass a pin or CA file. */
static void
network_event_cb (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  ConnectData        *data)
{
  GTlsConnection *tls;
  GTlsCertificate *certificate;

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKED || data->trust_error != NULL)
    return;

  tls = find_tls_connection (connection);
  if (tls == NULL)
    return;

  certificate = g_tls_connection_get_peer_certificate (tls);
  if (certificate == NULL)
    return;

  if (!check_certificate (data, certificate, g_tls_connection_get_peer_certificate_errors (tls),
                          &data->trust_error))
    g_cancellable_cancel (data->cancellable);
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static GError *
map_refused_upgrade (ConnectData *data,
                     GError      *error)
{
  guint status = soup_message_get_status (data->msg);
  const char *phrase = soup_message_get_reason_phrase (data->msg);

  if (phrase == NULL || *phrase == '\0')
    phrase = soup_status_get_phrase (status);

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      if (!data->has_token)
        return g_error_new (EIT_ERROR, EIT_ERROR_AUTH,
                            _("the hub requires a token (401 Unauthorized): give the token from "
                              "the hub's token file"));
      return g_error_new (EIT_ERROR, EIT_ERROR_AUTH,
                          _("the hub refused the token (401 Unauthorized): check the token"));

    case SOUP_STATUS_FORBIDDEN:
      return g_error_new (EIT_ERROR, EIT_ERROR_FORBIDDEN,
                          _("the hub refused this client's origin (403 Forbidden): add the origin "
                            "to the hub's allowed origins"));

    case 429: /* Too Many Requests: libsoup 3.2 has no name for it */
      {
        SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
        const char *retry_after = soup_message_headers_get_one (headers, "Retry-After");

        if (retry_after != NULL)
          return g_error_new (EIT_ERROR, EIT_ERROR_TOO_MANY,
                              _("the hub has too many connections for this token (429 Too Many "
                                "Requests): close some of them or retry after %s s"), retry_after);
        return g_error_new (EIT_ERROR, EIT_ERROR_TOO_MANY,
                            _("the hub has too many connections for this token (429 Too Many "
                              "Requests): close some of them or retry later"));
      }

    case 0:
    case SOUP_STATUS_SWITCHING_PROTOCOLS:
      return g_error_new (EIT_ERROR, EIT_ERROR_NOT_WEBSOCKET,
                          _("the server at %s did not complete the WebSocket handshake (%s): check "
                            "that the URL points at an Eit hub"),
                          data->hostport, error->message);

    default:
      return g_error_new (EIT_ERROR, EIT_ERROR_NOT_WEBSOCKET,
                          _("the server at %s answered HTTP %u %s instead of a WebSocket upgrade: "
                            "check that the URL points at an Eit hub"),
                          data->hostport, status, phrase ? phrase : "");
    }
}

static GError *
map_connect_error (ConnectData *data,
                   GError      *error)
{
  if (data->trust_error != NULL)
    return g_error_copy (data->trust_error);

  if (error->domain == SOUP_WEBSOCKET_ERROR)
    return map_refused_upgrade (data, error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  /* glib-networking says NOT_TLS both for a server that speaks no TLS and
   * for a link dropped mid-handshake (a hub restarting): retry either way,
   * with back-off, and say what to check. */
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
    return g_error_new (EIT_ERROR, EIT_ERROR_TLS_HANDSHAKE,
                        _("the server at %s does not speak TLS (%s): check the port; an Eit hub "
                          "only speaks wss://"), data->hostport, error->message);

  /* The certificate was fine (a trust failure is data->trust_error): the
   * handshake itself broke off, which a retry can get past. */
  if (error->domain == G_TLS_ERROR)
    return g_error_new (EIT_ERROR, EIT_ERROR_TLS_HANDSHAKE,
                        _("the TLS handshake with %s failed (%s): check that the URL points at the "
                          "hub's TLS port; an Eit hub only speaks wss://"),
                        data->hostport, error->message);

  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return g_error_new (EIT_ERROR, EIT_ERROR_REFUSED,
                        _("cannot reach the hub at %s (%s): check that it is running and that the "
                          "URL is right"), data->hostport, error->message);

  return g_error_new (EIT_ERROR, EIT_ERROR_FAILED, _("connecting to the hub at %s failed: %s"),
                      data->hostport, error->message);
}

/* Drops a connection we do not trust: no close frame, nothing more sent. */
static void
drop_websocket (SoupWebsocketConnection *websocket)
{
  g_io_stream_close (soup_websocket_connection_get_io_stream (websocket), NULL, NULL);
}

static void
websocket_connect_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (SoupWebsocketConnection) websocket = NULL;
  g_autoptr (GError) error = NULL;
  EitTransport *self;
  GTlsCertificate *certificate;
  const char *protocol;

  websocket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (websocket == NULL)
    {
      g_task_return_error (task, map_connect_error (data, error));
      return;
    }

  /* Every connect takes a new connection (SOUP_MESSAGE_NEW_CONNECTION), so the
   * handshake check has run; this second look is for strictness alone. */
  certificate = soup_message_get_tls_peer_certificate (data->msg);
  if (certificate == NULL ||
      !check_certificate (data, certificate,
                          soup_message_get_tls_peer_certificate_errors (data->msg), &error))
    {
      drop_websocket (websocket);
      if (error == NULL)
        error = g_error_new (EIT_ERROR, EIT_ERROR_TLS,
                             _("the hub at %s presented no certificate: check that the URL is "
                               "right"),
                             data->hostport);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  protocol = soup_websocket_connection_get_protocol (websocket);
  self = transport_new (websocket,
                        g_strcmp0 (protocol, EIT_SUBPROTOCOL_V1) == 0 ? EIT_PROTOCOL_MODE_FULL
                                                                       : EIT_PROTOCOL_MODE_BASE,
                        data->max_message_size);
  set_tls_details (self,
                   soup_message_get_tls_protocol_version (data->msg),
                   soup_message_get_tls_ciphersuite_name (data->msg),
                   certificate);

  g_task_return_pointer (task, self, g_object_unref);
}

static gboolean
prepare_trust (ConnectData                *data,
               const EitTransportOptions  *options,
               GError                    **error)
{
  switch (options->trust_mode)
    {
    case EIT_TRUST_PINNED:
      if (options->pin == NULL || *options->pin == '\0')
        {
          g_set_error_literal (error, EIT_ERROR, EIT_ERROR_CONFIG,
                               _("trust mode \"pinned\" needs a pin: give the hub's fingerprint "
                                 "(sha256:<64 hex digits>, printed by eithub-hub)"));
          return FALSE;
        }
      data->pin = eit_tls_normalize_pin (options->pin, error);
      return data->pin != NULL;

    case EIT_TRUST_CA_FILE:
      {
        g_autoptr (GError) local_error = NULL;

        if (options->ca_file == NULL || *options->ca_file == '\0')
          {
            g_set_error_literal (error, EIT_ERROR, EIT_ERROR_CONFIG,
                                 _("trust mode \"ca-file\" needs a CA file: give the path of a PEM "
                                   "file holding the CA certificates to trust"));
            return FALSE;
          }
        data->ca_file = g_strdup (options->ca_file);
        data->ca_database = g_tls_file_database_new (options->ca_file, &local_error);
        if (data->ca_database == NULL)
          {
            g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                         _("cannot use the CA file %s (%s): give a readable PEM file of CA "
                           "certificates"),
                         options->ca_file, local_error->message);
            return FALSE;
          }
        return TRUE;
      }

    case EIT_TRUST_SYSTEM:
      return TRUE;

    default:
      g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG, _("unknown trust mode %d"),
                   options->trust_mode);
      return FALSE;
    }
}

void
eit_transport_connect_async (const EitTransportOptions *options,
                             SoupSession               *session,
                             GCancellable              *cancellable,
                             GAsyncReadyCallback        callback,
                             gpointer                   user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  const char *protocols[] = { EIT_SUBPROTOCOL_V1, NULL };
  const char *host;
  ConnectData *data;
  int port;

  g_return_if_fail (options != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, eit_transport_connect_async);

  uri = options->url ? g_uri_parse (options->url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_task_return_new_error (task, EIT_ERROR, EIT_ERROR_CONFIG,
                               _("\"%s\" is not a valid hub URL: write it as wss://host:port/"),
                               options->url ? options->url : "");
      return;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "wss") != 0)
    {
      g_task_return_new_error (task, EIT_ERROR, EIT_ERROR_CONFIG,
                               _("only wss:// URLs are accepted: the Eit hub protocol requires TLS "
                                 "(got \"%s\")"), options->url);
      return;
    }

  /* Anything outside the token alphabet could also smuggle bytes into the
   * Authorization header. */
  if (options->token != NULL && *options->token != '\0' &&
      !eit_protocol_token_is_valid (options->token))
    {
      g_task_return_new_error (task, EIT_ERROR, EIT_ERROR_CONFIG,
                               _("the token is not valid: a token is 1 to %d characters from "
                                 "A-Z a-z 0-9 - _ . ~ (copy it from the hub's token file)"),
                               MAX_TOKEN_LENGTH);
      return;
    }

  data = g_new0 (ConnectData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);
  data->trust_mode = options->trust_mode;
  data->has_token = options->token != NULL && *options->token != '\0';
  data->max_message_size = options->max_message_size;
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443;
  /* IPv6 literals keep their brackets, so the port stays readable. */
  data->hostport = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%d", host, port)
                                              : g_strdup_printf ("%s:%d", host, port);
  data->identity = g_network_address_new (host, port);

  if (!prepare_trust (data, options, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A private session when the caller has none: a WebSocket leaves the
   * session once connected, so nothing else needs it. */
  data->session = session ? g_object_ref (session) : soup_session_new ();
  data->msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  /* A fresh connection always handshakes, so the trust check always runs;
   * a pooled one may have been accepted under another trust mode. */
  soup_message_add_flags (data->msg, SOUP_MESSAGE_NEW_CONNECTION);
  /* permessage-deflate is not part of the protocol (PROTOCOL.md 2.6). */
  soup_message_disable_feature (data->msg, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  if (data->has_token)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", options->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (data->msg), "Authorization",
                                    authorization);
    }

  data->accept_certificate_handler = g_signal_connect (data->msg, "accept-certificate",
                                                       G_CALLBACK (accept_certificate_cb), data);
  data->network_event_handler = g_signal_connect (data->msg, "network-event",
                                                  G_CALLBACK (network_event_cb), data);

  data->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_handler = g_cancellable_connect (cancellable,
                                                              G_CALLBACK (caller_cancelled_cb),
                                                              data->cancellable, NULL);
    }

  soup_session_websocket_connect_async (data->session, data->msg, options->origin,
                                        options->offer_v1 ? (char **) protocols : NULL,
                                        G_PRIORITY_DEFAULT, data->cancellable,
                                        websocket_connect_cb, g_object_ref (task));
}

EitTransport *
eit_transport_connect_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == eit_transport_connect_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Using it ------------------------------------------------------------------ */

EitProtocolMode
eit_transport_get_mode (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), EIT_PROTOCOL_MODE_UNKNOWN);

  return self->mode;
}

gboolean
eit_transport_is_open (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);

  return self->websocket != NULL && !self->aborted &&
         soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean
eit_transport_send (EitTransport *self,
                    const char   *text,
                    gsize         len)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if (!eit_transport_is_open (self))
    return FALSE;

  /* libsoup refuses invalid UTF-8 in a text frame with a critical. */
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_debug ("transport %p: not sending %" G_GSIZE_FORMAT " bytes that are not UTF-8", self, len);
      return FALSE;
    }

  /* libsoup copies the payload into the frame before returning, so a static
   * GBytes over the caller's text costs no copy of ours. */
  bytes = g_bytes_new_static (text != NULL ? text : "", len);
  soup_websocket_connection_send_message (self->websocket, SOUP_WEBSOCKET_DATA_TEXT, bytes);
  self->frames_out++;
  self->bytes_out += len;
  return TRUE;
}

/* Cuts reason to what a close frame holds, at a character boundary. */
static char *
close_reason_dup (const char *reason)
{
  g_autofree char *valid = NULL;
  const char *end;

  if (reason == NULL)
    return NULL;
  /* The peer drops a close frame whose reason is not UTF-8. */
  valid = g_utf8_make_valid (reason, -1);
  if (strlen (valid) <= MAX_CLOSE_REASON)
    return g_steal_pointer (&valid);

  g_utf8_validate_len (valid, MAX_CLOSE_REASON, &end);
  return g_strndup (valid, end - valid);
}

void
eit_transport_close (EitTransport *self,
                     gushort       code,
                     const char   *reason)
{
  SoupWebsocketConnectionType type;

  g_return_if_fail (EIT_IS_TRANSPORT (self));
  g_return_if_fail (code != SOUP_WEBSOCKET_CLOSE_ABNORMAL &&
                    code != SOUP_WEBSOCKET_CLOSE_TLS_HANDSHAKE);

  /* CLOSING means a close frame went out already (ours or our answer to the
   * peer's); libsoup treats a second one as a programming error. */
  if (!eit_transport_is_open (self))
    return;

  /* libsoup forbids a client to send 1011 (RFC 6455 first reserved it for
   * servers); "going away" is the nearest code a client may send. */
  type = soup_websocket_connection_get_connection_type (self->websocket);
  if (code == EIT_CLOSE_INTERNAL_ERROR && type == SOUP_WEBSOCKET_CONNECTION_CLIENT)
    code = EIT_CLOSE_GOING_AWAY;
  /* And 1010 (an extension the server refused) to servers. */
  if (code == SOUP_WEBSOCKET_CLOSE_NO_EXTENSION && type == SOUP_WEBSOCKET_CONNECTION_SERVER)
    code = EIT_CLOSE_INTERNAL_ERROR;

  self->closed_locally = TRUE;
  self->close_code = code;
  g_free (self->close_reason);
  self->close_reason = close_reason_dup (reason);

  soup_websocket_connection_close (self->websocket, code, self->close_reason);
}

void
eit_transport_abort (EitTransport *self)
{
  g_autoptr (GError) error = NULL;
  GIOStream *stream;

  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->websocket == NULL || self->aborted ||
      soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_CLOSED)
    return;

  if (eit_transport_is_open (self))
    {
      self->closed_locally = TRUE;
      self->close_code = 0;
      g_clear_pointer (&self->close_reason, g_free);
    }
  self->violated = TRUE;
  self->aborted = TRUE;

  /* Closing the stream under libsoup makes its next read fail, and it then
   * finishes with "closed" as for any dropped connection. */
  stream = soup_websocket_connection_get_io_stream (self->websocket);
  if (!g_io_stream_is_closed (stream) && !g_io_stream_close (stream, NULL, &error))
    g_debug ("transport %p: abort: %s", self, error->message);
}

gushort
eit_transport_get_close_code (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->close_code;
}

const char *
eit_transport_get_close_reason (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->close_reason;
}

gboolean
eit_transport_get_closed_locally (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);

  return self->closed_locally;
}

const char *
eit_transport_get_tls_version (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->tls_version;
}

const char *
eit_transport_get_tls_cipher (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->tls_cipher;
}

const char *
eit_transport_get_peer_fingerprint (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->peer_fingerprint;
}

gint64
eit_transport_get_last_receive_time (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->last_receive_time;
}

guint64
eit_transport_get_bytes_in (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->bytes_in;
}

guint64
eit_transport_get_bytes_out (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->bytes_out;
}

guint64
eit_transport_get_frames_in (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->frames_in;
}

guint64
eit_transport_get_frames_out (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->frames_out;
}

void
eit_transport_set_ws_keepalive (EitTransport *self,
                                guint         interval_ms)
{
  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->websocket == NULL)
    return;

  /* libsoup counts whole seconds: round up so a short interval still pings. */
  soup_websocket_connection_set_keepalive_interval (self->websocket, (interval_ms + 999) / 1000);
}

SoupWebsocketConnection *
eit_transport_get_websocket (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->websocket;
}

/* GObject ------------------------------------------------------------------- */

static void
eit_transport_dispose (GObject *object)
{
  EitTransport *self = EIT_TRANSPORT (object);

  if (self->websocket != NULL)
    {
      g_clear_signal_handler (&self->message_handler, self->websocket);
      g_clear_signal_handler (&self->pong_handler, self->websocket);
      g_clear_signal_handler (&self->error_handler, self->websocket);
      g_clear_signal_handler (&self->closed_handler, self->websocket);
    }
  /* An open WebSocket that loses its last reference closes its stream. */
  g_clear_object (&self->websocket);

  G_OBJECT_CLASS (eit_transport_parent_class)->dispose (object);
}

static void
eit_transport_finalize (GObject *object)
{
  EitTransport *self = EIT_TRANSPORT (object);

  g_free (self->close_reason);
  g_free (self->tls_cipher);
  g_free (self->peer_fingerprint);

  G_OBJECT_CLASS (eit_transport_parent_class)->finalize (object);
}

static void
eit_transport_class_init (EitTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_transport_dispose;
  object_class->finalize = eit_transport_finalize;

  signals[SIGNAL_FRAME] = eit_text_signal_new ("frame", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_PONG] =
    g_signal_new ("pong", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
eit_transport_init (EitTransport *self)
{
}
