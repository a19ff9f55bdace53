/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Measures the connection layer with its production defaults, over real
 * TLS on loopback, and prints a markdown table (bench/connection runs it):
 *   restart    time from a hub restart to the client connected again
 *   half-open  time from a link going silent to the client noticing
 *   cycle-gap  largest delivery gap while cycling at 1,000 messages/s
 *   tls-build  main-thread time to build the TLS client connection of one
 *              connect, as libsoup does, with the system store as the
 *              process's default database (before) and with the no-trust
 *              database the connect path installs (after)
 *   herd       back-off delays of 100 clients that lost one hub at once
 *              (the real eithub-hub and 100 eithub-probe processes: paths
 *              in $EIT_HUB and $EIT_PROBE; with $EIT_PROBE_BASELINE, another
 *              build of the probe takes turns with it, run for run, so a
 *              change is measured before and after under the same load)
 * Usage: connection-bench [--runs N] [--herd-runs N] [--only NAME] */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eit-fault-proxy.h"
#include "eit-no-trust-database.h"
#include "eit-test-util.h"

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  guint rank;

  if (values->len == 0)
    return NAN;
  qsort (values->data, values->len, sizeof (double), compare_doubles);
  rank = (guint) ceil (p / 100.0 * values->len);
  return g_array_index (values, double, rank == 0 ? 0 : rank - 1);
}

static void
row (const char *what,
     GArray     *ms,
     const char *note)
{
  g_print ("| %s | %u | %.1f | %.1f | %.1f | %.1f | %s |\n", what, ms->len,
           percentile (ms, 0), percentile (ms, 50), percentile (ms, 99), percentile (ms, 100), note);
}

/* Client connected; the hub goes away and comes back on the same port at
 * once. Defaults: back-off base 500 ms with full jitter. */
static GArray *
measure_restart (guint runs)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (double));
  EitTestHub *hub = eit_test_hub_new (FALSE);
  guint port = eit_hub_server_get_port (hub->server);
  g_autofree char *token = g_strdup (hub->token);
  EitConnection *connection = eit_test_connection_new (hub, NULL);

  g_object_set (connection, "reconnect-base", EIT_DEFAULT_RECONNECT_BASE_MS,
                "reconnect-cap", EIT_DEFAULT_RECONNECT_CAP_MS,
                "stable-period", 0, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  for (guint i = 0; i < runs; i++)
    {
      gint64 start;
      double elapsed;

      eit_test_run_for (20);   /* let the stable period pass: each run starts fresh */
      start = g_get_monotonic_time ();
      eit_test_hub_free (hub);
      hub = eit_test_hub_new_on_port (FALSE, port, token);
      eit_test_wait_until (!eit_connection_is_connected (connection), 5000);
      eit_test_wait_until (eit_connection_is_connected (connection), 35000);
      elapsed = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (ms, elapsed);
    }
  eit_connection_disconnect (connection);
  g_object_unref (connection);
  eit_test_hub_free (hub);
  return ms;
}

/* The link goes silent (a blackhole in the proxy, sockets left open).
 * Defaults: inactivity 5000 ms, keep-alive 1500 ms. */
static GArray *
measure_half_open (guint runs)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  g_autoptr(GError) error = NULL;
  EitFaultProxy *proxy = eit_fault_proxy_new ("127.0.0.1", eit_hub_server_get_port (hub->server));
  g_autofree char *url = NULL;
  EitConnection *connection;

  eit_fault_proxy_start (proxy, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("wss://127.0.0.1:%u/", eit_fault_proxy_get_port (proxy));
  connection = eit_test_connection_new (hub, url);
  eit_connection_connect (connection);

  for (guint i = 0; i < runs; i++)
    {
      gint64 start;
      double elapsed;

      eit_fault_proxy_set_mode (proxy, EIT_FAULT_PASS);
      g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 35000));
      /* Start at a random point of the keep-alive cycle. */
      eit_test_run_for (g_random_int_range (0, EIT_DEFAULT_KEEPALIVE_INTERVAL_MS));
      start = g_get_monotonic_time ();
      eit_fault_proxy_set_mode (proxy, EIT_FAULT_BLACKHOLE);
      eit_test_wait_until (!eit_connection_is_connected (connection), 20000);
      elapsed = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (ms, elapsed);
    }
  eit_connection_disconnect (connection);
  g_object_unref (connection);
  g_object_unref (proxy);
  return ms;
}

typedef struct {
  guint64 next;
  gint64  last;
  double  max_gap_ms;
  guint64 errors;
} Stream;

