/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Accept, first byte, TLS, request head, answer: each connection walks
 * these stages as one Pending, with one timer and at most one source or
 * pending operation at a time.
 *
 * No GCancellable and no GSocketService on this path: a cancellable that a
 * source polls makes a GWakeup, and GLib aborts ("Creating pipes for
 * GWakeup: Too many open files") when that runs out of descriptors. Timeouts
 * shut the socket down instead, which ends whatever waits on it. We read
 * the request head ourselves rather than through SoupServer: libsoup 3.2
 * has no bound on a head's size, and reads the body of a request even when
 * an early handler has refused it. */
#include "config.h"

#include "eit-hub-listener.h"

#include <string.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "eit-log-limit.h"
#include "eit-transport-private.h"

#define WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* The kernel queues this many connections while the listener pauses; 10,
 * GIO's default, lets a burst of silent peers push real clients out. */
#define LISTEN_BACKLOG 128
/* Accepts per main-loop dispatch, so a flood cannot hold the loop. */
#define ACCEPT_BATCH 32
/* After an accept error (EMFILE...), wait this long before trying again. */
#define ACCEPT_RETRY_MS 100
/* Descriptors kept free under the open-file limit for everything that is
 * not a connection (logs, token file, TLS backend, main loop). */
#define FD_HEADROOM 64
#define MAX_REQUEST_HEAD 16384
#define READ_CHUNK 4096
/* A refusal's answer must leave within this, or the peer is dropped. */
#define ANSWER_TIMEOUT_MS 2000
/* After a refusal: read and discard what the peer still sends (a body we
 * refused, say) for a while, so that our answer is not destroyed by the
 * reset a close with unread data makes. Bounded in time and bytes. */
#define LINGER_MS 1000
#define LINGER_BYTES (64 * 1024 * 1024)
#define LINGER_CHUNK 65536
/* Close frames of page-visible refusals carry at most this much reason. */
#define CLOSE_REASON_MAX 123

/* Statuses libsoup 3.2 has no names for. */
#define STATUS_UPGRADE_REQUIRED 426
#define STATUS_TOO_MANY_REQUESTS 429
#define STATUS_HEADER_FIELDS_TOO_LARGE 431


typedef enum {
  STAGE_FIRST_BYTE,
  STAGE_TLS,
  STAGE_HEAD,
  STAGE_ANSWER,
  STAGE_LINGER,
} Stage;

typedef struct {
  EitHubListener *listener;  /* NULL once the listener stopped: the pending
                              * operation's callback frees it */
  GSocket        *socket;
  GIOStream      *tcp;
  GTlsConnection *tls;
  char           *peer;      /* IP address */
  Stage           stage;
  gint64          accepted;  /* monotonic µs */
  guint           wait_ms;   /* of the timer at hand, for its log line */
  gboolean        busy;      /* an async operation holds a pointer to us */
  gboolean        timed_out;
  GSource        *source;
  guint           timer_id;
  GByteArray     *head;
  char           *answer;
  /* A page-visible refusal: the close that follows its 101. */
  gushort         close_code;
  char           *close_reason;
  EitHubRequest   request;
  gsize           discarded;
} Pending;

struct _EitHubListener
{
  GObject          parent_instance;

  GTlsCertificate *certificate;
  guint            max_connections;
  guint            max_unauthenticated_per_address;
  guint            first_byte_timeout;
  guint            handshake_timeout;
  guint            request_timeout;

  GSocket         *socket;
  GSource         *accept_source;
  guint            accept_retry_id;
  gboolean         stopped;
  guint            port;
  GInetAddress    *bound;

  GPtrArray       *pending;        /* Pending*, owned */
  GPtrArray       *refusing;       /* EitTransport*: page-visible refusals closing */
  GHashTable      *unauthenticated; /* IP address -> connections not yet authenticated */
  guint            n_connections;
  EitLogLimit     *log_limit;
};

G_DEFINE_FINAL_TYPE (EitHubListener, eit_hub_listener, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TLS_CERTIFICATE,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_UNAUTHENTICATED_PER_ADDRESS,
  PROP_FIRST_BYTE_TIMEOUT,
  PROP_HANDSHAKE_TIMEOUT,
  PROP_REQUEST_TIMEOUT,
  N_PROPS
};

enum {
  SIGNAL_REQUEST,
  SIGNAL_UPGRADED,
  SIGNAL_LOG,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_accepting (EitHubListener *self);

/* One line a second per kind; the line says how many were left out. */
static void
log_limited (EitHubListener *self,
             const char     *kind,
             const char     *format,
             ...) G_GNUC_PRINTF (3, 4);

static void
log_limited (EitHubListener *self,
             const char     *kind,
             const char     *format,
             ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = eit_log_limit_vformat (self->log_limit, kind, format, args);
  va_end (args);
  if (line != NULL)
    g_signal_emit (self, signals[SIGNAL_LOG], 0, line);
}

/* Connections ------------------------------------------------------------- */

static guint
effective_max_connections (EitHubListener *self)
{
  struct rlimit limit;

  if (self->max_connections > 0)
    return self->max_connections;
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return G_MAXINT32;
  if (limit.rlim_cur <= 2 * FD_HEADROOM)
    return MAX (1, limit.rlim_cur / 2);
  return MIN (limit.rlim_cur - FD_HEADROOM, G_MAXINT32);
}

static void
change_unauthenticated (EitHubListener *self,
                        const char     *peer,
                        int             delta)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->unauthenticated, peer));

  count += delta;
  if (count == 0)
    g_hash_table_remove (self->unauthenticated, peer);
  else
    g_hash_table_insert (self->unauthenticated, g_strdup (peer), GUINT_TO_POINTER (count));
}

