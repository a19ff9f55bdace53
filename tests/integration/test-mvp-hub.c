/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Our client against hubs we did not write (PROTOCOL.md 2.3): a real Node
 * `ws` 8 MVP hub with default settings (tests/integration/mvp-hub.js), which
 * selects the first subprotocol offered and echoes hello back, and a bare
 * libsoup SoupServer echo hub, with and without a subprotocol list. Each
 * runs over real TLS on loopback, IPv4 or IPv6; the client is the monitor's
 * and the probe's EitConnection on libsoup's WebSocket client. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "eit-test-soup-peer.h"
#include "eit-test-util.h"

#define TOKEN "mvp-token-6d1e0b9a"
#define WAIT_MS 8000
#define WAIT_FOR(cond) g_assert_true (eit_test_wait_until ((cond), WAIT_MS))

typedef struct
{
  char *cert_file;
  char *key_file;
  char *fingerprint;
  char *url;

  /* Node `ws` */
  GSubprocess *node;
  GDataInputStream *node_out;

  /* bare libsoup */
  EitTestSoupPeer *soup;

  EitConnection *connection;
  GPtrArray *messages;
  guint n_messages;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *both = NULL;

  g_assert_true (eit_tls_generate_self_signed ("mvp-hub", 1, &cert_pem, &key_pem, &error));
  f->cert_file = eit_test_write_temp (cert_pem);
  f->key_file = eit_test_write_temp (key_pem);
  both = g_strconcat (cert_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (both, -1, &error);
  g_assert_no_error (error);
  f->fingerprint = eit_tls_certificate_fingerprint (certificate);
  f->messages = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->connection != NULL)
    {
      eit_connection_disconnect (f->connection);
      g_assert_finalize_object (f->connection);
    }
  /* Let the last close frames go out before the hubs go. */
  eit_test_run_for (50);
  if (f->node != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Closing its stdin ends it; it must exit by itself. */
      g_output_stream_close (g_subprocess_get_stdin_pipe (f->node), NULL, NULL);
      g_assert_true (g_subprocess_wait_check (f->node, NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&f->node_out);
      g_clear_object (&f->node);
    }
  g_clear_pointer (&f->soup, eit_test_soup_peer_free);
  eit_test_run_for (20);
  g_ptr_array_unref (f->messages);
  g_unlink (f->cert_file);
  g_unlink (f->key_file);
  g_free (f->cert_file);
  g_free (f->key_file);
  g_free (f->fingerprint);
  g_free (f->url);
}

/* Node `ws` --------------------------------------------------------------- */

static char *
node_read_line (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (f->node_out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static void
start_node_hub (Fixture    *f,
                const char *host)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "integration", "mvp-hub.js", NULL);
  g_autofree char *ws = g_test_build_filename (G_TEST_DIST, "..", "bench", "node", "node_modules",
                                               "ws", NULL);
  g_autofree char *line = NULL;
  gint64 port;

  if (!g_file_test ("/usr/bin/node", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test (ws, G_FILE_TEST_IS_DIR))
    g_error ("Node and bench/node's `ws` are needed: run build-aux/dev setup, or "
             "apt-get install nodejs and npm ci in bench/node");

  f->node = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              "/usr/bin/node", script, f->cert_file, f->key_file, TOKEN, host, NULL);
  g_assert_no_error (error);
  f->node_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->node));

  line = node_read_line (f);
  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  port = json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "port");
  g_assert_cmpint (port, >, 0);
  f->url = strchr (host, ':') != NULL ? g_strdup_printf ("wss://[%s]:%" G_GINT64_FORMAT "/", host, port)
                                      : g_strdup_printf ("wss://%s:%" G_GINT64_FORMAT "/", host, port);
}

/* The subprotocol the Node hub selected for its next connection. */
static void
assert_node_selected (Fixture    *f,
                      const char *protocol)
{
  g_autofree char *line = node_read_line (f);
  g_autofree char *expected = g_strconcat ("protocol ", protocol, NULL);

  g_assert_cmpstr (line, ==, expected);
}

/* Bare libsoup --------------------------------------------------------------- */

/* protocols: what the server selects from (NULL: it selects none). */
static void
start_soup_hub (Fixture     *f,
                const char **protocols)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  certificate = g_tls_certificate_new_from_files (f->cert_file, f->key_file, &error);
  g_assert_no_error (error);
  f->soup = eit_test_soup_peer_new (certificate, TOKEN, protocols, eit_test_soup_peer_echo, NULL);
  f->url = g_strdup (f->soup->url);
}

/* The client ----------------------------------------------------------------- */

