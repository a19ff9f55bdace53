/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EitWebsocket's RFC 6455 framing, against a raw peer that writes frames
 * built by hand and parses what the engine writes, over a socketpair; and
 * engine to engine for a round trip of messages of every length encoding. */
#include "config.h"

#include <string.h>

#include "eit-test-frames.h"
#include "eit-test-pair.h"
#include "eit-test-util.h"
#include "eit-types.h"
#include "eit-websocket-private.h"

#define WAIT_MS 2000

/* Frames ------------------------------------------------------------------- */

/* Appends one frame: first is FIN | RSV | opcode as sent; the length in its
 * shortest form, or in length_bits (7, 16 or 64) when that is not 0; with
 * mask, the key and the masked payload. */
static void
append_frame (GByteArray  *out,
              guint8       first,
              gboolean     mask,
              const void  *payload,
              gsize        len,
              guint        length_bits)
{
  static guint8 counter;
  guint8 key[4] = { 0x37, 0xfa, (guint8) (0x21 + counter), (guint8) (0x3d ^ counter) };
  guint8 mask_bit = mask ? 0x80 : 0;
  gsize start;

  counter++;
  if (length_bits == 0)
    length_bits = len < 126 ? 7 : len <= G_MAXUINT16 ? 16 : 64;
  g_byte_array_append (out, &first, 1);
  if (length_bits == 7)
    {
      guint8 b = mask_bit | (guint8) len;

      g_assert_cmpuint (len, <, 126);
      g_byte_array_append (out, &b, 1);
    }
  else if (length_bits == 16)
    {
      guint8 b[3] = { mask_bit | 126, (guint8) (len >> 8), (guint8) len };

      g_assert_cmpuint (len, <=, G_MAXUINT16);
      g_byte_array_append (out, b, 3);
    }
  else
    {
      guint8 b[9] = { mask_bit | 127 };

      for (guint i = 0; i < 8; i++)
        b[1 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      g_byte_array_append (out, b, 9);
    }
  if (mask)
    g_byte_array_append (out, key, 4);
  start = out->len;
  if (len > 0)
    g_byte_array_append (out, payload, len);
  if (mask)
    for (gsize i = 0; i < len; i++)
      out->data[start + i] ^= key[i & 3];
}

/* The payload of a close frame. */
static GByteArray *
close_payload (gushort     code,
               const char *reason)
{
  GByteArray *payload = g_byte_array_new ();
  guint8 b[2] = { (guint8) (code >> 8), (guint8) code };

  g_byte_array_append (payload, b, 2);
  if (reason != NULL)
    g_byte_array_append (payload, (const guint8 *) reason, strlen (reason));
  return payload;
}

typedef struct {
  gboolean fin;
  guint8   rsv;
  guint8   opcode;
  gboolean masked;
  GBytes  *payload;
} Frame;

static void
frame_clear (Frame *frame)
{
  g_clear_pointer (&frame->payload, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Frame, frame_clear)

/* Takes the first frame off buf if it is all there. */
static gboolean
parse_frame (GByteArray *buf,
             Frame      *frame)
{
  const guint8 *p = buf->data;
  guint64 len;
  gsize header_len = 2;
  guint8 *payload;

  if (buf->len < 2)
    return FALSE;
  len = p[1] & 0x7f;
  if (len == 126)
    {
      if (buf->len < 4)
        return FALSE;
      len = (guint64) p[2] << 8 | p[3];
      header_len = 4;
      /* The engine uses the shortest length form. */
      g_assert_cmpuint (len, >=, 126);
    }
  else if (len == 127)
    {
      if (buf->len < 10)
        return FALSE;
      len = 0;
      for (guint i = 2; i < 10; i++)
        len = len << 8 | p[i];
      header_len = 10;
      g_assert_cmpuint (len, >, G_MAXUINT16);
      g_assert_cmpuint (len >> 63, ==, 0);
    }
  frame->masked = (p[1] & 0x80) != 0;
  if (frame->masked)
    header_len += 4;
  if (buf->len < header_len + len)
    return FALSE;

  frame->fin = (p[0] & 0x80) != 0;
  frame->rsv = p[0] & 0x70;
  frame->opcode = p[0] & 0x0f;
  payload = g_memdup2 (p + header_len, len);
  if (frame->masked)
    for (gsize i = 0; i < len; i++)
      payload[i] ^= p[header_len - 4 + (i & 3)];
  frame->payload = g_bytes_new_take (payload, len);
  g_byte_array_remove_range (buf, 0, header_len + len);
  return TRUE;
}

/* An engine and what it emitted ----------------------------------------- */

typedef struct {
  EitWebsocket *ws;
  GPtrArray    *messages;  /* of GBytes, in order */
  guint         closed;
  guint         pongs;
  gboolean      unterminated;  /* a message was not NUL-terminated */
} Engine;

static void
message_cb (EitWebsocket *ws,
            const char   *text,
            gulong        len,
            gpointer      user_data)
{
  Engine *e = user_data;

  if (text[len] != '\0')
    e->unterminated = TRUE;
  g_ptr_array_add (e->messages, g_bytes_new (text, len));
}

static void
pong_cb (EitWebsocket *ws,
         gpointer      user_data)
{
  ((Engine *) user_data)->pongs++;
}

static void
closed_cb (EitWebsocket *ws,
           gpointer      user_data)
{
  Engine *e = user_data;

  e->closed++;
  g_assert_cmpint (eit_websocket_get_state (ws), ==, EIT_WEBSOCKET_STATE_CLOSED);
}

static void
engine_init (Engine            *e,
             GSocketConnection *connection,
             EitWebsocketRole   role,
             guint64            max_message_size,
             GBytes            *leftover)
{
  memset (e, 0, sizeof *e);
  e->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  e->ws = eit_websocket_new (G_IO_STREAM (connection), role, max_message_size, leftover);
  g_assert_nonnull (e->ws);
  g_signal_connect (e->ws, "message", G_CALLBACK (message_cb), e);
  g_signal_connect (e->ws, "pong", G_CALLBACK (pong_cb), e);
  g_signal_connect (e->ws, "closed", G_CALLBACK (closed_cb), e);
}

/* Waits for "closed", checks it came once, and that the engine is then
 * gone: nothing (a source, a pending close) may keep it alive. */
static void
engine_finish (Engine *e)
{
  g_assert_true (eit_test_wait_until (e->closed > 0, WAIT_MS));
  /* Whatever is still pending runs now: none of it may emit "closed". */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (e->closed, ==, 1);
  g_assert_false (e->unterminated);
  g_assert_finalize_object (e->ws);
  g_ptr_array_unref (e->messages);
}

static void
assert_message (Engine     *e,
                guint       index,
                const char *text,
                gssize      len)
{
  gsize got_len;
  const char *got;

  g_assert_cmpuint (e->messages->len, >, index);
  got = g_bytes_get_data (g_ptr_array_index (e->messages, index), &got_len);
  g_assert_cmpmem (got, got_len, text, len < 0 ? strlen (text) : (gsize) len);
}

/* The engine and a raw peer ------------------------------------------------ */

typedef struct {
  guint              sources;  /* attached to the main context before the test */
  EitWebsocketRole   role;
  Engine             e;
  GSocketConnection *peer_connection;
  GSocket           *peer;
  GByteArray        *received;  /* what the engine wrote, not parsed yet */
  gboolean           peer_eof;
} Fixture;

static void
fixture_init_full (Fixture          *f,
                   EitWebsocketRole  role,
                   guint64           max_message_size,
                   GBytes           *leftover)
{
  g_autoptr(GSocketConnection) connection = NULL;

  memset (f, 0, sizeof *f);
  f->sources = eit_test_count_sources ();
  f->role = role;
  eit_test_socket_pair (&connection, &f->peer_connection);
  f->peer = g_socket_connection_get_socket (f->peer_connection);
  f->received = g_byte_array_new ();
  engine_init (&f->e, connection, role, max_message_size, leftover);
}

static void
fixture_init (Fixture          *f,
              EitWebsocketRole  role)
{
  fixture_init_full (f, role, 1024 * 1024, NULL);
}

/* Drops the peer if the test has not ended the connection, then checks that
 * the engine closes once and leaves nothing behind. */
static void
fixture_finish (Fixture *f)
{
  g_socket_close (f->peer, NULL);
  engine_finish (&f->e);
  g_clear_object (&f->peer_connection);
  g_byte_array_unref (f->received);
  g_assert_true (eit_test_wait_until (eit_test_count_sources () == f->sources, WAIT_MS));
}

static void
peer_send (Fixture     *f,
           const void  *data,
           gsize        len)
{
  gsize done = 0;

  /* Blocking: the socket buffer takes all these small writes at once. */
  while (done < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (f->peer, (const char *) data + done, len - done, NULL, &error);

      g_assert_no_error (error);
      done += n;
    }
}

/* One frame as the peer's role sends it: masked when the peer is a client,
 * that is when the engine is the server. */
static void
peer_send_frame (Fixture    *f,
                 guint8      first,
                 const void *payload,
                 gssize      len)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();

  append_frame (frame, first, f->role == EIT_WEBSOCKET_ROLE_SERVER, payload,
                len < 0 ? strlen (payload) : (gsize) len, 0);
  peer_send (f, frame->data, frame->len);
}

static void
peer_send_close (Fixture    *f,
                 gushort     code,
                 const char *reason)
{
  g_autoptr(GByteArray) payload = close_payload (code, reason);

  peer_send_frame (f, FIN | OP_CLOSE, payload->data, payload->len);
}

/* Reads what is there without blocking. */
static void
peer_pump (Fixture *f)
{
  while (!f->peer_eof)
    {
      g_autoptr(GError) error = NULL;
      char buf[64 * 1024];
      gssize n = g_socket_receive_with_blocking (f->peer, buf, sizeof buf, FALSE, NULL, &error);

      if (n > 0)
        g_byte_array_append (f->received, (const guint8 *) buf, n);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      else
        {
          /* A unix socket closed with unread input resets its peer: that
           * is an end too, once the bytes before it were read. */
          if (error != NULL)
            g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
                           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE));
          f->peer_eof = TRUE;
        }
    }
}

