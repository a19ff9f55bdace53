/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EitTransport over real TLS on loopback: a SoupServer in the test (with the
 * token check in a plain handler that runs before the upgrade) wraps what it
 * accepts with eit_transport_new_for_server(); clients connect with
 * eit_transport_connect_async(). Every test ends with every transport and
 * WebSocket finalized and no GSource left in the main context. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "eit-error.h"
#include "eit-tls.h"
#include "eit-transport-private.h"
#include "eit-test-observed.h"
#include "eit-test-util.h"

#define TOKEN "tok-3f6c1a0e9b7d4c2a"
#define WAIT_MS 5000

typedef struct
{
  GTlsCertificate *certificate;
  char *fingerprint;
  char *cert_file;
  char *other_ca_file;
  SoupServer *server;
  char *url;

  guint64 server_max_message_size;
  guint n_requests;
  guint n_unauthorized;
  gboolean client_dropped_handshake;
  GPtrArray *server_transports;
} Fixture;

/* Iterates the default main context until cond holds, failing after WAIT_MS. */
#define WAIT_FOR(cond) g_assert_true (eit_test_wait_until ((cond), WAIT_MS))

static void
server_upgraded_cb (SoupServerMessage *msg,
                    Fixture           *f)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  const char *protocol =
    soup_message_headers_get_one (soup_server_message_get_response_headers (msg),
                                  "Sec-WebSocket-Protocol");
  EitTransport *transport;

  transport = eit_transport_new_for_server (stream,
                                            g_strcmp0 (protocol, EIT_SUBPROTOCOL_V1) == 0
                                              ? EIT_PROTOCOL_MODE_FULL : EIT_PROTOCOL_MODE_BASE,
                                            f->server_max_message_size);
  eit_test_observe (transport);
  g_ptr_array_add (f->server_transports, transport);
}

