/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One base-layer connection, over one of two WebSocket implementations:
 * a client's is libsoup's SoupWebsocketConnection (the user's design: the
 * GLib main loop runs libsoup's WebSocket client), a hub's is our
 * EitWebsocket (server CPU per message, docs/ARCHITECTURE.md). Both give
 * the same frames, limits, close codes and counters to the layers above.
 * Connecting a client is eit-transport-connect.c. */
#include "config.h"

#include "eit-transport.h"
#include "eit-transport-private.h"

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include "eit-signal.h"
#include "eit-tls.h"

/* libsoup 3.2 drops a connection without a close frame when one frame is
 * over its max-incoming-payload-size, so its limit sits well above ours and
 * we close with 1009 and a reason ourselves (PROTOCOL.md 2.6). */
#define LIBSOUP_LIMIT_FACTOR 4
#define LIBSOUP_LIMIT_SLACK  (1024 * 1024)

/* How long a close waits for the peer's close frame before the link is
 * dropped: libsoup 3.2 starts its own 5 s wait only once the close frame is
 * written, which never happens on a link whose send buffer is full. */
#define DEFAULT_CLOSE_TIMEOUT_MS 5000

struct _EitTransport
{
  GObject parent_instance;

  /* Exactly one of the two. */
  EitWebsocket *engine;
  SoupWebsocketConnection *soup;
  gulong message_handler;
  gulong pong_handler;
  gulong error_handler;
  gulong closed_handler;

  GSocket *socket;

  EitProtocolMode mode;
  guint64 max_message_size;
  guint64 frame_limit;
  gboolean closed_emitted;

  /* libsoup side: what EitWebsocket keeps for itself. */
  gboolean violated;
  gboolean aborted;
  gboolean closed_locally;
  gushort close_code;
  char *close_reason;
  guint close_timeout_id;

  const char *tls_version;
  char *tls_cipher;
  char *peer_fingerprint;

  gint64 last_receive_time;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 frames_in;
  guint64 frames_out;
};

G_DEFINE_FINAL_TYPE (EitTransport, eit_transport, G_TYPE_OBJECT)

enum {
  SIGNAL_FRAME,
  SIGNAL_PONG,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint64
frame_limit_for (EitProtocolMode mode,
                 guint64         max_message_size)
{
  if (max_message_size == 0)
    max_message_size = EIT_DEFAULT_MAX_MESSAGE_SIZE;

  /* An envelope carries a body plus its own members (PROTOCOL.md 2.6). */
  if (mode == EIT_PROTOCOL_MODE_FULL)
    return max_message_size + EIT_FRAME_OVERHEAD;
  return max_message_size;
}

static void
emit_closed (EitTransport *self)
{
  if (self->closed_emitted)
    return;
  self->closed_emitted = TRUE;
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

static void
set_tls_details (EitTransport        *self,
                 GTlsProtocolVersion  version,
                 char                *cipher,
                 GTlsCertificate     *peer_certificate)
{
  self->tls_version = eit_tls_protocol_version_to_string (version);
  g_free (self->tls_cipher);
  self->tls_cipher = cipher;
  g_free (self->peer_fingerprint);
  self->peer_fingerprint = peer_certificate ? eit_tls_certificate_fingerprint (peer_certificate)
                                            : NULL;
}

/* The hub's side: our own framing ------------------------------------------ */

/* The WebSocket has checked size, UTF-8 and frame type already. */
static void
engine_message_cb (EitWebsocket *websocket,
                   const char   *text,
                   gulong        len,
                   EitTransport *self)
{
  self->last_receive_time = g_get_monotonic_time ();
  self->frames_in++;
  self->bytes_in += len;
  g_signal_emit (self, signals[SIGNAL_FRAME], 0, text, len);
}

static void
engine_pong_cb (EitWebsocket *websocket,
                EitTransport *self)
{
  self->last_receive_time = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_PONG], 0);
}

static void
engine_closed_cb (EitWebsocket *websocket,
                  EitTransport *self)
{
  emit_closed (self);
}

EitTransport *
eit_transport_new_for_server (GIOStream       *stream,
                              EitProtocolMode  mode,
                              guint64          max_message_size)
{
  EitTransport *self;
  GIOStream *base;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (mode != EIT_PROTOCOL_MODE_UNKNOWN, NULL);

  self = g_object_new (EIT_TYPE_TRANSPORT, NULL);
  self->mode = mode;
  self->max_message_size = max_message_size;
  self->frame_limit = frame_limit_for (mode, max_message_size);
  self->last_receive_time = g_get_monotonic_time ();

  base = eit_io_stream_find_base (stream, G_TYPE_TLS_CONNECTION);
  if (base != NULL)
    {
      GTlsConnection *tls = G_TLS_CONNECTION (base);

      set_tls_details (self, g_tls_connection_get_protocol_version (tls),
                       g_tls_connection_get_ciphersuite_name (tls),
                       g_tls_connection_get_peer_certificate (tls));
    }
  base = eit_io_stream_find_base (stream, G_TYPE_SOCKET_CONNECTION);
  if (base != NULL)
    self->socket = g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)));

  self->engine = eit_websocket_new (stream, EIT_WEBSOCKET_ROLE_SERVER, self->frame_limit, NULL);
  self->message_handler = g_signal_connect (self->engine, "message",
                                            G_CALLBACK (engine_message_cb), self);
  self->pong_handler = g_signal_connect (self->engine, "pong",
                                         G_CALLBACK (engine_pong_cb), self);
  self->closed_handler = g_signal_connect (self->engine, "closed",
                                           G_CALLBACK (engine_closed_cb), self);
  return self;
}

