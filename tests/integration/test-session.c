/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The connection layer end to end: EitConnection against the real hub over
 * loopback TLS. */
#include "config.h"

#include <string.h>

#include "eit-fault-proxy.h"
#include "eit-test-util.h"

typedef struct {
  GPtrArray *messages;
} Received;

static void
on_message (EitConnection *connection,
            const char    *json,
            gulong         len,
            gpointer       user_data)
{
  Received *received = user_data;

  g_assert_cmpuint (strlen (json), ==, len);
  g_ptr_array_add (received->messages, g_strdup (json));
}

static void
on_sent (EitConnection *connection,
         const char    *json,
         gulong         len,
         gpointer       user_data)
{
  g_assert_cmpuint (strlen (json), ==, len);
  g_ptr_array_add (user_data, g_strdup (json));
}

static void
test_round_trip (void)
{
  guint sources_before = eit_test_count_sources ();
  EitTestHub *hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Received received = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (connection, "message", G_CALLBACK (on_message), &received);
  g_signal_connect (connection, "sent", G_CALLBACK (on_sent), sent);
  g_assert_false (eit_connection_send (connection, "{\"early\":true}"));
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));
  g_assert_cmpint (eit_connection_get_mode (connection), ==, EIT_PROTOCOL_MODE_FULL);

  g_assert_true (eit_connection_send (connection, "{\"hello\":\"world\",\"n\":[1,2,3]}"));
  g_assert_false (eit_connection_send (connection, "{not json"));
  g_assert_true (eit_test_wait_until (received.messages->len == 1, 5000));
  g_assert_cmpstr (g_ptr_array_index (received.messages, 0), ==, "{\"hello\":\"world\",\"n\":[1,2,3]}");
  g_assert_true (eit_test_hub_log_contains (hub, "mode=v1"));
  /* "sent" reports what was accepted, and only that. */
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sent, 0), ==, "{\"hello\":\"world\",\"n\":[1,2,3]}");

  eit_connection_disconnect (connection);
  g_assert_cmpint (eit_connection_get_state (connection), ==, EIT_CONNECTION_STATE_DISCONNECTED);
  g_assert_finalize_object (connection);
  eit_test_hub_free (hub);
  eit_test_run_for (50);
  g_assert_cmpuint (eit_test_count_sources (), <=, sources_before);
  g_ptr_array_unref (received.messages);
}

/* Multi-tab rules and identity (docs/PROTOCOL.md 5.4, 5.5), with raw
 * transports so every hello says exactly what the test needs. */
typedef struct {
  EitTransport *transport;
  GPtrArray    *frames;
} Raw;

static void
on_raw_frame (EitTransport *transport,
              const char   *text,
              gulong        len,
              gpointer      user_data)
{
  g_ptr_array_add (user_data, g_strndup (text, len));
}

static Raw *
raw_new (EitTestHub *hub,
         const char *token)
{
  EitTransportOptions options = {
    .url = hub->url,
    .token = token ? token : hub->token,
    .trust_mode = EIT_TRUST_PINNED,
    .pin = hub->fingerprint,
    .offer_v1 = TRUE,
  };
  g_autoptr(GError) error = NULL;
  Raw *raw = g_new0 (Raw, 1);

  raw->transport = eit_test_transport_connect (&options, &error);
  g_assert_no_error (error);
  raw->frames = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (raw->transport, "frame", G_CALLBACK (on_raw_frame), raw->frames);
  return raw;
}

static void
raw_free (Raw *raw)
{
  g_signal_handlers_disconnect_by_data (raw->transport, raw->frames);
  if (eit_transport_is_open (raw->transport))
    {
      eit_transport_close (raw->transport, EIT_CLOSE_NORMAL, "bye");
      eit_test_transport_wait_closed (raw->transport, 2000);
    }
  g_assert_finalize_object (raw->transport);
  g_ptr_array_unref (raw->frames);
  g_free (raw);
}