static void
server_request_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  static const char body[] = "invalid token: check the hub's token file";

  f->n_requests++;
  if (g_strcmp0 (authorization, "Bearer " TOKEN) == 0)
    {
      const char *protocols[] = { EIT_SUBPROTOCOL_V1, EIT_SUBPROTOCOL_JSON, NULL };

      /* As the hub does: libsoup writes the 101, the WebSocket is ours. */
      if (soup_websocket_server_process_handshake (msg, NULL, (char **) protocols, NULL, NULL))
        g_signal_connect (msg, "wrote-informational", G_CALLBACK (server_upgraded_cb), f);
      return;
    }

  /* Tokens that ask for the other refusals a hub can give. */
  if (g_strcmp0 (authorization, "Bearer status-403") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      return;
    }
  if (g_strcmp0 (authorization, "Bearer status-429") == 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "3");
      soup_server_message_set_status (msg, 429, "Too Many Requests");
      return;
    }
  if (g_strcmp0 (authorization, "Bearer status-429-date") == 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                    "Fri, 27 Nov 2026 18:00:00 GMT");
      soup_server_message_set_status (msg, 429, "Too Many Requests");
      return;
    }
  if (g_strcmp0 (authorization, "Bearer status-500") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  if (g_strcmp0 (authorization, "Bearer status-599") == 0)
    {
      g_autofree char *phrase = g_strnfill (500, 'x');

      /* A long reason phrase that is not UTF-8 either. */
      phrase[0] = '\xff';
      soup_server_message_set_status (msg, 599, phrase);
      return;
    }

  /* Status set here: libsoup answers with it instead of upgrading. */
  f->n_unauthorized++;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                "Bearer realm=\"eithub\", error=\"invalid_token\"");
  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, body, strlen (body));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *other_pem = NULL;
  g_autofree char *other_key = NULL;
  GSList *uris;

  f->certificate = eit_tls_certificate_new_self_signed (&error);
  g_assert_no_error (error);
  f->fingerprint = eit_tls_certificate_fingerprint (f->certificate);
  g_object_get (f->certificate, "certificate-pem", &pem, NULL);
  f->cert_file = eit_test_write_temp (pem);

  g_assert_true (eit_tls_generate_self_signed ("someone-else", 1, &other_pem, &other_key, &error));
  f->other_ca_file = eit_test_write_temp (other_pem);

  f->server_transports = g_ptr_array_new ();
  f->server = soup_server_new ("tls-certificate", f->certificate, NULL);
  soup_server_add_handler (f->server, "/", server_request_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->url = g_strdup_printf ("wss://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
assert_no_sources_left (void)
{
  GMainContext *context = g_main_context_default ();
  GPollFD fds[8];
  int priority, timeout, n_fds;

  /* Anything ready (an idle, a close still finishing) runs first. */
  while (g_main_context_iteration (context, FALSE))
    ;

  g_assert_true (g_main_context_acquire (context));
  g_main_context_prepare (context, &priority);
  n_fds = g_main_context_query (context, G_MAXINT, &timeout, fds, G_N_ELEMENTS (fds));
  g_main_context_check (context, priority, fds, MIN (n_fds, (int) G_N_ELEMENTS (fds)));
  g_main_context_release (context);

  /* Only the context's own wake-up fd, and no timer. */
  g_assert_cmpint (n_fds, ==, 1);
  g_assert_cmpint (timeout, ==, -1);
}

/* Drops the last reference and waits until the object is gone: libsoup
 * finishes some work (a cancelled request, a closing stream) in the loop. */
static void
unref_and_wait (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  WAIT_FOR (weak == NULL);
}

static void
finalize_transport (EitTransport *transport)
{
  gpointer websocket = eit_transport_get_websocket (transport);

  /* The hub's side runs our framing, a client libsoup's. */
  if (websocket == NULL)
    websocket = eit_transport_get_soup_websocket (transport);
  g_assert_nonnull (websocket);
  g_object_add_weak_pointer (G_OBJECT (websocket), &websocket);
  g_assert_finalize_object (transport);
  /* A closing stream holds the WebSocket until the close is done. */
  WAIT_FOR (websocket == NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* Whatever a test left open closes now; everything must end "closed". */
  for (guint i = 0; i < f->server_transports->len; i++)
    {
      EitTransport *transport = g_ptr_array_index (f->server_transports, i);

      eit_transport_close (transport, EIT_CLOSE_GOING_AWAY, "test over");
      WAIT_FOR (eit_test_observed (transport)->n_closed == 1);
      finalize_transport (transport);
    }
  g_ptr_array_unref (f->server_transports);

  soup_server_disconnect (f->server);
  unref_and_wait (f->server);
  g_tls_backend_set_default_database (g_tls_backend_get_default (), NULL);
  /* libsoup 3.2's server leaks its side of a connection whose TLS handshake
   * failed, and with it a reference to the certificate. A client that drops
   * the connection in or right after its handshake can fail the server's. */
  if (f->client_dropped_handshake)
    g_object_unref (f->certificate);
  else
    unref_and_wait (f->certificate);

  assert_no_sources_left ();

  g_unlink (f->cert_file);
  g_unlink (f->other_ca_file);
  g_free (f->cert_file);
  g_free (f->other_ca_file);
  g_free (f->fingerprint);
  g_free (f->url);
}

static void
connect_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static EitTransport *
connect_client (Fixture                   *f,
                const EitTransportOptions *options,
                GError                   **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  EitTransport *transport;

  eit_transport_connect_async (options, NULL, connect_done_cb, &result);
  WAIT_FOR (result != NULL);
  transport = eit_transport_connect_finish (result, error);
  if (transport != NULL)
    eit_test_observe (transport);
  return transport;
}

static EitTransportOptions
pinned_options (Fixture *f)
{
  EitTransportOptions options = {
    .url = f->url,
    .token = TOKEN,
    .trust_mode = EIT_TRUST_PINNED,
    .pin = f->fingerprint,
    .offer_v1 = TRUE,
  };

  return options;
}

/* Connects a pinned client and waits for the hub side of it. */
static EitTransport *
connect_pair (Fixture              *f,
              EitTransportOptions  *options,
              EitTransport        **server_side)
{
  g_autoptr(GError) error = NULL;
  guint n_before = f->server_transports->len;
  EitTransport *client = connect_client (f, options, &error);

  g_assert_no_error (error);
  g_assert_true (EIT_IS_TRANSPORT (client));
  WAIT_FOR (f->server_transports->len == n_before + 1);
  *server_side = g_ptr_array_index (f->server_transports, n_before);
  return client;
}

static void
close_and_finalize_client (EitTransport *client)
{
  eit_transport_close (client, EIT_CLOSE_NORMAL, "bye");
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  finalize_transport (client);
}

static void
test_pinned_ok (Fixture       *f,
                gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  client = connect_pair (f, &options, &server_side);

  g_assert_true (eit_transport_is_open (client));
  g_assert_cmpint (eit_transport_get_mode (client), ==, EIT_PROTOCOL_MODE_FULL);
  g_assert_cmpint (eit_transport_get_mode (server_side), ==, EIT_PROTOCOL_MODE_FULL);
  g_assert_cmpstr (eit_transport_get_peer_fingerprint (client), ==, f->fingerprint);
  g_assert_cmpstr (eit_transport_get_tls_version (client), ==, "TLS 1.3");
  g_assert_nonnull (eit_transport_get_tls_cipher (client));
  g_test_message ("client: %s %s", eit_transport_get_tls_version (client),
                  eit_transport_get_tls_cipher (client));
  /* The hub side reads the same details from its own TLS connection. */
  g_assert_cmpstr (eit_transport_get_tls_version (server_side), ==, "TLS 1.3");
  g_assert_cmpstr (eit_transport_get_tls_cipher (server_side), ==,
                   eit_transport_get_tls_cipher (client));
  g_assert_null (eit_transport_get_peer_fingerprint (server_side));
  g_assert_cmpuint (f->n_requests, ==, 1);

  close_and_finalize_client (client);
}

static void
test_base_mode (Fixture       *f,
                gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  /* A client that does not offer eithub.v1 speaks the base layer only. */
  options.offer_v1 = FALSE;
  client = connect_pair (f, &options, &server_side);
  g_assert_cmpint (eit_transport_get_mode (client), ==, EIT_PROTOCOL_MODE_BASE);
  g_assert_cmpint (eit_transport_get_mode (server_side), ==, EIT_PROTOCOL_MODE_BASE);

  close_and_finalize_client (client);
}

static void
test_pin_mismatch (Fixture       *f,
                   gconstpointer  data)
{
  const char *wrong = "SHA256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                      "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;
  EitTransport *client;

  f->client_dropped_handshake = TRUE;

  options.pin = wrong;
  client = connect_client (f, &options, &error);
  g_assert_null (client);
  g_assert_error (error, EIT_ERROR, EIT_ERROR_PIN_MISMATCH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->fingerprint));
  g_assert_nonnull (strstr (error->message, "sha256:00112233445566778899aabbccddeeff"
                                            "00112233445566778899aabbccddeeff"));
  g_assert_true (g_str_has_prefix (error->message, "the hub's certificate sha256:"));
  /* Refused in the handshake: the request (and its token) never went out. */
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_untrusted_system (Fixture       *f,
                       gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;
  EitTransport *client;

  f->client_dropped_handshake = TRUE;

  options.trust_mode = EIT_TRUST_SYSTEM;
  options.pin = NULL;
  client = connect_client (f, &options, &error);
  g_assert_null (client);
  g_assert_error (error, EIT_ERROR, EIT_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "the hub's certificate is not trusted ("));
  g_assert_nonnull (strstr (error->message, "pin it with"));
  g_assert_nonnull (strstr (error->message, f->fingerprint));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_ca_file_own_pem (Fixture       *f,
                      gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  options.trust_mode = EIT_TRUST_CA_FILE;
  options.ca_file = f->cert_file;
  options.pin = NULL;
  client = connect_pair (f, &options, &server_side);
  g_assert_cmpstr (eit_transport_get_peer_fingerprint (client), ==, f->fingerprint);

  close_and_finalize_client (client);
}

/* A CA file named relative to the working directory, as on a command line. */
static void
test_ca_file_relative (Fixture       *f,
                       gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *dir = g_path_get_dirname (f->cert_file);
  g_autofree char *name = g_path_get_basename (f->cert_file);
  EitTransport *server_side;
  EitTransport *client;

  g_assert_cmpint (g_chdir (dir), ==, 0);
  options.trust_mode = EIT_TRUST_CA_FILE;
  options.ca_file = name;
  options.pin = NULL;
  client = connect_pair (f, &options, &server_side);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_assert_cmpstr (eit_transport_get_peer_fingerprint (client), ==, f->fingerprint);

  close_and_finalize_client (client);
}

static void
test_ca_file_other (Fixture       *f,
                    gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;

  f->client_dropped_handshake = TRUE;

  options.trust_mode = EIT_TRUST_CA_FILE;
  options.ca_file = f->other_ca_file;
  options.pin = NULL;
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->other_ca_file));
  g_assert_nonnull (strstr (error->message, f->fingerprint));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_ca_file_unreadable (Fixture       *f,
                         gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;

  options.trust_mode = EIT_TRUST_CA_FILE;
  options.ca_file = "/nonexistent/eit-ca.pem";
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "/nonexistent/eit-ca.pem"));
}

