/* SPDX-License-Identifier: GPL-3.0-or-later */
/* eithub-probe ($EIT_PROBE) run as scripts run it, against a hub in this
 * process, directly or through the fault proxy: its JSON lines, its exit
 * status for each kind of failure, --stdin, a closed loop that loses
 * nothing across a reset link, and the probe's own count of lost,
 * duplicated and reordered echoes. */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "eit-fault-proxy.h"
#include "eit-test-util.h"

#define PROBE_WAIT_MS 30000

typedef struct {
  GSubprocess *process;
  char        *out;
  char        *err;
  GError      *error;
  gboolean     done;
} ProbeRun;

static void
probe_run_free (ProbeRun *run)
{
  g_clear_object (&run->process);
  g_free (run->out);
  g_free (run->err);
  g_clear_error (&run->error);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProbeRun, probe_run_free)

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ProbeRun *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err,
                                        &run->error);
  run->done = TRUE;
}

/* Starts the probe with args (NULL-terminated) and stdin_text as its
 * stdin; the main loop keeps running the hub and the proxy meanwhile. */
static ProbeRun *
probe_start (const char        *stdin_text,
             const char * const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  ProbeRun *run = g_new0 (ProbeRun, 1);
  const char *probe = g_getenv ("EIT_PROBE");

  if (probe == NULL)
    g_error ("EIT_PROBE is not set: run this test through meson test");
  g_strv_builder_add (builder, probe);
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  run->process = g_subprocess_newv ((const char * const *) argv,
                                    G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                    G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                    &run->error);
  g_assert_no_error (run->error);
  g_subprocess_communicate_utf8_async (run->process, stdin_text ? stdin_text : "", NULL,
                                       communicate_cb, run);
  return run;
}

/* Waits for the probe to exit; returns its exit status. */
static int
probe_wait (ProbeRun *run)
{
  g_assert_true (eit_test_wait_until (run->done, PROBE_WAIT_MS));
  g_assert_no_error (run->error);
  g_test_message ("probe stderr:\n%s", run->err);
  g_assert_true (g_subprocess_get_if_exited (run->process));
  return g_subprocess_get_exit_status (run->process);
}

static int
probe_run (EitTestHub         *hub,
           const char         *url,
           const char         *stdin_text,
           const char * const *extra,
           ProbeRun          **run_out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  ProbeRun *run;
  int status;

  g_strv_builder_add_many (builder, "--url", url ? url : hub->url, "--token", hub->token,
                           "--pin", hub->fingerprint, "--metrics-interval", "0", NULL);
  g_strv_builder_addv (builder, (const char **) extra);
  args = g_strv_builder_end (builder);
  run = probe_start (stdin_text, (const char * const *) args);
  status = probe_wait (run);
  *run_out = run;
  return status;
}

/* The last stdout line: the summary, checked to be one JSON object. */
static JsonObject *
probe_summary (ProbeRun *run)
{
  g_auto(GStrv) lines = g_strsplit (g_strchomp (run->out), "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *summary;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
    }
  summary = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (summary, "event"), ==, "summary");
  return json_object_ref (summary);
}

/* The "flow" object of the last metrics line (the one written at the end). */
static JsonObject *
probe_last_flow (ProbeRun *run)
{
  g_auto(GStrv) lines = g_strsplit (g_strchomp (run->out), "\n", -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *flow = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonObject *line;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      line = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (line, "event"), "metrics") == 0)
        {
          g_clear_pointer (&flow, json_object_unref);
          flow = json_object_ref (json_object_get_object_member (line, "flow"));
        }
    }
  g_assert_nonnull (flow);
  return flow;
}

static const char *
last_stderr_line (ProbeRun *run)
{
  char *end = run->err + strlen (run->err);

  while (end > run->err && end[-1] == '\n')
    *--end = '\0';
  while (end > run->err && end[-1] != '\n')
    end--;
  return end;
}

static EitFaultProxy *
proxy_to (EitTestHub *hub)
{
  g_autoptr(GError) error = NULL;
  EitFaultProxy *proxy = eit_fault_proxy_new ("127.0.0.1", eit_hub_server_get_port (hub->server));

  eit_fault_proxy_start (proxy, &error);
  g_assert_no_error (error);
  return proxy;
}

static char *
proxy_url (EitFaultProxy *proxy)
{
  return g_strdup_printf ("wss://127.0.0.1:%u/", eit_fault_proxy_get_port (proxy));
}