static void
message_cb (EitConnection *connection,
            const char    *json,
            gsize          len,
            Fixture       *f)
{
  g_ptr_array_add (f->messages, g_strndup (json, len));
}

static EitConnection *
new_connection (Fixture               *f,
                EitProtocolPreference  preference,
                const char            *token)
{
  EitConnection *connection = g_object_new (EIT_TYPE_CONNECTION,
                                            "url", f->url,
                                            "token", token,
                                            "trust-mode", EIT_TRUST_PINNED,
                                            "pinned-fingerprint", f->fingerprint,
                                            "protocol-mode", preference,
                                            "reconnect-base", 20,
                                            "reconnect-cap", 200,
                                            "keepalive-interval", 500,
                                            "inactivity-timeout", 1500,
                                            "connect-timeout", 3000,
                                            NULL);

  g_signal_connect (connection, "message", G_CALLBACK (message_cb), f);
  return connection;
}

static EitConnectionState
state_of (EitConnection *connection)
{
  return eit_connection_get_state (connection);
}

static char *
mode_reason_of (EitConnection *connection)
{
  char *reason = NULL;

  g_object_get (connection, "mode-reason", &reason, NULL);
  return reason;
}

static guint64
messages_in_of (EitConnection *connection)
{
  guint64 n = 0;

  g_object_get (connection, "messages-in", &n, NULL);
  return n;
}

/* One message there and back, on the base layer. */
static void
assert_echo (Fixture    *f,
             const char *json)
{
  guint before = f->messages->len;

  g_assert_true (eit_connection_send (f->connection, json));
  WAIT_FOR (f->messages->len == before + 1);
  g_assert_cmpstr (g_ptr_array_index (f->messages, before), ==, json);
}

/* Tests ----------------------------------------------------------------------- */

static void
assert_fell_back (Fixture *f)
{
  g_autofree char *reason = mode_reason_of (f->connection);

  g_assert_cmpint (eit_connection_get_mode (f->connection), ==, EIT_PROTOCOL_MODE_BASE);
  g_assert_cmpstr (reason, ==, "hub selected eithub.v1 but does not speak it");
  g_assert_null (eit_connection_get_last_error (f->connection));
}

static void
test_node_fallback (Fixture       *f,
                    gconstpointer  data)
{
  start_node_hub (f, "127.0.0.1");
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_AUTO, TOKEN);
  eit_connection_connect (f->connection);

  /* `ws` selects eithub.v1, echoes hello: the client stays, in base mode. */
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  assert_node_selected (f, EIT_SUBPROTOCOL_V1);
  assert_fell_back (f);
  /* The echoed hello was not the application's. */
  g_assert_cmpuint (messages_in_of (f->connection), ==, 0);
  assert_echo (f, "{\"reading\":1}");
  g_assert_cmpuint (messages_in_of (f->connection), ==, 1);

  /* Remembered for this hub: the next connection offers eithub.json only. */
  eit_connection_disconnect (f->connection);
  eit_connection_connect (f->connection);
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  assert_node_selected (f, EIT_SUBPROTOCOL_JSON);
  assert_fell_back (f);
  assert_echo (f, "{\"reading\":2}");
  g_assert_cmpuint (messages_in_of (f->connection), ==, 2);

  /* Alive past two inactivity timeouts: WebSocket pings keep it so. */
  eit_test_run_for (3200);
  g_assert_cmpint (state_of (f->connection), ==, EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpuint (messages_in_of (f->connection), ==, 2);
}

static void
test_node_full_mode (Fixture       *f,
                     gconstpointer  data)
{
  const GError *error;

  start_node_hub (f, "127.0.0.1");
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_FULL, TOKEN);
  eit_connection_connect (f->connection);

  /* Never falls back: the client closes with 4002, and says it did. */
  WAIT_FOR (eit_connection_get_last_error (f->connection) != NULL);
  error = eit_connection_get_last_error (f->connection);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==,
                   "The client closed the connection (4002 protocol violation: expected welcome)");
  g_assert_cmpint (eit_connection_get_mode (f->connection), ==, EIT_PROTOCOL_MODE_UNKNOWN);
  g_assert_true (state_of (f->connection) == EIT_CONNECTION_STATE_BACKING_OFF ||
                 state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTING);
  assert_node_selected (f, EIT_SUBPROTOCOL_V1);
}

static void
test_node_base_mode (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *reason = NULL;

  start_node_hub (f, "127.0.0.1");
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_BASE, TOKEN);
  eit_connection_connect (f->connection);
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTED);

  /* eithub.v1 is never offered. */
  assert_node_selected (f, EIT_SUBPROTOCOL_JSON);
  reason = mode_reason_of (f->connection);
  g_assert_cmpstr (reason, ==, "protocol mode set to base");
  assert_echo (f, "[1,2,3]");
}