/* A connection ended: below the cap again, the listener accepts again. */
static void
release_connection (EitHubListener *self)
{
  g_assert (self->n_connections > 0);
  self->n_connections--;
  if (!self->stopped && self->accept_source == NULL && self->accept_retry_id == 0 &&
      self->socket != NULL && self->n_connections < effective_max_connections (self))
    start_accepting (self);
}

static void
pending_clear_waits (Pending *pending)
{
  g_clear_handle_id (&pending->timer_id, g_source_remove);
  if (pending->source != NULL)
    {
      g_source_destroy (pending->source);
      g_clear_pointer (&pending->source, g_source_unref);
    }
}

static void
pending_free (Pending *pending)
{
  pending_clear_waits (pending);
  if (pending->socket != NULL)
    g_socket_close (pending->socket, NULL);
  g_clear_object (&pending->tls);
  g_clear_object (&pending->tcp);
  g_clear_object (&pending->socket);
  g_clear_pointer (&pending->head, g_byte_array_unref);
  g_clear_pointer (&pending->request.request_headers, soup_message_headers_unref);
  g_clear_pointer (&pending->request.response_headers, soup_message_headers_unref);
  g_free (pending->request.body);
  g_free (pending->answer);
  g_free (pending->close_reason);
  g_free (pending->peer);
  g_free (pending);
}

/* The connection is done with, one way or another: it leaves the listener's
 * books (unless it became a transport, which releases itself). */
static void
pending_finish (Pending  *pending,
                gboolean  still_counted)
{
  EitHubListener *self = pending->listener;

  if (self != NULL)
    {
      g_ptr_array_remove_fast (self->pending, pending);
      change_unauthenticated (self, pending->peer, -1);
      if (!still_counted)
        release_connection (self);
    }
  pending_free (pending);
}

static gboolean
pending_timeout_cb (gpointer user_data)
{
  Pending *pending = user_data;

  pending->timer_id = 0;
  pending->timed_out = TRUE;
  if (pending->stage == STAGE_FIRST_BYTE && pending->wait_ms == pending->listener->handshake_timeout)
    log_limited (pending->listener, "tls-timeout",
                 "refused %s: no TLS handshake within %u ms (it sent nothing)", pending->peer,
                 pending->wait_ms);
  else if (pending->stage == STAGE_FIRST_BYTE)
    log_limited (pending->listener, "first-byte-timeout",
                 "dropped %s: sent nothing within %u ms (first-byte-timeout)", pending->peer,
                 pending->wait_ms);
  else if (pending->stage == STAGE_HEAD)
    log_limited (pending->listener, "request-timeout",
                 "dropped %s: no complete request head within %u ms (request-timeout)",
                 pending->peer, pending->listener->request_timeout);
  /* Ends the wait at hand, a TLS worker's included: the socket stays ours
   * until the operation's callback has run, so its number cannot be reused
   * under a worker thread. */
  g_socket_shutdown (pending->socket, TRUE, TRUE, NULL);
  if (!pending->busy)
    pending_finish (pending, FALSE);
  return G_SOURCE_REMOVE;
}

static void
pending_set_timer (Pending *pending,
                   guint    timeout_ms)
{
  g_clear_handle_id (&pending->timer_id, g_source_remove);
  pending->wait_ms = timeout_ms;
  if (timeout_ms > 0)
    pending->timer_id = g_timeout_add (timeout_ms, pending_timeout_cb, pending);
}

/* Refusals and answers ---------------------------------------------------- */

static gboolean
linger_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  Pending *pending = user_data;
  static char buffer[LINGER_CHUNK];
  gssize n;

  /* Discarded bytes: every lingering connection may share one buffer. */
  n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, NULL);
  if (n > 0)
    {
      pending->discarded += n;
      if (pending->discarded < LINGER_BYTES)
        return G_SOURCE_CONTINUE;
    }
  else if (n < 0 && (condition & G_IO_IN) && !(condition & (G_IO_HUP | G_IO_ERR)))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&pending->source, g_source_unref);
  pending_finish (pending, FALSE);
  return G_SOURCE_REMOVE;
}

/* The answer is out: half-close, then read what is still coming (a body we
 * refused, say) for a moment, so that the close does not turn into a reset
 * that destroys the answer before the peer has read it. */