/* A client's side: libsoup's WebSocket ------------------------------------- */

static void
refuse (EitTransport *self,
        gushort       code,
        const char   *reason)
{
  eit_transport_close (self, code, reason);
  self->violated = TRUE;
}

static void
soup_message_cb (SoupWebsocketConnection *websocket,
                 int                      type,
                 GBytes                  *message,
                 EitTransport            *self)
{
  const char *text;
  gsize len;

  text = g_bytes_get_data (message, &len);
  self->last_receive_time = g_get_monotonic_time ();

  if (self->violated)
    return;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      refuse (self, EIT_CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
      return;
    }

  /* libsoup assembles a fragmented message before it delivers it, so the
   * limit is checked on the whole message here. */
  if (len > self->frame_limit)
    {
      g_autofree char *reason = NULL;

      reason = g_strdup_printf ("message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %"
                                G_GUINT64_FORMAT, len, self->frame_limit);
      refuse (self, EIT_CLOSE_TOO_BIG, reason);
      return;
    }

  self->frames_in++;
  self->bytes_in += len;
  /* libsoup NUL-terminates every message it delivers (outside the length),
   * so the text is handed on without a copy. */
  g_signal_emit (self, signals[SIGNAL_FRAME], 0, text != NULL ? text : "", (gulong) len);
}

static void
soup_pong_cb (SoupWebsocketConnection *websocket,
              GBytes                  *message,
              EitTransport            *self)
{
  self->last_receive_time = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_PONG], 0);
}

static void
soup_error_cb (SoupWebsocketConnection *websocket,
               GError                  *error,
               EitTransport            *self)
{
  g_debug ("transport %p: %s", self, error->message);

  /* A frame over even libsoup's raised limit: libsoup drops the link with
   * no close frame; the user still learns why. */
  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG) &&
      !self->closed_locally && !self->closed_emitted)
    {
      self->closed_locally = TRUE;
      self->close_code = EIT_CLOSE_TOO_BIG;
      g_free (self->close_reason);
      self->close_reason = g_strdup_printf ("message exceeds the limit of %" G_GUINT64_FORMAT,
                                            self->frame_limit);
    }
}

static void
soup_closed_cb (SoupWebsocketConnection *websocket,
                EitTransport            *self)
{
  if (self->closed_emitted)
    return;

  if (!self->closed_locally)
    {
      gushort code = soup_websocket_connection_get_close_code (websocket);

      /* libsoup says 1005 for a close frame without a code. */
      self->close_code = code;
      g_free (self->close_reason);
      self->close_reason = code != 0 ? g_strdup (soup_websocket_connection_get_close_data (websocket))
                                     : NULL;
    }

  g_debug ("transport %p closed: code %u, reason \"%s\", %s", self, self->close_code,
           self->close_reason ? self->close_reason : "",
           self->closed_locally ? "by us" : "by the peer");
  emit_closed (self);
}