static void
test_echo_closed_loop (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autoptr(ProbeRun) run = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(JsonObject) flow = NULL;
  const char *extra[] = { "--inflight", "4", "--count", "500", "--size", "177", "--quiet",
                          "--metrics-interval", "10000", NULL };

  g_assert_cmpint (probe_run (hub, NULL, NULL, extra, &run), ==, 0);
  g_assert_nonnull (strstr (run->out, "\"state\":\"connected\""));
  g_assert_nonnull (strstr (run->out, "\"mode\":\"v1\""));
  g_assert_null (strstr (run->out, "\"event\":\"message\""));

  summary = probe_summary (run);
  g_assert_cmpint (json_object_get_int_member (summary, "sent"), ==, 500);
  g_assert_cmpint (json_object_get_int_member (summary, "echoed"), ==, 500);
  g_assert_cmpint (json_object_get_int_member (summary, "lost"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "duplicated"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "reordered"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "unanswered"), ==, 0);
  /* When the last echo came, for a rate between two frames' arrivals. */
  g_assert_cmpfloat (json_object_get_double_member (summary, "last_echo_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (summary, "last_echo_s"), <=,
                     json_object_get_double_member (summary, "time_s"));
  g_assert_cmpfloat (json_object_get_double_member (summary, "rtt_p50_ms"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (summary, "rtt_p99_ms"), >=,
                     json_object_get_double_member (summary, "rtt_p50_ms"));
  g_assert_cmpfloat (json_object_get_double_member (summary, "cpu_s"), >, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "max_rss_kb"), >, 0);
  g_assert_nonnull (strstr (last_stderr_line (run), "500"));

  /* The delivery-rate window, for whoever diagnoses a slow link. Four
   * small messages in flight are application-limited: no rate yet. */
  flow = probe_last_flow (run);
  g_assert_cmpint (json_object_get_int_member (flow, "adapted_window_bytes"), >=, 4096);
  g_assert_cmpint (json_object_get_int_member (flow, "frame_bound_bytes"), >=, 4096);
  g_assert_cmpfloat (json_object_get_double_member (flow, "delivery_rate_bytes_per_s"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (flow, "ack_rtt_ms"), >, 0);
  g_assert_cmpint (json_object_get_int_member (flow, "queued_bytes"), ==, 0);
  /* The hub stamps its acks with how long our data queued ("qd"). */
  g_assert_cmpfloat (json_object_get_double_member (flow, "queue_delay_ms"), >=, 0);
  g_assert_cmpfloat (json_object_get_double_member (flow, "path_rtt_ms"), >=, 0);
}

static void
test_stdin (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autoptr(ProbeRun) run = NULL;
  g_autoptr(JsonObject) summary = NULL;
  const char *extra[] = { "--stdin", NULL };

  g_assert_cmpint (probe_run (hub, NULL, "{\"a\":1}\nnot json\n\n[1, 2]\n", extra, &run), ==, 0);
  /* The invalid line is named with the parse error and skipped. */
  g_assert_nonnull (strstr (run->err, "stdin line 2 skipped: invalid JSON at byte"));
  g_assert_nonnull (strstr (run->out, "\"body\":{\"a\":1}"));
  g_assert_nonnull (strstr (run->out, "\"body\":[1, 2]"));
  summary = probe_summary (run);
  g_assert_cmpint (json_object_get_int_member (summary, "sent"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (summary, "received"), ==, 2);
}

static void
test_exit_status (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  g_autofree char *closed_url = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint closed_port;
  struct {
    const char *name;
    const char *args[12];
    int         status;
  } cases[] = {
    { "no url", { "--count", "1", NULL }, 2 },
    { "pin and CA file", { "--url", hub->url, "--pin", hub->fingerprint, "--ca-file", "/x", NULL }, 2 },
    { "bad pin", { "--url", hub->url, "--pin", "sha256:12", NULL }, 2 },
    { "wrong token", { "--url", hub->url, "--token", "wrong", "--pin", hub->fingerprint, NULL }, 3 },
    { "untrusted certificate", { "--url", hub->url, "--token", hub->token, NULL }, 4 },
    { "wrong pin", { "--url", hub->url, "--token", hub->token, "--pin",
                     "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                     NULL }, 4 },
    { "refused", { "--url", NULL, "--no-reconnect", NULL }, 5 },
  };

  /* A port that was free a moment ago: nothing listens there now. */
  closed_port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  closed_url = g_strdup_printf ("wss://127.0.0.1:%u/", closed_port);
  cases[G_N_ELEMENTS (cases) - 1].args[1] = closed_url;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ProbeRun) run = probe_start (NULL, cases[i].args);

      g_test_message ("case: %s", cases[i].name);
      g_assert_cmpint (probe_wait (run), ==, cases[i].status);
      /* The last stderr line says why, in words. */
      g_assert_cmpstr (last_stderr_line (run), !=, "");
    }
}

static void
test_reset_link_loses_nothing (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
  EitFaultProxy *proxy = proxy_to (hub);
  g_autofree char *url = proxy_url (proxy);
  g_autoptr(ProbeRun) run = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  const guint count = 20000;
  g_autofree char *count_text = g_strdup_printf ("%u", count);

  g_strv_builder_add_many (builder, "--url", url, "--token", hub->token, "--pin", hub->fingerprint,
                           "--inflight", "8", "--count", count_text, "--quiet",
                           "--metrics-interval", "0", "--reconnect-base", "20",
                           "--reconnect-cap", "100", NULL);
  args = g_strv_builder_end (builder);
  run = probe_start (NULL, (const char * const *) args);

  /* Mid-run, the link dies with a reset on both sides. */
  g_assert_true (eit_test_wait_until (eit_fault_proxy_get_bytes_to_client (proxy) > 100000 ||
                                      run->done, PROBE_WAIT_MS));
  g_assert_false (run->done);
  eit_fault_proxy_reset_all (proxy);

  g_assert_cmpint (probe_wait (run), ==, 0);
  g_assert_nonnull (strstr (run->out, "\"state\":\"backing-off\""));
  g_assert_cmpuint (eit_fault_proxy_get_connections_total (proxy), >=, 2);
  /* The session resumed: every echo came back once, in order. */
  summary = probe_summary (run);
  g_assert_cmpint (json_object_get_int_member (summary, "sent"), ==, count);
  g_assert_cmpint (json_object_get_int_member (summary, "echoed"), ==, count);
  g_assert_cmpint (json_object_get_int_member (summary, "lost"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "duplicated"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "reordered"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "unanswered"), ==, 0);

  g_assert_finalize_object (proxy);
}

/* An echo hub that loses one echo, doubles one and swaps two: the probe
 * must count each exactly, from its own sequence numbers, in --rate mode
 * (an open loop, where the library's flow control sees nothing wrong). */
typedef struct {
  char  *held;
  gsize  held_len;
} MangleState;

static void
on_mangled_echo (EitHubServer  *server,
                 EitHubSession *session,
                 const char    *json,
                 gulong         len,
                 MangleState   *state)
{
  EitJsonSpan span;
  guint64 seq = 0;

  g_assert_true (eit_json_find_member (json, len, "probe", &span));
  g_assert_true (eit_json_span_get_uint (&span, &seq));
  switch (seq)
    {
    case 5:
      return;
    case 10:
      eit_hub_session_send (session, json, len);
      break;
    case 20:
      state->held = g_strndup (json, len);
      state->held_len = len;
      return;
    default:
      break;
    }
  eit_hub_session_send (session, json, len);
  if (seq == 21)
    {
      eit_hub_session_send (session, state->held, state->held_len);
      g_clear_pointer (&state->held, g_free);
    }
}

static void
test_sequence_counts (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  MangleState state = { NULL, 0 };
  g_autoptr(ProbeRun) run = NULL;
  g_autoptr(JsonObject) summary = NULL;
  const char *extra[] = { "--rate", "2000", "--count", "300", "--size", "100", "--quiet", NULL };

  g_signal_connect (hub->server, "message", G_CALLBACK (on_mangled_echo), &state);
  g_assert_cmpint (probe_run (hub, NULL, NULL, extra, &run), ==, 0);
  g_signal_handlers_disconnect_by_data (hub->server, &state);

  summary = probe_summary (run);
  g_assert_cmpint (json_object_get_int_member (summary, "sent"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (summary, "received"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (summary, "echoed"), ==, 299);
  g_assert_cmpint (json_object_get_int_member (summary, "lost"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (summary, "duplicated"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (summary, "reordered"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (summary, "unanswered"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (summary, "rtt_p50_ms"), >, 0);
  g_assert_null (state.held);
}

/* --no-reconnect: a reset link ends the run with the network status, and
 * a half-open one too, once the inactivity timeout notices it. */
static void
test_no_reconnect (void)
{
  static const EitFaultMode faults[] = { EIT_FAULT_PASS, EIT_FAULT_BLACKHOLE };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(EitTestHub) hub = eit_test_hub_new (TRUE);
      EitFaultProxy *proxy = proxy_to (hub);
      g_autofree char *url = proxy_url (proxy);
      g_autoptr(ProbeRun) run = NULL;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) args = NULL;

      g_strv_builder_add_many (builder, "--url", url, "--token", hub->token,
                               "--pin", hub->fingerprint, "--inflight", "1", "--quiet",
                               "--no-reconnect", "--inactivity-timeout", "300",
                               "--keepalive-interval", "100", NULL);
      args = g_strv_builder_end (builder);
      run = probe_start (NULL, (const char * const *) args);

      g_assert_true (eit_test_wait_until (eit_fault_proxy_get_bytes_to_client (proxy) > 10000 ||
                                          run->done, PROBE_WAIT_MS));
      g_assert_false (run->done);
      if (faults[i] == EIT_FAULT_PASS)
        eit_fault_proxy_reset_all (proxy);
      else
        eit_fault_proxy_set_mode (proxy, faults[i]);

      g_assert_cmpint (probe_wait (run), ==, 5);
      g_assert_nonnull (strstr (run->out, "\"event\":\"error\""));
      g_assert_nonnull (strstr (last_stderr_line (run), "--no-reconnect"));
      g_assert_finalize_object (proxy);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/probe/echo-closed-loop", test_echo_closed_loop);
  g_test_add_func ("/probe/stdin", test_stdin);
  g_test_add_func ("/probe/exit-status", test_exit_status);
  g_test_add_func ("/probe/reset-link-loses-nothing", test_reset_link_loses_nothing);
  g_test_add_func ("/probe/no-reconnect", test_no_reconnect);
  g_test_add_func ("/probe/sequence-counts", test_sequence_counts);

  return g_test_run ();
}