static void
linger (Pending *pending)
{
  pending->stage = STAGE_LINGER;
  g_socket_shutdown (pending->socket, FALSE, TRUE, NULL);
  pending_set_timer (pending, LINGER_MS);
  pending->source = g_socket_create_source (pending->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (pending->source, G_SOURCE_FUNC (linger_cb), pending, NULL);
  g_source_attach (pending->source, NULL);
}

static void handed_over (Pending *pending);

static void
answer_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;

  pending->busy = FALSE;
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  if (pending->listener == NULL || pending->timed_out)
    {
      if (pending->listener == NULL)
        pending_free (pending);
      else
        pending_finish (pending, FALSE);
      return;
    }
  g_clear_handle_id (&pending->timer_id, g_source_remove);
  if (error != NULL)
    pending_finish (pending, FALSE);
  else if (pending->request.status == SOUP_STATUS_SWITCHING_PROTOCOLS)
    handed_over (pending);
  else
    linger (pending);
}

static void
write_answer (Pending *pending)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (pending->tls));

  pending->stage = STAGE_ANSWER;
  pending->busy = TRUE;
  pending_set_timer (pending, ANSWER_TIMEOUT_MS);
  g_output_stream_write_all_async (output, pending->answer, strlen (pending->answer),
                                   G_PRIORITY_DEFAULT, NULL, answer_written_cb, pending);
}

static void
append_headers (GString            *answer,
                SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  if (headers == NULL)
    return;
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (answer, "%s: %s\r\n", name, value);
}

static const char *
reason_phrase (guint status)
{
  switch (status)
    {
    case STATUS_UPGRADE_REQUIRED:        return "Upgrade Required";
    case STATUS_TOO_MANY_REQUESTS:       return "Too Many Requests";
    case STATUS_HEADER_FIELDS_TOO_LARGE: return "Request Header Fields Too Large";
    default:                             return soup_status_get_phrase (status);
    }
}

static void
refuse (Pending    *pending,
        guint       status,
        const char *body)
{
  EitHubListener *self = pending->listener;
  g_autoptr(GString) answer = g_string_new (NULL);
  g_autofree char *kind = g_strdup_printf ("refused-%u", status);
  g_autofree char *text = g_strconcat (body, "\n", NULL);

  log_limited (self, kind, "refused %s: %u %s", pending->peer, status, body);
  g_string_append_printf (answer, "HTTP/1.1 %u %s\r\n", status, reason_phrase (status));
  g_string_append (answer, "Content-Type: text/plain; charset=utf-8\r\n");
  g_string_append_printf (answer, "Content-Length: %zu\r\n", strlen (text));
  /* One request per connection: a client that reuses it would only meet a
   * closed socket ("socket hang up"). */
  g_string_append (answer, "Connection: close\r\n");
  append_headers (answer, pending->request.response_headers);
  g_string_append (answer, "\r\n");
  g_string_append (answer, text);

  pending->request.status = status;
  g_free (pending->answer);
  pending->answer = g_string_free (g_steal_pointer (&answer), FALSE);
  write_answer (pending);
}

static char *
accept_for_key (const char *key)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) key, -1);
  g_checksum_update (checksum, (const guchar *) WEBSOCKET_GUID, -1);
  g_checksum_get_digest (checksum, digest, &length);
  return g_base64_encode (digest, length);
}

static void
switch_protocols (Pending *pending)
{
  SoupMessageHeaders *request = pending->request.request_headers;
  g_autoptr(GString) answer = g_string_new ("HTTP/1.1 101 Switching Protocols\r\n");
  g_autofree char *accept = accept_for_key (soup_message_headers_get_one (request,
                                                                          "Sec-WebSocket-Key"));

  g_string_append (answer, "Upgrade: websocket\r\nConnection: Upgrade\r\n");
  g_string_append_printf (answer, "Sec-WebSocket-Accept: %s\r\n", accept);
  append_headers (answer, pending->request.response_headers);
  g_string_append (answer, "\r\n");

  pending->request.status = SOUP_STATUS_SWITCHING_PROTOCOLS;
  g_free (pending->answer);
  pending->answer = g_string_free (g_steal_pointer (&answer), FALSE);
  write_answer (pending);
}

