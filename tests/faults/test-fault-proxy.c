/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fault proxy itself, between a plain TCP client and a TCP echo server
 * in this process: every fault test of the protocol relies on it doing
 * exactly what it says. */
#include "config.h"

#include <string.h>

#include "eit-fault-proxy.h"

#define WAIT_UNTIL(expr, timeout_ms)                                          \
  G_STMT_START {                                                              \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000; \
    guint wake_ = g_timeout_add (10, wake_cb, NULL);                          \
    while (!(expr) && g_get_monotonic_time () < deadline_)                    \
      g_main_context_iteration (NULL, TRUE);                                  \
    g_source_remove (wake_);                                                  \
    g_assert_true (expr);                                                     \
  } G_STMT_END

static gboolean
wake_cb (gpointer user_data)
{
  /* Only wakes the blocking iteration up, so WAIT_UNTIL sees its deadline. */
  return G_SOURCE_CONTINUE;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
run_for_ms (guint ms)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_cb, loop);
  g_main_loop_run (loop);
}

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- a TCP echo server ---------------------------------------------- */

typedef struct {
  GSocketService *service;
  GCancellable   *cancellable;
  GPtrArray      *connections;  /* live GSocketConnection, not owned */
  guint           port;
  guint           reads;
  guint           errors;  /* connections that ended in an error, resets included */
} EchoServer;

typedef struct {
  EchoServer        *server;
  GSocketConnection *connection;
  guint8             buffer[4096];
} EchoConnection;

static void echo_read (EchoConnection *echo);

static void
echo_connection_end (EchoConnection *echo)
{
  g_ptr_array_remove (echo->server->connections, echo->connection);
  g_io_stream_close (G_IO_STREAM (echo->connection), NULL, NULL);
  g_object_unref (echo->connection);
  g_free (echo);
}

static void
echo_write_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  EchoConnection *echo = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        echo->server->errors++;
      echo_connection_end (echo);
      return;
    }
  echo_read (echo);
}

static void
echo_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  EchoConnection *echo = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n <= 0)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        echo->server->errors++;
      echo_connection_end (echo);
      return;
    }

  echo->server->reads++;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (echo->connection)),
                                   echo->buffer, n, G_PRIORITY_DEFAULT,
                                   echo->server->cancellable, echo_write_cb, echo);
}

static void
echo_read (EchoConnection *echo)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (echo->connection)),
                             echo->buffer, sizeof echo->buffer, G_PRIORITY_DEFAULT,
                             echo->server->cancellable, echo_read_cb, echo);
}

static gboolean
echo_incoming_cb (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source_object,
                  gpointer           user_data)
{
  EchoConnection *echo = g_new0 (EchoConnection, 1);

  echo->server = user_data;
  echo->connection = g_object_ref (connection);
  g_ptr_array_add (echo->server->connections, connection);
  echo_read (echo);
  return TRUE;
}

static EchoServer *
echo_server_new (void)
{
  EchoServer *server = g_new0 (EchoServer, 1);
  g_autoptr(GError) error = NULL;

  server->service = g_socket_service_new ();
  server->cancellable = g_cancellable_new ();
  server->connections = g_ptr_array_new ();
  server->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (server->service),
                                                      NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (server->service, "incoming", G_CALLBACK (echo_incoming_cb), server);
  g_socket_service_start (server->service);
  return server;
}

static void
echo_server_free (EchoServer *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_cancellable_cancel (server->cancellable);
  WAIT_UNTIL (server->connections->len == 0, 2000);
  drain_main_context ();
  g_assert_finalize_object (server->service);
  g_object_unref (server->cancellable);
  g_ptr_array_unref (server->connections);
  g_free (server);
}

/* ---- the client side ------------------------------------------------ */

typedef enum {
  READ_COMPLETE,
  READ_EOF,
  READ_TIMEOUT,
  READ_ERROR,
} ReadEnd;

typedef struct {
  GCancellable *cancellable;
  guint         id;
} Deadline;

