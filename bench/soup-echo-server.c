/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The benchmark's baseline hub: a bare libsoup WebSocket echo over TLS with
 * none of our protocol layers. Like eithub-hub in echo mode it parses each
 * message and writes it back rebuilt (json-glib), so the comparison with the
 * full stack shows what the connection and back-off layers cost or save.
 *
 *   soup-echo-server --write-pem DIR       writes DIR/cert.pem and DIR/key.pem
 *   soup-echo-server --cert-file C --key-file K [--port P]
 *
 * It prints "port N" on stdout once it listens. */
#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "eit-tls.h"

typedef struct {
  SoupWebsocketConnection *connection;
  JsonParser              *parser;
  JsonGenerator           *generator;
} EchoConnection;

static void
echo_connection_free (EchoConnection *echo)
{
  g_clear_object (&echo->parser);
  g_clear_object (&echo->generator);
  g_clear_object (&echo->connection);
  g_free (echo);
}

static void
echo_message_cb (SoupWebsocketConnection *connection,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  EchoConnection *echo = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT ||
      !json_parser_load_from_data (echo->parser, data, len, &error))
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA,
                                       error != NULL ? error->message : "text only");
      return;
    }

  json_generator_set_root (echo->generator, json_parser_get_root (echo->parser));
  text = json_generator_to_data (echo->generator, &len);
  if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (connection, text);
}

static void
echo_closed_cb (SoupWebsocketConnection *connection,
                gpointer                 user_data)
{
  echo_connection_free (user_data);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  EchoConnection *echo = g_new0 (EchoConnection, 1);

  /* libsoup drops its reference when this callback returns. */
  echo->connection = g_object_ref (connection);
  echo->parser = json_parser_new_immutable ();
  echo->generator = json_generator_new ();
  g_signal_connect (connection, "message", G_CALLBACK (echo_message_cb), echo);
  g_signal_connect (connection, "closed", G_CALLBACK (echo_closed_cb), echo);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
write_pem (const char  *dir,
           GError     **error)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_path = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key_path = g_build_filename (dir, "key.pem", NULL);

  return eit_tls_generate_self_signed ("localhost", 30, &cert_pem, &key_pem, error) &&
         g_file_set_contents (cert_path, cert_pem, -1, error) &&
         g_file_set_contents_full (key_path, key_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *write_dir = NULL;
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  int port = 0;
  const GOptionEntry entries[] = {
    { "write-pem", 0, 0, G_OPTION_ARG_FILENAME, &write_dir,
      "Write a self-signed cert.pem and key.pem into DIR and exit", "DIR" },
    { "cert-file", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, "PEM certificate", "FILE" },
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "PEM private key", "FILE" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (default: any free one)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- bare libsoup WebSocket echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GSList *uris;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("soup-echo-server: %s\n", error->message);
      return 2;
    }

  if (write_dir != NULL)
    {
      if (!write_pem (write_dir, &error))
        {
          g_printerr ("soup-echo-server: %s\n", error->message);
          return 1;
        }
      return 0;
    }

  if (cert_file == NULL || key_file == NULL)
    {
      g_printerr ("soup-echo-server: --cert-file and --key-file are required\n");
      return 2;
    }
  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  if (certificate == NULL)
    {
      g_printerr ("soup-echo-server: %s\n", error->message);
      return 1;
    }

  server = soup_server_new ("tls-certificate", certificate, NULL);
  /* Clients of all three stacks leave compression off: so does the hub. */
  soup_server_remove_websocket_extension (server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_handler (server, "/", NULL, NULL, websocket_cb, NULL, NULL);
  if (!soup_server_listen_local (server, port,
                                 SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                 &error))
    {
      g_printerr ("soup-echo-server: %s\n", error->message);
      return 1;
    }

  uris = soup_server_get_uris (server);
  g_print ("port %d\n", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  return 0;
}