gboolean
eit_hub_request_offers_protocol (EitHubRequest *request,
                                 const char    *protocol)
{
  const char *protocols = soup_message_headers_get_list (request->request_headers,
                                                         "Sec-WebSocket-Protocol");
  g_auto(GStrv) entries = NULL;

  if (protocols == NULL)
    return FALSE;
  entries = g_strsplit (protocols, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    if (strcmp (g_strstrip (entries[i]), protocol) == 0)
      return TRUE;
  return FALSE;
}

/* Cuts text to at most max bytes without splitting a UTF-8 character. */
static char *
truncate_utf8 (const char *text,
               gsize       max)
{
  const char *end = text;

  while (*end != '\0')
    {
      const char *next = g_utf8_next_char (end);

      if ((gsize) (next - text) > max)
        break;
      end = next;
    }
  return g_strndup (text, end - text);
}

/* A page cannot read an HTTP refusal (it sees 1006 and nothing else), so a
 * browser's refused upgrade is completed and closed at once with a code and
 * reason it can read; nothing it sends is ever read as a message. */
static gboolean
refuse_visibly (Pending *pending)
{
  EitHubRequest *request = &pending->request;
  SoupMessageHeaders *headers = request->request_headers;
  g_autofree char *reason = NULL;
  const char *word;
  gushort code;

  if (soup_message_headers_get_one (headers, "Origin") == NULL || !request->is_upgrade ||
      request->upgrade_error != NULL)
    return FALSE;

  switch (request->status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      code = EIT_CLOSE_UNAUTHORIZED;
      word = "unauthorized";
      break;
    case SOUP_STATUS_FORBIDDEN:
      code = EIT_CLOSE_FORBIDDEN;
      word = "forbidden";
      break;
    case STATUS_TOO_MANY_REQUESTS:
      code = EIT_CLOSE_TOO_MANY;
      word = "too many connections";
      break;
    default:
      return FALSE;
    }

  if (code == EIT_CLOSE_TOO_MANY)
    {
      const char *retry = request->response_headers
                          ? soup_message_headers_get_one (request->response_headers, "Retry-After")
                          : NULL;
      reason = g_strdup_printf ("%s: retry after %s s", word, retry ? retry : "1");
    }
  else
    {
      g_autofree char *full = g_strdup_printf ("%s: %s", word, request->body ? request->body : "");
      reason = truncate_utf8 (full, CLOSE_REASON_MAX);
    }

  log_limited (pending->listener, code == EIT_CLOSE_UNAUTHORIZED ? "refused-4401"
                                  : code == EIT_CLOSE_FORBIDDEN ? "refused-4403" : "refused-4429",
               "refused %s: %u %s (after a 101: the request came from a page)",
               pending->peer, code, request->body ? request->body : reason);

  /* The 101 selects a protocol the page offered, as browsers insist on. */
  g_clear_pointer (&request->response_headers, soup_message_headers_unref);
  request->response_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (eit_hub_request_offers_protocol (request, EIT_SUBPROTOCOL_V1))
    soup_message_headers_replace (request->response_headers, "Sec-WebSocket-Protocol",
                                  EIT_SUBPROTOCOL_V1);
  else if (eit_hub_request_offers_protocol (request, EIT_SUBPROTOCOL_JSON))
    soup_message_headers_replace (request->response_headers, "Sec-WebSocket-Protocol",
                                  EIT_SUBPROTOCOL_JSON);
  request->mode = EIT_PROTOCOL_MODE_BASE;
  request->max_message_size = CLOSE_REASON_MAX;
  pending->close_code = code;
  pending->close_reason = g_steal_pointer (&reason);
  switch_protocols (pending);
  return TRUE;
}

static void
refusing_closed_cb (EitTransport   *transport,
                    EitHubListener *self)
{
  g_signal_handlers_disconnect_by_data (transport, self);
  if (g_ptr_array_remove_fast (self->refusing, transport))
    release_connection (self);
}

static void
upgraded_closed_cb (EitTransport   *transport,
                    EitHubListener *self)
{
  g_signal_handlers_disconnect_by_data (transport, self);
  release_connection (self);
}

/* The 101 is out: the connection is a WebSocket's from here on. */
static void
handed_over (Pending *pending)
{
  EitHubListener *self = pending->listener;
  guint tag = pending->request.tag;
  g_autofree char *peer = g_strdup (pending->peer);
  g_autofree char *protocol =
    g_strdup (soup_message_headers_get_one (pending->request.response_headers,
                                            "Sec-WebSocket-Protocol"));
  g_autoptr(EitTransport) transport =
    eit_transport_new_for_server (G_IO_STREAM (pending->tls), pending->request.mode,
                                  pending->request.max_message_size);

  /* The transport owns the connection now: pending_free() must not close it. */
  g_clear_object (&pending->socket);

  if (pending->close_code != 0)
    {
      g_ptr_array_add (self->refusing, g_object_ref (transport));
      g_signal_connect_object (transport, "closed", G_CALLBACK (refusing_closed_cb), self, 0);
      eit_transport_close (transport, pending->close_code, pending->close_reason);
      pending_finish (pending, TRUE);
      return;
    }

  g_signal_connect_object (transport, "closed", G_CALLBACK (upgraded_closed_cb), self, 0);
  /* Authenticated: no longer counts against its address. */
  pending_finish (pending, TRUE);
  g_signal_emit (self, signals[SIGNAL_UPGRADED], 0, transport, tag, peer, protocol);
}

/* Request head ------------------------------------------------------------- */

static guint
count_headers (SoupMessageHeaders *headers,
               const char         *name)
{
  SoupMessageHeadersIter iter;
  const char *header, *value;
  guint count = 0;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &header, &value))
    if (g_ascii_strcasecmp (header, name) == 0)
      count++;
  return count;
}