static gboolean
deadline_cb (gpointer user_data)
{
  Deadline *deadline = user_data;

  deadline->id = 0;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

static GBytes *client_read (GSocketConnection  *connection,
                            gsize               want,
                            guint               timeout_ms,
                            ReadEnd            *end,
                            GError            **error);

static GSocketConnection *
client_try_connect (guint    port,
                    GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_to_host_async (client, "127.0.0.1", port, NULL, result_cb, &result);
  WAIT_UNTIL (result != NULL, 5000);
  return g_socket_client_connect_to_host_finish (client, result, error);
}

static GSocketConnection *
client_connect (guint port)
{
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection = client_try_connect (port, &error);

  g_assert_no_error (error);
  return connection;
}

/* A reset right after the accept can reach the client before its connect
 * has completed; either way the client must see "connection reset". */
static void
assert_connection_reset (guint port)
{
  g_autoptr(GSocketConnection) client = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  ReadEnd end;

  client = client_try_connect (port, &error);
  if (client != NULL)
    {
      received = client_read (client, 1, 5000, &end, &error);
      g_assert_cmpint (end, ==, READ_ERROR);
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
client_write (GSocketConnection *connection,
              const void        *data,
              gsize              len)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all_async (out, data, len, G_PRIORITY_DEFAULT, NULL, result_cb, &result);
  WAIT_UNTIL (result != NULL, 10000);
  g_output_stream_write_all_finish (out, result, NULL, &error);
  g_assert_no_error (error);
}

/* Reads until want bytes came, the peer closed, an error or timeout_ms. */
static GBytes *
client_read (GSocketConnection  *connection,
             gsize               want,
             guint               timeout_ms,
             ReadEnd            *end,
             GError            **error)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  Deadline deadline = { cancellable, 0 };

  deadline.id = g_timeout_add (timeout_ms, deadline_cb, &deadline);
  *end = READ_COMPLETE;
  while (data->len < want)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) local_error = NULL;

      g_input_stream_read_bytes_async (in, want - data->len, G_PRIORITY_DEFAULT, cancellable,
                                       result_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      bytes = g_input_stream_read_bytes_finish (in, result, &local_error);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          *end = READ_TIMEOUT;
          break;
        }
      if (bytes == NULL)
        {
          *end = READ_ERROR;
          g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
      if (g_bytes_get_size (bytes) == 0)
        {
          *end = READ_EOF;
          break;
        }
      g_byte_array_append (data, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  g_clear_handle_id (&deadline.id, g_source_remove);
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static void
assert_echo (GSocketConnection *connection,
             const char        *text)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  ReadEnd end;

  client_write (connection, text, strlen (text));
  bytes = client_read (connection, strlen (text), 5000, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_COMPLETE);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), text, strlen (text));
}

static void
client_close (GSocketConnection *connection)
{
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_object_unref (connection);
}

