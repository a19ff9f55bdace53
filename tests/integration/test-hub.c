/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The base layer against the real hub (EitHubServer) over loopback TLS:
 * every acceptance and refusal of docs/PROTOCOL.md 2 and 3, one test each. */
#include <libsoup/soup.h>
#include "config.h"

#include <string.h>

#include "eit-test-util.h"

typedef struct {
  GPtrArray *frames;
} Frames;

static void
on_frame (EitTransport *transport,
          const char   *text,
          gulong        len,
          gpointer      user_data)
{
  g_ptr_array_add (((Frames *) user_data)->frames, g_strndup (text, len));
}

static void
test_auth_ok (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitTransportOptions options = eit_test_transport_options (hub);
  g_autoptr(GError) error = NULL;
  EitTransport *transport = eit_test_transport_connect (&options, &error);

  g_assert_no_error (error);
  g_assert_true (eit_transport_is_open (transport));
  g_assert_cmpint (eit_transport_get_mode (transport), ==, EIT_PROTOCOL_MODE_FULL);
  g_assert_cmpstr (eit_transport_get_peer_fingerprint (transport), ==, hub->fingerprint);
  g_assert_nonnull (eit_transport_get_tls_version (transport));
  eit_transport_close (transport, EIT_CLOSE_NORMAL, "bye");
  eit_test_transport_wait_closed (transport, 2000);
  g_assert_finalize_object (transport);
}

static void
assert_refused (EitTestHub          *hub,
                EitTransportOptions *options,
                EitError             code,
                const char          *needle)
{
  g_autoptr(GError) error = NULL;
  EitTransport *transport = eit_test_transport_connect (options, &error);

  g_assert_null (transport);
  g_assert_error (error, EIT_ERROR, (gint) code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle);
  g_test_message ("refusal as the user sees it: %s", error->message);
}

static void
test_wrong_token (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);

  options.token = "not-the-token";
  assert_refused (hub, &options, EIT_ERROR_AUTH, "401");
  g_assert_true (eit_test_hub_log_contains (hub, "401 invalid token"));
}

static void
test_missing_token (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);

  options.token = NULL;
  assert_refused (hub, &options, EIT_ERROR_AUTH, "401");
  g_assert_true (eit_test_hub_log_contains (hub, "401 missing token"));
}

static void
test_plain_ws_refused (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);
  g_autofree char *plain = g_strdup_printf ("ws://127.0.0.1:%u/", eit_hub_server_get_port (hub->server));
  g_autofree char *http = g_strdup_printf ("http://127.0.0.1:%u/", eit_hub_server_get_port (hub->server));
  /* Plain HTTP is not a TLS handshake: the hub drops it, never upgrades. */
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  /* Our client refuses to even try... */
  options.url = plain;
  assert_refused (hub, &options, EIT_ERROR_CONFIG, "wss://");

  /* ...and the hub has no plaintext listener: plain HTTP on its port fails
   * the TLS handshake instead of reaching an upgrade. */
  msg = soup_message_new ("GET", http);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_nonnull (error);
  g_assert_cmpuint (soup_message_get_status (msg), !=, SOUP_STATUS_SWITCHING_PROTOCOLS);
  g_assert_true (eit_test_wait_until (eit_test_hub_log_contains (hub, "TLS handshake failed"), 2000));
}

static void
test_unpinned_refused (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);

  options.trust_mode = EIT_TRUST_SYSTEM;
  options.pin = NULL;
  /* The message hands the user the fingerprint to pin. */
  assert_refused (hub, &options, EIT_ERROR_TLS, hub->fingerprint);
}

static void
test_wrong_pin_refused (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);

  options.pin = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  assert_refused (hub, &options, EIT_ERROR_PIN_MISMATCH, hub->fingerprint);
}

static void
test_origin_refused (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);
  const char *allowed[] = { "https://monitor.example", NULL };
  g_autoptr(GError) error = NULL;
  EitTransport *transport;

  g_object_set (hub->server, "allowed-origins", allowed, NULL);
  /* A request with an Origin is a page's: the refusal comes as a close
   * frame a page can read (PROTOCOL.md 2.4), not as an HTTP 403. */
  options.origin = "https://evil.example";
  transport = eit_test_transport_connect (&options, &error);
  g_assert_no_error (error);
  g_assert_true (eit_test_transport_wait_closed (transport, 5000));
  g_assert_cmpuint (eit_transport_get_close_code (transport), ==, EIT_CLOSE_FORBIDDEN);
  g_assert_nonnull (strstr (eit_transport_get_close_reason (transport),
                            "origin not allowed: https://evil.example"));
  g_assert_finalize_object (transport);
  g_assert_true (eit_test_hub_log_contains (hub, "origin not allowed: https://evil.example"));

  options.origin = "https://monitor.example";
  eit_test_transport_connect_and_close (&options);
}