static void
on_message (EitConnection *connection,
            const char    *json,
            gulong         len,
            gpointer       user_data)
{
  Stream *s = user_data;
  gint64 now = g_get_monotonic_time ();
  const char *p = strstr (json, "\"n\":");

  if (p == NULL || g_ascii_strtoull (p + 4, NULL, 10) != s->next)
    s->errors++;
  s->next++;
  if (s->last != 0)
    s->max_gap_ms = MAX (s->max_gap_ms, (now - s->last) / 1000.0);
  s->last = now;
}

/* Echo traffic at 1,000 messages/s while the client cycles; the gap is
 * measured between consecutive echoes around each cycle. */
static GArray *
measure_cycle_gap (guint cycles)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitConnection *connection = eit_test_connection_new (hub, NULL);
  Stream stream = { 1, 0, 0, 0 };
  guint64 sent = 0;

  g_signal_connect (connection, "message", G_CALLBACK (on_message), &stream);
  g_object_set (connection, "cycle-interval-min", 0, "cycle-interval-max", 0, NULL);
  eit_connection_connect (connection);
  g_assert_true (eit_test_wait_until (eit_connection_is_connected (connection), 5000));

  for (guint c = 0; c < cycles; c++)
    {
      gint64 start = g_get_monotonic_time ();
      guint64 base = sent;
      guint done = 0;

      stream.max_gap_ms = 0;
      stream.last = 0;
      /* 300 ms of traffic with one cycle in the middle. */
      while (g_get_monotonic_time () - start < 300 * 1000)
        {
          gint64 now = g_get_monotonic_time ();
          while (sent - base < (guint64) ((now - start) / 1000))
            {
              g_autofree char *json = g_strdup_printf ("{\"n\":%" G_GUINT64_FORMAT "}", ++sent);
              eit_connection_send (connection, json);
            }
          if (done == 0 && now - start > 100 * 1000)
            {
              eit_connection_cycle_now (connection);
              done = 1;
            }
          eit_test_iterate ();
        }
      eit_test_wait_until (stream.next > sent, 5000);
      g_array_append_val (ms, stream.max_gap_ms);
    }
  g_assert_cmpuint (stream.errors, ==, 0);
  eit_connection_disconnect (connection);
  g_object_unref (connection);
  return ms;
}

/* libsoup 3.2 builds a connect's GTlsClientConnection from the process's
 * default database, then sets the session's: set_after is what a pinned
 * (no-trust) or system-mode (system store) connect sets. Over a socket
 * pair: building is all that is timed, no handshake. */
static GArray *
measure_tls_build (guint         runs,
                   GTlsDatabase *default_database,
                   GTlsDatabase *set_after)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (double));
  GTlsBackend *backend = g_tls_backend_get_default ();

  g_tls_backend_set_default_database (backend, default_database);
  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GSocketConnection) plain = NULL;
      g_autoptr(GIOStream) tls = NULL;
      int fds[2];
      gint64 start;
      double elapsed;

      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
      socket = g_socket_new_from_fd (fds[0], &error);
      g_assert_no_error (error);
      plain = g_socket_connection_factory_create_connection (socket);
      start = g_get_monotonic_time ();
      tls = g_tls_client_connection_new (G_IO_STREAM (plain), NULL, &error);
      g_assert_no_error (error);
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), set_after);
      elapsed = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (ms, elapsed);
      close (fds[1]);
    }
  g_tls_backend_set_default_database (backend, NULL);
  return ms;
}

/* One eithub-probe process per client, as in production: a hundred
 * clients in one process would queue their TLS handshakes on GIO's few
 * worker threads and measure that instead. */
typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  gboolean          connected;
  gboolean          delay_seen;
  double            back_at;     /* ms after the restart; < 0 until then */
} Client;

typedef struct {
  GArray *first_delays;
  GArray *arrivals;
  gint64  restart;
  double  hub_back;    /* ms after the restart began */
  guint   connected;
} Herd;

typedef struct {
  Herd   *herd;
  Client *client;
} LineRead;

static void read_next_line (Herd *herd, Client *client);

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineRead *read = user_data;
  Herd *herd = read->herd;
  Client *client = read->client;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  g_autoptr(JsonObject) event = NULL;
  const char *state;

  g_free (read);
  if (line == NULL)
    return;
  event = eit_json_parse_object (line, strlen (line), NULL);
  state = event ? eit_json_object_get_string (event, "state") : NULL;
  if (g_strcmp0 (state, "connected") == 0)
    {
      client->connected = TRUE;
      herd->connected++;
      if (herd->restart != 0 && client->back_at < 0)
        {
          client->back_at = (g_get_monotonic_time () - herd->restart) / 1000.0;
          g_array_append_val (herd->arrivals, client->back_at);
        }
    }
  else if (g_strcmp0 (state, "backing-off") == 0)
    {
      guint64 delay;

      if (client->connected)
        herd->connected--;
      client->connected = FALSE;
      if (herd->restart != 0 && !client->delay_seen &&
          eit_json_object_get_uint (event, "backoff_delay_ms", &delay))
        {
          double d = delay;

          client->delay_seen = TRUE;
          g_array_append_val (herd->first_delays, d);
        }
    }
  read_next_line (herd, client);
}

