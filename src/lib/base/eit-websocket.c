/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-websocket-private.h"

#include <string.h>

#include "eit-signal.h"
#include "eit-types.h"

/* Room made in the input buffer before each read: one TLS record's worth. */
#define READ_ROOM (16 * 1024)
/* Buffers above this are freed once empty, so an idle connection that once
 * carried a large message does not keep its memory. */
#define KEEP_BUFFER (256 * 1024)
#define MAX_CONTROL_PAYLOAD 125
/* A close frame carries at most 125 bytes: the 2-byte code and the reason. */
#define MAX_CLOSE_REASON (MAX_CONTROL_PAYLOAD - 2)
#define DEFAULT_CLOSE_TIMEOUT_MS 5000
/* Work one connection may do per main-loop dispatch before it yields, so a
 * fast sender cannot hold the single loop (issue 9 row 8): ~4 TLS records,
 * and a bound on the frames they can hold. */
#define READ_BUDGET (64 * 1024)
#define FRAME_BUDGET 256
#define DEFAULT_CONTROL_FRAME_LIMIT 100

#define CLOSE_NO_STATUS      1005
#define CLOSE_PROTOCOL_ERROR 1002

enum {
  OPCODE_CONTINUATION = 0x0,
  OPCODE_TEXT         = 0x1,
  OPCODE_BINARY       = 0x2,
  OPCODE_CLOSE        = 0x8,
  OPCODE_PING         = 0x9,
  OPCODE_PONG         = 0xa,
};

typedef struct
{
  GSource source;
  EitWebsocket *self; /* not a reference: the source dies in dispose */
} SocketSource;

struct _EitWebsocket
{
  GObject parent_instance;

  EitWebsocketRole role;
  EitWebsocketState state;
  guint64 max_message_size;

  GIOStream *stream;      /* what we were given, and what we close */
  /* The TLS connection's streams, or the socket's when there is no TLS. */
  GPollableInputStream *input;
  GPollableOutputStream *output;
  GSocket *socket;
  GSource *source;
  gpointer fd_tag;
  GIOCondition watching;

  /* Unparsed input is in[in_start, in_end); in_size > in_end always, so a
   * message can be NUL-terminated in place for its emission. */
  guint8 *in;
  gsize in_start;
  gsize in_end;
  gsize in_size;
  gsize in_need; /* bytes the frame at in_start needs, once its header is read */
  /* After our close frame: bytes of a frame being skipped unbuffered, or
   * everything (the stream could not be parsed any more). */
  guint64 skip;
  gboolean discard_all;
  gint64 last_progress;

  /* What is left of this dispatch's budgets; yielded: a later dispatch
   * carries on (the source's ready time is set). */
  gsize read_budget;
  guint frame_budget;
  gboolean yielded;

  guint control_limit;
  guint control_count;
  gint64 control_window_start;

  GByteArray *fragments;
  gboolean fragmented;

  GByteArray *out;
  gsize out_start;
  /* After a write would block, TLS wants the same write again. */
  gsize out_retry;
  /* Over output_limit unsent bytes the peer is not read from; if it stays
   * over for output_deadline_ms it is closed with 4009. */
  gsize output_limit;
  guint output_deadline_ms;
  gboolean output_blocked;
  guint output_deadline_id;

  gboolean close_sent;
  gboolean closed_locally;
  gushort close_code;
  char *close_reason;
  /* Close the stream once the output has drained. */
  gboolean shut_down_when_flushed;
  gboolean stream_closing;
  gboolean closed_emitted;
  gboolean closing_emitted;
  gboolean dispatching;

  guint keepalive_id;
  guint close_timeout_id;
  guint close_timeout_ms;
};

G_DEFINE_FINAL_TYPE (EitWebsocket, eit_websocket, G_TYPE_OBJECT)

