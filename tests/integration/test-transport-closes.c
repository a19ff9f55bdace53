/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the client does with the hub's answers to hello (PROTOCOL.md 3, 4.2,
 * 5.5): a scripted hub on a bare libsoup SoupServer (real TLS on loopback)
 * answers each hello with a welcome carrying its own generation or with one
 * of the close codes a client must follow: 4006 and 4007 (a new instance
 * id), 4008 (a new session), 4429 (retry no sooner than asked), 4401
 * (permanent). And the reference hub over IPv6 (wss://[::1]:PORT/), which
 * refuses an IP literal as a TLS server name: the client must send none. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <libsoup/soup.h>

#include "eit-test-soup-peer.h"
#include "eit-test-util.h"

#define TOKEN "closes-token-91c2"
#define WAIT_MS 5000
#define WAIT_FOR(cond) g_assert_true (eit_test_wait_until ((cond), WAIT_MS))

typedef struct
{
  EitTestSoupPeer *peer;
  /* One answer per hello, in order; past the end, a welcome. */
  const char * const *script;
  GPtrArray *hellos;       /* JsonObject of each hello */
  EitConnection *connection;
} Fixture;

static void
send_welcome (SoupWebsocketConnection *websocket,
              const char              *session,
              guint64                  generation)
{
  g_autofree char *welcome =
    g_strdup_printf ("{\"type\":\"welcome\",\"session\":\"%s\",\"epoch\":\"e1\",\"resumed\":false,"
                     "\"generation\":%" G_GUINT64_FORMAT ",\"recv\":0,\"ack\":0,"
                     "\"window\":{\"messages\":64,\"bytes\":65536}}", session, generation);

  soup_websocket_connection_send_text (websocket, welcome);
}

static void
hello_cb (SoupWebsocketConnection *websocket,
          int                      type,
          GBytes                   *message,
          Fixture                 *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *answer;
  JsonObject *hello;
  guint n;
  guint code;
  char reason[128];

  if (soup_websocket_connection_get_state (websocket) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                             g_bytes_get_size (message), NULL));
  hello = json_node_get_object (json_parser_get_root (parser));
  /* Only the first frame of a connection is a hello; the rest is pings. */
  if (g_strcmp0 (json_object_get_string_member_with_default (hello, "type", ""), "hello") != 0)
    return;
  g_ptr_array_add (f->hellos, json_object_ref (hello));
  n = f->hellos->len;

  answer = f->script != NULL ? f->script[n - 1] : NULL;
  if (answer == NULL)
    answer = "welcome";
  if (g_str_has_prefix (answer, "welcome"))
    {
      guint64 generation = json_object_get_int_member (hello, "generation");

      /* "welcome+N": the hub moved the generation to N. */
      if (answer[strlen ("welcome")] == '+')
        generation = g_ascii_strtoull (answer + strlen ("welcome+"), NULL, 10);
      send_welcome (websocket, "s1", generation);
      return;
    }
  g_assert_cmpint (sscanf (answer, "%u %127[^\n]", &code, reason), ==, 2);
  soup_websocket_connection_close (websocket, code, reason);
}

static void
accepted_cb (SoupWebsocketConnection *websocket,
             gpointer                 user_data)
{
  g_signal_connect (websocket, "message", G_CALLBACK (hello_cb), user_data);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *protocols[] = { EIT_SUBPROTOCOL_V1, NULL };

  f->hellos = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  f->peer = eit_test_soup_peer_new (NULL, NULL, protocols, accepted_cb, f);
  f->connection = g_object_new (EIT_TYPE_CONNECTION,
                                "url", f->peer->url,
                                "token", TOKEN,
                                "trust-mode", EIT_TRUST_PINNED,
                                "pinned-fingerprint", f->peer->fingerprint,
                                "reconnect-base", 20,
                                "reconnect-cap", 100,
                                "connect-timeout", 3000,
                                NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  eit_connection_disconnect (f->connection);
  g_assert_finalize_object (f->connection);
  eit_test_run_for (50);
  eit_test_soup_peer_free (f->peer);
  g_ptr_array_unref (f->hellos);
}

static const char *
hello_string (Fixture    *f,
              guint       i,
              const char *member)
{
  JsonObject *hello = g_ptr_array_index (f->hellos, i);

  if (json_object_get_null_member (hello, member))
    return NULL;
  return json_object_get_string_member (hello, member);
}

static guint64
generation_of (EitConnection *connection)
{
  guint64 generation;

  g_object_get (connection, "generation", &generation, NULL);
  return generation;
}

static void
test_welcome_generation (Fixture       *f,
                         gconstpointer  data)
{
  static const char * const script[] = { "welcome+77", NULL };

  f->script = script;
  eit_connection_connect (f->connection);
  WAIT_FOR (eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpint (eit_connection_get_mode (f->connection), ==, EIT_PROTOCOL_MODE_FULL);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (f->hellos, 0), "generation"), ==, 1);
  /* The client adopts the hub's generation, and the next connect goes on from it. */
  g_assert_cmpuint (generation_of (f->connection), ==, 77);
  eit_connection_cycle_now (f->connection);
  WAIT_FOR (f->hellos->len == 2 &&
            eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (f->hellos, 1), "generation"), ==, 78);
}