/* The next frame the engine wrote, checked for the mask its role uses. */
static gboolean
peer_read_frame (Fixture *f,
                 Frame   *frame)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      peer_pump (f);
      if (parse_frame (f->received, frame))
        {
          g_assert_cmpuint (frame->masked, ==, f->role == EIT_WEBSOCKET_ROLE_CLIENT);
          g_assert_cmpuint (frame->rsv, ==, 0);
          g_assert_true (frame->fin);
          return TRUE;
        }
      if (f->peer_eof)
        return FALSE;
      eit_test_iterate ();
    }
  return FALSE;
}

/* The engine's next frame is a close frame with code (0: no payload) and
 * reason (NULL: any). */
static void
peer_expect_close_frame (Fixture    *f,
                         gushort     code,
                         const char *reason)
{
  g_auto(Frame) frame = { 0, };
  gsize len;
  const guint8 *p;

  g_assert_true (peer_read_frame (f, &frame));
  g_assert_cmpuint (frame.opcode, ==, OP_CLOSE);
  p = g_bytes_get_data (frame.payload, &len);
  if (code == 0)
    {
      g_assert_cmpuint (len, ==, 0);
      return;
    }
  g_assert_cmpuint (len, >=, 2);
  g_assert_cmpuint (p[0] << 8 | p[1], ==, code);
  if (reason != NULL)
    g_assert_cmpmem (p + 2, len - 2, reason, strlen (reason));
}

/* The engine closed the stream with nothing written after what was read. */
static void
peer_expect_eof (Fixture *f)
{
  g_assert_true (eit_test_wait_until ((peer_pump (f), f->peer_eof), WAIT_MS));
  g_assert_cmpuint (f->received->len, ==, 0);
}

/* The peer answers a close frame as RFC 6455 asks, and says no more. The
 * engine may have hung up already (the peer closed first): errors do not
 * matter then. */
static void
peer_answer_close (Fixture *f)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autoptr(GByteArray) payload = close_payload (1000, NULL);

  append_frame (frame, FIN | OP_CLOSE, f->role == EIT_WEBSOCKET_ROLE_SERVER, payload->data,
                payload->len, 0);
  g_socket_send (f->peer, (const char *) frame->data, frame->len, NULL, NULL);
  g_socket_shutdown (f->peer, FALSE, TRUE, NULL);
}

/* The engine refused what it read: a close frame with code and reason;
 * once the peer answers it, the end of the stream, "closed", and the
 * getters say so. */