/* The default database stands in for a system store that trusts the hub:
 * a pin or a CA file must still refuse a certificate they do not name.
 * The fixture puts the real one back. */
static void
trust_in_system (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (f->cert_file, &error);

  g_assert_no_error (error);
  g_tls_backend_set_default_database (g_tls_backend_get_default (), database);
}

static void
test_system_trusted_baseline (Fixture       *f,
                              gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  trust_in_system (f);
  options.trust_mode = EIT_TRUST_SYSTEM;
  options.pin = NULL;
  client = connect_pair (f, &options, &server_side);
  g_assert_cmpstr (eit_transport_get_peer_fingerprint (client), ==, f->fingerprint);

  close_and_finalize_client (client);
}

static void
test_pin_strict_when_system_trusts (Fixture       *f,
                                    gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;

  f->client_dropped_handshake = TRUE;
  trust_in_system (f);
  options.pin = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_PIN_MISMATCH);
  g_assert_nonnull (strstr (error->message, f->fingerprint));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_ca_file_strict_when_system_trusts (Fixture       *f,
                                        gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;

  f->client_dropped_handshake = TRUE;
  trust_in_system (f);
  options.trust_mode = EIT_TRUST_CA_FILE;
  options.ca_file = f->other_ca_file;
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_TLS);
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_ws_url_refused (Fixture       *f,
                     gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *ws_url = g_strconcat ("ws://", f->url + strlen ("wss://"), NULL);

  options.url = ws_url;
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message,
                                   "only wss:// URLs are accepted: the Eit hub protocol requires TLS"));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_bad_pin_is_config (Fixture       *f,
                        gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;

  options.pin = "md5:1234";
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "\"sha256:\" followed by 64 hex digits"));
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  /* A port that was bound and is free again: nothing listens there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  g_socket_close (socket, NULL);

  url = g_strdup_printf ("wss://127.0.0.1:%u/", port);
  options.url = url;
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_REFUSED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "cannot reach the hub at 127.0.0.1:"));
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) no_token_error = NULL;

  options.token = "wrong-token";
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_AUTH);
  g_assert_cmpstr (error->message, ==, "the hub refused the token (401 Unauthorized): check the token");
  g_assert_true (eit_error_is_permanent (error));

  options.token = NULL;
  g_assert_null (connect_client (f, &options, &no_token_error));
  g_assert_error (no_token_error, EIT_ERROR, EIT_ERROR_AUTH);
  g_test_message ("%s", no_token_error->message);
  g_assert_true (g_str_has_prefix (no_token_error->message,
                                   "the hub requires a token (401 Unauthorized)"));

  g_assert_cmpuint (f->n_unauthorized, ==, 2);
  g_assert_cmpuint (f->server_transports->len, ==, 0);
}

static void
test_refusals_mapped (Fixture       *f,
                      gconstpointer  data)
{
  const struct {
    const char *token;
    EitError code;
    const char *message;
  } cases[] = {
    { "status-403", EIT_ERROR_FORBIDDEN, "the hub refused this client's origin (403 Forbidden)" },
    { "status-429", EIT_ERROR_TOO_MANY,
      "the hub has too many connections for this token (429 Too Many Requests): close some of them or "
      "retry after 3 s" },
    /* Only the delay in seconds is repeated; a date is not. */
    { "status-429-date", EIT_ERROR_TOO_MANY,
      "the hub has too many connections for this token (429 Too Many Requests): close some of them or "
      "retry later" },
    { "status-500", EIT_ERROR_NOT_WEBSOCKET,
      "answered HTTP 500 Internal Server Error instead of a WebSocket upgrade" },
    /* The server's reason reaches the message as valid UTF-8, cut short. */
    { "status-599", EIT_ERROR_NOT_WEBSOCKET,
      "answered HTTP 599 \xef\xbf\xbd" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
      "xxxxxxxxxxxxxxxxxxxxxxx instead of a WebSocket upgrade" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      EitTransportOptions options = pinned_options (f);
      g_autoptr(GError) error = NULL;

      options.token = cases[i].token;
      g_assert_null (connect_client (f, &options, &error));
      g_assert_error (error, EIT_ERROR, (int) cases[i].code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].message));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  g_assert_cmpuint (f->server_transports->len, ==, 0);
}