static gboolean
key_is_valid (const char *key)
{
  g_autofree guchar *decoded = NULL;
  gsize length = 0;

  if (key == NULL || strlen (key) != 24)
    return FALSE;
  decoded = g_base64_decode (key, &length);
  return length == 16;
}

/* RFC 6455 4.2.1, what is left once the request is an upgrade. */
static const char *
upgrade_error (const char         *method,
               SoupHTTPVersion     version,
               SoupMessageHeaders *headers)
{
  if (g_strcmp0 (method, "GET") != 0)
    return "the method is not GET";
  if (version < SOUP_HTTP_1_1)
    return "HTTP/1.0";
  if (!soup_message_headers_header_contains (headers, "Connection", "upgrade"))
    return "no \"Connection: Upgrade\"";
  if (g_strcmp0 (soup_message_headers_get_one (headers, "Sec-WebSocket-Version"), "13") != 0)
    return "Sec-WebSocket-Version is not 13";
  if (!key_is_valid (soup_message_headers_get_one (headers, "Sec-WebSocket-Key")))
    return "a missing or malformed Sec-WebSocket-Key";
  return NULL;
}

static void
decide (Pending *pending,
        gsize    head_length,
        gsize    head_end)
{
  EitHubListener *self = pending->listener;
  EitHubRequest *request = &pending->request;
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *method = NULL;
  SoupHTTPVersion version = SOUP_HTTP_1_0;
  goffset content_length;
  guint status;

  status = soup_headers_parse_request ((const char *) pending->head->data, head_length,
                                       headers, &method, NULL, &version);
  if (status != SOUP_STATUS_OK)
    {
      refuse (pending, status, "not an HTTP request: connect with a WebSocket client (wss://)");
      return;
    }
  if (count_headers (headers, "Authorization") > 1)
    {
      refuse (pending, SOUP_STATUS_BAD_REQUEST,
              "more than one Authorization header: send exactly one");
      return;
    }
  /* Refused before a byte of the body is read: an upgrade has none. */
  content_length = soup_message_headers_get_content_length (headers);
  if (soup_message_headers_get_one (headers, "Transfer-Encoding") != NULL || content_length > 0)
    {
      refuse (pending, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
              "a request to the hub has no body: send the WebSocket upgrade alone");
      return;
    }
  /* RFC 6455 4.1: a client waits for the 101 before it sends anything. */
  if (pending->head->len > head_end)
    {
      refuse (pending, SOUP_STATUS_BAD_REQUEST,
              "data after the request head: wait for the 101 before sending frames");
      return;
    }

  request->peer = pending->peer;
  request->request_headers = g_steal_pointer (&headers);
  request->is_upgrade = soup_message_headers_header_contains (request->request_headers, "Upgrade",
                                                              "websocket");
  request->upgrade_error = upgrade_error (method, version, request->request_headers);
  request->response_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_signal_emit (self, signals[SIGNAL_REQUEST], 0, request);

  if (request->status == SOUP_STATUS_SWITCHING_PROTOCOLS)
    switch_protocols (pending);
  else if (!refuse_visibly (pending))
    refuse (pending, request->status != 0 ? request->status : SOUP_STATUS_FORBIDDEN,
            request->body != NULL ? request->body : "refused");
}

/* Where the head ends: length up to, not including, its blank line, and
 * end just after it. */
static gboolean
find_head_end (GByteArray *head,
               gsize      *length,
               gsize      *end)
{
  for (gsize i = 0; i + 1 < head->len; i++)
    {
      if (head->data[i] != '\n')
        continue;
      if (head->data[i + 1] == '\n')
        {
          *length = i + 1;
          *end = i + 2;
          return TRUE;
        }
      if (i + 2 < head->len && head->data[i + 1] == '\r' && head->data[i + 2] == '\n')
        {
          *length = i + 1;
          *end = i + 3;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean read_head_cb (GObject  *stream,
                              gpointer  user_data);

static void
read_head (Pending *pending)
{
  GPollableInputStream *input =
    G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (pending->tls)));

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      guint8 buffer[READ_CHUNK];
      gsize room = MAX_REQUEST_HEAD + 1 - pending->head->len;
      gsize length, end;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (input, buffer, MIN (room, sizeof buffer),
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          pending->source = g_pollable_input_stream_create_source (input, NULL);
          g_source_set_callback (pending->source, G_SOURCE_FUNC (read_head_cb), pending, NULL);
          g_source_attach (pending->source, NULL);
          return;
        }
      if (n <= 0)
        {
          pending_finish (pending, FALSE);
          return;
        }

      g_byte_array_append (pending->head, buffer, n);
      if (find_head_end (pending->head, &length, &end))
        {
          pending_clear_waits (pending);
          decide (pending, length, end);
          return;
        }
      if (pending->head->len > MAX_REQUEST_HEAD)
        {
          g_autofree char *body = g_strdup_printf ("the request head is larger than %d bytes",
                                                   MAX_REQUEST_HEAD);
          pending_clear_waits (pending);
          refuse (pending, STATUS_HEADER_FIELDS_TOO_LARGE, body);
          return;
        }
    }
}

