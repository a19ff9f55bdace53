/* SPDX-License-Identifier: GPL-3.0-or-later */
/* eithub-hub: the reference Eit hub. Prints one JSON line that says where
 * and how to connect, then serves until SIGINT/SIGTERM, logging to stderr. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "eit-error.h"
#include "eit-hub-server.h"
#include "eit-hub-session.h"
#include "eit-tls.h"

#define EXIT_USAGE 2
/* GnuTLS's defaults with %COMPAT, as glib-networking uses them, minus every
 * protocol version older than TLS 1.2. */
#define TLS_PRIORITY "NORMAL:%COMPAT:-VERS-TLS1.1:-VERS-TLS1.0"
/* How long a shutdown waits for the close frames to go out. */
#define SHUTDOWN_DRAIN_MS 2000
#define SHUTDOWN_POLL_MS 20

typedef struct
{
  GMainLoop *loop;
  EitHubServer *server;
  gboolean shutting_down;
  gint64 drain_deadline;
  guint drain_source;
} Hub;

/* Options left at OPTION_UNSET keep the server's default. */
#define OPTION_UNSET G_MININT64

static char *opt_address = NULL;
static int opt_port = 0;
static char *opt_cert = NULL;
static char *opt_key = NULL;
static char *opt_token_file = NULL;
static char **opt_allow_origins = NULL;
static char *opt_mode = NULL;
static gint64 opt_inactivity_timeout = OPTION_UNSET;
static gint64 opt_keepalive_interval = OPTION_UNSET;
static gint64 opt_session_grace = OPTION_UNSET;
static gint64 opt_window_messages = OPTION_UNSET;
static gint64 opt_window_bytes = OPTION_UNSET;
static gint64 opt_max_message_size = OPTION_UNSET;
static gint64 opt_max_connections_per_token = OPTION_UNSET;
static gint64 opt_handshake_timeout = OPTION_UNSET;
static gint64 opt_max_connections = OPTION_UNSET;
static gint64 opt_max_unauthenticated_per_address = OPTION_UNSET;
static gint64 opt_first_byte_timeout = OPTION_UNSET;
static gint64 opt_request_timeout = OPTION_UNSET;
static gint64 opt_output_limit = OPTION_UNSET;
static gint64 opt_slow_consumer_timeout = OPTION_UNSET;
static gint64 opt_control_frame_limit = OPTION_UNSET;
static gint64 opt_max_queued_bytes = OPTION_UNSET;
static gint64 opt_takeover_storm_limit = OPTION_UNSET;
static gint64 opt_takeover_storm_window = OPTION_UNSET;
static gboolean opt_insecure_dev = FALSE;
static gboolean opt_version = FALSE;