static void
test_bad_token_is_config (Fixture       *f,
                          gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;

  /* A token could otherwise carry a header of its own into the request. */
  options.token = "abc\r\nX-Injected: 1";
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "the token is not valid"));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

/* The origin and the URL's path go into the request as they are: line breaks
 * there would smuggle headers in, so they are refused before connecting. */
static void
test_bad_header_values_are_config (Fixture       *f,
                                   gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autofree char *url = g_strconcat (f->url, "a%0d%0aX-Injected:%201", NULL);
  g_autoptr(GError) error = NULL;
  EitTransport *client;

  options.origin = "https://example.org\r\nX-Injected: 1";
  g_assert_null (connect_client (f, &options, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "the origin"));
  g_clear_error (&error);

  g_assert_cmpuint (f->n_requests, ==, 0);

  /* Percent-encoded, a path stays on its line, and the upgrade works. */
  options.origin = NULL;
  options.url = url;
  client = connect_client (f, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->n_requests, ==, 1);
  close_and_finalize_client (client);
}

/* A plaintext HTTP server: it answers whatever arrives, as many do. */
static gboolean
plain_incoming_cb (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source_object,
                   gpointer           user_data)
{
  static const char response[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), response,
                             strlen (response), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_not_tls (Fixture       *f,
              gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GSocketService *plain = g_socket_service_new ();
  guint16 port;

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (plain), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (plain, "incoming", G_CALLBACK (plain_incoming_cb), NULL);
  url = g_strdup_printf ("wss://127.0.0.1:%u/", port);

  options.url = url;
  g_assert_null (connect_client (f, &options, &error));
  /* Not a trust failure: a connection retries it (a hub may be restarting). */
  g_assert_error (error, EIT_ERROR, EIT_ERROR_TLS_HANDSHAKE);
  g_assert_false (eit_error_is_permanent (error));
  g_test_message ("%s", error->message);
  /* glib-networking reports the plaintext answer as an unexpected record. */
  g_assert_nonnull (strstr (error->message, "127.0.0.1:"));
  g_assert_nonnull (strstr (error->message, "an Eit hub only speaks wss://"));
  g_assert_cmpuint (f->n_requests, ==, 0);

  g_socket_service_stop (plain);
  g_socket_listener_close (G_SOCKET_LISTENER (plain));
  unref_and_wait (plain);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  const char *up = "{\"kind\":\"reading\",\"v\":1}";
  const char *down = "{\"kind\":\"echo\",\"v\":\"\xc3\xa9t\xc3\xa9\"}";
  EitTransport *server_side;
  EitTransport *client;
  gint64 before;

  client = connect_pair (f, &options, &server_side);
  before = eit_transport_get_last_receive_time (server_side);

  /* The length counts, not a terminator: send only a prefix of a buffer. */
  g_assert_true (eit_transport_send (client, up, strlen (up)));
  g_assert_true (eit_transport_send (client, "[1,2,3]tail", 7));
  WAIT_FOR (eit_test_observed (server_side)->n_frames == 2);
  g_assert_cmpstr (eit_test_observed (server_side)->last_frame->str, ==, "[1,2,3]");
  g_assert_true (eit_test_observed (server_side)->last_frame_terminated);
  g_assert_cmpuint (eit_transport_get_frames_in (server_side), ==, 2);
  g_assert_cmpuint (eit_transport_get_bytes_in (server_side), ==, strlen (up) + 7);
  g_assert_cmpuint (eit_transport_get_frames_out (client), ==, 2);
  g_assert_cmpuint (eit_transport_get_bytes_out (client), ==, strlen (up) + 7);
  g_assert_cmpint (eit_transport_get_last_receive_time (server_side), >, before);

  g_assert_true (eit_transport_send (server_side, down, strlen (down)));
  WAIT_FOR (eit_test_observed (client)->n_frames == 1);
  g_assert_cmpstr (eit_test_observed (client)->last_frame->str, ==, down);
  g_assert_true (eit_test_observed (client)->last_frame_terminated);
  g_assert_cmpuint (eit_transport_get_frames_in (client), ==, 1);
  g_assert_cmpuint (eit_transport_get_bytes_in (client), ==, strlen (down));

  /* The kernel counted at least what the frames carried (the inactivity
   * check's "progress counts as life"). */
  {
    guint64 kernel_bytes = 0;

    g_assert_true (eit_transport_get_kernel_bytes_received (client, &kernel_bytes));
    g_assert_cmpuint (kernel_bytes, >=, strlen (down));
    g_assert_true (eit_transport_get_kernel_bytes_received (server_side, &kernel_bytes));
    g_assert_cmpuint (kernel_bytes, >=, strlen (up) + 7);
  }

  /* Invalid UTF-8 is refused here instead of tripping libsoup. */
  g_assert_false (eit_transport_send (client, "\xff\xfe", 2));
  g_assert_cmpuint (eit_transport_get_frames_out (client), ==, 2);

  close_and_finalize_client (client);
}

static void
test_ws_keepalive_pong (Fixture       *f,
                        gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;
  gint64 before;

  client = connect_pair (f, &options, &server_side);
  before = eit_transport_get_last_receive_time (client);

  eit_transport_set_ws_keepalive (client, 20);
  WAIT_FOR (eit_test_observed (client)->n_pongs >= 2);
  g_assert_cmpint (eit_transport_get_last_receive_time (client), >, before);
  eit_transport_set_ws_keepalive (client, 0);

  close_and_finalize_client (client);
}

static void
send_filled (EitTransport *transport,
             gsize         len)
{
  g_autofree char *text = g_malloc (len);

  memset (text, 'x', len);
  g_assert_true (eit_transport_send (transport, text, len));
}

static void
test_oversize_to_server (Fixture       *f,
                         gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  /* Full mode: the frame limit is max-message-size + 1024. */
  f->server_max_message_size = 1000;
  client = connect_pair (f, &options, &server_side);

  send_filled (client, 2024);
  WAIT_FOR (eit_test_observed (server_side)->n_frames == 1);
  send_filled (client, 2025);

  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, EIT_CLOSE_TOO_BIG);
  g_assert_cmpstr (eit_transport_get_close_reason (client), ==,
                   "message of 2025 bytes exceeds the limit of 2024");
  g_assert_false (eit_transport_get_closed_locally (client));
  g_assert_false (eit_transport_is_open (client));
  g_assert_false (eit_transport_send (client, "{}", 2));

  WAIT_FOR (eit_test_observed (server_side)->n_closed == 1);
  g_assert_true (eit_transport_get_closed_locally (server_side));
  g_assert_cmpuint (eit_transport_get_close_code (server_side), ==, EIT_CLOSE_TOO_BIG);
  g_assert_cmpuint (eit_test_observed (server_side)->n_frames, ==, 1);

  finalize_transport (client);
}

