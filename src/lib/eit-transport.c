/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-transport.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gi18n-lib.h>

#include "eit-error.h"
#include "eit-signal.h"
#include "eit-tls.h"
#include "eit-upgrade.h"
#include "eit-websocket.h"

#define MAX_TOKEN_LENGTH 256
/* A status line's reason, as quoted in an error message. */
#define MAX_REASON_PHRASE 64

struct _EitTransport
{
  GObject parent_instance;

  EitWebsocket *websocket;
  gulong message_handler;
  gulong pong_handler;
  gulong closed_handler;

  EitProtocolMode mode;
  gboolean closed_emitted;

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

/* The WebSocket has checked size, UTF-8 and frame type already. */
static void
websocket_message_cb (EitWebsocket *websocket,
                      const char   *text,
                      gulong        len,
                      EitTransport *self)
{
  self->last_receive_time = g_get_monotonic_time ();
  self->frames_in++;
  self->bytes_in += len;
  g_signal_emit (self, signals[SIGNAL_FRAME], 0, text, len);
}

static void
websocket_pong_cb (EitWebsocket *websocket,
                   EitTransport *self)
{
  self->last_receive_time = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_PONG], 0);
}

static void
websocket_closed_cb (EitWebsocket *websocket,
                     EitTransport *self)
{
  if (self->closed_emitted)
    return;
  self->closed_emitted = TRUE;
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

static void
set_tls_details (EitTransport *self,
                 GIOStream    *stream)
{
  GIOStream *base = eit_io_stream_find_base (stream, G_TYPE_TLS_CONNECTION);
  GTlsConnection *tls;
  GTlsCertificate *peer_certificate;

  if (base == NULL)
    return;
  tls = G_TLS_CONNECTION (base);
  self->tls_version =
    eit_tls_protocol_version_to_string (g_tls_connection_get_protocol_version (tls));
  g_free (self->tls_cipher);
  self->tls_cipher = g_tls_connection_get_ciphersuite_name (tls);
  g_free (self->peer_fingerprint);
  peer_certificate = g_tls_connection_get_peer_certificate (tls);
  self->peer_fingerprint = peer_certificate ? eit_tls_certificate_fingerprint (peer_certificate)
                                            : NULL;
}

static EitTransport *
transport_new (GIOStream        *stream,
               EitWebsocketRole  role,
               EitProtocolMode   mode,
               guint64           max_message_size,
               GBytes           *leftover)
{
  EitTransport *self = g_object_new (EIT_TYPE_TRANSPORT, NULL);

  self->mode = mode;
  self->last_receive_time = g_get_monotonic_time ();
  set_tls_details (self, stream);

  self->websocket = eit_websocket_new (stream, role, frame_limit_for (mode, max_message_size),
                                       leftover);
  self->message_handler = g_signal_connect (self->websocket, "message",
                                            G_CALLBACK (websocket_message_cb), self);
  self->pong_handler = g_signal_connect (self->websocket, "pong",
                                         G_CALLBACK (websocket_pong_cb), self);
  self->closed_handler = g_signal_connect (self->websocket, "closed",
                                           G_CALLBACK (websocket_closed_cb), self);
  return self;
}

EitTransport *
eit_transport_new_for_server (GIOStream       *stream,
                              EitProtocolMode  mode,
                              guint64          max_message_size)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (mode != EIT_PROTOCOL_MODE_UNKNOWN, NULL);

  return transport_new (stream, EIT_WEBSOCKET_ROLE_SERVER, mode, max_message_size, NULL);
}

/* Connecting ---------------------------------------------------------------- */