/* Sends hello; returns the welcome (NULL when the hub closed instead). */
static JsonObject *
raw_hello (Raw        *raw,
           const char *instance,
           guint64     generation,
           const char *session,
           const char *epoch)
{
  g_autofree char *session_json = session ? g_strdup_printf ("\"%s\"", session) : g_strdup ("null");
  g_autofree char *epoch_json = epoch ? g_strdup_printf ("\"%s\"", epoch) : g_strdup ("null");
  g_autofree char *hello =
    g_strdup_printf ("{\"type\":\"hello\",\"instance\":\"%s\",\"generation\":%" G_GUINT64_FORMAT ","
                     "\"session\":%s,\"epoch\":%s,\"recv\":0,\"ack\":0,"
                     "\"window\":{\"messages\":64,\"bytes\":65536},\"keepalive_ms\":0}",
                     instance, generation, session_json, epoch_json);
  guint before = raw->frames->len;
  const char *text;

  g_assert_true (eit_transport_send (raw->transport, hello, strlen (hello)));
  g_assert_true (eit_test_wait_until (raw->frames->len > before || !eit_transport_is_open (raw->transport),
                                      5000));
  if (raw->frames->len == before)
    return NULL;
  text = g_ptr_array_index (raw->frames, before);
  return eit_json_parse_object (text, strlen (text), NULL);
}

static guint64
member_uint (JsonObject *object,
             const char *name)
{
  guint64 value = 0;

  g_assert_true (eit_json_object_get_uint (object, name, &value));
  return value;
}

/* Waits for the hub to close raw and checks code and reason. */
static void
assert_closed_with (Raw        *raw,
                    guint       code,
                    const char *reason_part)
{
  g_assert_true (eit_test_transport_wait_closed (raw->transport, 5000) ||
                 !eit_transport_is_open (raw->transport));
  g_assert_cmpuint (eit_transport_get_close_code (raw->transport), ==, code);
  if (strstr (eit_transport_get_close_reason (raw->transport) ?: "", reason_part) == NULL)
    g_error ("close reason “%s” lacks “%s”", eit_transport_get_close_reason (raw->transport), reason_part);
  g_test_message ("closed as a client sees it: %u %s", code, eit_transport_get_close_reason (raw->transport));
}

/* A frame the echo hub answers, so "still works" is checked end to end. */
static void
assert_echoes (Raw *raw)
{
  const char *ping = "{\"type\":\"ping\",\"id\":77}";
  guint before = raw->frames->len;

  g_assert_true (eit_transport_send (raw->transport, ping, strlen (ping)));
  g_assert_true (eit_test_wait_until (raw->frames->len > before, 3000));
  g_assert_nonnull (strstr (g_ptr_array_index (raw->frames, raw->frames->len - 1), "\"pong\""));
}

static void
test_reload_accepted (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Raw *first = raw_new (hub, NULL);
  Raw *reloaded = raw_new (hub, NULL);
  g_autoptr(JsonObject) welcome = raw_hello (first, "tab-reload", 1, NULL, NULL);
  g_autoptr(JsonObject) again = NULL;

  g_assert_nonnull (welcome);
  g_assert_cmpuint (member_uint (welcome, "generation"), ==, 1);

  /* The tab reloads: its old connection drops, its generation restarts at 1. */
  eit_transport_abort (first->transport);
  g_assert_true (eit_test_wait_until (eit_test_hub_log_contains (hub, "generation 1: closed"), 3000));
  again = raw_hello (reloaded, "tab-reload", 1, NULL, NULL);
  g_assert_nonnull (again);
  g_assert_cmpuint (member_uint (again, "generation"), ==, 2);
  assert_echoes (reloaded);
  raw_free (first);
  raw_free (reloaded);
}

static guint
count_log_lines (EitTestHub *hub,
                 const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < hub->log->len; i++)
    if (strstr (g_ptr_array_index (hub->log, i), needle) != NULL)
      n++;
  return n;
}

/* A peer's close reason goes into the hub's log: a line break in it must
 * not start a line of its own that looks like the hub's. */
static void
test_close_reason_stays_one_line (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Raw *raw = raw_new (hub, NULL);
  g_autoptr(JsonObject) welcome = raw_hello (raw, "one-line", 1, NULL, NULL);

  g_assert_nonnull (welcome);
  eit_transport_close (raw->transport, EIT_CLOSE_NORMAL, "bye\n2026-01-01T00:00:00.000 forged\r\x7f");
  g_assert_true (eit_test_transport_wait_closed (raw->transport, 2000));
  g_assert_true (eit_test_wait_until (count_log_lines (hub, "forged") == 1, 2000));
  for (guint i = 0; i < hub->log->len; i++)
    {
      const char *line = g_ptr_array_index (hub->log, i);

      for (const char *p = line; *p != '\0'; p++)
        g_assert_false (g_ascii_iscntrl (*p));
    }
  g_assert_cmpuint (count_log_lines (hub, "closed 1000 bye 2026-01-01T00:00:00.000 forged"), ==, 1);
  raw_free (raw);
}