static void
expect_refusal (Fixture    *f,
                gushort     code,
                const char *reason)
{
  peer_expect_close_frame (f, code, reason);
  peer_answer_close (f);
  peer_expect_eof (f);
  g_assert_true (eit_test_wait_until (f->e.closed > 0, WAIT_MS));
  g_assert_cmpuint (eit_websocket_get_close_code (f->e.ws), ==, code);
  g_assert_cmpstr (eit_websocket_get_close_reason (f->e.ws), ==, reason);
  g_assert_true (eit_websocket_get_closed_locally (f->e.ws));
  g_assert_cmpuint (f->e.messages->len, ==, 0);
}

/* Server role: what a client may and may not send ---------------------- */

static void
test_server_text (void)
{
  Fixture f;
  g_autofree char *medium = g_strnfill (300, 'm');
  g_autofree char *large = g_strnfill (70000, 'L');
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  const char *text = "h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x98\x80";

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_frame (&f, FIN | OP_TEXT, text, -1);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 1, WAIT_MS));
  assert_message (&f.e, 0, text, -1);

  /* Every length form, including the longer forms for short payloads,
   * which RFC 6455 discourages but does not forbid the reader to take. */
  append_frame (frames, FIN | OP_TEXT, TRUE, "", 0, 0);
  append_frame (frames, FIN | OP_TEXT, TRUE, medium, 300, 16);
  append_frame (frames, FIN | OP_TEXT, TRUE, large, 70000, 64);
  append_frame (frames, FIN | OP_TEXT, TRUE, "short", 5, 16);
  append_frame (frames, FIN | OP_TEXT, TRUE, "short", 5, 64);
  peer_send (&f, frames->data, frames->len);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 6, WAIT_MS));
  assert_message (&f.e, 1, "", 0);
  assert_message (&f.e, 2, medium, 300);
  assert_message (&f.e, 3, large, 70000);
  assert_message (&f.e, 4, "short", 5);
  assert_message (&f.e, 5, "short", 5);
  g_assert_cmpint (eit_websocket_get_state (f.e.ws), ==, EIT_WEBSOCKET_STATE_OPEN);
  fixture_finish (&f);
}

static void
test_server_unmasked (void)
{
  Fixture f;
  g_autoptr(GByteArray) frame = g_byte_array_new ();

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  append_frame (frame, FIN | OP_TEXT, FALSE, "hi", 2, 0);
  peer_send (&f, frame->data, frame->len);
  expect_refusal (&f, 1002, "a client's frames must be masked");
  fixture_finish (&f);
}

static void
test_server_binary (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_frame (&f, FIN | OP_BINARY, "\x01\x02", 2);
  expect_refusal (&f, EIT_CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
  fixture_finish (&f);
}

static void
test_server_rsv (void)
{
  const guint8 bits[] = { RSV1, RSV2, RSV3 };

  /* No extension is ever agreed, so each bit alone is an error. */
  for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
    {
      Fixture f;

      fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
      peer_send_frame (&f, FIN | bits[i] | OP_TEXT, "hi", 2);
      expect_refusal (&f, 1002, "reserved bits set in a frame: no extension was agreed");
      fixture_finish (&f);
    }
}

static void
test_server_unknown_opcode (void)
{
  const guint8 opcodes[] = { 0x3, 0x7, 0xb, 0xf };

  for (guint i = 0; i < G_N_ELEMENTS (opcodes); i++)
    {
      Fixture f;
      g_autofree char *reason = g_strdup_printf ("unknown opcode %u", opcodes[i]);

      fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
      peer_send_frame (&f, FIN | opcodes[i], "", 0);
      expect_refusal (&f, 1002, reason);
      fixture_finish (&f);
    }
}

static void
test_server_ping (void)
{
  Fixture f;
  g_autofree char *longest = g_strnfill (125, 'p');
  const char *payloads[] = { "ping payload", "", longest };

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_auto(Frame) frame = { 0, };

      peer_send_frame (&f, FIN | OP_PING, payloads[i], -1);
      /* Unmasked: peer_read_frame checks the mask against the role. */
      g_assert_true (peer_read_frame (&f, &frame));
      g_assert_cmpuint (frame.opcode, ==, OP_PONG);
      g_assert_cmpmem (g_bytes_get_data (frame.payload, NULL), g_bytes_get_size (frame.payload),
                       payloads[i], strlen (payloads[i]));
    }
  /* A pong from the peer is reported and not answered. */
  peer_send_frame (&f, FIN | OP_PONG, "x", 1);
  g_assert_true (eit_test_wait_until (f.e.pongs == 1, WAIT_MS));
  peer_pump (&f);
  g_assert_cmpuint (f.received->len, ==, 0);
  fixture_finish (&f);
}

static void
test_server_fragmented (void)
{
  Fixture f;
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_auto(Frame) pong = { 0, };

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  /* "é" is cut between two fragments: UTF-8 is checked on the whole. */
  append_frame (frames, OP_TEXT, TRUE, "caf\xc3", 4, 0);
  append_frame (frames, FIN | OP_PING, TRUE, "mid", 3, 0);
  append_frame (frames, OP_CONTINUATION, TRUE, "\xa9 au ", 5, 0);
  append_frame (frames, FIN | OP_PONG, TRUE, "", 0, 0);
  append_frame (frames, FIN | OP_CONTINUATION, TRUE, "lait", 4, 0);
  /* And a whole message right after, to see the state was reset. */
  append_frame (frames, FIN | OP_TEXT, TRUE, "next", 4, 0);
  peer_send (&f, frames->data, frames->len);

  g_assert_true (eit_test_wait_until (f.e.messages->len == 2, WAIT_MS));
  assert_message (&f.e, 0, "caf\xc3\xa9 au lait", -1);
  assert_message (&f.e, 1, "next", -1);
  g_assert_cmpuint (f.e.pongs, ==, 1);
  g_assert_true (peer_read_frame (&f, &pong));
  g_assert_cmpuint (pong.opcode, ==, OP_PONG);
  g_assert_cmpmem (g_bytes_get_data (pong.payload, NULL), g_bytes_get_size (pong.payload), "mid", 3);
  fixture_finish (&f);
}

static void
test_server_continuation_without_start (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_frame (&f, FIN | OP_CONTINUATION, "orphan", -1);
  expect_refusal (&f, 1002, "a continuation frame with no message to continue");
  fixture_finish (&f);
}

static void
test_server_message_during_fragments (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_frame (&f, OP_TEXT, "first half", -1);
  peer_send_frame (&f, FIN | OP_TEXT, "another", -1);
  expect_refusal (&f, 1002, "a new message began before the last one ended");
  fixture_finish (&f);
}