typedef struct
{
  GSocketClient *client;
  GTlsDatabase *system_database;
  GTlsConnection *tls;
  gulong accept_certificate_handler;
  /* The connection so far: TCP, then TLS. */
  GIOStream *stream;

  char *hostport;
  char *path;
  SoupMessageHeaders *request_headers;
  gboolean offer_v1;
  GSocketConnectable *identity;
  EitTrustMode trust_mode;
  char *pin;
  char *ca_file;
  GTlsDatabase *ca_database;
  gboolean has_token;
  guint64 max_message_size;

  /* Ours, so a trust check can stop the connection before the token is sent. */
  GCancellable *cancellable;
  GCancellable *caller_cancellable;
  gulong caller_cancelled_handler;

  /* Why our trust check refused the certificate, if it did. */
  GError *trust_error;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  if (data->caller_cancellable != NULL)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_handler);
  g_clear_object (&data->caller_cancellable);
  if (data->tls != NULL)
    g_clear_signal_handler (&data->accept_certificate_handler, data->tls);
  g_clear_object (&data->tls);
  g_clear_object (&data->client);
  g_clear_object (&data->system_database);
  /* Still here only when connecting failed after the TCP connection. */
  if (data->stream != NULL)
    g_io_stream_close_async (data->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->request_headers, soup_message_headers_unref);
  g_clear_object (&data->identity);
  g_clear_object (&data->ca_database);
  g_clear_object (&data->cancellable);
  g_clear_error (&data->trust_error);
  g_free (data->hostport);
  g_free (data->path);
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
accept_certificate_cb (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       ConnectData          *data)
{
  g_clear_error (&data->trust_error);
  return check_certificate (data, certificate, errors, &data->trust_error);
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static GError *
map_refused_upgrade (ConnectData        *data,
                     EitUpgradeResponse *response)
{
  guint status = response->status;
  g_autofree char *phrase = NULL;

  /* The server's words go into a message the monitor shows: UTF-8, and no
   * longer than a status line needs. */
  if (response->reason_phrase != NULL && *response->reason_phrase != '\0')
    phrase = g_utf8_make_valid (response->reason_phrase, MIN (strlen (response->reason_phrase),
                                                              MAX_REASON_PHRASE));
  else
    phrase = g_strdup (soup_status_get_phrase (status));

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
        const char *retry_after = soup_message_headers_get_one (response->headers, "Retry-After");
        guint64 seconds;

        /* Only the delay-seconds form (RFC 9110 10.2.3) is worth repeating. */
        if (retry_after != NULL &&
            g_ascii_string_to_unsigned (retry_after, 10, 0, 86400, &seconds, NULL))
          return g_error_new (EIT_ERROR, EIT_ERROR_TOO_MANY,
                              _("the hub has too many connections for this token (429 Too Many "
                                "Requests): close some of them or retry after %" G_GUINT64_FORMAT " s"),
                              seconds);
        return g_error_new (EIT_ERROR, EIT_ERROR_TOO_MANY,
                            _("the hub has too many connections for this token (429 Too Many "
                              "Requests): close some of them or retry later"));
      }

    default:
      return g_error_new (EIT_ERROR, EIT_ERROR_NOT_WEBSOCKET,
                          _("the server at %s answered HTTP %u %s instead of a WebSocket upgrade: "
                            "check that the URL points at an Eit hub"),
                          data->hostport, status, phrase);
    }
}