EitTransport *
_eit_transport_new_for_client (SoupWebsocketConnection *websocket,
                               SoupMessage             *msg,
                               GSocket                 *socket,
                               EitProtocolMode          mode,
                               guint64                  max_message_size)
{
  EitTransport *self = g_object_new (EIT_TYPE_TRANSPORT, NULL);

  self->soup = g_object_ref (websocket);
  self->socket = socket ? g_object_ref (socket) : NULL;
  self->mode = mode;
  self->max_message_size = max_message_size;
  self->frame_limit = frame_limit_for (mode, max_message_size);
  self->last_receive_time = g_get_monotonic_time ();
  if (msg != NULL)
    set_tls_details (self, soup_message_get_tls_protocol_version (msg),
                     g_strdup (soup_message_get_tls_ciphersuite_name (msg)),
                     soup_message_get_tls_peer_certificate (msg));

  soup_websocket_connection_set_max_incoming_payload_size (
    websocket, MAX (self->frame_limit * LIBSOUP_LIMIT_FACTOR, self->frame_limit + LIBSOUP_LIMIT_SLACK));

  self->message_handler = g_signal_connect (websocket, "message",
                                            G_CALLBACK (soup_message_cb), self);
  self->pong_handler = g_signal_connect (websocket, "pong", G_CALLBACK (soup_pong_cb), self);
  self->error_handler = g_signal_connect (websocket, "error", G_CALLBACK (soup_error_cb), self);
  self->closed_handler = g_signal_connect (websocket, "closed", G_CALLBACK (soup_closed_cb), self);
  return self;
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  EitTransport *self = user_data;

  self->close_timeout_id = 0;
  g_debug ("transport %p: no close frame from the peer in time, dropping the link", self);
  eit_transport_abort (self);
  return G_SOURCE_REMOVE;
}

/* Using it ------------------------------------------------------------------ */

EitProtocolMode
eit_transport_get_mode (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), EIT_PROTOCOL_MODE_UNKNOWN);

  return self->mode;
}

void
eit_transport_set_mode (EitTransport    *self,
                        EitProtocolMode  mode)
{
  g_return_if_fail (EIT_IS_TRANSPORT (self));
  g_return_if_fail (mode != EIT_PROTOCOL_MODE_UNKNOWN);

  self->mode = mode;
  self->frame_limit = frame_limit_for (mode, self->max_message_size);
}

gboolean
eit_transport_is_open (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);

  if (self->engine != NULL)
    return eit_websocket_get_state (self->engine) == EIT_WEBSOCKET_STATE_OPEN;
  return self->soup != NULL && !self->aborted &&
         soup_websocket_connection_get_state (self->soup) == SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean
eit_transport_send (EitTransport *self,
                    const char   *text,
                    gsize         len)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if (self->engine != NULL)
    {
      if (!eit_websocket_send_text (self->engine, text, len))
        return FALSE;
    }
  else
    {
      g_autoptr(GBytes) bytes = NULL;

      if (!eit_transport_is_open (self))
        return FALSE;
      /* libsoup refuses invalid UTF-8 in a text frame with a critical. */
      if (!g_utf8_validate_len (text, len, NULL))
        return FALSE;
      /* libsoup copies the payload into its frame before returning, so a
       * static GBytes over the caller's text costs no copy of ours. */
      bytes = g_bytes_new_static (text != NULL ? text : "", len);
      soup_websocket_connection_send_message (self->soup, SOUP_WEBSOCKET_DATA_TEXT, bytes);
    }
  self->frames_out++;
  self->bytes_out += len;
  return TRUE;
}

void
eit_transport_close (EitTransport *self,
                     gushort       code,
                     const char   *reason)
{
  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->engine != NULL)
    {
      eit_websocket_close (self->engine, code, reason);
      return;
    }

  /* CLOSING means a close frame went out already (ours or our answer to the
   * peer's); libsoup treats a second one as a programming error. */
  if (!eit_transport_is_open (self))
    return;

  /* RFC 6455 first reserved 1011 for servers, and libsoup (ours and MVP
   * hubs') refuses it from a client: "going away" is the nearest code. */
  if (code == EIT_CLOSE_INTERNAL_ERROR)
    code = EIT_CLOSE_GOING_AWAY;

  self->closed_locally = TRUE;
  self->close_code = code;
  g_free (self->close_reason);
  self->close_reason = eit_websocket_close_reason_dup (reason);
  self->close_timeout_id = g_timeout_add (DEFAULT_CLOSE_TIMEOUT_MS, close_timeout_cb, self);
  soup_websocket_connection_close (self->soup, code, self->close_reason);
}

void
eit_transport_abort (EitTransport *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->engine != NULL)
    {
      eit_websocket_abort (self->engine);
      return;
    }

  if (self->soup == NULL || self->aborted || self->closed_emitted ||
      soup_websocket_connection_get_state (self->soup) == SOUP_WEBSOCKET_STATE_CLOSED)
    return;

  if (eit_transport_is_open (self))
    {
      self->closed_locally = TRUE;
      self->close_code = 0;
      g_clear_pointer (&self->close_reason, g_free);
    }
  self->violated = TRUE;
  self->aborted = TRUE;
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);

  /* Shut the socket down under libsoup: no close frame, no TLS alert, and
   * its next read sees the end, so it finishes with "closed" as for any
   * dropped link. The descriptor stays valid until libsoup closes it. */
  if (self->socket == NULL || !g_socket_shutdown (self->socket, TRUE, TRUE, &error))
    {
      GIOStream *stream = soup_websocket_connection_get_io_stream (self->soup);

      if (error != NULL)
        g_debug ("transport %p: abort: %s", self, error->message);
      g_clear_error (&error);
      if (!g_io_stream_is_closed (stream) && !g_io_stream_close (stream, NULL, &error))
        g_debug ("transport %p: abort: %s", self, error->message);
    }
}