static void
test_server_bad_control_frame (void)
{
  g_autofree char *too_long = g_strnfill (126, 'x');

  /* 126 bytes of payload: one more than a control frame may carry. */
  for (guint opcode = OP_CLOSE; opcode <= OP_PONG; opcode++)
    {
      Fixture f;

      fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
      peer_send_frame (&f, FIN | opcode, too_long, 126);
      expect_refusal (&f, 1002, "a control frame is fragmented or over 125 bytes");
      fixture_finish (&f);
    }

  /* A control frame without FIN. */
  {
    Fixture f;

    fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
    peer_send_frame (&f, OP_PING, "p", 1);
    expect_refusal (&f, 1002, "a control frame is fragmented or over 125 bytes");
    fixture_finish (&f);
  }
}

static void
test_server_oversize (void)
{
  g_autofree char *limit = g_strnfill (1000, 'a');

  /* Only the header of a frame one byte over the limit: the refusal must
   * not wait for a payload that may never come. */
  {
    Fixture f;
    const guint8 header[] = { FIN | OP_TEXT, 0x80 | 126, 1001 >> 8, 1001 & 0xff, 1, 2, 3, 4 };

    fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1000, NULL);
    peer_send (&f, header, sizeof header);
    expect_refusal (&f, EIT_CLOSE_TOO_BIG, "message of 1001 bytes exceeds the limit of 1000");
    fixture_finish (&f);
  }

  /* The same with the 64-bit length form. */
  {
    Fixture f;
    const guint8 header[] = { FIN | OP_TEXT, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4 };

    fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1000, NULL);
    peer_send (&f, header, sizeof header);
    expect_refusal (&f, EIT_CLOSE_TOO_BIG, "message of 4294967297 bytes exceeds the limit of 1000");
    fixture_finish (&f);
  }

  /* A 64-bit length with its top bit set breaks RFC 6455 5.2. */
  {
    Fixture f;
    const guint8 header[] = { FIN | OP_TEXT, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4 };

    fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1000, NULL);
    peer_send (&f, header, sizeof header);
    expect_refusal (&f, 1002, "a frame length with its top bit set");
    fixture_finish (&f);
  }

  /* Exactly the limit passes; the limit counts the fragments so far. */
  {
    Fixture f;
    const guint8 header[] = { FIN | OP_CONTINUATION, 0x80 | 126, 401 >> 8, 401 & 0xff, 1, 2, 3, 4 };

    fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1000, NULL);
    peer_send_frame (&f, FIN | OP_TEXT, limit, 1000);
    g_assert_true (eit_test_wait_until (f.e.messages->len == 1, WAIT_MS));
    assert_message (&f.e, 0, limit, 1000);
    peer_send_frame (&f, OP_TEXT, limit, 600);
    peer_send (&f, header, sizeof header);
    peer_expect_close_frame (&f, EIT_CLOSE_TOO_BIG, "message of 1001 bytes exceeds the limit of 1000");
    peer_answer_close (&f);
    peer_expect_eof (&f);
    g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
    g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, EIT_CLOSE_TOO_BIG);
    g_assert_cmpuint (f.e.messages->len, ==, 1);
    fixture_finish (&f);
  }
}

/* A continuation announcing 2^64 - 5 bytes after a 5-byte first fragment:
 * a sum of the two would wrap to 0 and pass the limit. It must be refused
 * (1009, or 1002 as the top bit of a 64-bit length must be 0). Run in a
 * subprocess so that a crash fails this test alone. */
static void
test_server_continuation_length_overflow (void)
{
  Fixture f;
  const guint8 header[] = {
    FIN | OP_CONTINUATION, 0x80 | 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb,
    1, 2, 3, 4, 'a', 'b', 'c', 'd',
  };

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1000, NULL);
  peer_send_frame (&f, OP_TEXT, "abcde", 5);
  peer_send (&f, header, sizeof header);
  {
    g_auto(Frame) frame = { 0, };
    const guint8 *p;

    g_assert_true (peer_read_frame (&f, &frame));
    g_assert_cmpuint (frame.opcode, ==, OP_CLOSE);
    g_assert_cmpuint (g_bytes_get_size (frame.payload), >=, 2);
    p = g_bytes_get_data (frame.payload, NULL);
    g_assert_true ((p[0] << 8 | p[1]) == EIT_CLOSE_TOO_BIG || (p[0] << 8 | p[1]) == 1002);
  }
  g_assert_cmpuint (f.e.messages->len, ==, 0);
  fixture_finish (&f);
}

static void
test_server_invalid_utf8 (void)
{
  const char *texts[] = {
    "\xc3\x28",          /* a lead byte without its continuation */
    "ok\xff",            /* never valid */
    "\xed\xa0\x80",      /* a UTF-16 surrogate */
    "\xc0\xaf",          /* overlong */
    "\xf4\x90\x80\x80",  /* above U+10FFFF */
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      Fixture f;

      fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
      peer_send_frame (&f, FIN | OP_TEXT, texts[i], -1);
      expect_refusal (&f, EIT_CLOSE_INVALID_JSON, "a text message is not valid UTF-8 or holds a NUL byte");
      fixture_finish (&f);
    }

  /* A fragmented message that ends in the middle of a character. */
  {
    Fixture f;

    fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
    peer_send_frame (&f, OP_TEXT, "ab", 2);
    peer_send_frame (&f, FIN | OP_CONTINUATION, "c\xe2\x82", 3);
    expect_refusal (&f, EIT_CLOSE_INVALID_JSON, "a text message is not valid UTF-8 or holds a NUL byte");
    fixture_finish (&f);
  }
}

static void
test_server_peer_close (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_close (&f, 4000, "bye");
  /* RFC 6455 5.5.1: the answer echoes the code; this engine the reason too. */
  peer_expect_close_frame (&f, 4000, "bye");
  peer_expect_eof (&f);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 4000);
  g_assert_cmpstr (eit_websocket_get_close_reason (f.e.ws), ==, "bye");
  g_assert_false (eit_websocket_get_closed_locally (f.e.ws));
  fixture_finish (&f);

  /* A close without a code is answered without one; the code reads 0. */
  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_frame (&f, FIN | OP_CLOSE, "", 0);
  peer_expect_close_frame (&f, 0, NULL);
  peer_expect_eof (&f);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 0);
  g_assert_false (eit_websocket_get_closed_locally (f.e.ws));
  fixture_finish (&f);
}