static void
test_new_instance (Fixture       *f,
                   gconstpointer  data)
{
  const char *code = data;
  const char * const script[] = { code, NULL };
  g_autofree char *first = NULL;
  g_autofree char *now = NULL;

  f->script = script;
  g_object_get (f->connection, "instance-id", &first, NULL);
  eit_connection_connect (f->connection);
  WAIT_FOR (eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpuint (f->hellos->len, ==, 2);
  g_assert_cmpstr (hello_string (f, 0, "instance"), ==, first);
  /* Refused as a second live claimant: a new instance id, from generation 1. */
  g_object_get (f->connection, "instance-id", &now, NULL);
  g_assert_cmpstr (now, !=, first);
  g_assert_cmpstr (hello_string (f, 1, "instance"), ==, now);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (f->hellos, 1), "generation"), ==, 1);
}

static void
test_foreign_session (Fixture       *f,
                      gconstpointer  data)
{
  static const char * const script[] = {
    "welcome", "4008 session belongs to another token", "welcome", NULL
  };
  guint resets;

  f->script = script;
  eit_connection_connect (f->connection);
  WAIT_FOR (eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  /* The hub drops the link: the client resumes session s1, which is refused. */
  soup_websocket_connection_close (g_ptr_array_index (f->peer->websockets, 0),
                                   SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "restart");
  WAIT_FOR (f->hellos->len == 3 &&
            eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
  g_assert_null (hello_string (f, 0, "session"));
  g_assert_cmpstr (hello_string (f, 1, "session"), ==, "s1");
  /* 4008: the next hello asks for a fresh session. */
  g_assert_null (hello_string (f, 2, "session"));
  g_object_get (f->connection, "session-resets", &resets, NULL);
  g_assert_cmpuint (resets, ==, 1);
}

static void
test_too_many (Fixture       *f,
               gconstpointer  data)
{
  static const char * const script[] = { "4429 too many connections: retry after 1 s", NULL };
  const GError *error;
  guint delay;

  f->script = script;
  eit_connection_connect (f->connection);
  WAIT_FOR (eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_BACKING_OFF);
  error = eit_connection_get_last_error (f->connection);
  g_assert_error (error, EIT_ERROR, EIT_ERROR_TOO_MANY);
  g_assert_false (eit_error_is_permanent (error));
  /* At least the hub's delay, although reconnect-cap is 100 ms. */
  g_object_get (f->connection, "backoff-delay", &delay, NULL);
  g_assert_cmpuint (delay, >=, 1000);
  WAIT_FOR (eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_CONNECTED);
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  static const char * const script[] = { "4401 unauthorized: check the token", NULL };
  const GError *error;

  f->script = script;
  eit_connection_connect (f->connection);
  WAIT_FOR (eit_connection_get_state (f->connection) == EIT_CONNECTION_STATE_FAILED);
  error = eit_connection_get_last_error (f->connection);
  g_assert_error (error, EIT_ERROR, EIT_ERROR_AUTH);
  g_assert_cmpstr (error->message, ==,
                   "The hub closed the connection (4401 unauthorized: check the token)");
  /* Permanent: no second attempt. */
  eit_test_run_for (200);
  g_assert_cmpuint (f->hellos->len, ==, 1);
}

static void
test_ipv6_hub (void)
{
  const char *tokens[] = { TOKEN, NULL };
  g_autoptr(EitHubServer) hub = eit_hub_server_new (eit_test_certificate (), tokens);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *fingerprint = NULL;
  EitConnection *connection;

  g_assert_true (eit_hub_server_listen (hub, "::1", 0, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("wss://[::1]:%u/", eit_hub_server_get_port (hub));
  fingerprint = eit_hub_server_get_fingerprint (hub);
  connection = g_object_new (EIT_TYPE_CONNECTION,
                             "url", url, "token", TOKEN,
                             "trust-mode", EIT_TRUST_PINNED, "pinned-fingerprint", fingerprint,
                             "reconnect-base", 20, "reconnect-cap", 100,
                             NULL);
  eit_connection_connect (connection);
  /* The hub refuses a handshake that names an IP literal as the server. */
  WAIT_FOR (eit_connection_get_state (connection) == EIT_CONNECTION_STATE_CONNECTED);
  g_assert_cmpint (eit_connection_get_mode (connection), ==, EIT_PROTOCOL_MODE_FULL);
  g_assert_null (eit_connection_get_last_error (connection));
  eit_connection_disconnect (connection);
  g_assert_finalize_object (connection);
  eit_hub_server_shutdown (hub);
  eit_test_run_for (50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/transport/closes/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("welcome-generation", test_welcome_generation, NULL);
  ADD ("4006-new-instance", test_new_instance,
       "4006 instance in use: instance x already has a live connection");
  ADD ("4007-new-instance", test_new_instance,
       "4007 takeover storm: instance x was taken over 6 times in 60 s");
  ADD ("4008-new-session", test_foreign_session, NULL);
  ADD ("4429-retry-after", test_too_many, NULL);
  ADD ("4401-permanent", test_unauthorized, NULL);

#undef ADD

  g_test_add_func ("/transport/ipv6/hub", test_ipv6_hub);

  return g_test_run ();
}
