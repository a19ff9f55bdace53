/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real eithub-hub program ($EIT_HUB, and $EIT_HUB_RELEASE linked as a
 * release build) run as a user runs it: its JSON ready line, its token file,
 * its refusals over HTTPS and plain HTTP (with curl), insecure development
 * mode, echo and sink, option checks, and a clean SIGTERM shutdown. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "eit-error.h"
#include "eit-profile.h"
#include "eit-tls.h"
#include "eit-transport.h"
#include "eit-test-observed.h"
#include "eit-test-util.h"

#define WAIT_MS 10000
#define INSECURE_DEV_MESSAGE                                                        \
  "--insecure-dev is only available in a development build (configure with "      \
  "-Dprofile=development); release builds always require a token"

/* Iterates the default main context until cond holds, failing after WAIT_MS. */
#define WAIT_FOR(cond) g_assert_true (eit_test_wait_until ((cond), WAIT_MS))

typedef struct
{
  GSubprocess *process;
  char *url;
  char *fingerprint;
  char *token_file;
  char *token;
  char *epoch;
  char *mode;
  guint port;
  gint64 pid;
} Hub;

typedef struct
{
  char *dir;
  GPtrArray *hubs;
} Fixture;

static const char *
hub_binary (const char *variable)
{
  const char *path = g_getenv (variable);

  if (path == NULL)
    g_error ("%s is not set: run this test through meson test", variable);
  return path;
}

static void
hub_free (Hub *hub)
{
  if (hub->process != NULL && g_subprocess_get_identifier (hub->process) != NULL)
    {
      g_subprocess_force_exit (hub->process);
      g_subprocess_wait (hub->process, NULL, NULL);
    }
  g_clear_object (&hub->process);
  g_free (hub->url);
  g_free (hub->fingerprint);
  g_free (hub->token_file);
  g_free (hub->token);
  g_free (hub->epoch);
  g_free (hub->mode);
  g_free (hub);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("eit-hub-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->hubs = g_ptr_array_new_with_free_func ((GDestroyNotify) hub_free);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_ptr_array_unref (f->hubs);
  remove_tree (f->dir);
  g_free (f->dir);
}

/* A hub must not outlive a test that failed half way. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Starts the hub with argv (NULL-terminated, without the program) and reads
 * its ready line. env: extra "NAME=VALUE" entries, or NULL. */
static Hub *
hub_start_full (Fixture            *f,
                const char         *binary,
                const char * const *env,
                const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  JsonObject *ready;
  Hub *hub = g_new0 (Hub, 1);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, (char *) binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  hub->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->hubs, hub);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (hub->process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, read_line_cb, &result);
  WAIT_FOR (result != NULL);
  line = g_data_input_stream_read_line_finish_utf8 (lines, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("ready line: %s", line);

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  ready = json_node_get_object (json_parser_get_root (parser));

  hub->url = g_strdup (json_object_get_string_member (ready, "url"));
  hub->fingerprint = g_strdup (json_object_get_string_member (ready, "fingerprint"));
  hub->token_file = g_strdup (json_object_get_string_member (ready, "token_file"));
  hub->epoch = g_strdup (json_object_get_string_member (ready, "epoch"));
  hub->mode = g_strdup (json_object_get_string_member (ready, "mode"));
  hub->port = (guint) json_object_get_int_member (ready, "port");
  hub->pid = json_object_get_int_member (ready, "pid");
  g_assert_cmpuint (json_object_get_size (ready), ==, 7);

  if (hub->token_file != NULL && g_file_test (hub->token_file, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) tokens = NULL;

      g_file_get_contents (hub->token_file, &contents, NULL, &error);
      g_assert_no_error (error);
      /* The first token line, comments skipped. */
      tokens = g_strsplit (contents, "\n", -1);
      for (guint i = 0; tokens[i] != NULL && hub->token == NULL; i++)
        if (*g_strstrip (tokens[i]) != '\0' && tokens[i][0] != '#')
          hub->token = g_strdup (tokens[i]);
    }

  return hub;
}

static Hub *
hub_start (Fixture            *f,
           const char * const *extra_args)
{
  g_autofree char *token_file = g_build_filename (f->dir, "hub-token", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, "--token-file");
  g_ptr_array_add (args, token_file);
  /* Longer than any test: only what a test does closes its connections. */
  g_ptr_array_add (args, "--inactivity-timeout");
  g_ptr_array_add (args, "60000");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (char *) extra_args[i]);
  g_ptr_array_add (args, NULL);

  return hub_start_full (f, hub_binary ("EIT_HUB"), NULL, (const char * const *) args->pdata);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static void
wait_exit (GSubprocess *process)
{
  gboolean done = FALSE;

  g_subprocess_wait_async (process, NULL, wait_cb, &done);
  WAIT_FOR (done);
}

/* Runs a program to completion; returns its exit status. */
static int
run (const char * const *argv,
     char              **out,
     char              **err)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
assert_mode (const char *path,
             guint       expected)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, expected);
}