static void
test_instance_in_use (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Raw *first = raw_new (hub, NULL);
  g_autoptr(JsonObject) welcome = raw_hello (first, "shared-id", 1, NULL, NULL);

  g_assert_nonnull (welcome);
  /* Duplicated tabs: same instance id, same generation, while the first is alive. */
  for (guint i = 0; i < 3; i++)
    {
      Raw *twin = raw_new (hub, NULL);

      g_assert_null (raw_hello (twin, "shared-id", 1, NULL, NULL));
      assert_closed_with (twin, EIT_CLOSE_INSTANCE_IN_USE, "each tab or process needs its own instance id");
      raw_free (twin);
    }
  /* Refusals are logged, but not one line each within a second. */
  g_assert_cmpuint (count_log_lines (hub, "(closing 4006)"), >=, 1);
  g_assert_cmpuint (count_log_lines (hub, "(closing 4006)"), <, 3);
  assert_echoes (first);
  raw_free (first);
}

static void
test_takeover_at_once (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Raw *old = raw_new (hub, NULL);
  Raw *newer = raw_new (hub, NULL);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  gboolean resumed = FALSE;
  gint64 start;

  /* Nothing here may be explained by inactivity. */
  g_object_set (hub->server, "inactivity-timeout", 60000, NULL);
  first = raw_hello (old, "cycler", 1, NULL, NULL);
  g_assert_nonnull (first);
  assert_echoes (old);
  start = g_get_monotonic_time ();
  /* A cycle: the same session on a newer connection. */
  second = raw_hello (newer, "cycler", 2, eit_json_object_get_string (first, "session"),
                      eit_hub_server_get_epoch (hub->server));
  g_assert_nonnull (second);
  g_assert_cmpuint (member_uint (second, "generation"), ==, 2);
  assert_closed_with (old, EIT_CLOSE_SUPERSEDED, "superseded");
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_true (eit_test_hub_log_contains (hub, "generation 1 superseded by 2 (closing 4004)"));
  g_assert_true (eit_json_object_get_bool (second, "resumed", &resumed) && resumed);
  assert_echoes (newer);
  raw_free (old);
  raw_free (newer);
}

static void
test_takeover_storm (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autoptr(GPtrArray) tabs = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_free);
  Raw *refused;
  guint generation;

  g_object_set (hub->server, "inactivity-timeout", 60000, "takeover-storm-limit", 5,
                "takeover-storm-window", 60000, NULL);
  /* A naive app: every tab takes the shared id over with a newer generation. */
  for (generation = 1; generation <= 6; generation++)
    {
      Raw *tab = raw_new (hub, NULL);
      g_autoptr(JsonObject) welcome = raw_hello (tab, "naive-app", generation, NULL, NULL);

      g_assert_nonnull (welcome);
      g_ptr_array_add (tabs, tab);
    }
  /* Five takeovers within 60 s: the sixth attempt is stopped. */
  refused = raw_new (hub, NULL);
  g_assert_null (raw_hello (refused, "naive-app", 7, NULL, NULL));
  assert_closed_with (refused, EIT_CLOSE_TAKEOVER_STORM, "was taken over 5 times in 60 s");
  /* The live connection stays. */
  assert_echoes (g_ptr_array_index (tabs, tabs->len - 1));
  raw_free (refused);
}

static void
test_stale_late_connect (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Raw *current = raw_new (hub, NULL);
  Raw *late = raw_new (hub, NULL);
  g_autoptr(JsonObject) welcome = raw_hello (current, "cycle-late", 3, NULL, NULL);

  g_assert_nonnull (welcome);
  g_assert_null (raw_hello (late, "cycle-late", 2, NULL, NULL));
  assert_closed_with (late, EIT_CLOSE_STALE_GENERATION, "stale generation 2 (current 3)");
  assert_echoes (current);
  raw_free (current);
  raw_free (late);
}

