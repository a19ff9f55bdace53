/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "eit-test-util.h"

GTlsCertificate *
eit_test_certificate (void)
{
  static GTlsCertificate *certificate;

  if (certificate == NULL)
    {
      g_autoptr(GError) error = NULL;

      certificate = eit_tls_certificate_new_self_signed (&error);
      g_assert_no_error (error);
    }
  return certificate;
}

static void
on_log (EitHubServer *server,
        const char   *line,
        gpointer      user_data)
{
  EitTestHub *hub = user_data;

  g_ptr_array_add (hub->log, g_strdup (line));
  if (g_getenv ("EIT_TEST_VERBOSE"))
    g_printerr ("hub: %s\n", line);
}

static void
on_echo (EitHubServer  *server,
         EitHubSession *session,
         const char    *json,
         gulong         len,
         gpointer       user_data)
{
  eit_hub_session_send (session, json, len);
}

EitTestHub *
eit_test_hub_new_on_port (gboolean    echo,
                          guint       port,
                          const char *token)
{
  EitTestHub *hub = g_new0 (EitTestHub, 1);
  g_autoptr(GError) error = NULL;
  const char *tokens[2] = { NULL, NULL };

  hub->token = token ? g_strdup (token) : g_strdup_printf ("test-token-%08x", g_random_int ());
  tokens[0] = hub->token;
  hub->log = g_ptr_array_new_with_free_func (g_free);
  hub->server = eit_hub_server_new (eit_test_certificate (), tokens);
  /* Tests cycle every few milliseconds; a real client cycles every 10-15
   * minutes. Tests of the takeover-storm rule (4007) turn it back on. */
  g_object_set (hub->server, "takeover-storm-limit", 0, NULL);
  g_signal_connect (hub->server, "log", G_CALLBACK (on_log), hub);
  if (echo)
    g_signal_connect (hub->server, "message", G_CALLBACK (on_echo), hub);
  eit_hub_server_listen (hub->server, "127.0.0.1", port, &error);
  g_assert_no_error (error);
  hub->url = eit_hub_server_get_url (hub->server);
  hub->fingerprint = eit_hub_server_get_fingerprint (hub->server);
  return hub;
}

EitTestHub *
eit_test_hub_new (gboolean echo)
{
  return eit_test_hub_new_on_port (echo, 0, NULL);
}

void
eit_test_hub_free (EitTestHub *hub)
{
  if (hub == NULL)
    return;
  if (hub->server != NULL)
    {
      g_signal_handlers_disconnect_by_data (hub->server, hub);
      eit_hub_server_shutdown (hub->server);
      g_assert_finalize_object (hub->server);
    }
  g_free (hub->url);
  g_free (hub->token);
  g_free (hub->fingerprint);
  g_ptr_array_unref (hub->log);
  g_free (hub);
}