static void
test_node_wrong_token (Fixture       *f,
                       gconstpointer  data)
{
  const GError *error;

  start_node_hub (f, "127.0.0.1");
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_AUTO, "not-the-token");
  eit_connection_connect (f->connection);
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_FAILED);
  error = eit_connection_get_last_error (f->connection);
  g_assert_error (error, EIT_ERROR, EIT_ERROR_AUTH);
  g_assert_cmpstr (error->message, ==, "the hub refused the token (401 Unauthorized): check the token");
}

static void
test_node_ipv6 (Fixture       *f,
                gconstpointer  data)
{
  start_node_hub (f, "::1");
  g_assert_true (g_str_has_prefix (f->url, "wss://[::1]:"));
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_AUTO, TOKEN);
  eit_connection_connect (f->connection);
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  assert_node_selected (f, EIT_SUBPROTOCOL_V1);
  assert_fell_back (f);
  assert_echo (f, "{\"over\":\"ipv6\"}");
}

static void
test_soup_no_subprotocol (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *reason = NULL;

  /* A server that selects no subprotocol: base layer at once. */
  start_soup_hub (f, NULL);
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_AUTO, TOKEN);
  eit_connection_connect (f->connection);
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpint (eit_connection_get_mode (f->connection), ==, EIT_PROTOCOL_MODE_BASE);
  reason = mode_reason_of (f->connection);
  g_assert_cmpstr (reason, ==, "hub did not select eithub.v1");
  assert_echo (f, "{\"via\":\"libsoup\"}");
  g_assert_cmpuint (f->soup->websockets->len, ==, 1);
}

static void
test_soup_selects_v1 (Fixture       *f,
                      gconstpointer  data)
{
  const char *protocols[] = { EIT_SUBPROTOCOL_V1, EIT_SUBPROTOCOL_JSON, NULL };

  /* A libsoup hub that lists eithub.v1 and only echoes: the Node case again. */
  start_soup_hub (f, protocols);
  f->connection = new_connection (f, EIT_PROTOCOL_PREFERENCE_AUTO, TOKEN);
  eit_connection_connect (f->connection);
  WAIT_FOR (state_of (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  assert_fell_back (f);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (g_ptr_array_index (f->soup->websockets, 0)),
                   ==, EIT_SUBPROTOCOL_V1);
  assert_echo (f, "{\"via\":\"libsoup\"}");
  g_assert_cmpuint (messages_in_of (f->connection), ==, 1);
}

/* eithub-probe's --protocol-mode, against the Node hub. */
static int
run_probe (Fixture    *f,
           const char *mode,
           char      **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) probe = NULL;
  g_autofree char *token_file = eit_test_write_temp (TOKEN);
  g_autofree char *option = g_strconcat ("--protocol-mode=", mode, NULL);
  const char *path = g_getenv ("EIT_PROBE");

  g_assert_nonnull (path);
  probe = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                            path, "--url", f->url, "--token-file", token_file,
                            "--pin", f->fingerprint, option, "--count", "3", "--quiet",
                            "--metrics-interval", "0", "--duration", "10", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (probe, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  g_unlink (token_file);
  return g_subprocess_get_exit_status (probe);
}

static void
test_probe_protocol_mode (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *err = NULL;

  start_node_hub (f, "127.0.0.1");

  g_assert_cmpint (run_probe (f, "base", &err), ==, 0);
  assert_node_selected (f, EIT_SUBPROTOCOL_JSON);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_probe (f, "auto", &err), ==, 0);
  assert_node_selected (f, EIT_SUBPROTOCOL_V1);
  g_clear_pointer (&err, g_free);

  /* A mode it does not know is a usage error that names the choices. */
  g_assert_cmpint (run_probe (f, "fast", &err), ==, 2);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "--protocol-mode is auto, full or base (got \"fast\")"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/transport/mvp/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("node-ws/fallback", test_node_fallback);
  ADD ("node-ws/full-mode-never-falls-back", test_node_full_mode);
  ADD ("node-ws/base-mode", test_node_base_mode);
  ADD ("node-ws/wrong-token", test_node_wrong_token);
  ADD ("node-ws/ipv6", test_node_ipv6);
  ADD ("soup/no-subprotocol", test_soup_no_subprotocol);
  ADD ("soup/selects-v1", test_soup_selects_v1);
  ADD ("node-ws/probe-protocol-mode", test_probe_protocol_mode);

#undef ADD

  return g_test_run ();
}