static void
assert_token_shape (const char *token)
{
  /* 32 random bytes in base64url without padding. */
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), ==, 43);
  for (const char *p = token; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
}

/* curl: a client that is not ours, so the refusals are checked as any HTTP
 * client sees them. NULL (and the test skipped) without curl. */

typedef struct
{
  int exit_status;
  guint status;
  char *headers;
  char *body;
} CurlResult;

static void
curl_result_free (CurlResult *result)
{
  g_free (result->headers);
  g_free (result->body);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurlResult, curl_result_free)

/* ws_version: NULL for a plain GET, else an upgrade with that version. */
static CurlResult *
curl (const char         *url,
      const char         *token,
      const char         *ws_version)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *program = g_find_program_in_path ("curl");
  CurlResult *result;
  char *split;

  if (program == NULL)
    {
      g_test_skip ("curl is not installed");
      return NULL;
    }

  result = g_new0 (CurlResult, 1);

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("-s"));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("-k"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup ("5"));
  if (token != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-H"));
      g_ptr_array_add (argv, g_strconcat ("Authorization: Bearer ", token, NULL));
    }
  if (ws_version != NULL)
    {
      const char *headers[] = {
        "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      };

      for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
        {
          g_ptr_array_add (argv, g_strdup ("-H"));
          g_ptr_array_add (argv, g_strdup (headers[i]));
        }
      g_ptr_array_add (argv, g_strdup ("-H"));
      g_ptr_array_add (argv, g_strconcat ("Sec-WebSocket-Version: ", ws_version, NULL));
    }
  g_ptr_array_add (argv, g_strdup (url));
  g_ptr_array_add (argv, NULL);

  result->exit_status = run ((const char * const *) argv->pdata, &out, &err);
  if (out != NULL && g_str_has_prefix (out, "HTTP/"))
    {
      const char *space = strchr (out, ' ');

      result->status = space ? (guint) g_ascii_strtoull (space + 1, NULL, 10) : 0;
      split = strstr (out, "\r\n\r\n");
      if (split != NULL)
        {
          /* The hub ends its bodies with a newline for terminals. */
          result->body = g_strchomp (g_strdup (split + 4));
          *split = '\0';
        }
      result->headers = g_strdup (out);
    }
  g_test_message ("curl %s: exit %d, status %u, body \"%s\"", url, result->exit_status, result->status,
                  result->body ? result->body : "");
  return result;
}

static char *
https_url (Hub *hub)
{
  return g_strdup_printf ("https://127.0.0.1:%u/", hub->port);
}

/* A transport to the hub -------------------------------------------------------- */

/* A base-layer transport (no eithub.v1 handshake to speak), pinned. */
static EitTransport *
connect_to (Hub         *hub,
            const char  *token,
            GError     **error)
{
  EitTransportOptions options = {
    .url = hub->url,
    .token = token,
    .trust_mode = EIT_TRUST_PINNED,
    .pin = hub->fingerprint,
    .offer_v1 = FALSE,
  };
  EitTransport *transport = eit_test_transport_connect (&options, error);

  if (transport != NULL)
    eit_test_observe (transport);
  return transport;
}

static void
close_and_free (EitTransport *transport)
{
  eit_transport_close (transport, EIT_CLOSE_NORMAL, "bye");
  WAIT_FOR (eit_test_observed (transport)->n_closed == 1);
  g_object_unref (transport);
}

/* Tests ------------------------------------------------------------------------ */