static const GOptionEntry option_entries[] = {
  { "address", 0, 0, G_OPTION_ARG_STRING, &opt_address,
    N_("IP address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
  { "port", 0, 0, G_OPTION_ARG_INT, &opt_port,
    N_("TCP port to listen on (default 0: a free port, printed on stdout)"), N_("PORT") },
  { "cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_cert,
    N_("PEM certificate (default: a fresh self-signed one)"), N_("FILE") },
  { "key", 0, 0, G_OPTION_ARG_FILENAME, &opt_key,
    N_("PEM private key of --cert"), N_("FILE") },
  { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_token_file,
    N_("Accepted tokens, one per line, # for comments; created with a random token if missing "
       "(default $XDG_RUNTIME_DIR/eithub/hub-token)"), N_("FILE") },
  { "allow-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_allow_origins,
    N_("Accept browsers from this Origin (repeatable; default: any)"), N_("ORIGIN") },
  { "mode", 0, 0, G_OPTION_ARG_STRING, &opt_mode,
    N_("echo: send every message back to its session; sink: discard (default echo)"), N_("MODE") },
  { "inactivity-timeout", 0, 0, G_OPTION_ARG_INT64, &opt_inactivity_timeout,
    N_("Close a connection silent for this long, in ms (default 5000)"), N_("MS") },
  { "keepalive-interval", 0, 0, G_OPTION_ARG_INT64, &opt_keepalive_interval,
    N_("Ping after this long without sending, in ms (default 1500)"), N_("MS") },
  { "session-grace", 0, 0, G_OPTION_ARG_INT64, &opt_session_grace,
    N_("Keep a dropped session for resumption this long, in ms (default 30000)"), N_("MS") },
  { "window-messages", 0, 0, G_OPTION_ARG_INT64, &opt_window_messages,
    N_("Receive window in messages (default 1024)"), N_("N") },
  { "window-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_window_bytes,
    N_("Receive window in bytes (default 4194304)"), N_("BYTES") },
  { "max-message-size", 0, 0, G_OPTION_ARG_INT64, &opt_max_message_size,
    N_("Largest message accepted, in bytes (default 1048576)"), N_("BYTES") },
  { "max-connections-per-token", 0, 0, G_OPTION_ARG_INT64, &opt_max_connections_per_token,
    N_("Open connections allowed per token (default 32)"), N_("N") },
  { "handshake-timeout", 0, 0, G_OPTION_ARG_INT64, &opt_handshake_timeout,
    N_("Drop a connection whose TLS handshake is not done this long after it connected, in ms "
       "(default 10000)"), N_("MS") },
  { "max-connections", 0, 0, G_OPTION_ARG_INT64, &opt_max_connections,
    N_("Open connections at most; at the limit the hub stops accepting until one ends "
       "(default 0: the open-file limit minus 64)"), N_("N") },
  { "max-unauthenticated-per-address", 0, 0, G_OPTION_ARG_INT64,
    &opt_max_unauthenticated_per_address,
    N_("Connections from one IP address that have not authenticated yet; more are closed at "
       "once (default 64)"), N_("N") },
  { "first-byte-timeout", 0, 0, G_OPTION_ARG_INT64, &opt_first_byte_timeout,
    N_("Drop a connection that sends nothing for this long after connecting, in ms "
       "(default 3000)"), N_("MS") },
  { "request-timeout", 0, 0, G_OPTION_ARG_INT64, &opt_request_timeout,
    N_("Drop a connection whose upgrade request is not complete this long after TLS, in ms "
       "(default 10000)"), N_("MS") },
  { "output-limit", 0, 0, G_OPTION_ARG_INT64, &opt_output_limit,
    N_("Stop reading a connection with this many bytes unsent to it (default 4194304; 0: no limit)"),
    N_("BYTES") },
  { "slow-consumer-timeout", 0, 0, G_OPTION_ARG_INT64, &opt_slow_consumer_timeout,
    N_("Close a connection over --output-limit for this long with 4009, in ms (default 10000)"),
    N_("MS") },
  { "control-frame-limit", 0, 0, G_OPTION_ARG_INT64, &opt_control_frame_limit,
    N_("WebSocket pings and pongs allowed per second before 1008 (default 100; 0: no limit)"),
    N_("N") },
  { "max-queued-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_queued_bytes,
    N_("Bytes queued for all clients together before the heaviest are refused "
       "(default 536870912; 0: no limit)"), N_("BYTES") },
  { "takeover-storm-limit", 0, 0, G_OPTION_ARG_INT64, &opt_takeover_storm_limit,
    N_("Takeovers of an instance's live connection within --takeover-storm-window before "
       "the next is refused with 4007 (default 5; 0: no limit)"), N_("N") },
  { "takeover-storm-window", 0, 0, G_OPTION_ARG_INT64, &opt_takeover_storm_window,
    N_("The window of --takeover-storm-limit, in ms (default 60000)"), N_("MS") },
  { "insecure-dev", 0, 0, G_OPTION_ARG_NONE, &opt_insecure_dev,
    N_("Accept connections without a token (development builds only)"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    N_("Print the version and exit"), NULL },
  G_OPTION_ENTRY_NULL
};

static void
usage_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static void
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("eithub-hub: %s\n", message);
  g_printerr (_("Run “%s --help” to see the options.\n"), g_get_prgname ());
}

static void
server_log_cb (EitHubServer *server,
               const char   *line,
               gpointer      user_data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  g_printerr ("%s.%03d %s\n", stamp, g_date_time_get_microsecond (now) / 1000, line);
}

static void
server_message_echo_cb (EitHubServer  *server,
                        EitHubSession *session,
                        const char    *json,
                        gsize          len,
                        gpointer       user_data)
{
  /* A refused echo (queue full, session detached) is the client's back-off
   * at work; the hub neither retries nor buffers more. */
  eit_hub_session_send (session, json, len);
}

/* The options that map one to one onto the server's integer properties. */
static const struct {
  const char *property;
  gint64 *value;
} settings[] = {
  { "inactivity-timeout", &opt_inactivity_timeout },
  { "keepalive-interval", &opt_keepalive_interval },
  { "session-grace", &opt_session_grace },
  { "window-messages", &opt_window_messages },
  { "window-bytes", &opt_window_bytes },
  { "max-message-size", &opt_max_message_size },
  { "max-connections-per-token", &opt_max_connections_per_token },
  { "handshake-timeout", &opt_handshake_timeout },
  { "max-connections", &opt_max_connections },
  { "max-unauthenticated-per-address", &opt_max_unauthenticated_per_address },
  { "first-byte-timeout", &opt_first_byte_timeout },
  { "request-timeout", &opt_request_timeout },
  { "output-limit", &opt_output_limit },
  { "slow-consumer-timeout", &opt_slow_consumer_timeout },
  { "control-frame-limit", &opt_control_frame_limit },
  { "max-queued-bytes", &opt_max_queued_bytes },
  { "takeover-storm-limit", &opt_takeover_storm_limit },
  { "takeover-storm-window", &opt_takeover_storm_window },
};

/* Refuses a setting outside its property's own range, before anything runs. */
static gboolean
check_settings (void)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (EIT_TYPE_HUB_SERVER);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass),
                                                        settings[i].property);
      gint64 value = *settings[i].value;
      guint64 minimum, maximum;

      g_assert (pspec != NULL);
      if (value == OPTION_UNSET)
        continue;

      if (G_IS_PARAM_SPEC_UINT64 (pspec))
        {
          minimum = G_PARAM_SPEC_UINT64 (pspec)->minimum;
          maximum = G_PARAM_SPEC_UINT64 (pspec)->maximum;
        }
      else
        {
          minimum = G_PARAM_SPEC_UINT (pspec)->minimum;
          maximum = G_PARAM_SPEC_UINT (pspec)->maximum;
        }

      if (value < 0 || (guint64) value < minimum || (guint64) value > maximum)
        {
          /* Numbers as text: xgettext cannot see through G_GUINT64_FORMAT. */
          g_autofree char *minimum_text = g_strdup_printf ("%" G_GUINT64_FORMAT, minimum);
          g_autofree char *maximum_text = g_strdup_printf ("%" G_GUINT64_FORMAT, maximum);
          g_autofree char *value_text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

          usage_error (_("--%s must be between %s and %s (got %s)"),
                       settings[i].property, minimum_text, maximum_text, value_text);
          return FALSE;
        }
    }

  return TRUE;
}