static void
test_oversize_base_mode (Fixture       *f,
                         gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  /* Base mode: the limit is max-message-size itself. */
  f->server_max_message_size = 1000;
  options.offer_v1 = FALSE;
  client = connect_pair (f, &options, &server_side);

  send_filled (client, 1001);
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, EIT_CLOSE_TOO_BIG);
  g_assert_cmpstr (eit_transport_get_close_reason (client), ==,
                   "message of 1001 bytes exceeds the limit of 1000");
  g_assert_cmpuint (eit_test_observed (server_side)->n_frames, ==, 0);

  finalize_transport (client);
}

static void
test_oversize_to_client (Fixture       *f,
                         gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  options.max_message_size = 100;
  client = connect_pair (f, &options, &server_side);

  /* Far over the limit, and over libsoup's default 128 KiB frame limit, so
   * only our own check can explain a clean 1009. */
  send_filled (server_side, 256 * 1024);
  WAIT_FOR (eit_test_observed (server_side)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (server_side), ==, EIT_CLOSE_TOO_BIG);
  g_assert_cmpstr (eit_transport_get_close_reason (server_side), ==,
                   "message of 262144 bytes exceeds the limit of 1124");
  g_assert_cmpuint (eit_test_observed (client)->n_frames, ==, 0);

  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  finalize_transport (client);
}