static GError *
map_connect_error (ConnectData *data,
                   GError      *error)
{
  if (data->trust_error != NULL)
    return g_error_copy (data->trust_error);

  /* The upgrade's answer was not HTTP, or a 101 broke RFC 6455. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    return g_error_new (EIT_ERROR, EIT_ERROR_NOT_WEBSOCKET,
                        _("the server at %s did not complete the WebSocket handshake (%s): check "
                          "that the URL points at an Eit hub"),
                        data->hostport, error->message);

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

static void
upgraded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (EitUpgradeResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  EitTransport *self;

  response = eit_upgrade_finish (result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, map_connect_error (data, error));
      return;
    }
  if (response->status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      g_task_return_error (task, map_refused_upgrade (data, response));
      return;
    }

  self = transport_new (data->stream, EIT_WEBSOCKET_ROLE_CLIENT,
                        g_strcmp0 (response->protocol, EIT_SUBPROTOCOL_V1) == 0
                          ? EIT_PROTOCOL_MODE_FULL : EIT_PROTOCOL_MODE_BASE,
                        data->max_message_size, response->leftover);
  g_clear_object (&data->stream);
  g_task_return_pointer (task, self, g_object_unref);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  const char *protocols[] = { EIT_SUBPROTOCOL_V1, NULL };
  GTlsCertificate *certificate;

  if (!g_tls_connection_handshake_finish (data->tls, result, &error))
    {
      g_task_return_error (task, map_connect_error (data, error));
      return;
    }

  /* accept-certificate runs only when the system store refuses: a
   * certificate it accepted still has to pass a pin or CA file, and this
   * comes before the request, and so the token, is written. */
  certificate = g_tls_connection_get_peer_certificate (data->tls);
  if (certificate == NULL ||
      !check_certificate (data, certificate,
                          g_tls_connection_get_peer_certificate_errors (data->tls), &error))
    {
      if (error == NULL)
        error = g_error_new (EIT_ERROR, EIT_ERROR_TLS,
                             _("the hub at %s presented no certificate: check that the URL is "
                               "right"),
                             data->hostport);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  eit_upgrade_async (data->stream, data->hostport, data->path,
                     data->offer_v1 ? protocols : NULL, data->request_headers, data->cancellable,
                     upgraded_cb, g_steal_pointer (&task));
}

static void
socket_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  GTlsBackend *backend = g_tls_backend_get_default ();

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, map_connect_error (data, error));
      return;
    }
  data->stream = G_IO_STREAM (g_object_ref (connection));

  /* Before TLS: Nagle's algorithm would hold the handshake's small records,
   * and later each small frame, until the peer's delayed ACK (40 ms on
   * Linux); the flow does its own batching. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                       TRUE, NULL);

  /* The database is given, never left to glib-networking: without one it
   * reads the whole system store again for every connection, some 10 ms of
   * main-loop time. A pin or a CA file decides alone, so it needs none. */
  data->tls = g_initable_new (g_tls_backend_get_client_connection_type (backend), NULL, &error,
                              "base-io-stream", connection,
                              "server-identity", data->identity,
                              "database", data->trust_mode == EIT_TRUST_SYSTEM
                                            ? data->system_database : NULL,
                              NULL);
  if (data->tls == NULL)
    {
      g_task_return_error (task, map_connect_error (data, error));
      return;
    }
  g_set_object (&data->stream, G_IO_STREAM (data->tls));
  data->accept_certificate_handler = g_signal_connect (data->tls, "accept-certificate",
                                                       G_CALLBACK (accept_certificate_cb), data);
  g_tls_connection_handshake_async (data->tls, G_PRIORITY_DEFAULT, data->cancellable,
                                    handshake_cb, g_steal_pointer (&task));
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
        g_autofree char *absolute = NULL;

        data->ca_file = g_strdup (options->ca_file);
        /* GTlsFileDatabase takes absolute paths only; a CA file is often
         * given relative to where the user stands. */
        absolute = g_canonicalize_filename (options->ca_file, NULL);
        data->ca_database = g_tls_file_database_new (absolute, &local_error);
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

/* Header values go on the wire as they are: refuse line breaks and
 * anything else outside visible ASCII. */
static gboolean
is_visible_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (*p < 0x21 || *p > 0x7e)
      return FALSE;
  return TRUE;
}

