/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-upgrade.h"

#include <string.h>
#include <glib/gi18n-lib.h>

/* A hub's answer head is a few hundred bytes; this bounds a server that
 * never ends its headers. */
#define MAX_HEAD (64 * 1024)
#define READ_CHUNK 4096
/* RFC 6455 1.3 */
#define WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct
{
  GIOStream *stream;
  char *key;
  GStrv protocols;
  char *request;
  GByteArray *head;
  guint8 chunk[READ_CHUNK];
} Upgrade;

static void
upgrade_free (Upgrade *upgrade)
{
  g_clear_object (&upgrade->stream);
  g_free (upgrade->key);
  g_strfreev (upgrade->protocols);
  g_free (upgrade->request);
  g_byte_array_unref (upgrade->head);
  g_free (upgrade);
}

void
eit_upgrade_response_free (EitUpgradeResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->reason_phrase);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response->protocol);
  g_clear_pointer (&response->leftover, g_bytes_unref);
  g_free (response);
}

static char *
accept_for_key (const char *key)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_checksum_update (checksum, (const guchar *) key, -1);
  g_checksum_update (checksum, (const guchar *) WEBSOCKET_GUID, -1);
  g_checksum_get_digest (checksum, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

/* RFC 6455 4.2.2 point 5, from the client's side (4.1). */
static gboolean
check_switch (Upgrade             *upgrade,
              EitUpgradeResponse  *response,
              GError             **error)
{
  SoupMessageHeaders *headers = response->headers;
  g_autofree char *expected = accept_for_key (upgrade->key);
  const char *accept = soup_message_headers_get_one (headers, "Sec-WebSocket-Accept");
  const char *protocol = soup_message_headers_get_one (headers, "Sec-WebSocket-Protocol");
  const char *problem = NULL;

  if (!soup_message_headers_header_equals (headers, "Upgrade", "websocket"))
    problem = _("its Upgrade header is not \"websocket\"");
  else if (!soup_message_headers_header_contains (headers, "Connection", "upgrade"))
    problem = _("its Connection header does not say \"Upgrade\"");
  else if (g_strcmp0 (accept, expected) != 0)
    problem = _("its Sec-WebSocket-Accept does not answer our key");
  else if (soup_message_headers_get_one (headers, "Sec-WebSocket-Extensions") != NULL)
    problem = _("it turned on an extension that was not offered");
  else if (protocol != NULL &&
           (upgrade->protocols == NULL ||
            !g_strv_contains ((const char * const *) upgrade->protocols, protocol)))
    problem = _("it chose a subprotocol that was not offered");

  if (problem != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("the server switched protocols, but %s"), problem);
      return FALSE;
    }

  response->protocol = g_strdup (protocol);
  return TRUE;
}

static void read_more (GTask *task);

static const guint8 *
find_blank_line (const guint8 *data,
                 gsize         len)
{
  for (gsize i = 0; i + 4 <= len; i++)
    if (memcmp (data + i, "\r\n\r\n", 4) == 0)
      return data + i;
  return NULL;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Upgrade *upgrade = g_task_get_task_data (task);
  g_autoptr (EitUpgradeResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  gsize searched = upgrade->head->len >= 3 ? upgrade->head->len - 3 : 0;
  const guint8 *end;
  gsize head_len;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (n == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               _("the server closed the connection before it answered the "
                                 "upgrade"));
      return;
    }
  g_byte_array_append (upgrade->head, upgrade->chunk, n);

  end = find_blank_line (upgrade->head->data + searched, upgrade->head->len - searched);
  if (end == NULL)
    {
      if (upgrade->head->len > MAX_HEAD)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 _("the server's answer has over %d KiB of headers"),
                                 MAX_HEAD / 1024);
      else
        read_more (g_steal_pointer (&task));
      return;
    }
  head_len = end + 4 - upgrade->head->data;

  response = g_new0 (EitUpgradeResponse, 1);
  response->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (!soup_headers_parse_response ((const char *) upgrade->head->data, (int) head_len,
                                    response->headers, NULL, &response->status,
                                    &response->reason_phrase))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("the server's answer is not HTTP"));
      return;
    }

  if (response->status == SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      if (!check_switch (upgrade, response, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      response->leftover = g_bytes_new (upgrade->head->data + head_len,
                                        upgrade->head->len - head_len);
    }

  g_task_return_pointer (task, g_steal_pointer (&response),
                         (GDestroyNotify) eit_upgrade_response_free);
}

static void
read_more (GTask *task)
{
  Upgrade *upgrade = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (upgrade->stream), upgrade->chunk,
                             sizeof upgrade->chunk, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), read_cb, task);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  read_more (g_steal_pointer (&task));
}

void
eit_upgrade_async (GIOStream           *stream,
                   const char          *host,
                   const char          *path_and_query,
                   const char * const  *protocols,
                   SoupMessageHeaders  *request_headers,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GString) request = g_string_new (NULL);
  Upgrade *upgrade;
  guint32 nonce[4];

  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (host != NULL && path_and_query != NULL);

  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, eit_upgrade_async);

  upgrade = g_new0 (Upgrade, 1);
  upgrade->stream = g_object_ref (stream);
  upgrade->protocols = g_strdupv ((char **) protocols);
  upgrade->head = g_byte_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (nonce); i++)
    nonce[i] = g_random_int ();
  upgrade->key = g_base64_encode ((const guchar *) nonce, sizeof nonce);
  g_task_set_task_data (task, upgrade, (GDestroyNotify) upgrade_free);

  g_string_append_printf (request,
                          "GET %s HTTP/1.1\r\n"
                          "Host: %s\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Key: %s\r\n"
                          "Sec-WebSocket-Version: 13\r\n",
                          path_and_query, host, upgrade->key);
  if (protocols != NULL && protocols[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) protocols);

      g_string_append_printf (request, "Sec-WebSocket-Protocol: %s\r\n", list);
    }
  if (request_headers != NULL)
    {
      SoupMessageHeadersIter iter;
      const char *name, *value;

      soup_message_headers_iter_init (&iter, request_headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        g_string_append_printf (request, "%s: %s\r\n", name, value);
    }
  g_string_append (request, "\r\n");

  upgrade->request = g_string_free (g_steal_pointer (&request), FALSE);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), upgrade->request,
                                   strlen (upgrade->request), G_PRIORITY_DEFAULT, cancellable,
                                   written_cb, g_steal_pointer (&task));
}

EitUpgradeResponse *
eit_upgrade_finish (GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == eit_upgrade_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
