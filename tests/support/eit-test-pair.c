/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/socket.h>
#include <libsoup/soup.h>

#include "eit-flow-private.h"
#include "eit-test-pair.h"
#include "eit-transport-private.h"

void
eit_test_socket_pair (GSocketConnection **a,
                      GSocketConnection **b)
{
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_new_from_fd (fds[i], &error);

      g_assert_no_error (error);
      *(i == 0 ? a : b) = g_socket_connection_factory_create_connection (socket);
    }
}

void
eit_test_transport_pair (EitProtocolMode   mode,
                         EitTransport    **client,
                         EitTransport    **hub)
{
  g_autoptr(GSocketConnection) client_end = NULL;
  g_autoptr(GSocketConnection) hub_end = NULL;
  g_autoptr(GUri) uri = g_uri_parse ("wss://127.0.0.1/", G_URI_FLAGS_NONE, NULL);
  g_autoptr(SoupWebsocketConnection) websocket = NULL;

  g_assert_true (mode == EIT_PROTOCOL_MODE_FULL || mode == EIT_PROTOCOL_MODE_BASE);

  eit_test_socket_pair (&client_end, &hub_end);
  websocket = soup_websocket_connection_new (G_IO_STREAM (client_end), uri,
                                             SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL,
                                             mode == EIT_PROTOCOL_MODE_FULL ? EIT_SUBPROTOCOL_V1
                                                                            : EIT_SUBPROTOCOL_JSON,
                                             NULL);
  *client = _eit_transport_new_for_client (websocket, NULL,
                                           g_socket_connection_get_socket (client_end),
                                           mode, 0);
  *hub = eit_transport_new_for_server (G_IO_STREAM (hub_end), mode, 0);
}

void
eit_test_flow_receive_frame (EitFlow      *flow,
                             EitTransport *transport,
                             const char   *text,
                             gsize         len,
                             GArray       *bodies)
{
  g_autoptr(GError) error = NULL;
  EitEnvelope envelope;

  g_assert_true (eit_envelope_parse (text, len, &envelope, bodies, &error));
  g_assert_no_error (error);
  eit_flow_receive (flow, transport, &envelope, bodies);
}

GTask *
eit_test_connect_task_new (GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, eit_transport_connect_async);
  return task;
}