static void
test_abort (Fixture       *f,
            gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  client = connect_pair (f, &options, &server_side);

  eit_transport_abort (client);
  g_assert_false (eit_transport_is_open (client));
  g_assert_false (eit_transport_send (client, "{}", 2));
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, 0);
  g_assert_null (eit_transport_get_close_reason (client));
  g_assert_true (eit_transport_get_closed_locally (client));

  /* The hub saw the link drop without a close frame. */
  WAIT_FOR (eit_test_observed (server_side)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (server_side), ==, 0);
  g_assert_false (eit_transport_get_closed_locally (server_side));

  /* Nothing more happens, however often it is asked. */
  eit_transport_abort (client);
  eit_transport_close (client, EIT_CLOSE_NORMAL, "late");
  g_assert_cmpuint (eit_test_observed (client)->n_closed, ==, 1);

  finalize_transport (client);
}

static void
test_server_abort (Fixture       *f,
                   gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  client = connect_pair (f, &options, &server_side);

  eit_transport_abort (server_side);
  WAIT_FOR (eit_test_observed (server_side)->n_closed == 1);
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, 0);
  g_assert_false (eit_transport_get_closed_locally (client));

  finalize_transport (client);
}

static void
test_closed_once (Fixture       *f,
                  gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;
  g_autofree char *long_reason = g_strnfill (300, 'r');

  client = connect_pair (f, &options, &server_side);

  eit_transport_close (client, EIT_CLOSE_NORMAL, "bye");
  /* A second close and a send while closing change nothing. */
  eit_transport_close (client, EIT_CLOSE_GOING_AWAY, "again");
  g_assert_false (eit_transport_send (client, "{}", 2));

  WAIT_FOR (eit_test_observed (client)->n_closed == 1 && eit_test_observed (server_side)->n_closed == 1);
  g_assert_true (eit_transport_get_closed_locally (client));
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, EIT_CLOSE_NORMAL);
  g_assert_cmpstr (eit_transport_get_close_reason (client), ==, "bye");
  g_assert_false (eit_transport_get_closed_locally (server_side));
  g_assert_cmpuint (eit_transport_get_close_code (server_side), ==, EIT_CLOSE_NORMAL);
  g_assert_cmpstr (eit_transport_get_close_reason (server_side), ==, "bye");

  /* Let the loop run on: "closed" stays at one. */
  eit_transport_close (client, EIT_CLOSE_NORMAL, "bye");
  eit_transport_abort (client);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (eit_test_observed (client)->n_closed, ==, 1);
  g_assert_cmpuint (eit_test_observed (server_side)->n_closed, ==, 1);
  finalize_transport (client);

  /* The hub closes with an application code and an over-long reason: the
   * reason is cut to what a close frame holds. */
  client = connect_pair (f, &options, &server_side);
  eit_transport_close (server_side, EIT_CLOSE_TIMEOUT, long_reason);
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, EIT_CLOSE_TIMEOUT);
  g_assert_cmpuint (strlen (eit_transport_get_close_reason (client)), ==, 123);
  g_assert_cmpstr (eit_transport_get_close_reason (server_side), ==,
                   eit_transport_get_close_reason (client));
  finalize_transport (client);
}