enum {
  SIGNAL_MESSAGE,
  SIGNAL_PONG,
  SIGNAL_CLOSING,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void shut_down (EitWebsocket *self);
static void update_output_limit (EitWebsocket *self);

/* Once, when the connection stops being OPEN: its end has been detected. */
static void
leave_open (EitWebsocket *self)
{
  if (self->closing_emitted)
    return;
  self->closing_emitted = TRUE;
  g_signal_emit (self, signals[SIGNAL_CLOSING], 0);
}

/* Masking ----------------------------------------------------------------- */

static void
apply_mask (guint8       *data,
            gsize         len,
            const guint8  key[4])
{
  guint64 key64;
  gsize i = 0;

  /* The key repeated twice in memory order, whatever the byte order. */
  memcpy (&key64, key, 4);
  memcpy ((guint8 *) &key64 + 4, key, 4);
  for (; i + 8 <= len; i += 8)
    {
      guint64 word;

      memcpy (&word, data + i, 8);
      word ^= key64;
      memcpy (data + i, &word, 8);
    }
  for (; i < len; i++)
    data[i] ^= key[i & 3];
}

/* Output ------------------------------------------------------------------- */

static void
watch (EitWebsocket *self,
       GIOCondition  condition)
{
  if (self->output_blocked)
    condition &= ~G_IO_IN;
  if (self->source == NULL || self->watching == condition)
    return;
  self->watching = condition;
  g_source_modify_unix_fd (self->source, self->fd_tag, condition);
}

static void
drop (EitWebsocket *self,
      GError       *error)
{
  if (error != NULL)
    g_debug ("websocket %p: %s", self, error->message);
  self->shut_down_when_flushed = FALSE;
  g_clear_pointer (&self->out, g_byte_array_unref);
  self->out = g_byte_array_new ();
  self->out_start = 0;
  self->out_retry = 0;
  self->output_blocked = FALSE;
  g_clear_handle_id (&self->output_deadline_id, g_source_remove);
  shut_down (self);
}

static void
flush (EitWebsocket *self)
{
  while (self->out_start < self->out->len)
    {
      g_autoptr(GError) error = NULL;
      gsize count = self->out_retry ? self->out_retry : self->out->len - self->out_start;
      gssize written;

      written = g_pollable_output_stream_write_nonblocking (self->output,
                                                            self->out->data + self->out_start,
                                                            count, NULL, &error);
      if (written < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              self->out_retry = count;
              /* Nothing more is read once the stream is to be shut down:
               * watching input then would only spin the loop. */
              watch (self, self->shut_down_when_flushed ? G_IO_OUT : G_IO_IN | G_IO_OUT);
              return;
            }
          drop (self, error);
          return;
        }
      self->out_retry = 0;
      self->out_start += written;
      if (self->output_blocked)
        update_output_limit (self);
    }

  self->out_start = 0;
  /* A large message leaves a large buffer: give it back. */
  if (self->out->len > KEEP_BUFFER)
    {
      g_byte_array_unref (self->out);
      self->out = g_byte_array_new ();
    }
  else
    g_byte_array_set_size (self->out, 0);
  watch (self, G_IO_IN);
  if (self->shut_down_when_flushed)
    shut_down (self);
}

static gsize
unsent (EitWebsocket *self)
{
  return self->out->len - self->out_start;
}

/* A peer that reads nothing while it keeps us answering cannot make us
 * buffer without bound: we stop reading it, and hang up on it if it stays
 * that way. */
static gboolean
output_deadline_cb (gpointer user_data)
{
  EitWebsocket *self = user_data;
  g_autoptr(GError) error = NULL;

  self->output_deadline_id = 0;
  if (self->state == EIT_WEBSOCKET_STATE_OPEN)
    {
      self->closed_locally = TRUE;
      self->close_code = EIT_CLOSE_SLOW_CONSUMER;
      g_free (self->close_reason);
      self->close_reason = g_strdup_printf ("slow consumer: %" G_GSIZE_FORMAT " bytes unsent for %u ms",
                                            unsent (self), self->output_deadline_ms);
    }
  g_debug ("websocket %p: %s", self, self->close_reason ? self->close_reason : "slow consumer");
  leave_open (self);
  /* A close frame behind bytes the peer does not read would never arrive,
   * and a TLS close would wait behind them too: hang up at once. */
  if (!g_socket_close (self->socket, &error))
    g_debug ("websocket %p: %s", self, error->message);
  drop (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
update_output_limit (EitWebsocket *self)
{
  gboolean over = self->output_limit > 0 && unsent (self) > self->output_limit;

  if (over == self->output_blocked || self->stream_closing)
    return;
  self->output_blocked = over;
  if (over)
    {
      watch (self, self->watching);
      if (self->output_deadline_ms > 0)
        self->output_deadline_id = g_timeout_add (self->output_deadline_ms, output_deadline_cb, self);
      return;
    }
  g_clear_handle_id (&self->output_deadline_id, g_source_remove);
  if (!self->shut_down_when_flushed)
    watch (self, self->watching | G_IO_IN);
  /* TLS may hold decrypted bytes the socket no longer shows. */
  if (self->source != NULL)
    g_source_set_ready_time (self->source, 0);
}

static void
queue_frame (EitWebsocket *self,
             guint8        opcode,
             const void   *payload,
             gsize         len)
{
  guint8 header[14];
  guint8 mask_bit = self->role == EIT_WEBSOCKET_ROLE_CLIENT ? 0x80 : 0;
  gsize header_len = 0;
  gsize offset;

  header[header_len++] = 0x80 | opcode;
  if (len < 126)
    header[header_len++] = mask_bit | (guint8) len;
  else if (len <= G_MAXUINT16)
    {
      header[header_len++] = mask_bit | 126;
      header[header_len++] = (guint8) (len >> 8);
      header[header_len++] = (guint8) len;
    }
  else
    {
      header[header_len++] = mask_bit | 127;
      for (int shift = 56; shift >= 0; shift -= 8)
        header[header_len++] = (guint8) ((guint64) len >> shift);
    }

  if (mask_bit)
    {
      guint32 key = g_random_int ();

      memcpy (header + header_len, &key, 4);
      header_len += 4;
    }

  g_byte_array_append (self->out, header, header_len);
  offset = self->out->len;
  if (len > 0)
    g_byte_array_append (self->out, payload, len);
  if (mask_bit)
    apply_mask (self->out->data + offset, len, header + header_len - 4);
  update_output_limit (self);
}

static void
send_frame (EitWebsocket *self,
            guint8        opcode,
            const void   *payload,
            gsize         len)
{
  queue_frame (self, opcode, payload, len);
  /* Behind a blocked write, the writable wake-up flushes it. */
  if (self->out_retry == 0)
    flush (self);
}

/* Closing ------------------------------------------------------------------ */

static void
stream_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(EitWebsocket) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_debug ("websocket %p: closing the stream: %s", self, error->message);

  if (self->closed_emitted)
    return;
  self->closed_emitted = TRUE;
  g_debug ("websocket %p closed: code %u, reason \"%s\", %s", self, self->close_code,
           self->close_reason ? self->close_reason : "",
           self->closed_locally ? "by us" : "by the peer");
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/* Stops reading and writing and closes the stream; "closed" follows when
 * the close is done. */
static void
shut_down (EitWebsocket *self)
{
  if (self->stream_closing)
    return;
  leave_open (self);
  self->stream_closing = TRUE;
  self->state = EIT_WEBSOCKET_STATE_CLOSED;

  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  g_clear_handle_id (&self->output_deadline_id, g_source_remove);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }

  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, stream_closed_cb,
                           g_object_ref (self));
}