static gboolean
read_head_cb (GObject  *stream,
              gpointer  user_data)
{
  Pending *pending = user_data;

  g_clear_pointer (&pending->source, g_source_unref);
  read_head (pending);
  return G_SOURCE_REMOVE;
}

/* TLS ----------------------------------------------------------------------- */

static void
tls_handshake_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Pending *pending = user_data;
  EitHubListener *self = pending->listener;
  g_autoptr(GError) error = NULL;

  pending->busy = FALSE;
  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (self == NULL)
    {
      pending_free (pending);
      return;
    }
  if (error != NULL)
    {
      /* Plain HTTP or ws:// lands here: TLS only, never an upgrade. */
      if (pending->timed_out)
        log_limited (self, "tls-timeout", "refused %s: no TLS handshake within %u ms",
                     pending->peer, self->handshake_timeout);
      else
        log_limited (self, "tls-failed",
                     "refused %s: TLS handshake failed (%s); this port only speaks wss://",
                     pending->peer, error->message);
      pending_finish (pending, FALSE);
      return;
    }

  /* PROTOCOL.md 2.1: TLS 1.2 at least, whatever the GnuTLS priority
   * string of the process allowed (eithub-hub sets one that refuses older
   * versions in the handshake already; a program that embeds the hub may
   * not). */
  if (g_tls_connection_get_protocol_version (pending->tls) < G_TLS_PROTOCOL_VERSION_TLS_1_2)
    {
      log_limited (self, "tls-version",
                   "refused %s: TLS older than 1.2 (%s); connect with TLS 1.2 or 1.3",
                   pending->peer, g_tls_connection_get_ciphersuite_name (pending->tls) ?: "?");
      pending_finish (pending, FALSE);
      return;
    }

  pending->stage = STAGE_HEAD;
  pending->head = g_byte_array_sized_new (READ_CHUNK);
  pending_set_timer (pending, self->request_timeout);
  read_head (pending);
}

static void
start_tls (Pending *pending)
{
  EitHubListener *self = pending->listener;
  g_autoptr(GError) error = NULL;

  pending->tcp = G_IO_STREAM (g_socket_connection_factory_create_connection (pending->socket));
  /* No database: the hub asks for no client certificate, and without one
   * given, glib-networking reads the whole system store again for every
   * connection, some 10 ms of main-loop time per accept. */
  pending->tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                                 NULL, &error,
                                 "base-io-stream", pending->tcp,
                                 "certificate", self->certificate,
                                 "database", NULL,
                                 NULL);
  if (pending->tls == NULL)
    {
      log_limited (self, "tls-start", "cannot start TLS: %s", error->message);
      pending_finish (pending, FALSE);
      return;
    }

  pending->stage = STAGE_TLS;
  pending->busy = TRUE;
  /* handshake-timeout counts from the connect, first byte included. */
  if (self->handshake_timeout > 0)
    {
      gint64 elapsed_ms = (g_get_monotonic_time () - pending->accepted) / G_TIME_SPAN_MILLISECOND;

      pending_set_timer (pending, MAX (1, (gint64) self->handshake_timeout - elapsed_ms));
    }
  g_tls_connection_handshake_async (pending->tls, G_PRIORITY_DEFAULT, NULL,
                                    tls_handshake_cb, pending);
}

/* The peer has sent something: now it may have a TLS worker. */
static gboolean
first_byte_cb (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  Pending *pending = user_data;

  g_clear_pointer (&pending->source, g_source_unref);
  g_clear_handle_id (&pending->timer_id, g_source_remove);
  start_tls (pending);
  return G_SOURCE_REMOVE;
}

/* Accepting ------------------------------------------------------------------ */

static char *
peer_address (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_remote_address (socket, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (address))
    return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup ("?");
}