static void
test_close_internal_error (Fixture       *f,
                           gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  /* libsoup 3.2 hubs take 1011 only from a server: a client's becomes 1001. */
  client = connect_pair (f, &options, &server_side);
  eit_transport_close (client, EIT_CLOSE_INTERNAL_ERROR, "internal error");
  WAIT_FOR (eit_test_observed (server_side)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (server_side), ==, EIT_CLOSE_GOING_AWAY);
  g_assert_cmpstr (eit_transport_get_close_reason (server_side), ==, "internal error");
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  finalize_transport (client);

  client = connect_pair (f, &options, &server_side);
  eit_transport_close (server_side, EIT_CLOSE_INTERNAL_ERROR, "internal error");
  WAIT_FOR (eit_test_observed (client)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (client), ==, EIT_CLOSE_INTERNAL_ERROR);
  finalize_transport (client);
}

static void
test_dispose_open (Fixture       *f,
                   gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  EitTransport *server_side;
  EitTransport *client;

  client = connect_pair (f, &options, &server_side);

  /* Dropping an open transport drops its link: the hub sees it go. */
  finalize_transport (client);
  WAIT_FOR (eit_test_observed (server_side)->n_closed == 1);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  EitTransportOptions options = pinned_options (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  eit_transport_connect_async (&options, cancellable, connect_done_cb, &result);
  g_cancellable_cancel (cancellable);
  WAIT_FOR (result != NULL);
  g_assert_null (eit_transport_connect_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/transport/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("pinned-ok", test_pinned_ok);
  ADD ("base-mode", test_base_mode);
  ADD ("pin-mismatch", test_pin_mismatch);
  ADD ("untrusted-system", test_untrusted_system);
  ADD ("ca-file/own-pem", test_ca_file_own_pem);
  ADD ("ca-file/relative", test_ca_file_relative);
  ADD ("ca-file/other", test_ca_file_other);
  ADD ("ca-file/unreadable", test_ca_file_unreadable);
  ADD ("system-trusted/baseline", test_system_trusted_baseline);
  ADD ("system-trusted/pin-strict", test_pin_strict_when_system_trusts);
  ADD ("system-trusted/ca-file-strict", test_ca_file_strict_when_system_trusts);
  ADD ("ws-url-refused", test_ws_url_refused);
  ADD ("bad-pin-is-config", test_bad_pin_is_config);
  ADD ("refused", test_refused);
  ADD ("unauthorized", test_unauthorized);
  ADD ("refusals-mapped", test_refusals_mapped);
  ADD ("bad-token-is-config", test_bad_token_is_config);
  ADD ("bad-header-values-are-config", test_bad_header_values_are_config);
  ADD ("not-tls", test_not_tls);
  ADD ("round-trip", test_round_trip);
  ADD ("ws-keepalive-pong", test_ws_keepalive_pong);
  ADD ("oversize/to-server", test_oversize_to_server);
  ADD ("oversize/base-mode", test_oversize_base_mode);
  ADD ("oversize/to-client", test_oversize_to_client);
  ADD ("abort", test_abort);
  ADD ("server-abort", test_server_abort);
  ADD ("closed-once", test_closed_once);
  ADD ("close-internal-error", test_close_internal_error);
  ADD ("dispose-open", test_dispose_open);
  ADD ("cancelled", test_cancelled);

#undef ADD

  return g_test_run ();
}