static void
test_server_close_invalid_code (void)
{
  /* Codes that never travel (1004-1006, 1015), unassigned, or out of range. */
  const gushort codes[] = { 1005, 0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535 };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      Fixture f;
      g_autofree char *reason = g_strdup_printf ("close code %u is not allowed", codes[i]);

      fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
      peer_send_close (&f, codes[i], NULL);
      expect_refusal (&f, 1002, reason);
      fixture_finish (&f);
    }
}

static void
test_server_close_one_byte (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_frame (&f, FIN | OP_CLOSE, "\x03", 1);
  expect_refusal (&f, 1002, "a close frame of 1 byte");
  fixture_finish (&f);
}

static void
test_server_close_invalid_reason (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  peer_send_close (&f, 1000, "bad \xff");
  expect_refusal (&f, EIT_CLOSE_INVALID_JSON, "the close reason is not valid UTF-8 or holds a NUL byte");
  fixture_finish (&f);
}

static void
test_server_leftover (void)
{
  Fixture f;
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_autoptr(GBytes) leftover = NULL;
  g_autofree char *third = g_strnfill (200, '3');
  gsize cut;

  /* Read past the end of the HTTP handshake: two whole frames and half of
   * a third, whose rest comes on the socket. */
  append_frame (frames, FIN | OP_TEXT, TRUE, "one", 3, 0);
  append_frame (frames, FIN | OP_TEXT, TRUE, "two", 3, 0);
  append_frame (frames, FIN | OP_TEXT, TRUE, third, 200, 0);
  cut = frames->len - 100;
  leftover = g_bytes_new (frames->data, cut);

  fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1024, leftover);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 2, WAIT_MS));
  assert_message (&f.e, 0, "one", -1);
  assert_message (&f.e, 1, "two", -1);
  peer_send (&f, frames->data + cut, frames->len - cut);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 3, WAIT_MS));
  assert_message (&f.e, 2, third, 200);
  fixture_finish (&f);

  /* Leftover before what is already waiting on the socket. */
  g_clear_pointer (&leftover, g_bytes_unref);
  g_byte_array_set_size (frames, 0);
  append_frame (frames, FIN | OP_TEXT, TRUE, "first", 5, 0);
  leftover = g_bytes_new (frames->data, frames->len);
  fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1024, leftover);
  peer_send_frame (&f, FIN | OP_TEXT, "second", -1);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 2, WAIT_MS));
  assert_message (&f.e, 0, "first", -1);
  assert_message (&f.e, 1, "second", -1);
  fixture_finish (&f);
}

/* A refusal (or the answer to the peer's close) that cannot be written yet
 * because the peer is not reading: nothing more is read, so the source must
 * stop watching input, or the loop would spin at full CPU while unread input
 * waits. The engine has 1 MiB of output blocked; the peer sends a binary
 * frame then 30000 more bytes; the main context must go idle. */
static void
test_server_refusal_while_blocked (void)
{
  Fixture f;
  const gsize big = 1024 * 1024;
  g_autofree char *text = g_strnfill (big, 'b');
  g_autofree char *more = g_strnfill (30000, 'm');
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_auto(Frame) frame = { 0, };
  guint busy;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  /* The peer does not read yet: most of this waits in the engine. */
  g_assert_true (eit_websocket_send_text (f.e.ws, text, big));
  /* A frame to refuse, then more than one read of the engine takes. */
  append_frame (frames, FIN | OP_BINARY, TRUE, "x", 1, 0);
  append_frame (frames, FIN | OP_TEXT, TRUE, more, 30000, 0);
  peer_send (&f, frames->data, frames->len);

  /* Nothing can happen until the peer reads. */
  for (busy = 0; busy < 1000 && g_main_context_iteration (NULL, FALSE); busy++)
    ;
  g_assert_cmpuint (busy, <, 1000);

  /* Once the peer reads, the message, then the close frame, then the end. */
  g_assert_true (peer_read_frame (&f, &frame));
  g_assert_cmpuint (frame.opcode, ==, OP_TEXT);
  g_assert_cmpuint (g_bytes_get_size (frame.payload), ==, big);
  peer_expect_close_frame (&f, EIT_CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
  peer_answer_close (&f);
  peer_expect_eof (&f);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, EIT_CLOSE_UNSUPPORTED_DATA);
  fixture_finish (&f);
}

/* A refusal keeps reading: the rest of the oversize frame is read and
 * discarded, without buffering it, until the peer answers the close frame.
 * Hanging up with bytes unread would reset the connection and destroy the
 * close frame before the peer reads it (issue 11: 1009 lost 40% of the time). */
static void
test_server_refusal_reads_until_close (void)
{
  Fixture f;
  const gsize size = 512 * 1024;
  g_autofree char *payload = g_strnfill (size, 'p');
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gsize sent = 0;

  fixture_init_full (&f, EIT_WEBSOCKET_ROLE_SERVER, 1000, NULL);
  append_frame (frame, FIN | OP_TEXT, TRUE, payload, size, 0);
  /* More than the socket buffers hold: the peer can only finish writing if
   * the engine keeps reading after its refusal. */
  g_socket_set_blocking (f.peer, FALSE);
  while (sent < frame->len)
    {
      gssize n;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      n = g_socket_send (f.peer, (const char *) frame->data + sent, frame->len - sent, NULL, NULL);
      if (n > 0)
        sent += n;
      eit_test_iterate ();
      peer_pump (&f);
    }
  g_socket_set_blocking (f.peer, TRUE);
  g_assert_false (f.peer_eof);
  g_assert_cmpuint (f.e.closed, ==, 0);
  peer_expect_close_frame (&f, EIT_CLOSE_TOO_BIG, "message of 524288 bytes exceeds the limit of 1000");
  peer_answer_close (&f);
  peer_expect_eof (&f);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpuint (f.e.messages->len, ==, 0);
  fixture_finish (&f);
}

/* A peer that never answers the refusal is dropped after close-timeout. */
static void
test_server_refusal_close_timeout (void)
{
  Fixture f;
  gint64 start;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_set_close_timeout (f.e.ws, 200);
  start = g_get_monotonic_time ();
  peer_send_frame (&f, FIN | OP_BINARY, "\x01", 1);
  peer_expect_close_frame (&f, EIT_CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
  peer_expect_eof (&f);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 190 * 1000);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  fixture_finish (&f);
}