gushort
eit_transport_get_close_code (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  if (self->engine != NULL)
    return eit_websocket_get_close_code (self->engine);
  return self->close_code;
}

const char *
eit_transport_get_close_reason (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  if (self->engine != NULL)
    return eit_websocket_get_close_reason (self->engine);
  return self->close_reason;
}

gboolean
eit_transport_get_closed_locally (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);

  if (self->engine != NULL)
    return eit_websocket_get_closed_locally (self->engine);
  return self->closed_locally;
}

const char *
eit_transport_get_tls_version (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->tls_version;
}

const char *
eit_transport_get_tls_cipher (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->tls_cipher;
}

const char *
eit_transport_get_peer_fingerprint (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->peer_fingerprint;
}

gint64
eit_transport_get_last_receive_time (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->last_receive_time;
}

gboolean
eit_transport_get_kernel_bytes_received (EitTransport *self,
                                         guint64      *bytes)
{
  struct tcp_info info;
  socklen_t len = sizeof info;

  g_return_val_if_fail (EIT_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  if (self->socket == NULL || g_socket_is_closed (self->socket))
    return FALSE;
  memset (&info, 0, sizeof info);
  /* tcpi_bytes_received came with Linux 4.1; an older kernel fills less. */
  if (getsockopt (g_socket_get_fd (self->socket), IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
      len < G_STRUCT_OFFSET (struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
    return FALSE;
  *bytes = info.tcpi_bytes_received;
  return TRUE;
}

guint64
eit_transport_get_bytes_in (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->bytes_in;
}

guint64
eit_transport_get_bytes_out (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->bytes_out;
}

guint64
eit_transport_get_frames_in (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->frames_in;
}

guint64
eit_transport_get_frames_out (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), 0);

  return self->frames_out;
}

void
eit_transport_set_ws_keepalive (EitTransport *self,
                                guint         interval_ms)
{
  g_return_if_fail (EIT_IS_TRANSPORT (self));

  if (self->engine != NULL)
    eit_websocket_set_keepalive_interval (self->engine, interval_ms);
  else if (eit_transport_is_open (self))
    /* libsoup counts whole seconds: round up so a short interval still pings. */
    soup_websocket_connection_set_keepalive_interval (self->soup, (interval_ms + 999) / 1000);
}

EitWebsocket *
eit_transport_get_websocket (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->engine;
}

SoupWebsocketConnection *
eit_transport_get_soup_websocket (EitTransport *self)
{
  g_return_val_if_fail (EIT_IS_TRANSPORT (self), NULL);

  return self->soup;
}

/* GObject ------------------------------------------------------------------- */

static void
eit_transport_dispose (GObject *object)
{
  EitTransport *self = EIT_TRANSPORT (object);
  gpointer websocket = self->engine != NULL ? (gpointer) self->engine : (gpointer) self->soup;

  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  if (websocket != NULL)
    {
      g_clear_signal_handler (&self->message_handler, websocket);
      g_clear_signal_handler (&self->pong_handler, websocket);
      g_clear_signal_handler (&self->error_handler, websocket);
      g_clear_signal_handler (&self->closed_handler, websocket);
    }
  /* An open WebSocket that loses its last reference closes its stream. */
  g_clear_object (&self->engine);
  g_clear_object (&self->soup);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (eit_transport_parent_class)->dispose (object);
}

static void
eit_transport_finalize (GObject *object)
{
  EitTransport *self = EIT_TRANSPORT (object);

  g_free (self->close_reason);
  g_free (self->tls_cipher);
  g_free (self->peer_fingerprint);

  G_OBJECT_CLASS (eit_transport_parent_class)->finalize (object);
}

static void
eit_transport_class_init (EitTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_transport_dispose;
  object_class->finalize = eit_transport_finalize;

  signals[SIGNAL_FRAME] = eit_text_signal_new ("frame", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_PONG] = eit_event_signal_new ("pong", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_CLOSED] = eit_event_signal_new ("closed", G_TYPE_FROM_CLASS (klass));
}

static void
eit_transport_init (EitTransport *self)
{
}