static void
read_next_line (Herd   *herd,
                Client *client)
{
  LineRead *read = g_new0 (LineRead, 1);

  read->herd = herd;
  read->client = client;
  g_data_input_stream_read_line_async (client->out, G_PRIORITY_DEFAULT, NULL, line_cb, read);
}

/* The real hub program in its own process. */
static GSubprocess *
spawn_hub (const char *dir,
           guint       port,
           char      **url)
{
  const char *hub = g_getenv ("EIT_HUB");
  g_autofree char *port_arg = g_strdup_printf ("%u", port);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *token = g_build_filename (dir, "token", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonObject) info = NULL;
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              hub ? hub : "eithub-hub", "--port", port_arg, "--cert", cert, "--key", key,
                              "--token-file", token, "--mode", "sink",
                              "--max-connections-per-token", "1000", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  info = eit_json_parse_object (line, strlen (line), &error);
  g_assert_no_error (error);
  *url = g_strdup (eit_json_object_get_string (info, "url"));
  return process;
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
stop_process (GSubprocess *process)
{
  gboolean exited = FALSE;

  /* Keep the main loop running meanwhile: other processes talk to us. */
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, exited_cb, &exited);
  eit_test_wait_until (exited, 10000);
  g_object_unref (process);
}

/* 100 clients connected to one hub; the hub restarts in place (same port,
 * certificate and token); when does each client try again, and when is it
 * back? probe: the eithub-probe program the clients run. */
static GArray *
measure_herd (const char *probe,
              guint       n_clients,
              GArray    **arrivals_out,
              double     *hub_back)
{
  Herd herd = { g_array_new (FALSE, FALSE, sizeof (double)),
                g_array_new (FALSE, FALSE, sizeof (double)), 0, 0 };
  g_autofree char *dir = g_dir_make_tmp ("eithub-herd-XXXXXX", NULL);
  g_autofree char *cert_pem = NULL, *key_pem = NULL, *cert_path = NULL, *key_path = NULL;
  g_autofree char *token_path = NULL, *url = NULL, *url_again = NULL, *pin = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree Client *clients = g_new0 (Client, n_clients);
  GSubprocess *hub;
  guint port;

  eit_tls_generate_self_signed ("localhost", 30, &cert_pem, &key_pem, &error);
  g_assert_no_error (error);
  cert_path = g_build_filename (dir, "cert.pem", NULL);
  key_path = g_build_filename (dir, "key.pem", NULL);
  g_file_set_contents (cert_path, cert_pem, -1, NULL);
  g_file_set_contents (key_path, key_pem, -1, NULL);
  certificate = g_tls_certificate_new_from_pem (cert_pem, -1, &error);
  g_assert_no_error (error);
  pin = eit_tls_certificate_fingerprint (certificate);

  hub = spawn_hub (dir, 0, &url);
  token_path = g_build_filename (dir, "token", NULL);
  port = (guint) g_ascii_strtoull (strrchr (url, ':') + 1, NULL, 10);

  for (guint i = 0; i < n_clients; i++)
    {
      clients[i].back_at = -1;
      clients[i].process =
        g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          probe, "--url", url, "--token-file", token_path,
                          "--pin", pin, "--quiet", "--metrics-interval", "0", NULL);
      g_assert_no_error (error);
      clients[i].out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (clients[i].process));
      read_next_line (&herd, &clients[i]);
    }
  if (!eit_test_wait_until (herd.connected == n_clients, 60000))
    g_error ("only %u of %u clients connected", herd.connected, n_clients);

  herd.restart = g_get_monotonic_time ();
  stop_process (hub);
  hub = spawn_hub (dir, port, &url_again);
  herd.hub_back = (g_get_monotonic_time () - herd.restart) / 1000.0;
  eit_test_wait_until (herd.arrivals->len >= n_clients, 60000);

  for (guint i = 0; i < n_clients; i++)
    {
      stop_process (clients[i].process);
      g_object_unref (clients[i].out);
    }
  stop_process (hub);
  *arrivals_out = herd.arrivals;
  *hub_back = herd.hub_back;
  return herd.first_delays;
}

static void
histogram (GArray *ms,
           double  width,
           double  upto)
{
  guint n = (guint) ceil (upto / width);
  g_autofree guint *counts = g_new0 (guint, n);

  for (guint i = 0; i < ms->len; i++)
    counts[MIN ((guint) (g_array_index (ms, double, i) / width), n - 1)]++;
  g_print ("\n| back at the hub, ms after its restart | clients |\n| --- | --- |\n");
  for (guint b = 0; b < n; b++)
    g_print ("| %4.0f-%4.0f ms | %u |\n", b * width, (b + 1) * width, counts[b]);
}