static void
test_server_control_flood (void)
{
  Fixture f;
  g_autoptr(GByteArray) frames = g_byte_array_new ();

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_set_control_frame_limit (f.e.ws, 20);
  for (guint i = 0; i < 30; i++)
    append_frame (frames, FIN | OP_PING, TRUE, "p", 1, 0);
  peer_send (&f, frames->data, frames->len);
  /* 20 pongs, then the refusal. */
  for (guint i = 0; i < 20; i++)
    {
      g_auto(Frame) frame = { 0, };

      g_assert_true (peer_read_frame (&f, &frame));
      g_assert_cmpuint (frame.opcode, ==, OP_PONG);
    }
  expect_refusal (&f, EIT_CLOSE_POLICY_VIOLATION, "control frame flood: 21 control frames in 1 s");
  fixture_finish (&f);
}

/* A peer that does not read: over the output limit the engine stops reading
 * it (no more pongs to queue), and resumes once it drains. */
static void
test_server_output_limit_pauses (void)
{
  Fixture f;
  g_autofree char *text = g_strnfill (100 * 1024, 'o');
  gsize expected = 0;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_set_output_limit (f.e.ws, 64 * 1024, 0);
  while (!eit_websocket_get_output_blocked (f.e.ws))
    {
      g_assert_true (eit_websocket_send_text (f.e.ws, text, strlen (text)));
      expected++;
      g_assert_cmpuint (expected, <, 100);
    }
  peer_send_frame (&f, FIN | OP_PING, "while-blocked", -1);
  peer_send_frame (&f, FIN | OP_TEXT, "after-the-ping", -1);
  eit_test_run_for (100);
  g_assert_cmpuint (f.e.messages->len, ==, 0);
  g_assert_cmpint (eit_websocket_get_state (f.e.ws), ==, EIT_WEBSOCKET_STATE_OPEN);

  /* The peer reads: everything goes out, then the ping is read and answered. */
  for (gsize i = 0; i < expected; i++)
    {
      g_auto(Frame) frame = { 0, };

      g_assert_true (peer_read_frame (&f, &frame));
      g_assert_cmpuint (frame.opcode, ==, OP_TEXT);
    }
  {
    g_auto(Frame) pong = { 0, };

    g_assert_true (peer_read_frame (&f, &pong));
    g_assert_cmpuint (pong.opcode, ==, OP_PONG);
  }
  g_assert_false (eit_websocket_get_output_blocked (f.e.ws));
  g_assert_true (eit_test_wait_until (f.e.messages->len == 1, WAIT_MS));
  assert_message (&f.e, 0, "after-the-ping", -1);
  fixture_finish (&f);
}

/* ... and if it stays over the limit past the deadline: 4009, at once. */
static void
test_server_slow_consumer (void)
{
  Fixture f;
  g_autofree char *text = g_strnfill (100 * 1024, 's');
  gint64 start;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_set_output_limit (f.e.ws, 64 * 1024, 200);
  start = g_get_monotonic_time ();
  while (!eit_websocket_get_output_blocked (f.e.ws))
    g_assert_true (eit_websocket_send_text (f.e.ws, text, strlen (text)));
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 190 * 1000);
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, EIT_CLOSE_SLOW_CONSUMER);
  g_assert_true (g_str_has_prefix (eit_websocket_get_close_reason (f.e.ws), "slow consumer: "));
  g_assert_true (g_str_has_suffix (eit_websocket_get_close_reason (f.e.ws), " bytes unsent for 200 ms"));
  g_assert_true (eit_websocket_get_closed_locally (f.e.ws));
  fixture_finish (&f);
}

/* One dispatch handles a bounded number of frames, then yields to the rest
 * of the loop; the rest follows on the next iterations. */
static void
test_server_read_budget (void)
{
  Fixture f;
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  guint after_one;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  for (guint i = 0; i < 1000; i++)
    append_frame (frames, FIN | OP_TEXT, TRUE, "[1]", 3, 0);
  peer_send (&f, frames->data, frames->len);
  g_assert_true (eit_test_wait_until (f.e.messages->len > 0, WAIT_MS));
  after_one = f.e.messages->len;
  g_test_message ("messages after the first dispatch: %u of 1000", after_one);
  g_assert_cmpuint (after_one, <=, 256);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 1000, WAIT_MS));
  fixture_finish (&f);
}

/* Bytes count as life before their frame is complete (PROTOCOL.md 5.3). */
static void
test_server_progress (void)
{
  Fixture f;
  g_autofree char *text = g_strnfill (4000, 'g');
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  gint64 before;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  append_frame (frame, FIN | OP_TEXT, TRUE, text, 4000, 0);
  eit_test_run_for (30);
  before = eit_websocket_get_last_progress_time (f.e.ws);
  peer_send (&f, frame->data, 1000);
  g_assert_true (eit_test_wait_until (eit_websocket_get_last_progress_time (f.e.ws) > before, WAIT_MS));
  g_assert_cmpuint (f.e.messages->len, ==, 0);
  peer_send (&f, frame->data + 1000, frame->len - 1000);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 1, WAIT_MS));
  fixture_finish (&f);
}

/* Client role ---------------------------------------------------------------- */

static void
test_client_sends_masked (void)
{
  Fixture f;
  g_autofree char *medium = g_strnfill (1000, 'x');
  g_autofree char *large = g_strnfill (70000, 'y');
  const char *texts[] = { "hello", "", medium, large };

  fixture_init (&f, EIT_WEBSOCKET_ROLE_CLIENT);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_auto(Frame) frame = { 0, };

      g_assert_true (eit_websocket_send_text (f.e.ws, texts[i], strlen (texts[i])));
      /* peer_read_frame checks the mask bit and unmasks. */
      g_assert_true (peer_read_frame (&f, &frame));
      g_assert_cmpuint (frame.opcode, ==, OP_TEXT);
      g_assert_cmpmem (g_bytes_get_data (frame.payload, NULL), g_bytes_get_size (frame.payload),
                       texts[i], strlen (texts[i]));
    }

  /* It takes unmasked frames from the server. */
  peer_send_frame (&f, FIN | OP_TEXT, "from the server", -1);
  g_assert_true (eit_test_wait_until (f.e.messages->len == 1, WAIT_MS));
  assert_message (&f.e, 0, "from the server", -1);

  /* Its pong and its close are masked too. */
  peer_send_frame (&f, FIN | OP_PING, "p", 1);
  {
    g_auto(Frame) frame = { 0, };

    g_assert_true (peer_read_frame (&f, &frame));
    g_assert_cmpuint (frame.opcode, ==, OP_PONG);
  }
  eit_websocket_close (f.e.ws, 1000, "done");
  peer_expect_close_frame (&f, 1000, "done");
  peer_send_close (&f, 1000, NULL);
  peer_expect_eof (&f);
  fixture_finish (&f);
}

