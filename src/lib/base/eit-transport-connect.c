/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Connecting a client: libsoup's WebSocket client (SoupSession +
 * soup_session_websocket_connect_async) with our trust check in front of
 * the request, so the token never reaches a server that failed it, and
 * every failure turned into an error that says what to fix. */
#include "config.h"

#include "eit-transport.h"
#include "eit-transport-private.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "eit-error.h"
#include "eit-no-trust-database.h"
#include "eit-tls.h"

/* A status line's reason, as quoted in an error message. */
#define MAX_REASON_PHRASE 64

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  gulong accept_certificate_handler;
  gulong network_event_handler;
  /* The TCP socket under the connection, for TCP_INFO. */
  GSocket *socket;

  char *hostport;
  GSocketConnectable *identity;
  EitTrustMode trust_mode;
  char *pin;
  char *ca_file;
  GTlsDatabase *ca_database;
  gboolean has_token;
  guint64 max_message_size;
  gboolean certificate_checked;

  /* Ours, so a trust check can stop the request before the token is sent. */
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
  if (data->msg != NULL)
    {
      g_clear_signal_handler (&data->accept_certificate_handler, data->msg);
      g_clear_signal_handler (&data->network_event_handler, data->msg);
    }
  g_clear_object (&data->msg);
  g_clear_object (&data->session);
  g_clear_object (&data->socket);
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
  g_autoptr(GString) text = g_string_new (NULL);

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
        g_autoptr(GError) local_error = NULL;
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

/* With the system store, this fires only when the store refused the
 * certificate; with a pin or a CA file the session's database trusts
 * nothing, so it fires for every certificate and decides alone. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       ConnectData          *data)
{
  data->certificate_checked = TRUE;
  g_clear_error (&data->trust_error);
  return check_certificate (data, certificate, errors, &data->trust_error);
}

static void
network_event_cb (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  ConnectData        *data)
{
  GIOStream *tls;
  GTlsCertificate *certificate;

  /* libsoup sets TCP_NODELAY itself (3.2, soup_connection_connected); the
   * socket is kept for the inactivity check's kernel counter. */
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    {
      g_set_object (&data->socket, g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
      return;
    }

  /* After the handshake and before the request (and its token) is written:
   * a certificate the system store accepted without asking is checked once
   * more, so that no path skips the check. */
  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKED || data->certificate_checked ||
      data->trust_error != NULL)
    return;
  tls = eit_io_stream_find_base (connection, G_TYPE_TLS_CONNECTION);
  certificate = tls ? g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)) : NULL;
  if (certificate == NULL)
    {
      data->trust_error = g_error_new (EIT_ERROR, EIT_ERROR_TLS,
                                       _("the hub at %s presented no certificate: check that the "
                                         "URL is right"),
                                       data->hostport);
      g_cancellable_cancel (data->cancellable);
      return;
    }
  data->certificate_checked = TRUE;
  if (!check_certificate (data, certificate,
                          g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls)),
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
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
  const char *reason_phrase = soup_message_get_reason_phrase (data->msg);
  guint status = soup_message_get_status (data->msg);
  g_autofree char *phrase = NULL;

  /* The server's words go into a message the monitor shows: UTF-8, and no
   * longer than a status line needs. */
  if (reason_phrase != NULL && *reason_phrase != '\0')
    phrase = g_utf8_make_valid (reason_phrase, MIN (strlen (reason_phrase), MAX_REASON_PHRASE));
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
        const char *retry_after = soup_message_headers_get_one (headers, "Retry-After");
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

    case 0:
    case SOUP_STATUS_SWITCHING_PROTOCOLS:
      /* A 101 that breaks RFC 6455 (libsoup checked it), or no HTTP at all. */
      return g_error_new (EIT_ERROR, EIT_ERROR_NOT_WEBSOCKET,
                          _("the server at %s did not complete the WebSocket handshake (%s): check "
                            "that the URL points at an Eit hub"),
                          data->hostport, error->message);

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

  if (error->domain == SOUP_WEBSOCKET_ERROR)
    return map_refused_upgrade (data, error);

  /* An answer that is not HTTP at all. */
  if (error->domain == SOUP_SESSION_ERROR)
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
websocket_connect_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(SoupWebsocketConnection) websocket = NULL;
  g_autoptr(GError) error = NULL;
  const char *protocol;

  websocket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (websocket == NULL)
    {
      g_task_return_error (task, map_connect_error (data, error));
      return;
    }

  protocol = soup_websocket_connection_get_protocol (websocket);
  g_task_return_pointer (task,
                         _eit_transport_new_for_client (websocket, data->msg, data->socket,
                                                        g_strcmp0 (protocol, EIT_SUBPROTOCOL_V1) == 0
                                                          ? EIT_PROTOCOL_MODE_FULL
                                                          : EIT_PROTOCOL_MODE_BASE,
                                                        data->max_message_size),
                         g_object_unref);
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
        g_autoptr(GError) local_error = NULL;

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
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GTlsDatabase) system_database = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  const char *protocols[] = { NULL, NULL };
  const char *host;
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
                               EIT_TOKEN_MAX_LENGTH);
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
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443;
  /* IPv6 literals keep their brackets, so the port stays readable. */
  data->hostport = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%d", host, port)
                                              : g_strdup_printf ("%s:%d", host, port);
  /* The identity a CA file checks the certificate against. */
  data->identity = g_network_address_new (host, port);

  if (!prepare_trust (data, options, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The TLS connection libsoup builds starts from the process's default
   * database, and glib-networking reads the whole system store again for
   * every connection built with it (7-9 ms of main-loop time): the
   * default becomes a database that trusts nothing, which costs nothing
   * (eit-no-trust-database.c). A pin or a CA file keeps that one, so
   * accept-certificate runs for every certificate; the system mode gets
   * the system store, and with it one read of the store per connect, the
   * price of glib-networking's own checks (OCSP stapling included). */
  system_database = eit_no_trust_database_install_default ();
  if (data->trust_mode == EIT_TRUST_SYSTEM)
    database = g_steal_pointer (&system_database);
  else
    database = g_object_ref (eit_no_trust_database_get_default ());
  /* A session per connect: a WebSocket leaves its session once it is
   * open, and trust settings never leak from one hub to another. */
  /* No SNI for an IP literal (RFC 6066 3), and hubs refuse one: but
   * glib-networking 2.74 sends any GNetworkAddress's host name, IP or not.
   * An address as the connectable has no host name, so none is sent; the
   * certificate is still checked against the address. */
  if (g_hostname_is_ip_address (host))
    remote = g_inet_socket_address_new_from_string (host, port);
  data->session = soup_session_new_with_options ("tls-database", database,
                                                 "remote-connectable", remote, NULL);
  data->msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  /* A fresh connection always handshakes, so the trust check always runs. */
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

  /* A base-layer client still names the subprotocol: a browser that
   * authenticates through Sec-WebSocket-Protocol must, and hubs expect one
   * (PROTOCOL.md 2.3). */
  protocols[0] = options->offer_v1 ? EIT_SUBPROTOCOL_V1 : EIT_SUBPROTOCOL_JSON;
  soup_session_websocket_connect_async (data->session, data->msg, options->origin,
                                        (char **) protocols, G_PRIORITY_DEFAULT, data->cancellable,
                                        websocket_connect_cb, g_steal_pointer (&task));
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