static gboolean close_timeout_cb (gpointer user_data);

/* Once the last byte queued (our close frame) has gone, or after
 * close-timeout if the peer stops reading. */
static void
shut_down_after_flush (EitWebsocket *self)
{
  self->shut_down_when_flushed = TRUE;
  if (self->out_retry == 0)
    flush (self);
  else
    watch (self, G_IO_OUT);
  if (!self->stream_closing && self->close_timeout_id == 0 && self->close_timeout_ms > 0)
    self->close_timeout_id = g_timeout_add (self->close_timeout_ms, close_timeout_cb, self);
}

/* Both ends of EitTransport use it, libsoup's client too: the peer drops
 * a close frame whose reason is not UTF-8 or longer than 123 bytes. */
char *
eit_websocket_close_reason_dup (const char *reason)
{
  g_autofree char *valid = NULL;
  const char *end;

  if (reason == NULL)
    return NULL;
  valid = g_utf8_make_valid (reason, -1);
  if (strlen (valid) <= MAX_CLOSE_REASON)
    return g_steal_pointer (&valid);

  /* Cut at a character boundary. */
  g_utf8_validate_len (valid, MAX_CLOSE_REASON, &end);
  return g_strndup (valid, end - valid);
}

static void
send_close_frame (EitWebsocket *self,
                  gushort       code,
                  const char   *reason)
{
  guint8 payload[MAX_CONTROL_PAYLOAD];
  gsize len = 0;

  if (code != 0 && code != CLOSE_NO_STATUS)
    {
      gsize reason_len = reason ? strlen (reason) : 0;

      payload[0] = (guint8) (code >> 8);
      payload[1] = (guint8) code;
      if (reason_len > 0)
        memcpy (payload + 2, reason, MIN (reason_len, MAX_CLOSE_REASON));
      len = 2 + MIN (reason_len, MAX_CLOSE_REASON);
    }
  self->close_sent = TRUE;
  if (self->state == EIT_WEBSOCKET_STATE_OPEN)
    {
      self->state = EIT_WEBSOCKET_STATE_CLOSING;
      leave_open (self);
    }
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  send_frame (self, OPCODE_CLOSE, payload, len);
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  EitWebsocket *self = user_data;

  self->close_timeout_id = 0;
  g_debug ("websocket %p: no close frame from the peer within %u ms", self,
           self->close_timeout_ms);
  drop (self, NULL);
  return G_SOURCE_REMOVE;
}

/* The peer broke RFC 6455 or our limits: say why, then read and discard
 * until its close frame or close-timeout. Hanging up with its bytes unread
 * would make the kernel answer with a reset, and a reset destroys the close
 * frame on its way (issue 11: a 1009 lost 40% of the time). */