gboolean
eit_test_hub_log_contains (EitTestHub *hub,
                           const char *needle)
{
  for (guint i = 0; i < hub->log->len; i++)
    if (strstr (g_ptr_array_index (hub->log, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

EitConnection *
eit_test_connection_new (EitTestHub *hub,
                         const char *url)
{
  return g_object_new (EIT_TYPE_CONNECTION,
                       "url", url ? url : hub->url,
                       "token", hub->token,
                       "trust-mode", EIT_TRUST_PINNED,
                       "pinned-fingerprint", hub->fingerprint,
                       "reconnect-base", 20,
                       "reconnect-cap", 200,
                       "connect-timeout", 3000,
                       NULL);
}

static gboolean
wake_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
collect_text_cb (gpointer    instance,
                 const char *text,
                 gulong      len,
                 GPtrArray  *texts)
{
  g_assert_cmpuint (strlen (text), ==, len);
  g_ptr_array_add (texts, g_strndup (text, len));
}

gulong
eit_test_collect_texts (gpointer    instance,
                        const char *signal,
                        GPtrArray  *texts)
{
  return g_signal_connect (instance, signal, G_CALLBACK (collect_text_cb), texts);
}

static void
flag_cb (gpointer  instance,
         gboolean *flag)
{
  *flag = TRUE;
}

gulong
eit_test_flag_signal (gpointer    instance,
                      const char *signal,
                      gboolean   *flag)
{
  return g_signal_connect (instance, signal, G_CALLBACK (flag_cb), flag);
}

void
eit_test_iterate (void)
{
  gboolean woke = FALSE;
  guint id = g_timeout_add (10, wake_cb, &woke);

  g_main_context_iteration (NULL, TRUE);
  if (!woke)
    g_source_remove (id);
}

void
eit_test_run_for (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    eit_test_iterate ();
}

guint
eit_test_count_sources (void)
{
  /* GLib has no way to list a context's sources; ids are handed out in
   * order, so probe every id up to a fresh one. */
  guint newest = g_idle_add (wake_cb, NULL);
  guint count = 0;

  g_source_remove (newest);
  for (guint id = 1; id < newest; id++)
    if (g_main_context_find_source_by_id (NULL, id) != NULL)
      count++;
  return count;
}

const char *
eit_test_output_dir (void)
{
  static char *dir;

  if (dir == NULL)
    {
      const char *env = g_getenv ("EIT_TEST_OUTPUT");

      dir = g_strdup (env ? env : g_get_tmp_dir ());
      g_mkdir_with_parents (dir, 0755);
    }
  return dir;
}

typedef struct {
  gboolean      done;
  EitTransport *transport;
  GError       *error;
} ConnectResult;

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConnectResult *r = user_data;

  r->transport = eit_transport_connect_finish (result, &r->error);
  r->done = TRUE;
}

EitTransport *
eit_test_transport_connect (const EitTransportOptions *options,
                            GError                   **error)
{
  ConnectResult r = { FALSE, NULL, NULL };

  eit_transport_connect_async (options, NULL, connected_cb, &r);
  g_assert_true (eit_test_wait_until (r.done, 10000));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.transport;
}

EitTransportOptions
eit_test_transport_options (EitTestHub *hub)
{
  EitTransportOptions options = {
    .url = hub->url,
    .token = hub->token,
    .trust_mode = EIT_TRUST_PINNED,
    .pin = hub->fingerprint,
    .offer_v1 = TRUE,
  };

  return options;
}

void
eit_test_transport_connect_and_close (const EitTransportOptions *options)
{
  g_autoptr(GError) error = NULL;
  EitTransport *transport = eit_test_transport_connect (options, &error);

  g_assert_no_error (error);
  g_assert_true (eit_transport_is_open (transport));
  eit_transport_close (transport, EIT_CLOSE_NORMAL, "bye");
  eit_test_transport_wait_closed (transport, 2000);
  g_assert_finalize_object (transport);
}

EitTransport *
eit_test_transport_to_hub (EitTestHub *hub,
                           gboolean    offer_v1,
                           GError    **error)
{
  EitTransportOptions options = eit_test_transport_options (hub);

  options.offer_v1 = offer_v1;
  return eit_test_transport_connect (&options, error);
}

static void
on_closed_flag (EitTransport *transport,
                gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

gboolean
eit_test_transport_wait_closed (EitTransport *transport,
                                guint         timeout_ms)
{
  gboolean closed = FALSE;
  gulong id = g_signal_connect (transport, "closed", G_CALLBACK (on_closed_flag), &closed);

  eit_test_wait_until (closed, timeout_ms);
  g_signal_handler_disconnect (transport, id);
  return closed;
}

guint64
eit_test_env_number (const char *name,
                     guint64     fallback)
{
  const char *value = g_getenv (name);
  guint64 number;

  if (value == NULL || *value == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &number, NULL))
    g_error ("%s must be a number, not \"%s\"", name, value);
  return number;
}

char *
eit_test_write_temp (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("eit-test-XXXXXX.pem", &path, &error);

  g_assert_no_error (error);
  g_close (fd, NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}