static void
take (EitHubListener *self,
      GSocket        *socket)
{
  Pending *pending;
  g_autofree char *peer = peer_address (socket);
  guint unauthenticated = GPOINTER_TO_UINT (g_hash_table_lookup (self->unauthenticated, peer));

  if (unauthenticated >= self->max_unauthenticated_per_address)
    {
      log_limited (self, "per-address",
                   "refused %s: %u connections from this address are not authenticated yet "
                   "(limit %u); closed at once", peer, unauthenticated,
                   self->max_unauthenticated_per_address);
      g_socket_close (socket, NULL);
      return;
    }

  /* Nagle's algorithm would hold the handshake's small records, and later
   * each small frame, until the client's delayed ACK (40 ms on Linux); the
   * flow does its own batching. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  pending = g_new0 (Pending, 1);
  pending->listener = self;
  pending->socket = g_object_ref (socket);
  pending->peer = g_steal_pointer (&peer);
  pending->stage = STAGE_FIRST_BYTE;
  pending->accepted = g_get_monotonic_time ();
  self->n_connections++;
  change_unauthenticated (self, pending->peer, +1);
  g_ptr_array_add (self->pending, pending);

  if (self->handshake_timeout > 0 &&
      (self->first_byte_timeout == 0 || self->handshake_timeout < self->first_byte_timeout))
    pending_set_timer (pending, self->handshake_timeout);
  else
    pending_set_timer (pending, self->first_byte_timeout);
  pending->source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (pending->source, G_SOURCE_FUNC (first_byte_cb), pending, NULL);
  g_source_attach (pending->source, NULL);
}

static void
stop_accept_source (EitHubListener *self)
{
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
}

static gboolean
accept_retry_cb (gpointer user_data)
{
  EitHubListener *self = user_data;

  self->accept_retry_id = 0;
  if (self->n_connections < effective_max_connections (self))
    start_accepting (self);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_cb (GSocket      *listen_socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  EitHubListener *self = user_data;
  guint max = effective_max_connections (self);

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;

      if (self->n_connections >= max)
        {
          /* Paused: the kernel's backlog holds newcomers until a
           * connection ends (release_connection() resumes). */
          log_limited (self, "max-connections",
                       "%u connections open (max-connections): not accepting until one ends",
                       self->n_connections);
          g_clear_pointer (&self->accept_source, g_source_unref);
          return G_SOURCE_REMOVE;
        }

      socket = g_socket_accept (listen_socket, NULL, &error);
      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          /* EMFILE and the like: the connection stays in the backlog, and
           * the listening socket readable; retrying at once would spin. */
          log_limited (self, "accept-error", "cannot accept a connection: %s; retrying in %d ms",
                       error->message, ACCEPT_RETRY_MS);
          g_clear_pointer (&self->accept_source, g_source_unref);
          self->accept_retry_id = g_timeout_add (ACCEPT_RETRY_MS, accept_retry_cb, self);
          return G_SOURCE_REMOVE;
        }
      take (self, socket);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_accepting (EitHubListener *self)
{
  g_assert (self->accept_source == NULL);

  self->accept_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (self->accept_source, NULL);
}

gboolean
eit_hub_listener_listen (EitHubListener *self,
                         const char     *address,
                         guint           port,
                         GError        **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (EIT_IS_HUB_LISTENER (self), FALSE);
  g_return_val_if_fail (self->socket == NULL, FALSE);

  socket_address = g_inet_socket_address_new_from_string (address, port);
  if (socket_address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }
  socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  /* accept() must answer "would block", not wait for the next client. */
  g_socket_set_blocking (socket, FALSE);
  if (!g_socket_bind (socket, socket_address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  effective = g_socket_get_local_address (socket, error);
  if (effective == NULL)
    return FALSE;

  self->socket = g_steal_pointer (&socket);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  self->bound = g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (effective)));
  self->stopped = FALSE;
  start_accepting (self);
  return TRUE;
}

guint
eit_hub_listener_get_port (EitHubListener *self)
{
  g_return_val_if_fail (EIT_IS_HUB_LISTENER (self), 0);
  return self->port;
}

char *
eit_hub_listener_get_url (EitHubListener *self)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autofree char *host = NULL;
  GInetAddress *address;

  g_return_val_if_fail (EIT_IS_HUB_LISTENER (self), NULL);

  if (self->bound == NULL)
    return NULL;
  address = self->bound;
  /* Nobody can connect to "any": give this machine's own address. */
  if (g_inet_address_get_is_any (address))
    address = loopback = g_inet_address_new_loopback (g_inet_address_get_family (address));
  host = g_inet_address_to_string (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("wss://[%s]:%u/", host, self->port);
  return g_strdup_printf ("wss://%s:%u/", host, self->port);
}

guint
eit_hub_listener_get_effective_max_connections (EitHubListener *self)
{
  g_return_val_if_fail (EIT_IS_HUB_LISTENER (self), 0);
  return effective_max_connections (self);
}

guint
eit_hub_listener_get_n_connections (EitHubListener *self)
{
  g_return_val_if_fail (EIT_IS_HUB_LISTENER (self), 0);
  return self->n_connections;
}

void
eit_hub_listener_stop (EitHubListener *self,
                       gushort         code,
                       const char     *reason)
{
  g_autoptr(GPtrArray) refusing = NULL;

  g_return_if_fail (EIT_IS_HUB_LISTENER (self));

  self->stopped = TRUE;
  stop_accept_source (self);
  g_clear_handle_id (&self->accept_retry_id, g_source_remove);
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }

  for (guint i = self->pending->len; i > 0; i--)
    {
      Pending *pending = g_ptr_array_index (self->pending, i - 1);

      /* Cut now, a client that reads the 101 would see a WebSocket end
       * without a close frame (seen when SIGINT came between the two). */
      if (code != 0 && pending->busy && pending->stage == STAGE_ANSWER &&
          pending->request.status == SOUP_STATUS_SWITCHING_PROTOCOLS)
        {
          if (pending->close_code == 0)
            {
              pending->close_code = code;
              pending->close_reason = g_strdup (reason);
            }
          continue;
        }
      g_ptr_array_steal_index_fast (self->pending, i - 1);
      change_unauthenticated (self, pending->peer, -1);
      self->n_connections--;
      pending->listener = NULL;
      pending_clear_waits (pending);
      if (pending->busy)
        /* Its callback runs soon, and frees it. */
        g_socket_shutdown (pending->socket, TRUE, TRUE, NULL);
      else
        pending_free (pending);
    }

  refusing = g_ptr_array_copy (self->refusing, (GCopyFunc) g_object_ref, NULL);
  g_ptr_array_set_free_func (refusing, g_object_unref);
  for (guint i = 0; i < refusing->len; i++)
    eit_transport_abort (g_ptr_array_index (refusing, i));
}