static void
refuse (EitWebsocket *self,
        gushort       code,
        const char   *reason)
{
  if (self->state != EIT_WEBSOCKET_STATE_OPEN)
    {
      shut_down_after_flush (self);
      return;
    }
  self->closed_locally = TRUE;
  self->close_code = code;
  g_free (self->close_reason);
  self->close_reason = eit_websocket_close_reason_dup (reason);
  send_close_frame (self, code, self->close_reason);
  if (!self->stream_closing && self->close_timeout_id == 0 && self->close_timeout_ms > 0)
    self->close_timeout_id = g_timeout_add (self->close_timeout_ms, close_timeout_cb, self);
}

/* The same, when the bytes that follow cannot be parsed as frames: they are
 * discarded unread until the peer hangs up or close-timeout. */
static void
refuse_stream (EitWebsocket *self,
               gushort       code,
               const char   *reason)
{
  self->discard_all = TRUE;
  refuse (self, code, reason);
}

static void
yield (EitWebsocket *self)
{
  self->yielded = TRUE;
  if (self->source != NULL)
    g_source_set_ready_time (self->source, 0);
}

/* Pings and pongs cost us a reply or a signal each: a peer may send a
 * keep-alive's worth, not a flood. */
static gboolean
count_control_frame (EitWebsocket *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->control_limit == 0)
    return TRUE;
  if (now - self->control_window_start >= G_USEC_PER_SEC)
    {
      self->control_window_start = now;
      self->control_count = 0;
    }
  if (++self->control_count > self->control_limit)
    {
      g_autofree char *reason = g_strdup_printf ("control frame flood: %u control frames in 1 s",
                                                 self->control_count);

      refuse (self, EIT_CLOSE_POLICY_VIOLATION, reason);
      return FALSE;
    }
  return TRUE;
}

/* Input -------------------------------------------------------------------- */

static gboolean
close_code_is_valid (guint code)
{
  /* RFC 6455 7.4: 1004-1006 and 1015 never travel; 1012-1014 were
   * registered later; 3000-4999 belong to libraries and applications. */
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

static void
handle_close (EitWebsocket *self,
              const guint8 *payload,
              gsize         len)
{
  gushort code = CLOSE_NO_STATUS;
  g_autofree char *reason = NULL;

  /* The peer has closed already, however badly: no answer will follow. */
  if (len == 1)
    {
      refuse (self, CLOSE_PROTOCOL_ERROR, "a close frame of 1 byte");
      shut_down_after_flush (self);
      return;
    }
  if (len >= 2)
    {
      code = (gushort) (payload[0] << 8 | payload[1]);
      if (!close_code_is_valid (code))
        {
          g_autofree char *why = g_strdup_printf ("close code %u is not allowed", code);

          refuse (self, CLOSE_PROTOCOL_ERROR, why);
          shut_down_after_flush (self);
          return;
        }
      if (!g_utf8_validate_len ((const char *) payload + 2, len - 2, NULL))
        {
          refuse (self, EIT_CLOSE_INVALID_JSON,
                  "the close reason is not valid UTF-8 or holds a NUL byte");
          shut_down_after_flush (self);
          return;
        }
      reason = g_strndup ((const char *) payload + 2, len - 2);
    }

  if (!self->close_sent)
    {
      self->closed_locally = FALSE;
      self->close_code = code == CLOSE_NO_STATUS ? 0 : code;
      g_free (self->close_reason);
      self->close_reason = g_steal_pointer (&reason);
      /* RFC 6455 5.5.1: answer with the same code. */
      send_close_frame (self, code, self->close_reason);
    }
  shut_down_after_flush (self);
}

static void
emit_message (EitWebsocket *self,
              guint8       *text,
              gsize         len)
{
  guint8 saved;

  if (!g_utf8_validate_len ((const char *) text, len, NULL))
    {
      refuse (self, EIT_CLOSE_INVALID_JSON,
              "a text message is not valid UTF-8 or holds a NUL byte");
      return;
    }

  /* The byte after the message is the next frame's or spare room. */
  saved = text[len];
  text[len] = '\0';
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, (const char *) text, (gulong) len);
  text[len] = saved;
}