/* Sends hello on a v1 transport and waits for the welcome. */
static void
handshake (EitTransport *transport,
           Frames       *frames,
           const char   *instance,
           guint         generation)
{
  g_autofree char *hello =
    g_strdup_printf ("{\"type\":\"hello\",\"instance\":\"%s\",\"generation\":%u,\"session\":null,"
                     "\"epoch\":null,\"recv\":0,\"ack\":0,"
                     "\"window\":{\"messages\":64,\"bytes\":65536},\"keepalive_ms\":0}",
                     instance, generation);
  guint before = frames->frames->len;

  g_assert_true (eit_transport_send (transport, hello, strlen (hello)));
  g_assert_true (eit_test_wait_until (frames->frames->len > before, 5000));
  g_assert_nonnull (strstr (g_ptr_array_index (frames->frames, before), "\"type\":\"welcome\""));
}

static EitTransport *
v1_transport (EitTestHub *hub,
              Frames     *frames,
              const char *instance,
              guint       generation)
{
  g_autoptr(GError) error = NULL;
  EitTransport *transport = eit_test_transport_to_hub (hub, TRUE, &error);

  g_assert_no_error (error);
  g_signal_connect (transport, "frame", G_CALLBACK (on_frame), frames);
  handshake (transport, frames, instance, generation);
  return transport;
}

static void
expect_close (EitTransport *transport,
              const char   *frame,
              guint         code,
              const char   *reason_part)
{
  g_assert_true (eit_transport_send (transport, frame, strlen (frame)));
  g_assert_true (eit_test_transport_wait_closed (transport, 5000));
  g_assert_cmpuint (eit_transport_get_close_code (transport), ==, code);
  if (strstr (eit_transport_get_close_reason (transport), reason_part) == NULL)
    g_error ("close reason “%s” lacks “%s”", eit_transport_get_close_reason (transport), reason_part);
  g_test_message ("close as the user sees it: %u %s", code, eit_transport_get_close_reason (transport));
}

/* Shakes hands as instance, sends frame, and expects the hub to close with
 * code and a reason containing reason_part. */
static void
expect_close_after_hello (EitTestHub *hub,
                          const char *instance,
                          const char *frame,
                          guint       code,
                          const char *reason_part)
{
  Frames frames = { g_ptr_array_new_with_free_func (g_free) };
  EitTransport *transport = v1_transport (hub, &frames, instance, 1);

  expect_close (transport, frame, code, reason_part);
  g_assert_finalize_object (transport);
  g_ptr_array_unref (frames.frames);
}

static void
test_json_round_trip (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Frames frames = { g_ptr_array_new_with_free_func (g_free) };
  EitTransport *transport = v1_transport (hub, &frames, "roundtrip", 1);
  const char *data = "{\"type\":\"data\",\"seq\":1,\"bodies\":[{\"a\":\"é\\u00e9\"},[1,2.5e3,null,true]]}";
  gboolean echoed = FALSE;

  g_assert_true (eit_transport_send (transport, data, strlen (data)));
  /* The echo comes back as data with both bodies, byte for byte. */
  g_assert_true (eit_test_wait_until (
    (echoed = frames.frames->len > 1 &&
              strstr (g_ptr_array_index (frames.frames, frames.frames->len - 1),
                      "\"bodies\":[{\"a\":\"é\\u00e9\"},[1,2.5e3,null,true]]") != NULL), 5000));
  g_assert_true (echoed);
  eit_transport_close (transport, EIT_CLOSE_NORMAL, "bye");
  eit_test_transport_wait_closed (transport, 2000);
  g_assert_finalize_object (transport);
  g_ptr_array_unref (frames.frames);
}

static void
test_oversize (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  GString *big = g_string_new ("{\"type\":\"data\",\"seq\":1,\"bodies\":[\"");

  g_object_set (hub->server, "max-message-size", (guint64) 1000, NULL);
  for (guint i = 0; i < 4000; i++)
    g_string_append_c (big, 'x');
  g_string_append (big, "\"]}");
  expect_close_after_hello (hub, "oversize", big->str, EIT_CLOSE_TOO_BIG, "exceeds the limit of");
  g_string_free (big, TRUE);
}

static void
test_garbage_json (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);

  expect_close_after_hello (hub, "garbage", "{\"type\":\"data\",\"seq\":1,\"bodies\":[{oops}]}",
                            EIT_CLOSE_INVALID_JSON, "invalid JSON at byte");
}

static void
test_unknown_type (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);

  expect_close_after_hello (hub, "unknown", "{\"type\":\"teleport\"}", EIT_CLOSE_UNKNOWN_TYPE,
                            "unknown message type 'teleport'");
}

static void
test_data_before_hello (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(GError) error = NULL;
  EitTransport *transport = eit_test_transport_to_hub (hub, TRUE, &error);

  g_assert_no_error (error);
  expect_close (transport, "{\"type\":\"data\",\"seq\":1,\"bodies\":[1]}",
                EIT_CLOSE_PROTOCOL_VIOLATION, "hello");
  g_assert_finalize_object (transport);
}