static void
test_foreign_session (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  const char *tokens[] = { hub->token, "second-token-b", NULL };
  Raw *owner, *intruder, *lookalike;
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) own = NULL;
  const char *session;

  g_object_set (hub->server, "tokens", tokens, NULL);
  owner = raw_new (hub, NULL);
  welcome = raw_hello (owner, "victim", 1, NULL, NULL);
  g_assert_nonnull (welcome);
  session = eit_json_object_get_string (welcome, "session");

  /* Token B names A's session: refused, A untouched. */
  intruder = raw_new (hub, "second-token-b");
  g_assert_null (raw_hello (intruder, "victim", 2, session, eit_hub_server_get_epoch (hub->server)));
  assert_closed_with (intruder, EIT_CLOSE_FOREIGN_SESSION, "session belongs to another token");

  /* Token B with A's instance id and the largest generation: a session of its own. */
  lookalike = raw_new (hub, "second-token-b");
  own = raw_hello (lookalike, "victim", G_GUINT64_CONSTANT (9007199254740991), NULL, NULL);
  g_assert_nonnull (own);
  g_assert_cmpstr (eit_json_object_get_string (own, "session"), !=, session);
  g_assert_false (eit_test_hub_log_contains (hub, "superseded"));
  assert_echoes (owner);
  assert_echoes (lookalike);
  raw_free (owner);
  raw_free (intruder);
  raw_free (lookalike);
}

static void
test_generation_jump (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  Raw *current = raw_new (hub, NULL);
  Raw *jumper = raw_new (hub, NULL);
  Raw *fresh = raw_new (hub, NULL);
  g_autoptr(JsonObject) welcome = raw_hello (current, "jumpy", 5, NULL, NULL);
  g_autoptr(JsonObject) first = NULL;

  g_assert_nonnull (welcome);
  g_assert_null (raw_hello (jumper, "jumpy", 5 + 65536 + 1, NULL, NULL));
  assert_closed_with (jumper, EIT_CLOSE_PROTOCOL_VIOLATION, "generation jumps by more than 65536");
  assert_echoes (current);
  /* An instance with no session takes any generation. */
  first = raw_hello (fresh, "brand-new", G_GUINT64_CONSTANT (9007199254740991), NULL, NULL);
  g_assert_nonnull (first);
  raw_free (current);
  raw_free (jumper);
  raw_free (fresh);
}

static void
test_base_session_not_nameable (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autoptr(GError) error = NULL;
  EitTransport *base = eit_test_transport_to_hub (hub, FALSE, &error);
  Raw *namer;
  g_autoptr(JsonObject) welcome = NULL;

  g_assert_no_error (error);
  g_assert_true (eit_test_wait_until (eit_test_hub_log_contains (hub, "mode=base"), 3000));
  namer = raw_new (hub, NULL);
  welcome = raw_hello (namer, "base-1", 99, NULL, NULL);
  g_assert_nonnull (welcome);
  eit_test_run_for (200);
  g_assert_true (eit_transport_is_open (base));
  g_assert_false (eit_test_hub_log_contains (hub, "superseded"));
  raw_free (namer);
  eit_transport_close (base, EIT_CLOSE_NORMAL, "bye");
  eit_test_transport_wait_closed (base, 2000);
  g_assert_finalize_object (base);
}

static EitHubSession *
find_session (EitTestHub *hub,
              const char *instance)
{
  GPtrArray *sessions = eit_hub_server_get_sessions (hub->server);

  for (guint i = 0; i < sessions->len; i++)
    if (g_strcmp0 (eit_hub_session_get_instance (g_ptr_array_index (sessions, i)), instance) == 0)
      return g_ptr_array_index (sessions, i);
  return NULL;
}

/* The hub-wide budget for queued bytes: at the limit, a session holding
 * more than an equal share is refused, a light one still gets through. */