static void
handle_frame (EitWebsocket *self,
              gboolean      fin,
              guint8        opcode,
              guint8       *payload,
              gsize         len)
{
  switch (opcode)
    {
    case OPCODE_TEXT:
      if (fin)
        {
          emit_message (self, payload, len);
          return;
        }
      self->fragmented = TRUE;
      g_byte_array_set_size (self->fragments, 0);
      g_byte_array_append (self->fragments, payload, len);
      return;

    case OPCODE_CONTINUATION:
      g_byte_array_append (self->fragments, payload, len);
      if (fin)
        {
          gsize total = self->fragments->len;

          self->fragmented = FALSE;
          g_byte_array_append (self->fragments, (const guint8 *) "", 1);
          emit_message (self, self->fragments->data, total);
          if (self->fragments->len > KEEP_BUFFER)
            {
              g_byte_array_unref (self->fragments);
              self->fragments = g_byte_array_new ();
            }
          else
            g_byte_array_set_size (self->fragments, 0);
        }
      return;

    case OPCODE_PING:
      if (count_control_frame (self) && self->state == EIT_WEBSOCKET_STATE_OPEN)
        send_frame (self, OPCODE_PONG, payload, len);
      return;

    case OPCODE_PONG:
      if (count_control_frame (self))
        g_signal_emit (self, signals[SIGNAL_PONG], 0);
      return;

    case OPCODE_CLOSE:
      handle_close (self, payload, len);
      return;

    default:
      g_assert_not_reached ();
    }
}

/* Checks the header of the frame at in_start. Returns FALSE after refusing
 * it; sets *header_len to 0 when the header is not all there yet. */
