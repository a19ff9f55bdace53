/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The benchmark's baseline client: a bare libsoup WebSocket client that
 * keeps K messages in flight against an echo server, each
 * {"probe":seq,"t":monotonic_us,"pad":"..."} padded to --size bytes (the
 * message eithub-probe --inflight sends), parses every echo to read "t" back
 * and records the round trip. Prints one JSON summary line, with the same
 * fields as eithub-probe's "summary" event. */
#include "config.h"

#include <stdlib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

typedef struct {
  GMainLoop               *loop;
  SoupWebsocketConnection *connection;
  JsonParser              *parser;
  GString                 *message;
  GArray                  *rtt_ms;  /* double */
  guint                    size;
  guint                    inflight;
  gint64                   start;
  gint64                   end;
  guint64                  sent;
  guint64                  received;
  int                      status;
} Bench;

/* The message text, exactly size bytes when the fields leave room. */
static void
bench_send_one (Bench *bench)
{
  g_string_printf (bench->message, "{\"probe\":%" G_GUINT64_FORMAT ",\"t\":%" G_GINT64_FORMAT
                   ",\"pad\":\"", bench->sent + 1, g_get_monotonic_time ());
  while (bench->message->len + 2 < bench->size)
    g_string_append_c (bench->message, 'x');
  g_string_append (bench->message, "\"}");

  soup_websocket_connection_send_text (bench->connection, bench->message->str);
  bench->sent++;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  p)
{
  if (sorted->len == 0)
    return -1;
  return g_array_index (sorted, double, MIN ((guint) (p * sorted->len), sorted->len - 1));
}

static void
bench_finish (Bench *bench)
{
  double elapsed = (MIN (g_get_monotonic_time (), bench->end) - bench->start) / (double) G_USEC_PER_SEC;

  g_array_sort (bench->rtt_ms, compare_double);
  g_print ("{\"sent\":%" G_GUINT64_FORMAT ",\"received\":%" G_GUINT64_FORMAT
           ",\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,\"rtt_p50_ms\":%.3f,\"rtt_p99_ms\":%.3f}\n",
           bench->sent, bench->received, elapsed,
           elapsed > 0 ? bench->received / elapsed : 0,
           percentile (bench->rtt_ms, 0.50), percentile (bench->rtt_ms, 0.99));
  g_main_loop_quit (bench->loop);
}

static void
message_cb (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  gint64 now = g_get_monotonic_time ();
  JsonNode *root;
  double rtt;

  if (!json_parser_load_from_data (bench->parser, data, len, &error) ||
      (root = json_parser_get_root (bench->parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "t"))
    {
      g_printerr ("soup-echo-client: bad echo: %s\n", error != NULL ? error->message : data);
      bench->status = 1;
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      return;
    }

  rtt = (now - json_object_get_int_member (json_node_get_object (root), "t")) / 1000.0;
  g_array_append_val (bench->rtt_ms, rtt);
  bench->received++;

  if (now < bench->end)
    bench_send_one (bench);
  else if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, "done");
}

static void
closed_cb (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  Bench *bench = user_data;

  if (g_get_monotonic_time () < bench->end)
    {
      g_printerr ("soup-echo-client: the server closed the connection early (code %u)\n",
                  soup_websocket_connection_get_close_code (connection));
      bench->status = 1;
    }
  bench_finish (bench);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Bench *bench = user_data;

  /* A stalled server must not hang the benchmark. */
  g_printerr ("soup-echo-client: no clean close 5 s after the end\n");
  bench->status = 1;
  bench_finish (bench);
  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  bench->connection = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  if (bench->connection == NULL)
    {
      g_printerr ("soup-echo-client: %s\n", error->message);
      bench->status = 1;
      g_main_loop_quit (bench->loop);
      return;
    }

  g_signal_connect (bench->connection, "message", G_CALLBACK (message_cb), bench);
  g_signal_connect (bench->connection, "closed", G_CALLBACK (closed_cb), bench);
  bench->start = g_get_monotonic_time ();
  bench->end += bench->start;
  g_timeout_add_seconds ((bench->end - bench->start) / G_USEC_PER_SEC + 5, deadline_cb, bench);
  for (guint i = 0; i < bench->inflight; i++)
    bench_send_one (bench);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *url = NULL;
  g_autofree char *ca_file = NULL;
  int inflight = 1;
  int size = 177;
  double duration = 5;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "wss:// URL of the echo server", "URL" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "PEM file the server's certificate must chain to", "FILE" },
    { "inflight", 0, 0, G_OPTION_ARG_INT, &inflight, "Messages kept in flight (default 1)", "K" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Message size in bytes (default 177)", "S" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "Seconds to run (default 5)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- bare libsoup WebSocket echo client");
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  Bench bench = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("soup-echo-client: %s\n", error->message);
      return 2;
    }
  if (url == NULL || ca_file == NULL || inflight < 1 || size < 1 || duration <= 0)
    {
      g_printerr ("soup-echo-client: --url and --ca-file are required; --inflight, --size and "
                  "--duration must be positive\n");
      return 2;
    }

  session = soup_session_new ();
  database = g_tls_file_database_new (ca_file, &error);
  if (database == NULL)
    {
      g_printerr ("soup-echo-client: %s\n", error->message);
      return 1;
    }
  soup_session_set_tls_database (session, database);
  msg = soup_message_new ("GET", url);
  if (msg == NULL)
    {
      g_printerr ("soup-echo-client: not a URL: %s\n", url);
      return 2;
    }

  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.parser = json_parser_new_immutable ();
  bench.message = g_string_sized_new (size + 64);
  bench.rtt_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), 1 << 20);
  bench.size = size;
  bench.inflight = inflight;
  bench.end = (gint64) (duration * G_USEC_PER_SEC);  /* relative until connected */

  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connect_cb, &bench);
  g_main_loop_run (bench.loop);

  g_clear_object (&bench.connection);
  g_clear_object (&bench.parser);
  g_string_free (bench.message, TRUE);
  g_array_unref (bench.rtt_ms);
  g_main_loop_unref (bench.loop);
  return bench.status;
}