static void
apply_settings (EitHubServer *server)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (server),
                                                        settings[i].property);
      g_auto(GValue) value = G_VALUE_INIT;

      if (*settings[i].value == OPTION_UNSET)
        continue;

      /* In range: check_settings() saw to it. */
      g_value_init (&value, pspec->value_type);
      if (G_IS_PARAM_SPEC_UINT64 (pspec))
        g_value_set_uint64 (&value, (guint64) *settings[i].value);
      else
        g_value_set_uint (&value, (guint) *settings[i].value);
      g_object_set_property (G_OBJECT (server), settings[i].property, &value);
    }
}

/* Creates path with a fresh token, readable by its owner only. Returns the
 * token, or NULL with errno EEXIST in error when the file is already there. */
static char *
create_token_file (const char  *path,
                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *token = NULL;
  g_autofree char *line = NULL;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the directory %s for the token file: %s"), dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the token file %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  token = eit_tls_generate_token (error);
  line = token ? g_strconcat (token, "\n", NULL) : NULL;
  /* The umask may only take bits away; make the mode exact anyway. */
  if (line == NULL || fchmod (fd, 0600) != 0 ||
      write (fd, line, strlen (line)) != (gssize) strlen (line))
    {
      int saved_errno = errno;

      if (error != NULL && *error == NULL)
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                     _("Cannot write the token file %s: %s"), path, g_strerror (saved_errno));
      close (fd);
      g_unlink (path);
      return NULL;
    }
  if (close (fd) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot write the token file %s: %s"), path, g_strerror (saved_errno));
      g_unlink (path);
      return NULL;
    }

  return g_steal_pointer (&token);
}