static gboolean
parse_header (EitWebsocket *self,
              gboolean     *fin,
              guint8       *opcode,
              gsize        *header_len,
              guint64      *payload_len)
{
  const guint8 *p = self->in + self->in_start;
  gsize avail = self->in_end - self->in_start;
  gboolean masked;
  guint64 len;
  gsize hlen = 2;

  *header_len = 0;
  if (avail < 2)
    return TRUE;

  *fin = (p[0] & 0x80) != 0;
  *opcode = p[0] & 0x0f;
  masked = (p[1] & 0x80) != 0;
  len = p[1] & 0x7f;

  if (p[0] & 0x70)
    {
      refuse_stream (self, CLOSE_PROTOCOL_ERROR, "reserved bits set in a frame: no extension was agreed");
      return FALSE;
    }
  if (masked != (self->role == EIT_WEBSOCKET_ROLE_SERVER))
    {
      refuse_stream (self, CLOSE_PROTOCOL_ERROR,
                     masked ? "a server's frames must not be masked" : "a client's frames must be masked");
      return FALSE;
    }

  if (len == 126)
    {
      if (avail < 4)
        return TRUE;
      len = (guint64) p[2] << 8 | p[3];
      hlen = 4;
    }
  else if (len == 127)
    {
      if (avail < 10)
        return TRUE;
      len = 0;
      for (int i = 2; i < 10; i++)
        len = len << 8 | p[i];
      hlen = 10;
      /* RFC 6455 5.2: the most significant bit MUST be 0. */
      if (len >> 63)
        {
          refuse_stream (self, CLOSE_PROTOCOL_ERROR, "a frame length with its top bit set");
          return FALSE;
        }
    }
  if (masked)
    hlen += 4;

  switch (*opcode)
    {
    case OPCODE_CLOSE:
    case OPCODE_PING:
    case OPCODE_PONG:
      if (!*fin || len > MAX_CONTROL_PAYLOAD)
        {
          refuse_stream (self, CLOSE_PROTOCOL_ERROR, "a control frame is fragmented or over 125 bytes");
          return FALSE;
        }
      break;

    case OPCODE_TEXT:
    case OPCODE_CONTINUATION:
      {
        guint64 so_far = self->fragmented ? self->fragments->len : 0;

        /* After our close frame, data is skipped unbuffered, whatever its size. */
        if (self->close_sent)
          break;
        if ((*opcode == OPCODE_CONTINUATION) != self->fragmented)
          {
            refuse (self, CLOSE_PROTOCOL_ERROR,
                    self->fragmented ? "a new message began before the last one ended"
                                     : "a continuation frame with no message to continue");
            return FALSE;
          }
        /* Written so that it cannot overflow: so_far <= max always. */
        if (len > self->max_message_size - so_far)
          {
            g_autofree char *reason = NULL;

            reason = g_strdup_printf ("message of %" G_GUINT64_FORMAT " bytes exceeds the limit "
                                      "of %" G_GUINT64_FORMAT,
                                      so_far + len, self->max_message_size);
            refuse (self, EIT_CLOSE_TOO_BIG, reason);
            return FALSE;
          }
      }
      break;

    case OPCODE_BINARY:
      if (self->close_sent)
        break;
      refuse (self, EIT_CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
      return FALSE;

    default:
      {
        g_autofree char *reason = g_strdup_printf ("unknown opcode %u", *opcode);

        refuse_stream (self, CLOSE_PROTOCOL_ERROR, reason);
        return FALSE;
      }
    }

  *header_len = hlen;
  *payload_len = len;
  return TRUE;
}

static void
process_input (EitWebsocket *self)
{
  while (self->state != EIT_WEBSOCKET_STATE_CLOSED && !self->shut_down_when_flushed &&
         !self->output_blocked)
    {
      gboolean fin = FALSE;
      guint8 opcode = 0;
      gsize header_len;
      guint64 payload_len = 0;
      guint8 *frame;

      if (self->discard_all)
        {
          self->in_start = self->in_end;
          break;
        }
      if (self->skip > 0)
        {
          gsize n = MIN (self->skip, self->in_end - self->in_start);

          self->in_start += n;
          self->skip -= n;
          if (self->skip > 0)
            break;
          continue;
        }
      if (self->frame_budget == 0)
        {
          yield (self);
          break;
        }
      /* A refusal leaves the frame in place: the next turn skips it. */
      if (!parse_header (self, &fin, &opcode, &header_len, &payload_len))
        continue;
      if (header_len == 0)
        break;
      /* After close_sent, only the peer's close frame matters. */
      if (self->close_sent && opcode != OPCODE_CLOSE)
        {
          self->skip = header_len + payload_len;
          self->in_need = 0;
          continue;
        }
      if (self->in_end - self->in_start < header_len + payload_len)
        {
          self->in_need = header_len + payload_len;
          break;
        }

      frame = self->in + self->in_start;
      self->in_start += header_len + payload_len;
      self->in_need = 0;
      if (self->role == EIT_WEBSOCKET_ROLE_SERVER)
        apply_mask (frame + header_len, payload_len, frame + header_len - 4);
      self->frame_budget--;
      handle_frame (self, fin, opcode, frame + header_len, payload_len);
    }

  if (self->in_start == self->in_end)
    {
      self->in_start = self->in_end = 0;
      if (self->in_size > KEEP_BUFFER)
        {
          g_clear_pointer (&self->in, g_free);
          self->in_size = 0;
        }
    }
}

/* Room for at least READ_ROOM more bytes, or for the whole frame being
 * read, plus the spare byte for NUL-terminating a message. */
static void
make_room (EitWebsocket *self)
{
  gsize pending = self->in_end - self->in_start;
  gsize wanted = MAX (pending + READ_ROOM, self->in_need) + 1;

  if (self->in_start > 0 && self->in_size - self->in_end < READ_ROOM + 1)
    {
      memmove (self->in, self->in + self->in_start, pending);
      self->in_start = 0;
      self->in_end = pending;
    }
  if (self->in_size < wanted)
    {
      self->in_size = MAX (wanted, self->in_size * 2);
      self->in = g_realloc (self->in, self->in_size);
    }
}

/* Reads until the stream would block or this dispatch's budget is spent.
 * TLS may hold decrypted bytes the socket no longer shows, so a connection
 * that stops early yields: its source's ready time brings it back on the
 * next loop iteration, after every other ready source had its turn. */
static void
read_all (EitWebsocket *self)
{
  while (self->state != EIT_WEBSOCKET_STATE_CLOSED && !self->shut_down_when_flushed &&
         !self->output_blocked && !self->yielded)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (self->read_budget == 0)
        {
          yield (self);
          return;
        }
      make_room (self);
      n = g_pollable_input_stream_read_nonblocking (self->input, self->in + self->in_end,
                                                    MIN (self->in_size - self->in_end - 1,
                                                         self->read_budget),
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      if (n <= 0)
        {
          drop (self, error);
          return;
        }
      self->in_end += n;
      self->read_budget -= n;
      self->last_progress = g_get_monotonic_time ();
      process_input (self);
    }
}

static gboolean
socket_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  g_autoptr(EitWebsocket) self = g_object_ref (((SocketSource *) source)->self);
  GIOCondition revents = g_source_query_unix_fd (source, self->fd_tag);
  gboolean resumed;

  /* The source may recurse (see eit_websocket_new), so guard by hand. */
  if (self->dispatching)
    return G_SOURCE_CONTINUE;
  self->dispatching = TRUE;

  self->read_budget = READ_BUDGET;
  self->frame_budget = FRAME_BUDGET;
  self->yielded = FALSE;
  /* Set to hand over input that came with the handshake, after a yield,
   * and when reading resumes below the output limit. */
  resumed = g_source_get_ready_time (source) != -1;
  if (resumed)
    g_source_set_ready_time (source, -1);
  /* A hang-up or error shows whatever is watched: the write then fails and
   * drops the connection, so nothing spins. */
  if ((revents & (G_IO_OUT | G_IO_HUP | G_IO_ERR)) && self->out_retry != 0)
    flush (self);
  if (resumed)
    process_input (self);
  if (resumed || (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    read_all (self);

  self->dispatching = FALSE;
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs socket_source_funcs = {
  .dispatch = socket_source_dispatch,
};

/* Public ------------------------------------------------------------------- */

GIOStream *
eit_io_stream_find_base (GIOStream *stream,
                         GType      type)
{
  for (guint depth = 0; stream != NULL && depth < 4; depth++)
    {
      g_autoptr(GIOStream) base = NULL;
      const char *property;

      if (G_TYPE_CHECK_INSTANCE_TYPE (stream, type))
        return stream;

      /* GTlsConnection and GTcpWrapperConnection say "base-io-stream",
       * libsoup's wrapper "base-iostream". */
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-io-stream"))
        property = "base-io-stream";
      else if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream"))
        property = "base-iostream";
      else
        return NULL;

      g_object_get (stream, property, &base, NULL);
      /* The wrapper holds its own reference, so the pointer stays valid. */
      stream = base;
    }
  return NULL;
}

EitWebsocket *
eit_websocket_new (GIOStream        *stream,
                   EitWebsocketRole  role,
                   guint64           max_message_size,
                   GBytes           *leftover)
{
  EitWebsocket *self;
  GInputStream *input;
  GOutputStream *output;
  GIOStream *connection;
  GIOStream *io;
  GSocket *socket;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  /* Reads and writes go to the TLS connection under any wrapper (libsoup's
   * SoupIOStream on the hub): one layer less per read. Its buffer is empty:
   * a client sends no frame before it has the 101. */
  connection = eit_io_stream_find_base (stream, G_TYPE_SOCKET_CONNECTION);
  io = eit_io_stream_find_base (stream, G_TYPE_TLS_CONNECTION);
  if (io == NULL)
    io = connection;
  g_return_val_if_fail (connection != NULL, NULL);
  input = g_io_stream_get_input_stream (io);
  output = g_io_stream_get_output_stream (io);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (input), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (output), NULL);
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));

  self = g_object_new (EIT_TYPE_WEBSOCKET, NULL);
  self->role = role;
  self->max_message_size = max_message_size;
  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_object_ref (input));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_object_ref (output));
  self->socket = g_object_ref (socket);

  self->source = g_source_new (&socket_source_funcs, sizeof (SocketSource));
  ((SocketSource *) self->source)->self = self;
  g_source_set_static_name (self->source, "EitWebsocket");
  /* A source that may not recurse is taken off the poll set around every
   * dispatch, and GLib 2.74 wakes its own loop for each such change. */
  g_source_set_can_recurse (self->source, TRUE);
  self->watching = G_IO_IN;
  self->fd_tag = g_source_add_unix_fd (self->source, g_socket_get_fd (socket), G_IO_IN);

  if (leftover != NULL && g_bytes_get_size (leftover) > 0)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (leftover, &len);

      self->in_size = len + READ_ROOM + 1;
      self->in = g_malloc (self->in_size);
      memcpy (self->in, data, len);
      self->in_end = len;
      g_source_set_ready_time (self->source, 0);
    }
  g_source_attach (self->source, g_main_context_get_thread_default ());

  return self;
}