int
main (int argc, char **argv)
{
  guint runs = 100;
  guint herd_runs = 1;
  g_autofree char *only = NULL;
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Repetitions of the restart measurement (default 100)", "N" },
    { "herd-runs", 0, 0, G_OPTION_ARG_INT, &herd_runs, "Repetitions of the herd, per probe (default 1)", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run one measurement: restart, half-open, cycle-gap, tls-build, herd", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- measure the connection layer");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  g_print ("| measurement | n | min ms | p50 ms | p99 ms | max ms | conditions |\n");
  g_print ("| --- | --- | --- | --- | --- | --- | --- |\n");
  if (only == NULL || g_str_equal (only, "restart"))
    row ("reconnect after hub restart", measure_restart (runs),
         "defaults: back-off base 500 ms, cap 30 s, full jitter");
  if (only == NULL || g_str_equal (only, "half-open"))
    row ("half-open link detected", measure_half_open (MAX (runs / 10, 3)),
         "defaults: inactivity 5000 ms, keep-alive 1500 ms");
  if (only == NULL || g_str_equal (only, "cycle-gap"))
    row ("largest delivery gap in a cycle", measure_cycle_gap (MAX (runs / 5, 5)),
         "echo traffic at 1,000 msg/s, one make-before-break cycle per run");
  if (only == NULL || g_str_equal (only, "tls-build"))
    {
      GTlsDatabase *no_trust = eit_no_trust_database_get_default ();
      /* The system store, whether a connect above made no-trust the default or not. */
      g_autoptr(GTlsDatabase) system = eit_no_trust_database_install_default ();

      /* Turn about, so both see the same machine load. */
      for (guint r = 0; r < 2; r++)
        {
          row ("TLS connection built, pinned, default: system store (before)",
               measure_tls_build (runs, system, no_trust), "one connect's GTlsClientConnection, no handshake");
          row ("TLS connection built, pinned, default: no-trust (after)",
               measure_tls_build (runs, no_trust, no_trust), "one connect's GTlsClientConnection, no handshake");
          row ("TLS connection built, system mode (before)",
               measure_tls_build (runs, system, system), "one connect's GTlsClientConnection, no handshake");
          row ("TLS connection built, system mode (after)",
               measure_tls_build (runs, no_trust, system), "one connect's GTlsClientConnection, no handshake");
        }
    }
  if (only == NULL || g_str_equal (only, "herd"))
    {
      const char *probes[] = { g_getenv ("EIT_PROBE"), g_getenv ("EIT_PROBE_BASELINE") };
      const char *labels[] = { "", ", baseline probe" };
      guint n_probes = probes[1] != NULL ? 2 : 1;
      GArray *delays[2], *arrivals[2];
      double hub_back[2] = { 0, 0 };

      for (guint p = 0; p < n_probes; p++)
        {
          delays[p] = g_array_new (FALSE, FALSE, sizeof (double));
          arrivals[p] = g_array_new (FALSE, FALSE, sizeof (double));
        }
      /* Turn about, so both probes see the same machine load. */
      for (guint r = 0; r < MAX (herd_runs, 1); r++)
        for (guint p = 0; p < n_probes; p++)
          {
            GArray *run_arrivals;
            double run_hub_back;
            GArray *run_delays = measure_herd (probes[p] ? probes[p] : "eithub-probe", 100,
                                               &run_arrivals, &run_hub_back);

            g_array_append_vals (delays[p], run_delays->data, run_delays->len);
            g_array_append_vals (arrivals[p], run_arrivals->data, run_arrivals->len);
            hub_back[p] = MAX (hub_back[p], run_hub_back);
            g_array_unref (run_delays);
            g_array_unref (run_arrivals);
          }
      for (guint p = 0; p < n_probes; p++)
        {
          g_autofree char *what = g_strdup_printf ("first back-off delay, 100 clients%s", labels[p]);
          g_autofree char *back = g_strdup_printf ("back at the restarted hub, 100 clients%s", labels[p]);
          g_autofree char *note = g_strdup_printf ("ms after the restart began (runs: %u); the hub was "
                                                   "listening again within %.0f ms",
                                                   MAX (herd_runs, 1), hub_back[p]);

          row (what, delays[p], "100 clients lose one hub at once");
          row (back, arrivals[p], note);
        }
      for (guint p = 0; p < n_probes; p++)
        {
          g_print ("\n%s", p == 0 ? "probe: $EIT_PROBE" : "probe: $EIT_PROBE_BASELINE");
          histogram (arrivals[p], 200, 4000);
          g_array_unref (delays[p]);
          g_array_unref (arrivals[p]);
        }
    }
  return 0;
}