static void
test_client_masked_from_server (void)
{
  Fixture f;
  g_autoptr(GByteArray) frame = g_byte_array_new ();

  fixture_init (&f, EIT_WEBSOCKET_ROLE_CLIENT);
  append_frame (frame, FIN | OP_TEXT, TRUE, "hi", 2, 0);
  peer_send (&f, frame->data, frame->len);
  expect_refusal (&f, 1002, "a server's frames must not be masked");
  fixture_finish (&f);
}

/* Closing ---------------------------------------------------------------------- */

static void
test_close_answered (void)
{
  Fixture f;
  gint64 start;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_close (f.e.ws, 1001, "going");
  g_assert_cmpint (eit_websocket_get_state (f.e.ws), ==, EIT_WEBSOCKET_STATE_CLOSING);
  peer_expect_close_frame (&f, 1001, "going");
  /* Nothing more goes out once the close frame has. */
  g_assert_false (eit_websocket_send_text (f.e.ws, "late", 4));
  eit_websocket_close (f.e.ws, 1000, "again");

  /* The default close-timeout is 5 s: "closed" must not wait for it. */
  start = g_get_monotonic_time ();
  peer_send_close (&f, 1001, NULL);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, 1000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1000 * 1000);
  peer_expect_eof (&f);
  g_assert_true (eit_websocket_get_closed_locally (f.e.ws));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 1001);
  g_assert_cmpstr (eit_websocket_get_close_reason (f.e.ws), ==, "going");
  g_assert_false (eit_websocket_send_text (f.e.ws, "later", 5));
  fixture_finish (&f);
}

static void
test_close_timeout (void)
{
  Fixture f;
  gint64 start;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_set_close_timeout (f.e.ws, 100);
  start = g_get_monotonic_time ();
  eit_websocket_close (f.e.ws, 1000, NULL);
  peer_expect_close_frame (&f, 1000, "");
  /* The peer never answers. */
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 90 * 1000);
  peer_expect_eof (&f);
  g_assert_true (eit_websocket_get_closed_locally (f.e.ws));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 1000);
  fixture_finish (&f);
}

/* A peer whose fragmented message crosses our close frame: the fragments
 * are skipped, not refused, and "closed" waits for the peer's close. */
static void
test_close_crossing_fragments (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_close (f.e.ws, 1000, "done");
  peer_expect_close_frame (&f, 1000, "done");
  peer_send_frame (&f, OP_TEXT, "in ", 3);
  peer_send_frame (&f, FIN | OP_CONTINUATION, "flight", 6);
  g_assert_false (eit_test_wait_until (f.e.closed > 0, 100));
  peer_send_close (&f, 1000, NULL);
  peer_expect_eof (&f);
  g_assert_cmpuint (f.e.messages->len, ==, 0);
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 1000);
  fixture_finish (&f);
}

static void
test_abort (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_abort (f.e.ws);
  /* Not a byte, not a close frame: just the end. */
  peer_expect_eof (&f);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_true (eit_websocket_get_closed_locally (f.e.ws));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 0);
  g_assert_null (eit_websocket_get_close_reason (f.e.ws));
  g_assert_false (eit_websocket_send_text (f.e.ws, "x", 1));
  fixture_finish (&f);
}

static void
test_peer_drop (void)
{
  Fixture f;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  g_socket_close (f.peer, NULL);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_false (eit_websocket_get_closed_locally (f.e.ws));
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 0);
  g_assert_cmpint (eit_websocket_get_state (f.e.ws), ==, EIT_WEBSOCKET_STATE_CLOSED);
  fixture_finish (&f);

  /* In the middle of a frame: the half frame is not delivered. */
  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  {
    g_autoptr(GByteArray) frame = g_byte_array_new ();

    append_frame (frame, FIN | OP_TEXT, TRUE, "truncated", 9, 0);
    peer_send (&f, frame->data, frame->len - 3);
  }
  g_socket_close (f.peer, NULL);
  g_assert_true (eit_test_wait_until (f.e.closed > 0, WAIT_MS));
  g_assert_cmpuint (f.e.messages->len, ==, 0);
  g_assert_cmpuint (eit_websocket_get_close_code (f.e.ws), ==, 0);
  g_assert_false (eit_websocket_get_closed_locally (f.e.ws));
  fixture_finish (&f);
}

static void
test_send_refused (void)
{
  Fixture f;
  g_auto(Frame) frame = { 0, };

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  g_assert_false (eit_websocket_send_text (f.e.ws, "bad \xff", 5));
  g_assert_false (eit_websocket_send_text (f.e.ws, "\xc3", 1));
  /* len counts, not a NUL: "ok" followed by half a character. */
  g_assert_false (eit_websocket_send_text (f.e.ws, "ok\xc3\xa9", 3));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  peer_pump (&f);
  g_assert_cmpuint (f.received->len, ==, 0);

  /* The connection is still fine. */
  g_assert_true (eit_websocket_send_text (f.e.ws, "ok\xc3\xa9", 4));
  g_assert_true (peer_read_frame (&f, &frame));
  g_assert_cmpmem (g_bytes_get_data (frame.payload, NULL), g_bytes_get_size (frame.payload),
                   "ok\xc3\xa9", 4);

  eit_websocket_close (f.e.ws, 1000, NULL);
  g_assert_false (eit_websocket_send_text (f.e.ws, "after", 5));
  peer_expect_close_frame (&f, 1000, NULL);
  peer_pump (&f);
  g_assert_cmpuint (f.received->len, ==, 0);
  fixture_finish (&f);
}

static void
test_keepalive (void)
{
  Fixture f;
  guint pings = 0;

  fixture_init (&f, EIT_WEBSOCKET_ROLE_SERVER);
  eit_websocket_set_keepalive_interval (f.e.ws, 20);
  while (pings < 3)
    {
      g_auto(Frame) frame = { 0, };

      g_assert_true (peer_read_frame (&f, &frame));
      g_assert_cmpuint (frame.opcode, ==, OP_PING);
      pings++;
      peer_send_frame (&f, FIN | OP_PONG, g_bytes_get_data (frame.payload, NULL),
                       g_bytes_get_size (frame.payload));
    }
  g_assert_true (eit_test_wait_until (f.e.pongs == 3, WAIT_MS));
  fixture_finish (&f);
}