static void
test_ready_line (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *expected_url = NULL;
  g_autofree char *expected_pid = NULL;
  g_autofree char *token_file = g_build_filename (f->dir, "hub-token", NULL);
  Hub *hub = hub_start (f, NULL);

  g_assert_cmpuint (hub->port, >, 0);
  expected_url = g_strdup_printf ("wss://127.0.0.1:%u/", hub->port);
  g_assert_cmpstr (hub->url, ==, expected_url);
  g_assert_true (g_str_has_prefix (hub->fingerprint, "sha256:"));
  g_assert_cmpuint (strlen (hub->fingerprint), ==, strlen ("sha256:") + 64);
  g_assert_cmpstr (hub->token_file, ==, token_file);
  g_assert_cmpstr (hub->mode, ==, "echo");
  g_assert_nonnull (hub->epoch);
  g_assert_cmpstr (hub->epoch, !=, "");
  expected_pid = g_strdup_printf ("%" G_GINT64_FORMAT, hub->pid);
  g_assert_cmpstr (g_subprocess_get_identifier (hub->process), ==, expected_pid);

  /* A fresh token file: owner-only, one random token. */
  assert_mode (hub->token_file, 0600);
  assert_token_shape (hub->token);
}

static void
test_default_token_file (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *runtime_env = g_strconcat ("XDG_RUNTIME_DIR=", f->dir, NULL);
  g_autofree char *expected = g_build_filename (f->dir, "eithub", "hub-token", NULL);
  g_autofree char *expected_dir = g_build_filename (f->dir, "eithub", NULL);
  const char *env[] = { runtime_env, NULL };
  const char *args[] = { NULL };
  Hub *hub = hub_start_full (f, hub_binary ("EIT_HUB"), env, args);

  g_assert_cmpstr (hub->token_file, ==, expected);
  assert_mode (expected_dir, 0700);
  assert_mode (expected, 0600);
  assert_token_shape (hub->token);
}

static void
test_existing_token_file (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *token_file = g_build_filename (f->dir, "hub-token", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) refused = NULL;
  EitTransport *transport;
  Hub *hub;

  g_file_set_contents (token_file,
                       "# tokens for the lab\n"
                       "first-token\n"
                       "\n"
                       "  second.token~2  \n",
                       -1, &error);
  g_assert_no_error (error);
  g_chmod (token_file, 0600);

  hub = hub_start (f, NULL);
  /* The file is read, not replaced. */
  g_assert_cmpstr (hub->token, ==, "first-token");

  transport = connect_to (hub, "second.token~2", &error);
  g_assert_no_error (error);
  close_and_free (transport);

  transport = connect_to (hub, "first-token", &error);
  g_assert_no_error (error);
  close_and_free (transport);

  g_assert_null (connect_to (hub, "not-listed", &refused));
  g_assert_error (refused, EIT_ERROR, EIT_ERROR_AUTH);
}