void
eit_transport_connect_async (const EitTransportOptions *options,
                             GCancellable              *cancellable,
                             GAsyncReadyCallback        callback,
                             gpointer                   user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *https_url = NULL;
  const char *host;
  const char *query;
  ConnectData *data;
  int port;

  g_return_if_fail (options != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, eit_transport_connect_async);

  uri = options->url ? g_uri_parse (options->url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      !is_visible_ascii (g_uri_get_path (uri)) ||
      (g_uri_get_query (uri) != NULL && !is_visible_ascii (g_uri_get_query (uri))))
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
  if (options->origin != NULL && !is_visible_ascii (options->origin))
    {
      g_task_return_new_error (task, EIT_ERROR, EIT_ERROR_CONFIG,
                               _("the origin \"%s\" is not valid: write it as "
                                 "scheme://host[:port]"),
                               options->origin);
      return;
    }

  data = g_new0 (ConnectData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);
  data->trust_mode = options->trust_mode;
  data->has_token = options->token != NULL && *options->token != '\0';
  data->max_message_size = options->max_message_size;
  data->offer_v1 = options->offer_v1;
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443;
  /* IPv6 literals keep their brackets, so the port stays readable. */
  data->hostport = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%d", host, port)
                                              : g_strdup_printf ("%s:%d", host, port);
  /* With the "https" scheme, the system's proxy settings apply as they do
   * to any HTTPS request. */
  https_url = g_strconcat ("https://", data->hostport, "/", NULL);
  data->identity = g_network_address_parse_uri (https_url, 443, NULL);
  if (data->identity == NULL)
    data->identity = g_network_address_new (host, port);
  query = g_uri_get_query (uri);
  data->path = g_strconcat (*g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/",
                            query != NULL ? "?" : "", query != NULL ? query : "", NULL);

  if (!prepare_trust (data, options, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->request_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  if (data->has_token)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", options->token, NULL);

      soup_message_headers_replace (data->request_headers, "Authorization", authorization);
    }
  if (options->origin != NULL)
    soup_message_headers_replace (data->request_headers, "Origin", options->origin);

  data->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_handler = g_cancellable_connect (cancellable,
                                                              G_CALLBACK (caller_cancelled_cb),
                                                              data->cancellable, NULL);
    }

  if (data->trust_mode == EIT_TRUST_SYSTEM)
    data->system_database = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  data->client = g_socket_client_new ();
  g_socket_client_connect_async (data->client, data->identity, data->cancellable,
                                 socket_connected_cb, g_steal_pointer (&task));
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

  return self->websocket != NULL &&
         eit_websocket_get_state (self->websocket) == EIT_WEBSOCKET_STATE_OPEN;
}

gboolean
eit_transport_send (EitTransport *self,
                    const char   *text,
                    gsize         len)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if (self->websocket == NULL || !eit_websocket_send_text (self->websocket, text, len))
    return FALSE;
  self->frames_out++;
  self->bytes_out += len;
  return TRUE;
}

void
eit_transport_close (EitTransport *self,
                     gushort       code,
                     const char   *reason)
{
  EitWebsocketRole role;

  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->websocket == NULL)
    return;

  /* RFC 6455 first reserved 1011 for servers, and libsoup 3.2 hubs (MVP
   * hubs, reached in base mode) still refuse it from a client: "going away"
   * is the nearest code they take. */
  role = eit_websocket_get_role (self->websocket);
  if (code == EIT_CLOSE_INTERNAL_ERROR && role == EIT_WEBSOCKET_ROLE_CLIENT)
    code = EIT_CLOSE_GOING_AWAY;
  eit_websocket_close (self->websocket, code, reason);
}

void
eit_transport_abort (EitTransport *self)
{
  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->websocket != NULL)
    eit_websocket_abort (self->websocket);
}

gushort
eit_transport_get_close_code (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->websocket ? eit_websocket_get_close_code (self->websocket) : 0;
}

const char *
eit_transport_get_close_reason (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->websocket ? eit_websocket_get_close_reason (self->websocket) : NULL;
}

gboolean
eit_transport_get_closed_locally (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);

  return self->websocket ? eit_websocket_get_closed_locally (self->websocket) : FALSE;
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

  if (self->websocket != NULL)
    eit_websocket_set_keepalive_interval (self->websocket, interval_ms);
}

EitWebsocket *
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

  signals[SIGNAL_PONG] = eit_event_signal_new ("pong", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_CLOSED] = eit_event_signal_new ("closed", G_TYPE_FROM_CLASS (klass));
}

static void
eit_transport_init (EitTransport *self)
{
}