EitWebsocketState
eit_websocket_get_state (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), EIT_WEBSOCKET_STATE_CLOSED);

  return self->state;
}

EitWebsocketRole
eit_websocket_get_role (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), EIT_WEBSOCKET_ROLE_CLIENT);

  return self->role;
}

GIOStream *
eit_websocket_get_io_stream (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), NULL);

  return self->stream;
}

gboolean
eit_websocket_send_text (EitWebsocket *self,
                         const char   *text,
                         gsize         len)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if (self->state != EIT_WEBSOCKET_STATE_OPEN)
    return FALSE;
  if (!g_utf8_validate_len (text, len, NULL))
    return FALSE;

  send_frame (self, OPCODE_TEXT, text, len);
  return TRUE;
}

void
eit_websocket_send_ping (EitWebsocket *self)
{
  g_return_if_fail (EIT_IS_WEBSOCKET (self));

  if (self->state == EIT_WEBSOCKET_STATE_OPEN)
    send_frame (self, OPCODE_PING, NULL, 0);
}

void
eit_websocket_close (EitWebsocket *self,
                     gushort       code,
                     const char   *reason)
{
  g_return_if_fail (EIT_IS_WEBSOCKET (self));
  g_return_if_fail (code == 0 || close_code_is_valid (code));

  if (self->state != EIT_WEBSOCKET_STATE_OPEN)
    return;

  self->closed_locally = TRUE;
  self->close_code = code;
  g_free (self->close_reason);
  self->close_reason = eit_websocket_close_reason_dup (reason);
  send_close_frame (self, code, self->close_reason);
  if (!self->stream_closing && self->close_timeout_ms > 0)
    self->close_timeout_id = g_timeout_add (self->close_timeout_ms, close_timeout_cb, self);
}