static void
test_plain_http_refused (Fixture       *f,
                         gconstpointer  data)
{
  Hub *hub = hub_start (f, NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", hub->port);
  g_autoptr(CurlResult) result = curl (url, hub->token, "13");

  if (result == NULL)
    return;
  /* The TLS port never answers plaintext, let alone upgrades it. */
  g_assert_cmpuint (result->status, !=, 101);
  g_assert_true (result->exit_status != 0 || result->status >= 400);
}

static void
test_wrong_token (Fixture       *f,
                  gconstpointer  data)
{
  Hub *hub = hub_start (f, NULL);
  g_autofree char *url = https_url (hub);
  g_autoptr(CurlResult) result = curl (url, "not-the-token", "13");

  if (result == NULL)
    return;
  g_assert_cmpint (result->exit_status, ==, 0);
  g_assert_cmpuint (result->status, ==, 401);
  g_assert_cmpstr (result->body, ==, "invalid token: check the hub's token file");
  g_assert_nonnull (strstr (result->headers, "Bearer realm=\"eithub\", error=\"invalid_token\""));
}

static void
test_no_token (Fixture       *f,
               gconstpointer  data)
{
  Hub *hub = hub_start (f, NULL);
  g_autofree char *url = https_url (hub);
  g_autoptr(CurlResult) result = curl (url, NULL, "13");

  if (result == NULL)
    return;
  g_assert_cmpint (result->exit_status, ==, 0);
  g_assert_cmpuint (result->status, ==, 401);
  g_assert_cmpstr (result->body, ==,
                   "missing token: send \"Authorization: Bearer <token>\" or the subprotocol "
                   "\"eithub.bearer.<token>\"");
  g_assert_nonnull (strstr (result->headers, "WWW-Authenticate: Bearer realm=\"eithub\""));
}

static void
test_not_upgrade (Fixture       *f,
                  gconstpointer  data)
{
  Hub *hub = hub_start (f, NULL);
  g_autofree char *url = https_url (hub);
  g_autoptr(CurlResult) result = curl (url, hub->token, NULL);

  if (result == NULL)
    return;
  g_assert_cmpint (result->exit_status, ==, 0);
  g_assert_cmpuint (result->status, ==, 426);
  g_assert_cmpstr (result->body, ==, "this is an Eit hub: connect with a WebSocket (wss://)");
}

/* An upgrade RFC 6455 does not allow gets a 400 that says so, never a WebSocket. */
static void
test_bad_upgrade (Fixture       *f,
                  gconstpointer  data)
{
  Hub *hub = hub_start (f, NULL);
  g_autofree char *url = https_url (hub);
  g_autoptr(CurlResult) result = curl (url, hub->token, "8");

  if (result == NULL)
    return;
  g_assert_cmpint (result->exit_status, ==, 0);
  g_assert_cmpuint (result->status, ==, 400);
  g_assert_true (g_str_has_prefix (result->body, "not a valid WebSocket upgrade ("));
  g_assert_true (g_str_has_suffix (result->body, "): connect with a WebSocket client (RFC 6455, "
                                                 "version 13)"));
}

static void
test_insecure_dev_release (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *token_file = g_build_filename (f->dir, "hub-token", NULL);
  const char *argv[] = {
    hub_binary ("EIT_HUB_RELEASE"), "--insecure-dev", "--token-file", token_file, NULL
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (argv, &out, &err), ==, 2);
  g_test_message ("stderr: %s", err);
  g_assert_nonnull (strstr (err, INSECURE_DEV_MESSAGE));
  /* Refused before anything else: no ready line, no token file. */
  g_assert_cmpstr (out, ==, "");
  g_assert_false (g_file_test (token_file, G_FILE_TEST_EXISTS));
}

static void
test_insecure_dev_development (Fixture       *f,
                               gconstpointer  data)
{
  const char *args[] = { "--insecure-dev", NULL };
  g_autoptr(GError) error = NULL;
  EitTransport *transport;
  Hub *hub;

  /* The test links the same profile library as $EIT_HUB. */
  if (!eit_profile_is_development ())
    {
      g_test_skip ("a release build: --insecure-dev is refused (see insecure-dev/release)");
      return;
    }

  hub = hub_start (f, args);
  g_assert_cmpuint (hub->port, >, 0);

  /* It does what it says: a client without a token gets in. */
  transport = connect_to (hub, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (eit_transport_is_open (transport));
  close_and_free (transport);
}

static void
assert_sigterm_closes (Fixture *f,
                       int      signal_number)
{
  g_autoptr(GError) error = NULL;
  EitTransport *transport;
  Hub *hub = hub_start (f, NULL);

  transport = connect_to (hub, hub->token, &error);
  g_assert_no_error (error);

  g_subprocess_send_signal (hub->process, signal_number);
  WAIT_FOR (eit_test_observed (transport)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (transport), ==, EIT_CLOSE_GOING_AWAY);
  g_assert_cmpstr (eit_transport_get_close_reason (transport), ==, "hub shutting down");
  g_assert_false (eit_transport_get_closed_locally (transport));

  wait_exit (hub->process);
  g_assert_true (g_subprocess_get_if_exited (hub->process));
  g_assert_cmpint (g_subprocess_get_exit_status (hub->process), ==, 0);
  g_object_unref (transport);
}

static void
test_sigterm (Fixture       *f,
              gconstpointer  data)
{
  assert_sigterm_closes (f, SIGTERM);
}

static void
test_sigint (Fixture       *f,
             gconstpointer  data)
{
  assert_sigterm_closes (f, SIGINT);
}

/* Sends one message, then closes: an echo comes back before the close
 * completes (the hub answers in order), a sink's never does. */
static guint
frames_before_close (Hub *hub)
{
  g_autoptr(GError) error = NULL;
  const char *message = "{\"kind\":\"reading\",\"v\":42}";
  EitTransport *transport = connect_to (hub, hub->token, &error);
  guint n_frames;

  g_assert_no_error (error);
  g_assert_true (eit_transport_send (transport, message, strlen (message)));
  if (g_str_equal (hub->mode, "echo"))
    {
      WAIT_FOR (eit_test_observed (transport)->n_frames == 1);
      g_assert_cmpstr (eit_test_observed (transport)->last_frame->str, ==, message);
    }
  eit_transport_close (transport, EIT_CLOSE_NORMAL, "bye");
  WAIT_FOR (eit_test_observed (transport)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (transport), ==, EIT_CLOSE_NORMAL);
  n_frames = eit_test_observed (transport)->n_frames;
  g_object_unref (transport);
  return n_frames;
}

static void
test_echo (Fixture       *f,
           gconstpointer  data)
{
  Hub *hub = hub_start (f, NULL);

  g_assert_cmpuint (frames_before_close (hub), ==, 1);
}

static void
test_sink (Fixture       *f,
           gconstpointer  data)
{
  const char *args[] = { "--mode", "sink", NULL };
  Hub *hub = hub_start (f, args);

  g_assert_cmpstr (hub->mode, ==, "sink");
  g_assert_cmpuint (frames_before_close (hub), ==, 0);
}

static void
test_max_message_size (Fixture       *f,
                       gconstpointer  data)
{
  const char *args[] = { "--max-message-size", "100", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (200, 'x');
  EitTransport *transport;
  Hub *hub = hub_start (f, args);

  transport = connect_to (hub, hub->token, &error);
  g_assert_no_error (error);
  g_assert_true (eit_transport_send (transport, big, 200));
  WAIT_FOR (eit_test_observed (transport)->n_closed == 1);
  g_assert_cmpuint (eit_transport_get_close_code (transport), ==, EIT_CLOSE_TOO_BIG);
  g_assert_cmpstr (eit_transport_get_close_reason (transport), ==,
                   "message of 200 bytes exceeds the limit of 100");
  g_object_unref (transport);
}

static void
test_handshake_timeout (Fixture       *f,
                        gconstpointer  data)
{
  const char *args[] = { "--handshake-timeout", "200", NULL };
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) idle = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  gssize got = -1;
  gint64 start;
  char byte;
  Hub *hub = hub_start (f, args);

  /* A TCP connection that never starts TLS is dropped after the timeout. */
  idle = g_socket_client_connect_to_host (client, "127.0.0.1", hub->port, NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (idle);
  g_socket_set_blocking (socket, FALSE);
  start = g_get_monotonic_time ();
  WAIT_FOR ((got = g_socket_receive (socket, &byte, 1, NULL, NULL)) == 0);
  /* Well before the 10 s default: the option took effect. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_cert_from_files (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_file = g_build_filename (f->dir, "hub.crt", NULL);
  g_autofree char *key_file = g_build_filename (f->dir, "hub.key", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--cert", cert_file, "--key", key_file, NULL };
  Hub *hub;

  g_assert_true (eit_tls_generate_self_signed ("files", 1, &cert_pem, &key_pem, &error));
  g_file_set_contents (cert_file, cert_pem, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (key_file, key_pem, -1, &error);
  g_assert_no_error (error);
  certificate = g_tls_certificate_new_from_pem (cert_pem, -1, &error);
  g_assert_no_error (error);
  fingerprint = eit_tls_certificate_fingerprint (certificate);

  hub = hub_start (f, args);
  g_assert_cmpstr (hub->fingerprint, ==, fingerprint);
}

static void
test_version (Fixture       *f,
              gconstpointer  data)
{
  const char *argv[] = { hub_binary ("EIT_HUB"), "--version", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (argv, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "eithub-hub " PACKAGE_VERSION "\n");
}

static void
test_help (Fixture       *f,
           gconstpointer  data)
{
  const char *argv[] = { hub_binary ("EIT_HUB"), "--help", NULL };
  const char *options[] = {
    "--address", "--port", "--cert", "--key", "--token-file", "--allow-origin", "--mode",
    "--inactivity-timeout", "--keepalive-interval", "--session-grace", "--window-messages",
    "--window-bytes", "--max-message-size", "--max-connections-per-token", "--insecure-dev",
    "--version",
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (argv, &out, &err), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    g_assert_nonnull (strstr (out, options[i]));
}

static void
test_bad_arguments (Fixture       *f,
                    gconstpointer  data)
{
  const struct {
    const char *args[4];
    const char *says;
  } cases[] = {
    { { "--mode", "mirror", NULL }, "--mode must be echo or sink" },
    { { "--port", "70000", NULL }, "--port must be between 0 and 65535" },
    { { "--address", "localhost.invalid", NULL }, "--address must be an IP address" },
    { { "--cert", "/tmp/x.crt", NULL }, "--cert and --key go together" },
    { { "--window-messages", "0", NULL }, "--window-messages must be between 1 and" },
    { { "--inactivity-timeout", "-5", NULL }, "--inactivity-timeout must be between 0 and" },
    { { "--bogus", NULL }, "--bogus" },
    { { "extra", NULL }, "Unexpected argument" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *token_file = g_build_filename (f->dir, "hub-token", NULL);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_ptr_array_add (argv, (char *) hub_binary ("EIT_HUB"));
      g_ptr_array_add (argv, "--token-file");
      g_ptr_array_add (argv, token_file);
      for (guint j = 0; cases[i].args[j] != NULL; j++)
        g_ptr_array_add (argv, (char *) cases[i].args[j]);
      g_ptr_array_add (argv, NULL);

      g_assert_cmpint (run ((const char * const *) argv->pdata, &out, &err), ==, 2);
      g_test_message ("%s -> %s", cases[i].args[0], err);
      g_assert_nonnull (strstr (err, cases[i].says));
      g_assert_cmpstr (out, ==, "");
    }
}

static void
test_unreadable_files (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *token_dir = g_build_filename (f->dir, "a-directory", NULL);
  g_autofree char *bad_token_file = g_build_filename (f->dir, "bad-token", NULL);
  g_autofree char *token_file = g_build_filename (f->dir, "hub-token", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;

  {
    const char *argv[] = { hub_binary ("EIT_HUB"), "--token-file", token_file,
                           "--cert", "/nonexistent/hub.crt", "--key", "/nonexistent/hub.key", NULL };

    g_assert_cmpint (run (argv, &out, &err), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "Cannot load the certificate /nonexistent/hub.crt"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  {
    const char *argv[] = { hub_binary ("EIT_HUB"), "--token-file", token_dir, NULL };

    g_assert_cmpint (g_mkdir (token_dir, 0700), ==, 0);
    g_assert_cmpint (run (argv, &out, &err), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "Cannot read the token file"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  {
    const char *argv[] = { hub_binary ("EIT_HUB"), "--token-file", bad_token_file, NULL };

    g_file_set_contents (bad_token_file, "# only a comment\nbad token with spaces\n", -1, &error);
    g_assert_no_error (error);
    g_assert_cmpint (run (argv, &out, &err), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "invalid token on line 2"));
    g_assert_cmpstr (out, ==, "");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/hub-cli/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("ready-line", test_ready_line);
  ADD ("token-file/default", test_default_token_file);
  ADD ("token-file/existing", test_existing_token_file);
  ADD ("refusal/plain-http", test_plain_http_refused);
  ADD ("refusal/wrong-token", test_wrong_token);
  ADD ("refusal/no-token", test_no_token);
  ADD ("refusal/not-upgrade", test_not_upgrade);
  ADD ("refusal/bad-upgrade", test_bad_upgrade);
  ADD ("insecure-dev/release", test_insecure_dev_release);
  ADD ("insecure-dev/development", test_insecure_dev_development);
  ADD ("signal/sigterm", test_sigterm);
  ADD ("signal/sigint", test_sigint);
  ADD ("mode/echo", test_echo);
  ADD ("mode/sink", test_sink);
  ADD ("options/max-message-size", test_max_message_size);
  ADD ("options/handshake-timeout", test_handshake_timeout);
  ADD ("options/cert-from-files", test_cert_from_files);
  ADD ("options/version", test_version);
  ADD ("options/help", test_help);
  ADD ("options/bad-arguments", test_bad_arguments);
  ADD ("options/unreadable-files", test_unreadable_files);

#undef ADD

  return g_test_run ();
}