static void
test_hub_queue_budget (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  Raw *heavy = raw_new (hub, NULL);
  Raw *light = raw_new (hub, NULL);
  g_autoptr(JsonObject) heavy_welcome = NULL;
  g_autoptr(JsonObject) light_welcome = NULL;
  g_autofree char *fill = g_strnfill (10000, 'q');
  g_autofree char *message = g_strdup_printf ("\"%s\"", fill);
  EitHubSession *hoarder, *other;
  guint accepted = 0;

  g_object_set (hub->server, "max-queued-bytes", (guint64) 64 * 1024, NULL);
  heavy_welcome = raw_hello (heavy, "hoarder", 1, NULL, NULL);
  light_welcome = raw_hello (light, "light", 1, NULL, NULL);
  g_assert_nonnull (heavy_welcome);
  g_assert_nonnull (light_welcome);
  hoarder = find_session (hub, "hoarder");
  other = find_session (hub, "light");

  /* The hoarder never acknowledges: what the hub sends it stays queued. */
  while (accepted < 100 && eit_hub_session_send (hoarder, message, -1))
    accepted++;
  g_test_message ("%u messages of 10 kB queued for the hoarder before the budget refused one", accepted);
  g_assert_cmpuint (accepted, >=, 3);
  g_assert_cmpuint (accepted, <=, 7);
  g_assert_true (eit_hub_session_send (other, message, -1));
  g_assert_true (eit_test_hub_log_contains (hub, "hub-wide queue budget of 65536 bytes reached"));
  raw_free (heavy);
  raw_free (light);
}

/* A raw client written byte by byte, to send a frame slower than the hub's
 * inactivity timeout. */
static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A client frame with a zero mask key: the payload goes as it is. */
static GByteArray *
client_frame (const char *text)
{
  GByteArray *frame = g_byte_array_new ();
  gsize len = strlen (text);
  guint8 header[8] = { 0x81, 0x80 | 126, (guint8) (len >> 8), (guint8) len, 0, 0, 0, 0 };

  g_assert_cmpuint (len, >=, 126);
  g_assert_cmpuint (len, <=, G_MAXUINT16);
  g_byte_array_append (frame, header, sizeof header);
  g_byte_array_append (frame, (const guint8 *) text, len);
  return frame;
}

static void
write_all (GIOStream    *stream,
           const guint8 *data,
           gsize         len)
{
  g_autoptr(GError) error = NULL;

  /* Small writes into an idle socket: they do not block. */
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, len, NULL,
                                            NULL, &error));
  g_assert_no_error (error);
}

/* Appends what can be read now; TRUE (for use in a condition). */
static gboolean
read_some (GPollableInputStream *input,
           GString              *received)
{
  for (;;)
    {
      char buf[16384];
      gssize got = g_pollable_input_stream_read_nonblocking (input, buf, sizeof buf, NULL, NULL);

      if (got <= 0)
        return TRUE;
      g_string_append_len (received, buf, got);
    }
}

static gboolean
bytes_contain (GString    *haystack,
               const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= haystack->len; i++)
    if (memcmp (haystack->str + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Bytes count, not only frames (PROTOCOL.md 5.3): a frame that takes four
 * inactivity timeouts to arrive, a few bytes at a time, keeps its
 * connection alive, and arrives. */
static void
test_progress_counts_as_life (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) received = g_string_new (NULL);
  g_autoptr(GByteArray) hello = NULL;
  g_autoptr(GByteArray) data = NULL;
  g_autofree char *request = NULL;
  g_autofree char *body = g_strnfill (8000, 'z');
  g_autofree char *envelope = g_strdup_printf ("{\"type\":\"data\",\"seq\":1,\"bodies\":[\"%s\"]}", body);
  GPollableInputStream *input;
  gsize sent = 0;

  g_object_set (hub->server, "inactivity-timeout", 300, NULL);
  g_socket_client_connect_to_host_async (client, "127.0.0.1", eit_hub_server_get_port (hub->server), NULL,
                                         async_done, &result);
  g_assert_true (eit_test_wait_until (result != NULL, 5000));
  tcp = g_socket_client_connect_to_host_finish (client, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, async_done, &result);
  g_assert_true (eit_test_wait_until (result != NULL, 5000));
  g_assert_true (g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error));

  request = g_strdup_printf ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: eithub.v1\r\n"
                             "Authorization: Bearer %s\r\n\r\n", hub->token);
  write_all (tls, (const guint8 *) request, strlen (request));
  hello = client_frame ("{\"type\":\"hello\",\"instance\":\"trickle\",\"generation\":1,\"session\":null,"
                        "\"epoch\":null,\"recv\":0,\"ack\":0,\"window\":{\"messages\":64,\"bytes\":65536},"
                        "\"keepalive_ms\":0,\"padding\":\"........................................\"}");
  write_all (tls, hello->data, hello->len);

  input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (tls));
  data = client_frame (envelope);
  /* 16 pieces, 80 ms apart: 1.3 s for one frame, with a 300 ms timeout. */
  for (guint piece = 0; piece < 16; piece++)
    {
      gsize n = piece == 15 ? data->len - sent : data->len / 16;

      write_all (tls, data->data + sent, n);
      sent += n;
      eit_test_run_for (80);
      read_some (input, received);
    }
  /* The frame took 1.3 s; the connection is still there, and the echo of
   * its body comes back. */
  g_assert_false (eit_test_hub_log_contains (hub, "(4000 timeout)"));
  /* Frame headers hold NUL bytes: search the bytes, not a string. */
  g_assert_true (eit_test_wait_until (read_some (input, received) && bytes_contain (received, body), 3000));
  g_assert_true (bytes_contain (received, "\"type\":\"welcome\""));
  g_io_stream_close (tls, NULL, NULL);
}