static GStrv
read_token_file (const char  *path,
                 GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;
  guint n_tokens = 0;

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot read the token file %s: %s"), path, local_error->message);
      return NULL;
    }

  if (g_stat (path, &st) == 0 && (st.st_mode & 0077) != 0)
    g_printerr (_("eithub-hub: warning: the token file %s can be read by other users (mode %03o): "
                  "chmod 600 it\n"), path, (guint) (st.st_mode & 0777));

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *token = g_strstrip (lines[i]);

      if (*token == '\0' || *token == '#')
        continue;
      if (!eit_protocol_token_is_valid (token))
        {
          g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                       _("The token file %s has an invalid token on line %u: a token is 1 to %d "
                         "characters from A-Z a-z 0-9 - _ . ~"), path, i + 1, EIT_TOKEN_MAX_LENGTH);
          return NULL;
        }
      g_strv_builder_add (builder, token);
      n_tokens++;
    }

  if (n_tokens == 0)
    {
      g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                   _("The token file %s holds no token: write one per line, or delete the file to "
                     "get a fresh random one"), path);
      return NULL;
    }

  return g_strv_builder_end (builder);
}

/* Reads the tokens at path, or creates the file with a new random token. */
static GStrv
load_tokens (const char  *path,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *token = NULL;

  token = create_token_file (path, &local_error);
  if (token != NULL)
    {
      GStrv tokens = g_new0 (char *, 2);

      tokens[0] = g_steal_pointer (&token);
      return tokens;
    }
  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_EXIST))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return read_token_file (path, error);
}

static GTlsCertificate *
load_certificate (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  if (opt_cert == NULL)
    return eit_tls_certificate_new_self_signed (error);

  certificate = g_tls_certificate_new_from_files (opt_cert, opt_key, &local_error);
  if (certificate == NULL)
    g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                 _("Cannot load the certificate %s with the key %s: %s"),
                 opt_cert, opt_key, local_error->message);
  return certificate;
}

static void
print_ready_line (EitHubServer *server,
                  const char   *token_file)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *url = eit_hub_server_get_url (server);
  g_autofree char *fingerprint = eit_hub_server_get_fingerprint (server);
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, url);
  json_builder_set_member_name (builder, "fingerprint");
  json_builder_add_string_value (builder, fingerprint);
  json_builder_set_member_name (builder, "token_file");
  json_builder_add_string_value (builder, token_file);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, eit_hub_server_get_port (server));
  json_builder_set_member_name (builder, "epoch");
  json_builder_add_string_value (builder, eit_hub_server_get_epoch (server));
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, getpid ());
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, opt_mode);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  line = json_to_string (root, FALSE);
  /* Scripts wait for this line: it must leave at once, not when a buffer fills. */
  g_print ("%s\n", line);
  fflush (stdout);
}

static gboolean
drain_cb (gpointer user_data)
{
  Hub *hub = user_data;

  if (eit_hub_server_get_n_connections (hub->server) > 0 &&
      g_get_monotonic_time () < hub->drain_deadline)
    return G_SOURCE_CONTINUE;

  hub->drain_source = 0;
  g_main_loop_quit (hub->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Hub *hub = user_data;

  /* A second signal means: stop now. */
  if (hub->shutting_down)
    {
      g_main_loop_quit (hub->loop);
      return G_SOURCE_CONTINUE;
    }

  hub->shutting_down = TRUE;
  eit_hub_server_shutdown (hub->server);
  /* Let the 1001 close frames go out before the process ends, bounded. */
  hub->drain_deadline = g_get_monotonic_time () + SHUTDOWN_DRAIN_MS * G_TIME_SPAN_MILLISECOND;
  hub->drain_source = g_timeout_add (SHUTDOWN_POLL_MS, drain_cb, hub);
  return G_SOURCE_CONTINUE;
}

/* Every connection is a descriptor: take all the kernel allows this
 * process, so the connection cap (derived from it) is as high as it can be. */
static void
raise_open_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
    return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_printerr (_("eithub-hub: warning: cannot raise the open-file limit: %s\n"),
                g_strerror (errno));
}