static void
test_base_layer_client (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Frames frames = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GError) error = NULL;
  EitTransport *transport = eit_test_transport_to_hub (hub, FALSE, &error);

  /* The user's existing clients: authenticated JSON over wss, no subprotocol. */
  g_assert_no_error (error);
  g_assert_cmpint (eit_transport_get_mode (transport), ==, EIT_PROTOCOL_MODE_BASE);
  g_signal_connect (transport, "frame", G_CALLBACK (on_frame), &frames);
  g_assert_true (eit_transport_send (transport, "{\"plain\":1}", 11));
  g_assert_true (eit_test_wait_until (frames.frames->len == 1, 5000));
  g_assert_cmpstr (g_ptr_array_index (frames.frames, 0), ==, "{\"plain\":1}");
  g_assert_true (eit_test_hub_log_contains (hub, "mode=base"));

  expect_close (transport, "nothing", EIT_CLOSE_INVALID_JSON, "invalid JSON at byte 1");
  g_assert_finalize_object (transport);
  g_ptr_array_unref (frames.frames);
}

static void
test_token_limit (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);
  g_autoptr(GError) error = NULL;
  EitTransport *first;

  g_object_set (hub->server, "max-connections-per-token", 1, NULL);
  first = eit_test_transport_connect (&options, &error);
  g_assert_no_error (error);
  assert_refused (hub, &options, EIT_ERROR_TOO_MANY, "429");
  g_assert_true (eit_test_hub_log_contains (hub, "too many connections for this token (limit 1)"));
  eit_transport_close (first, EIT_CLOSE_NORMAL, "bye");
  eit_test_transport_wait_closed (first, 2000);
  g_assert_finalize_object (first);
}

static void
test_shutdown_going_away (void)
{
  EitTestHub *hub = eit_test_hub_new (FALSE);
  Frames frames = { g_ptr_array_new_with_free_func (g_free) };
  EitTransport *transport = v1_transport (hub, &frames, "shutdown", 1);

  eit_hub_server_shutdown (hub->server);
  g_assert_true (eit_test_transport_wait_closed (transport, 5000));
  g_assert_cmpuint (eit_transport_get_close_code (transport), ==, EIT_CLOSE_GOING_AWAY);
  g_assert_cmpstr (eit_transport_get_close_reason (transport), ==, "hub shutting down");
  g_assert_finalize_object (transport);
  eit_test_hub_free (hub);
  g_ptr_array_unref (frames.frames);
}

static void
test_insecure_dev (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(GError) error = NULL;
  EitTransportOptions options = eit_test_transport_options (hub);

  /* The test binary links the development profile; the release refusal
   * is proved on the real program (test-hub-cli). */
  g_assert_true (eit_hub_server_set_insecure_dev (hub->server, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (eit_test_hub_log_contains (hub, "INSECURE DEVELOPMENT MODE"));
  options.token = NULL;
  eit_test_transport_connect_and_close (&options);
}

static void
test_handshake_timeout (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) idle = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *needle = NULL;
  GSocket *socket;
  char byte;
  gssize got = -1;
  gint64 start;

  /* A client that connects and never says a word holds nothing for long. */
  g_object_set (hub->server, "handshake-timeout", 200, NULL);
  idle = g_socket_client_connect_to_host (client, "127.0.0.1", eit_hub_server_get_port (hub->server),
                                          NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (idle);
  g_socket_set_blocking (socket, FALSE);
  start = g_get_monotonic_time ();
  g_assert_true (eit_test_wait_until (
    (got = g_socket_receive (socket, &byte, 1, NULL, NULL)) == 0, 3000));
  g_assert_cmpint (got, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  needle = g_strdup_printf ("no TLS handshake within 200 ms");
  g_assert_true (eit_test_hub_log_contains (hub, needle));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub/auth-ok", test_auth_ok);
  g_test_add_func ("/hub/refuse/wrong-token", test_wrong_token);
  g_test_add_func ("/hub/refuse/missing-token", test_missing_token);
  g_test_add_func ("/hub/refuse/plain-ws", test_plain_ws_refused);
  g_test_add_func ("/hub/refuse/unpinned-self-signed", test_unpinned_refused);
  g_test_add_func ("/hub/refuse/wrong-pin", test_wrong_pin_refused);
  g_test_add_func ("/hub/refuse/origin", test_origin_refused);
  g_test_add_func ("/hub/refuse/token-limit", test_token_limit);
  g_test_add_func ("/hub/json-round-trip", test_json_round_trip);
  g_test_add_func ("/hub/close/oversize-1009", test_oversize);
  g_test_add_func ("/hub/close/garbage-json-1007", test_garbage_json);
  g_test_add_func ("/hub/close/unknown-type-4001", test_unknown_type);
  g_test_add_func ("/hub/close/data-before-hello-4002", test_data_before_hello);
  g_test_add_func ("/hub/base-layer-client", test_base_layer_client);
  g_test_add_func ("/hub/shutdown-1001", test_shutdown_going_away);
  g_test_add_func ("/hub/insecure-dev-in-development-build", test_insecure_dev);
  g_test_add_func ("/hub/refuse/tls-handshake-timeout", test_handshake_timeout);
  return g_test_run ();
}