void
eit_websocket_abort (EitWebsocket *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (EIT_IS_WEBSOCKET (self));

  if (self->stream_closing)
    return;
  if (self->state == EIT_WEBSOCKET_STATE_OPEN)
    {
      self->closed_locally = TRUE;
      self->close_code = 0;
      g_clear_pointer (&self->close_reason, g_free);
    }
  /* The socket first: closing the TLS stream alone would send an alert. */
  if (!g_socket_close (self->socket, &error))
    g_debug ("websocket %p: abort: %s", self, error->message);
  drop (self, NULL);
}

gushort
eit_websocket_get_close_code (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), 0);

  return self->close_code;
}

const char *
eit_websocket_get_close_reason (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), NULL);

  return self->close_reason;
}

gboolean
eit_websocket_get_closed_locally (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), FALSE);

  return self->closed_locally;
}

static gboolean
keepalive_cb (gpointer user_data)
{
  eit_websocket_send_ping (user_data);
  return G_SOURCE_CONTINUE;
}

void
eit_websocket_set_keepalive_interval (EitWebsocket *self,
                                      guint         interval_ms)
{
  g_return_if_fail (EIT_IS_WEBSOCKET (self));

  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  if (interval_ms > 0 && self->state == EIT_WEBSOCKET_STATE_OPEN)
    self->keepalive_id = g_timeout_add (interval_ms, keepalive_cb, self);
}

void
eit_websocket_set_close_timeout (EitWebsocket *self,
                                 guint         timeout_ms)
{
  g_return_if_fail (EIT_IS_WEBSOCKET (self));

  self->close_timeout_ms = timeout_ms;
}

void
eit_websocket_set_output_limit (EitWebsocket *self,
                                gsize         limit_bytes,
                                guint         deadline_ms)
{
  g_return_if_fail (EIT_IS_WEBSOCKET (self));

  self->output_limit = limit_bytes;
  self->output_deadline_ms = deadline_ms;
  update_output_limit (self);
}

gsize
eit_websocket_get_unsent_bytes (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), 0);

  return unsent (self);
}

gboolean
eit_websocket_get_output_blocked (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), FALSE);

  return self->output_blocked;
}

void
eit_websocket_set_control_frame_limit (EitWebsocket *self,
                                       guint         per_second)
{
  g_return_if_fail (EIT_IS_WEBSOCKET (self));

  self->control_limit = per_second;
}

gint64
eit_websocket_get_last_progress_time (EitWebsocket *self)
{
  g_return_val_if_fail (EIT_IS_WEBSOCKET (self), 0);

  /* While we do not read, the silence is ours, not the peer's. */
  if (self->output_blocked)
    return g_get_monotonic_time ();
  return self->last_progress;
}

/* GObject ------------------------------------------------------------------- */

static void
eit_websocket_dispose (GObject *object)
{
  EitWebsocket *self = EIT_WEBSOCKET (object);

  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  g_clear_handle_id (&self->output_deadline_id, g_source_remove);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  /* Dropped while open: the peer sees the connection end. */
  if (self->stream != NULL && !self->stream_closing)
    {
      self->stream_closing = TRUE;
      g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
    }

  G_OBJECT_CLASS (eit_websocket_parent_class)->dispose (object);
}

static void
eit_websocket_finalize (GObject *object)
{
  EitWebsocket *self = EIT_WEBSOCKET (object);

  g_clear_object (&self->stream);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->socket);
  g_free (self->in);
  g_byte_array_unref (self->fragments);
  g_byte_array_unref (self->out);
  g_free (self->close_reason);

  G_OBJECT_CLASS (eit_websocket_parent_class)->finalize (object);
}

static void
eit_websocket_class_init (EitWebsocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_websocket_dispose;
  object_class->finalize = eit_websocket_finalize;

  signals[SIGNAL_MESSAGE] = eit_text_signal_new ("message", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_PONG] = eit_event_signal_new ("pong", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_CLOSING] = eit_event_signal_new ("closing", G_TYPE_FROM_CLASS (klass));

  signals[SIGNAL_CLOSED] = eit_event_signal_new ("closed", G_TYPE_FROM_CLASS (klass));
}

static void
eit_websocket_init (EitWebsocket *self)
{
  self->state = EIT_WEBSOCKET_STATE_OPEN;
  self->fragments = g_byte_array_new ();
  self->out = g_byte_array_new ();
  self->close_timeout_ms = DEFAULT_CLOSE_TIMEOUT_MS;
  self->control_limit = DEFAULT_CONTROL_FRAME_LIMIT;
  self->read_budget = READ_BUDGET;
  self->frame_budget = FRAME_BUDGET;
  self->last_progress = g_get_monotonic_time ();
}