/* Engine to engine ------------------------------------------------------------- */

/* len bytes of valid UTF-8 that differ with seed; a two-byte character in
 * them when there is room. */
static char *
make_text (gsize len,
           guint seed)
{
  char *text = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    text[i] = 'a' + (seed * 7 + i) % 26;
  if (len >= 3)
    memcpy (text + 1, "\xc3\xa9", 2);
  text[len] = '\0';
  return text;
}

static void
test_engine_to_engine (void)
{
  /* Each length form on both sides of its bounds. */
  const gsize sizes[] = { 0, 1, 125, 126, 65535, 65536, 200000 };
  const guint rounds = 3;
  guint sources = eit_test_count_sources ();
  g_autoptr(GSocketConnection) a = NULL;
  g_autoptr(GSocketConnection) b = NULL;
  Engine client, server;
  guint n = 0;

  eit_test_socket_pair (&a, &b);
  engine_init (&client, a, EIT_WEBSOCKET_ROLE_CLIENT, 256 * 1024, NULL);
  engine_init (&server, b, EIT_WEBSOCKET_ROLE_SERVER, 256 * 1024, NULL);
  g_clear_object (&a);
  g_clear_object (&b);

  /* All at once, both ways: the socket buffer fills and the writes wait
   * for the reader, in the same main context. */
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++, n++)
      {
        g_autofree char *to_server = make_text (sizes[i], n);
        g_autofree char *to_client = make_text (sizes[i], n + 1000);

        g_assert_true (eit_websocket_send_text (client.ws, to_server, sizes[i]));
        g_assert_true (eit_websocket_send_text (server.ws, to_client, sizes[i]));
      }
  g_assert_true (eit_test_wait_until (server.messages->len == n && client.messages->len == n,
                                      10 * 1000));

  n = 0;
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++, n++)
      {
        g_autofree char *to_server = make_text (sizes[i], n);
        g_autofree char *to_client = make_text (sizes[i], n + 1000);

        assert_message (&server, n, to_server, sizes[i]);
        assert_message (&client, n, to_client, sizes[i]);
      }

  /* Pings both ways. */
  eit_websocket_send_ping (client.ws);
  eit_websocket_send_ping (server.ws);
  g_assert_true (eit_test_wait_until (client.pongs == 1 && server.pongs == 1, WAIT_MS));

  /* A clean close handshake; both ends see the same code. */
  eit_websocket_close (client.ws, 1000, "done");
  g_assert_true (eit_test_wait_until (client.closed > 0 && server.closed > 0, WAIT_MS));
  g_assert_true (eit_websocket_get_closed_locally (client.ws));
  g_assert_false (eit_websocket_get_closed_locally (server.ws));
  g_assert_cmpuint (eit_websocket_get_close_code (client.ws), ==, 1000);
  g_assert_cmpuint (eit_websocket_get_close_code (server.ws), ==, 1000);
  g_assert_cmpstr (eit_websocket_get_close_reason (server.ws), ==, "done");
  engine_finish (&client);
  engine_finish (&server);
  g_assert_true (eit_test_wait_until (eit_test_count_sources () == sources, WAIT_MS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/websocket/server/text", test_server_text);
  g_test_add_func ("/websocket/server/unmasked", test_server_unmasked);
  g_test_add_func ("/websocket/server/binary", test_server_binary);
  g_test_add_func ("/websocket/server/rsv", test_server_rsv);
  g_test_add_func ("/websocket/server/unknown-opcode", test_server_unknown_opcode);
  g_test_add_func ("/websocket/server/ping", test_server_ping);
  g_test_add_func ("/websocket/server/fragmented", test_server_fragmented);
  g_test_add_func ("/websocket/server/continuation-without-start",
                   test_server_continuation_without_start);
  g_test_add_func ("/websocket/server/message-during-fragments",
                   test_server_message_during_fragments);
  g_test_add_func ("/websocket/server/bad-control-frame", test_server_bad_control_frame);
  g_test_add_func ("/websocket/server/oversize", test_server_oversize);
  g_test_add_func ("/websocket/server/continuation-length-overflow",
                   test_server_continuation_length_overflow);
  g_test_add_func ("/websocket/server/invalid-utf8", test_server_invalid_utf8);
  g_test_add_func ("/websocket/server/peer-close", test_server_peer_close);
  g_test_add_func ("/websocket/server/close-invalid-code", test_server_close_invalid_code);
  g_test_add_func ("/websocket/server/close-one-byte", test_server_close_one_byte);
  g_test_add_func ("/websocket/server/close-invalid-reason", test_server_close_invalid_reason);
  g_test_add_func ("/websocket/server/leftover", test_server_leftover);
  g_test_add_func ("/websocket/server/refusal-while-blocked", test_server_refusal_while_blocked);
  g_test_add_func ("/websocket/server/refusal-reads-until-close", test_server_refusal_reads_until_close);
  g_test_add_func ("/websocket/server/refusal-close-timeout", test_server_refusal_close_timeout);
  g_test_add_func ("/websocket/server/control-flood-1008", test_server_control_flood);
  g_test_add_func ("/websocket/server/output-limit-pauses-reading", test_server_output_limit_pauses);
  g_test_add_func ("/websocket/server/slow-consumer-4009", test_server_slow_consumer);
  g_test_add_func ("/websocket/server/read-budget", test_server_read_budget);
  g_test_add_func ("/websocket/server/progress-counts", test_server_progress);
  g_test_add_func ("/websocket/client/sends-masked", test_client_sends_masked);
  g_test_add_func ("/websocket/client/masked-from-server", test_client_masked_from_server);
  g_test_add_func ("/websocket/close/answered", test_close_answered);
  g_test_add_func ("/websocket/close/timeout", test_close_timeout);
  g_test_add_func ("/websocket/close/crossing-fragments", test_close_crossing_fragments);
  g_test_add_func ("/websocket/abort", test_abort);
  g_test_add_func ("/websocket/peer-drop", test_peer_drop);
  g_test_add_func ("/websocket/send-refused", test_send_refused);
  g_test_add_func ("/websocket/keepalive", test_keepalive);
  g_test_add_func ("/websocket/engine-to-engine", test_engine_to_engine);

  return g_test_run ();
}