static EitFaultProxy *
proxy_new_started (guint target_port)
{
  g_autoptr(GError) error = NULL;
  EitFaultProxy *proxy = eit_fault_proxy_new ("127.0.0.1", target_port);

  eit_fault_proxy_start (proxy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (eit_fault_proxy_get_port (proxy), >, 0);
  return proxy;
}

static GBytes *
pattern_new (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (i * 7 + i / 251) & 0xff;
  return g_bytes_new_take (data, len);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_pass (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GBytes) sent = pattern_new (256 * 1024);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  ReadEnd end;

  client = client_connect (eit_fault_proxy_get_port (proxy));
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 1, 2000);
  g_assert_cmpuint (eit_fault_proxy_get_connections_total (proxy), ==, 1);

  /* Far more than one read: the proxy must keep order across chunks. */
  client_write (client, g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
  received = client_read (client, g_bytes_get_size (sent), 10000, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_COMPLETE);
  g_assert_true (g_bytes_equal (sent, received));
  g_assert_cmpuint (eit_fault_proxy_get_bytes_to_target (proxy), ==, g_bytes_get_size (sent));
  g_assert_cmpuint (eit_fault_proxy_get_bytes_to_client (proxy), ==, g_bytes_get_size (sent));

  /* A client's FIN travels to the echo server, whose FIN comes back: the
   * pair is released once both sides closed. */
  client_close (client);
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 0, 2000);

  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_slice (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GBytes) sent = pattern_new (999);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  ReadEnd end;

  g_object_set (proxy, "slice-bytes", 3, NULL);
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_SLICE);
  client = client_connect (eit_fault_proxy_get_port (proxy));
  client_write (client, g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
  received = client_read (client, g_bytes_get_size (sent), 10000, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_COMPLETE);
  g_assert_true (g_bytes_equal (sent, received));

  /* 333 writes of 3 bytes each way, and the receiver really saw fragments
   * (it reads whatever has arrived, so it sees far fewer than 333 only if
   * the slices were merged on the way). */
  g_assert_cmpuint (eit_fault_proxy_get_writes_total (proxy), ==, 2 * 333);
  g_assert_cmpuint (echo->reads, >, 100);

  client_close (client);
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 0, 2000);
  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_delay (void)
{
  const guint delay_ms = 150;
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  gint64 start, elapsed_ms;
  ReadEnd end;

  g_object_set (proxy, "delay-ms", delay_ms, NULL);
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_DELAY);
  client = client_connect (eit_fault_proxy_get_port (proxy));

  /* Many small writes in a burst: each is delayed on the way out and on the
   * way back, and they come back in the order they were sent. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *line = g_strdup_printf ("%u,", i);

      client_write (client, line, strlen (line));
      g_string_append (expected, line);
    }
  received = client_read (client, expected->len, 10000, &end, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_COMPLETE);
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received),
                   expected->str, expected->len);
  g_assert_cmpint (elapsed_ms, >=, 2 * delay_ms);

  /* A single round trip is not faster either. */
  start = g_get_monotonic_time ();
  assert_echo (client, "late");
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, >=, 2 * delay_ms);

  client_close (client);
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 0, 5000);
  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_blackhole (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  guint64 to_target;
  ReadEnd end;

  client = client_connect (eit_fault_proxy_get_port (proxy));
  assert_echo (client, "before");
  to_target = eit_fault_proxy_get_bytes_to_target (proxy);

  /* An existing connection goes silent, both ways, with its sockets open:
   * neither side sees a close, which is what a half-open link looks like. */
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_BLACKHOLE);
  client_write (client, "held", 4);
  received = client_read (client, 4, 400, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_TIMEOUT);
  g_assert_cmpuint (g_bytes_get_size (received), ==, 0);
  g_assert_cmpuint (eit_fault_proxy_get_bytes_to_target (proxy), ==, to_target);
  g_assert_cmpuint (eit_fault_proxy_get_n_connections (proxy), ==, 1);
  g_assert_cmpuint (echo->connections->len, ==, 1);

  /* Lifted, the link flows again, with what it held first. */
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_PASS);
  g_clear_pointer (&received, g_bytes_unref);
  received = client_read (client, 4, 5000, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_COMPLETE);
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received), "held", 4);
  assert_echo (client, "after");

  client_close (client);
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 0, 2000);
  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_reset (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  ReadEnd end;

  client = client_connect (eit_fault_proxy_get_port (proxy));
  assert_echo (client, "hello");

  eit_fault_proxy_reset_all (proxy);
  g_assert_cmpuint (eit_fault_proxy_get_n_connections (proxy), ==, 0);

  /* Both ends see a reset, not an orderly end of stream. */
  received = client_read (client, 1, 5000, &end, &error);
  g_assert_cmpint (end, ==, READ_ERROR);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  WAIT_UNTIL (echo->errors == 1, 2000);

  client_close (client);
  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_close_all (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  ReadEnd end;

  client = client_connect (eit_fault_proxy_get_port (proxy));
  assert_echo (client, "hello");

  eit_fault_proxy_close_all (proxy);
  received = client_read (client, 1, 5000, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (end, ==, READ_EOF);
  /* The echo server saw an orderly end too and closed; the pair goes once
   * the client closes its side. */
  WAIT_UNTIL (echo->connections->len == 0, 2000);
  g_assert_cmpuint (echo->errors, ==, 0);
  client_close (client);
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 0, 2000);

  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_refuse (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  GSocketConnection *client;

  g_object_set (proxy, "refuse", TRUE, NULL);
  assert_connection_reset (eit_fault_proxy_get_port (proxy));
  g_assert_cmpuint (eit_fault_proxy_get_connections_total (proxy), ==, 1);
  g_assert_cmpuint (eit_fault_proxy_get_n_connections (proxy), ==, 0);
  g_assert_cmpuint (echo->connections->len, ==, 0);

  /* Switched back, new connections go through again. */
  g_object_set (proxy, "refuse", FALSE, NULL);
  client = client_connect (eit_fault_proxy_get_port (proxy));
  assert_echo (client, "back");
  g_assert_cmpuint (eit_fault_proxy_get_connections_total (proxy), ==, 2);
  client_close (client);
  WAIT_UNTIL (eit_fault_proxy_get_n_connections (proxy) == 0, 2000);

  g_assert_finalize_object (proxy);
  echo_server_free (echo);
}

static void
test_target_down (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  EitFaultProxy *proxy;
  guint port;

  /* A port that was free a moment ago: nothing listens there now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  proxy = proxy_new_started (port);
  assert_connection_reset (eit_fault_proxy_get_port (proxy));
  g_assert_cmpuint (eit_fault_proxy_get_n_connections (proxy), ==, 0);

  g_assert_finalize_object (proxy);
  drain_main_context ();
}

static void
test_dispose_busy (void)
{
  EchoServer *echo = echo_server_new ();
  EitFaultProxy *proxy = proxy_new_started (echo->port);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *client;
  ReadEnd end;

  /* Connections open, data held in a delay: dispose must still end every
   * connection and leave nothing behind that calls back into the proxy. */
  g_object_set (proxy, "delay-ms", 10000, NULL);
  client = client_connect (eit_fault_proxy_get_port (proxy));
  assert_echo (client, "hello");
  eit_fault_proxy_set_mode (proxy, EIT_FAULT_DELAY);
  client_write (client, "held", 4);
  run_for_ms (100);
  g_assert_cmpuint (eit_fault_proxy_get_bytes_to_target (proxy), ==, 5);

  g_assert_finalize_object (proxy);
  received = client_read (client, 4, 5000, &end, &error);
  g_assert_cmpint (end, !=, READ_TIMEOUT);
  g_assert_cmpint (end, !=, READ_COMPLETE);
  WAIT_UNTIL (echo->connections->len == 0, 2000);

  client_close (client);
  echo_server_free (echo);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fault-proxy/pass", test_pass);
  g_test_add_func ("/fault-proxy/slice", test_slice);
  g_test_add_func ("/fault-proxy/delay", test_delay);
  g_test_add_func ("/fault-proxy/blackhole", test_blackhole);
  g_test_add_func ("/fault-proxy/reset", test_reset);
  g_test_add_func ("/fault-proxy/close-all", test_close_all);
  g_test_add_func ("/fault-proxy/refuse", test_refuse);
  g_test_add_func ("/fault-proxy/target-down", test_target_down);
  g_test_add_func ("/fault-proxy/dispose-busy", test_dispose_busy);

  return g_test_run ();
}