static gboolean
check_arguments (int    argc,
                 char **argv)
{
  g_autoptr(GInetAddress) address = NULL;

  if (argc > 1)
    {
      usage_error (_("Unexpected argument “%s”"), argv[1]);
      return FALSE;
    }
  if (opt_port < 0 || opt_port > 65535)
    {
      usage_error (_("--port must be between 0 and 65535 (got %d)"), opt_port);
      return FALSE;
    }
  address = g_inet_address_new_from_string (opt_address);
  if (address == NULL)
    {
      usage_error (_("--address must be an IP address such as 127.0.0.1 or ::1 (got “%s”)"),
                   opt_address);
      return FALSE;
    }
  if (g_strcmp0 (opt_mode, "echo") != 0 && g_strcmp0 (opt_mode, "sink") != 0)
    {
      usage_error (_("--mode must be echo or sink (got “%s”)"), opt_mode);
      return FALSE;
    }
  if ((opt_cert == NULL) != (opt_key == NULL))
    {
      usage_error (_("--cert and --key go together: give both, or neither for a self-signed "
                     "certificate"));
      return FALSE;
    }
  if (opt_allow_origins != NULL)
    for (guint i = 0; opt_allow_origins[i] != NULL; i++)
      if (*opt_allow_origins[i] == '\0')
        {
          usage_error (_("--allow-origin needs an origin such as https://example.org"));
          return FALSE;
        }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(EitHubServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) tokens = NULL;
  g_autofree char *token_file = NULL;
  guint sigint_source, sigterm_source;
  Hub hub = { NULL, };

  /* Before any TLS object exists: glib-networking reads it once. TLS 1.0
   * and 1.1 are refused in the handshake itself (PROTOCOL.md 2.1); an
   * administrator's own priority string is left alone. */
  g_setenv ("G_TLS_GNUTLS_PRIORITY", TLS_PRIORITY, FALSE);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("eithub-hub");
  /* stdout carries the one JSON line; every log goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("The reference Eit hub: WebSocket over TLS with token "
                                  "authentication.\nPrints one JSON line on stdout (url, "
                                  "fingerprint, token_file, port, epoch, pid, mode), then logs to "
                                  "stderr."));
  g_option_context_add_main_entries (context, option_entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      usage_error ("%s", error->message);
      return EXIT_USAGE;
    }

  if (opt_version)
    {
      g_print ("eithub-hub %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (opt_address == NULL)
    opt_address = g_strdup ("127.0.0.1");
  if (opt_mode == NULL)
    opt_mode = g_strdup ("echo");
  if (!check_arguments (argc, argv) || !check_settings ())
    return EXIT_USAGE;

  raise_open_file_limit ();

  if (opt_token_file != NULL)
    token_file = g_canonicalize_filename (opt_token_file, NULL);
  else
    token_file = g_build_filename (g_get_user_runtime_dir (), "eithub", "hub-token", NULL);

  certificate = load_certificate (&error);
  if (certificate == NULL)
    {
      g_printerr ("eithub-hub: %s\n", error->message);
      return EXIT_FAILURE;
    }

  server = eit_hub_server_new (certificate, NULL);
  g_signal_connect (server, "log", G_CALLBACK (server_log_cb), NULL);

  /* Before the token file is touched: a release build refuses at once. */
  if (opt_insecure_dev && !eit_hub_server_set_insecure_dev (server, TRUE, &error))
    {
      g_printerr ("eithub-hub: %s\n", error->message);
      return EXIT_USAGE;
    }

  apply_settings (server);

  tokens = load_tokens (token_file, &error);
  if (tokens == NULL)
    {
      g_printerr ("eithub-hub: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_object_set (server,
                "tokens", tokens,
                "allowed-origins", opt_allow_origins,
                NULL);

  if (g_str_equal (opt_mode, "echo"))
    g_signal_connect (server, "message", G_CALLBACK (server_message_echo_cb), NULL);

  /* Handlers first: a script may signal as soon as it has read the ready line. */
  loop = g_main_loop_new (NULL, FALSE);
  hub.loop = loop;
  hub.server = server;
  sigint_source = g_unix_signal_add (SIGINT, signal_cb, &hub);
  sigterm_source = g_unix_signal_add (SIGTERM, signal_cb, &hub);

  if (!eit_hub_server_listen (server, opt_address, (guint) opt_port, &error))
    {
      g_printerr ("eithub-hub: %s\n", error->message);
      g_clear_handle_id (&sigint_source, g_source_remove);
      g_clear_handle_id (&sigterm_source, g_source_remove);
      return EXIT_FAILURE;
    }

  print_ready_line (server, token_file);

  g_main_loop_run (loop);

  g_clear_handle_id (&hub.drain_source, g_source_remove);
  g_clear_handle_id (&sigint_source, g_source_remove);
  g_clear_handle_id (&sigterm_source, g_source_remove);
  g_clear_pointer (&opt_address, g_free);
  g_clear_pointer (&opt_mode, g_free);
  g_clear_pointer (&opt_cert, g_free);
  g_clear_pointer (&opt_key, g_free);
  g_clear_pointer (&opt_token_file, g_free);
  g_clear_pointer (&opt_allow_origins, g_strfreev);

  return EXIT_SUCCESS;
}