/* GObject -------------------------------------------------------------------- */

EitHubListener *
eit_hub_listener_new (void)
{
  return g_object_new (EIT_TYPE_HUB_LISTENER, NULL);
}

static void
eit_hub_listener_dispose (GObject *object)
{
  EitHubListener *self = EIT_HUB_LISTENER (object);

  eit_hub_listener_stop (self, 0, NULL);
  for (guint i = 0; i < self->refusing->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->refusing, i), self);
  g_ptr_array_set_size (self->refusing, 0);
  g_clear_object (&self->certificate);
  g_clear_object (&self->bound);

  G_OBJECT_CLASS (eit_hub_listener_parent_class)->dispose (object);
}

static void
eit_hub_listener_finalize (GObject *object)
{
  EitHubListener *self = EIT_HUB_LISTENER (object);

  g_ptr_array_unref (self->pending);
  g_ptr_array_unref (self->refusing);
  g_hash_table_unref (self->unauthenticated);
  eit_log_limit_free (self->log_limit);

  G_OBJECT_CLASS (eit_hub_listener_parent_class)->finalize (object);
}

static void
eit_hub_listener_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EitHubListener *self = EIT_HUB_LISTENER (object);

  switch (prop_id)
    {
    case PROP_TLS_CERTIFICATE:  g_value_set_object (value, self->certificate); break;
    case PROP_MAX_CONNECTIONS:  g_value_set_uint (value, self->max_connections); break;
    case PROP_MAX_UNAUTHENTICATED_PER_ADDRESS:
      g_value_set_uint (value, self->max_unauthenticated_per_address);
      break;
    case PROP_FIRST_BYTE_TIMEOUT: g_value_set_uint (value, self->first_byte_timeout); break;
    case PROP_HANDSHAKE_TIMEOUT:  g_value_set_uint (value, self->handshake_timeout); break;
    case PROP_REQUEST_TIMEOUT:    g_value_set_uint (value, self->request_timeout); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_hub_listener_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  EitHubListener *self = EIT_HUB_LISTENER (object);

  switch (prop_id)
    {
    case PROP_TLS_CERTIFICATE:
      g_set_object (&self->certificate, g_value_get_object (value));
      break;
    case PROP_MAX_CONNECTIONS:  self->max_connections = g_value_get_uint (value); break;
    case PROP_MAX_UNAUTHENTICATED_PER_ADDRESS:
      self->max_unauthenticated_per_address = g_value_get_uint (value);
      break;
    case PROP_FIRST_BYTE_TIMEOUT: self->first_byte_timeout = g_value_get_uint (value); break;
    case PROP_HANDSHAKE_TIMEOUT:  self->handshake_timeout = g_value_get_uint (value); break;
    case PROP_REQUEST_TIMEOUT:    self->request_timeout = g_value_get_uint (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
limit_uint (const char *name,
            guint       min,
            guint       def)
{
  return g_param_spec_uint (name, NULL, NULL, min, G_MAXINT32, def,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
}

static void
eit_hub_listener_class_init (EitHubListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_hub_listener_dispose;
  object_class->finalize = eit_hub_listener_finalize;
  object_class->get_property = eit_hub_listener_get_property;
  object_class->set_property = eit_hub_listener_set_property;

  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_CONNECTIONS] = limit_uint ("max-connections", 0, 0);
  properties[PROP_MAX_UNAUTHENTICATED_PER_ADDRESS] =
    limit_uint ("max-unauthenticated-per-address", 1, EIT_DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS);
  properties[PROP_FIRST_BYTE_TIMEOUT] =
    limit_uint ("first-byte-timeout", 0, EIT_DEFAULT_FIRST_BYTE_TIMEOUT_MS);
  properties[PROP_HANDSHAKE_TIMEOUT] =
    limit_uint ("handshake-timeout", 0, EIT_DEFAULT_HANDSHAKE_TIMEOUT_MS);
  properties[PROP_REQUEST_TIMEOUT] =
    limit_uint ("request-timeout", 0, EIT_DEFAULT_REQUEST_TIMEOUT_MS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_REQUEST] =
    g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_UPGRADED] =
    g_signal_new ("upgraded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4, EIT_TYPE_TRANSPORT, G_TYPE_UINT,
                  G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
eit_hub_listener_init (EitHubListener *self)
{
  self->pending = g_ptr_array_new ();
  self->refusing = g_ptr_array_new_with_free_func (g_object_unref);
  self->unauthenticated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->log_limit = eit_log_limit_new (1000);
}