static void
on_session_removed (EitHubServer  *server,
                    EitHubSession *session,
                    gpointer       user_data)
{
  *(gint64 *) user_data = g_get_monotonic_time ();
}

static void
test_grace_from_drop (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autoptr(EitFaultProxy) proxy = eit_fault_proxy_new ("127.0.0.1", eit_hub_server_get_port (hub->server));
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *real_url = g_strdup (hub->url);
  gint64 removed = 0, dropped;
  Raw *raw;
  g_autoptr(JsonObject) welcome = NULL;

  g_assert_true (eit_fault_proxy_start (proxy, &error));
  url = g_strdup_printf ("wss://127.0.0.1:%u/", eit_fault_proxy_get_port (proxy));
  g_free (hub->url);
  hub->url = g_strdup (url);
  g_object_set (hub->server, "inactivity-timeout", 300, "session-grace", 400, NULL);
  g_signal_connect (hub->server, "session-removed", G_CALLBACK (on_session_removed), &removed);
  raw = raw_new (hub, NULL);
  welcome = raw_hello (raw, "grace", 1, NULL, NULL);
  g_assert_nonnull (welcome);

  /* A half-open link: the hub's 4000 close frame never gets an answer, so
   * its close handshake runs for close-timeout (5 s). The grace must not
   * wait for it. */
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_BLACKHOLE);
  g_assert_true (eit_test_wait_until (eit_test_hub_log_contains (hub, "(4000 timeout)"), 3000));
  dropped = g_get_monotonic_time ();
  g_assert_true (eit_test_wait_until (removed != 0, 3000));
  g_test_message ("session discarded %" G_GINT64_FORMAT " ms after the drop (grace 400 ms)",
                  (removed - dropped) / 1000);
  g_assert_cmpint (removed - dropped, >=, 300 * 1000);
  g_assert_cmpint (removed - dropped, <, 1500 * 1000);

  g_signal_handlers_disconnect_by_data (hub->server, &removed);
  eit_transport_abort (raw->transport);
  raw_free (raw);
  g_free (hub->url);
  hub->url = g_steal_pointer (&real_url);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/round-trip", test_round_trip);
  g_test_add_func ("/session/reload-accepted-welcome-generation", test_reload_accepted);
  g_test_add_func ("/session/close-reason-stays-one-line", test_close_reason_stays_one_line);
  g_test_add_func ("/session/instance-in-use-4006", test_instance_in_use);
  g_test_add_func ("/session/takeover-4004-at-once", test_takeover_at_once);
  g_test_add_func ("/session/takeover-storm-4007", test_takeover_storm);
  g_test_add_func ("/session/stale-late-connect-4003", test_stale_late_connect);
  g_test_add_func ("/session/foreign-session-4008", test_foreign_session);
  g_test_add_func ("/session/generation-jump-4002", test_generation_jump);
  g_test_add_func ("/session/base-session-not-nameable", test_base_session_not_nameable);
  g_test_add_func ("/session/grace-from-drop", test_grace_from_drop);
  g_test_add_func ("/session/hub-queue-budget", test_hub_queue_budget);
  g_test_add_func ("/session/progress-counts-as-life", test_progress_counts_as_life);
  return g_test_run ();
}
