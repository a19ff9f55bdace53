/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A deterministic mutation fuzzer for the frame parser of eit-websocket.c,
 * part of `meson test`. Each input is a stream of valid client frames
 * (masked: the engine is the server), mutated, then fed to a fresh engine
 * on a socketpair, part as the handshake's leftover and the rest on the
 * socket in pieces. A model of RFC 6455 as the engine applies it says what
 * must come out: the messages, the pongs, the close frame and its code. On
 * top of that: no crash, every message valid UTF-8 within the limit, one
 * "closed", and the engine finalized.
 *
 * Same seed, same inputs: a failure is reproduced with the EIT_FUZZ_SEED and
 * EIT_FUZZ_ITERATIONS it prints. */
#include "config.h"

#include <string.h>

#include "eit-test-frames.h"
#include "eit-test-pair.h"
#include "eit-test-util.h"
#include "eit-websocket-private.h"

#define DEFAULT_SEED       0x3eb50c4eu
#define DEFAULT_ITERATIONS 8000
#define MAX_INPUT_SIZE     (96 * 1024)

typedef struct {
  GRand   *rand;
  guint64  max_message_size;
  GArray  *frame_starts;  /* of gsize: where the frames began before mutation */
} Fuzzer;

static gsize
pick (Fuzzer *f,
      gsize   n)
{
  return n == 0 ? 0 : (gsize) g_rand_int_range (f->rand, 0, (gint32) MIN (n, G_MAXINT32));
}

static gboolean
chance (Fuzzer *f,
        guint   one_in)
{
  return pick (f, one_in) == 0;
}

/* Building valid frames ------------------------------------------------------ */

/* Appends a masked frame; length_bits 0 for the shortest length form. */
static void
append_frame (Fuzzer       *f,
              GByteArray   *out,
              guint8        first,
              const guint8 *payload,
              gsize         len,
              guint         length_bits)
{
  guint8 key[4];
  gsize start = out->len;

  g_array_append_val (f->frame_starts, start);
  if (length_bits == 0 || (length_bits == 7 && len >= 126) ||
      (length_bits == 16 && len > G_MAXUINT16))
    length_bits = len < 126 ? 7 : len <= G_MAXUINT16 ? 16 : 64;
  g_byte_array_append (out, &first, 1);
  if (length_bits == 7)
    {
      guint8 b = 0x80 | (guint8) len;

      g_byte_array_append (out, &b, 1);
    }
  else if (length_bits == 16)
    {
      guint8 b[3] = { 0x80 | 126, (guint8) (len >> 8), (guint8) len };

      g_byte_array_append (out, b, 3);
    }
  else
    {
      guint8 b[9] = { 0x80 | 127 };

      for (guint i = 0; i < 8; i++)
        b[1 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      g_byte_array_append (out, b, 9);
    }
  for (guint i = 0; i < 4; i++)
    key[i] = chance (f, 8) ? 0 : (guint8) pick (f, 256);
  g_byte_array_append (out, key, 4);
  start = out->len;
  if (len > 0)
    g_byte_array_append (out, payload, len);
  for (gsize i = 0; i < len; i++)
    out->data[start + i] ^= key[i & 3];
}

static guint
random_length_bits (Fuzzer *f)
{
  static const guint bits[] = { 0, 0, 0, 0, 0, 16, 64 };

  return bits[pick (f, G_N_ELEMENTS (bits))];
}

/* len bytes of valid UTF-8, or a little less: it does not cut a character. */
static void
append_text (Fuzzer     *f,
             GByteArray *out,
             gsize       len)
{
  static const char *const chars[] = {
    "a", "b", "{", "}", "\"", " ", "0", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
  };
  gsize end = out->len + len;

  while (out->len < end)
    {
      const char *c = chars[pick (f, G_N_ELEMENTS (chars))];
      gsize n = strlen (c);

      if (out->len + n > end)
        c = "a", n = 1;
      g_byte_array_append (out, (const guint8 *) c, n);
    }
}

/* A text length around the limit now and then. */
static gsize
random_text_length (Fuzzer *f)
{
  switch (pick (f, 8))
    {
    case 0:
      return f->max_message_size;
    case 1:
      return f->max_message_size + 1;
    case 2:
      return pick (f, 3);
    case 3:
      return 120 + pick (f, 10);
    default:
      return pick (f, MIN (f->max_message_size + 2, 600));
    }
}

static void
append_control (Fuzzer     *f,
                GByteArray *out)
{
  g_autoptr(GByteArray) payload = g_byte_array_new ();

  append_text (f, payload, pick (f, 4) == 0 ? 125 : pick (f, 20));
  append_frame (f, out, FIN | (chance (f, 2) ? OP_PING : OP_PONG), payload->data, payload->len,
                chance (f, 8) ? 16 : 0);
}

static void
append_close (Fuzzer     *f,
              GByteArray *out)
{
  static const gushort codes[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4000, 4999 };
  /* On the edges of the valid ranges, and those that never travel. */
  static const gushort bad_codes[] = { 0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535 };
  g_autoptr(GByteArray) payload = g_byte_array_new ();

  if (chance (f, 8))
    g_byte_array_append (payload, (const guint8 *) "\x03", 1);
  else if (!chance (f, 4))
    {
      gushort code = chance (f, 4) ? bad_codes[pick (f, G_N_ELEMENTS (bad_codes))]
                                   : codes[pick (f, G_N_ELEMENTS (codes))];
      guint8 b[2] = { (guint8) (code >> 8), (guint8) code };

      g_byte_array_append (payload, b, 2);
      append_text (f, payload, pick (f, 4) == 0 ? 123 : pick (f, 16));
    }
  append_frame (f, out, FIN | OP_CLOSE, payload->data, payload->len, 0);
}

static void
append_message (Fuzzer     *f,
                GByteArray *out)
{
  g_autoptr(GByteArray) text = g_byte_array_new ();
  gsize n_fragments = chance (f, 3) ? 2 + pick (f, 3) : 1;
  gsize at = 0;

  append_text (f, text, random_text_length (f));
  /* Cut anywhere, even inside a character: only the whole must be UTF-8. */
  for (gsize i = 0; i < n_fragments; i++)
    {
      gsize end = i + 1 == n_fragments ? text->len : at + pick (f, text->len - at + 1);

      append_frame (f, out, (i + 1 == n_fragments ? FIN : 0) | (i == 0 ? OP_TEXT : OP_CONTINUATION),
                    text->data + at, end - at, random_length_bits (f));
      at = end;
      if (i + 1 < n_fragments && chance (f, 3))
        append_control (f, out);
    }
}

static void
build_stream (Fuzzer     *f,
              GByteArray *out)
{
  gsize n_items = 1 + pick (f, 6);

  for (gsize i = 0; i < n_items; i++)
    {
      if (chance (f, 4))
        append_control (f, out);
      else
        append_message (f, out);
    }
  if (chance (f, 3))
    append_close (f, out);
}

/* Mutating ---------------------------------------------------------------- */

static guint64
interesting_length (Fuzzer *f)
{
  const guint64 m = f->max_message_size;
  const guint64 values[] = {
    0, 1, 2, 125, 126, 127, 128, m - 1, m, m + 1, G_MAXUINT16, G_MAXUINT16 + 1,
    G_MAXUINT32, (guint64) G_MAXUINT32 + 1, G_GUINT64_CONSTANT (1) << 63,
    (G_GUINT64_CONSTANT (1) << 63) + 1, G_MAXINT64,
    /* With fragments already taken, a careless sum of these wraps. */
    G_MAXUINT64, G_MAXUINT64 - 1, G_MAXUINT64 - 100,
  };

  if (chance (f, 4))
    return pick (f, 300);
  return values[pick (f, G_N_ELEMENTS (values))];
}

static void
insert_bytes (GByteArray   *input,
              gsize         at,
              const guint8 *data,
              gsize         len)
{
  g_autoptr(GByteArray) rest = g_byte_array_new ();

  g_byte_array_append (rest, input->data + at, input->len - at);
  g_byte_array_set_size (input, at);
  g_byte_array_append (input, data, len);
  g_byte_array_append (input, rest->data, rest->len);
}

/* Rewrites the length of the frame that began at start, in any form. */
static void
set_length (Fuzzer     *f,
            GByteArray *input,
            gsize       start)
{
  guint64 len = interesting_length (f);
  guint8 b[9];
  gsize old_len, new_len;

  if (start + 2 > input->len)
    return;
  old_len = (input->data[start + 1] & 0x7f) == 126 ? 3 : (input->data[start + 1] & 0x7f) == 127 ? 9 : 1;
  if (start + 1 + old_len > input->len)
    return;

  b[0] = input->data[start + 1] & 0x80;
  if (len < 126 && !chance (f, 4))
    {
      b[0] |= (guint8) len;
      new_len = 1;
    }
  else if (len <= G_MAXUINT16 && !chance (f, 4))
    {
      b[0] |= 126;
      b[1] = (guint8) (len >> 8);
      b[2] = (guint8) len;
      new_len = 3;
    }
  else
    {
      b[0] |= 127;
      for (guint i = 0; i < 8; i++)
        b[1 + i] = (guint8) (len >> (56 - 8 * i));
      new_len = 9;
    }
  g_byte_array_remove_range (input, start + 1, old_len);
  insert_bytes (input, start + 1, b, new_len);
}

static void
mutate_once (Fuzzer     *f,
             GByteArray *input)
{
  gsize frame = f->frame_starts->len > 0
                  ? g_array_index (f->frame_starts, gsize, pick (f, f->frame_starts->len))
                  : 0;

  switch (pick (f, 10))
    {
    case 0:  /* flip a bit anywhere */
      if (input->len > 0)
        input->data[pick (f, input->len)] ^= (guint8) (1 << pick (f, 8));
      break;

    case 1:  /* flip a bit of a header: FIN, RSV, opcode, mask */
      if (frame + 1 < input->len)
        input->data[frame + pick (f, 2)] ^= (guint8) (1 << pick (f, 8));
      break;

    case 2:  /* another opcode */
      if (frame < input->len)
        input->data[frame] = (input->data[frame] & 0xf0) | (guint8) pick (f, 16);
      break;

    case 3:
    case 4:
      set_length (f, input, frame);
      break;

    case 5:  /* truncate */
      g_byte_array_set_size (input, pick (f, input->len + 1));
      break;

    case 6:  /* insert random bytes */
      {
        guint8 bytes[8];
        gsize n = 1 + pick (f, sizeof bytes);

        for (gsize i = 0; i < n; i++)
          bytes[i] = (guint8) pick (f, 256);
        insert_bytes (input, pick (f, input->len + 1), bytes, n);
      }
      break;

    case 7:  /* delete a few bytes */
      if (input->len > 0)
        {
          gsize at = pick (f, input->len);
          gsize len = 1 + pick (f, 8);

          g_byte_array_remove_range (input, at, MIN (len, input->len - at));
        }
      break;

    case 8:  /* a valid frame at a frame boundary, e.g. a message inside a message */
      {
        g_autoptr(GByteArray) extra = g_byte_array_new ();
        guint n_starts = f->frame_starts->len;

        if (chance (f, 2))
          append_control (f, extra);
        else if (chance (f, 2))
          append_close (f, extra);
        else
          append_message (f, extra);
        g_array_set_size (f->frame_starts, n_starts);
        insert_bytes (input, MIN (frame, input->len), extra->data, extra->len);
      }
      break;

    default:  /* replace a byte with any byte */
      if (input->len > 0)
        input->data[pick (f, input->len)] = (guint8) pick (f, 256);
      break;
    }
}

/* The model ------------------------------------------------------------------ */

typedef enum {
  OUTCOME_EOF,         /* waits for more: the peer's hang-up ends it, code 0 */
  OUTCOME_REFUSED,     /* the engine sends close_code and hangs up */
  OUTCOME_PEER_CLOSE,  /* the engine echoes the peer's close and hangs up */
  N_OUTCOMES
} Outcome;

typedef struct {
  Outcome     outcome;
  gushort     close_code;    /* 0 for a close without a code */
  char       *close_reason;  /* the peer's; NULL without a code */
  GPtrArray  *messages;      /* of GBytes */
  GPtrArray  *pongs_sent;    /* of GBytes: the engine's answers to pings */
  guint       pongs_received;
} Model;

static void
model_clear (Model *m)
{
  g_clear_pointer (&m->close_reason, g_free);
  g_clear_pointer (&m->messages, g_ptr_array_unref);
  g_clear_pointer (&m->pongs_sent, g_ptr_array_unref);
}

/* As the engine reads UTF-8: through g_utf8_validate_len(), which also
 * refuses U+0000. */
static gboolean
text_is_valid (const guint8 *text,
               gsize         len)
{
  return g_utf8_validate_len ((const char *) text, len, NULL);
}

static gboolean
close_code_is_valid (guint code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

/* RFC 6455 for a server, with the engine's text-only rules and size limit.
 * Every decision on a header is made once its length is read, before the
 * payload is there, as the engine makes it. */
static void
model_run (Model        *m,
           const guint8 *data,
           gsize         size,
           guint64       max_message_size)
{
  g_autoptr(GByteArray) fragments = g_byte_array_new ();
  gboolean fragmented = FALSE;
  gsize pos = 0;

  memset (m, 0, sizeof *m);
  m->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  m->pongs_sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

#define REFUSE(code) G_STMT_START { m->outcome = OUTCOME_REFUSED; m->close_code = (code); return; } G_STMT_END

  for (;;)
    {
      gsize avail = size - pos;
      const guint8 *p = data + pos;
      gboolean fin;
      guint opcode;
      guint64 len;
      gsize header_len = 2 + 4;
      g_autofree guint8 *payload = NULL;

      if (avail < 2)
        break;
      fin = (p[0] & 0x80) != 0;
      opcode = p[0] & 0x0f;
      if (p[0] & 0x70)
        REFUSE (1002);
      if (!(p[1] & 0x80))
        REFUSE (1002);
      len = p[1] & 0x7f;
      if (len == 126)
        {
          if (avail < 4)
            break;
          len = (guint64) p[2] << 8 | p[3];
          header_len += 2;
        }
      else if (len == 127)
        {
          if (avail < 10)
            break;
          len = 0;
          for (guint i = 2; i < 10; i++)
            len = len << 8 | p[i];
          header_len += 8;
          if (len >> 63)
            REFUSE (1002);
        }

      switch (opcode)
        {
        case OP_CLOSE:
        case OP_PING:
        case OP_PONG:
          if (!fin || len > 125)
            REFUSE (1002);
          break;

        case OP_TEXT:
        case OP_CONTINUATION:
          if ((opcode == OP_CONTINUATION) != fragmented)
            REFUSE (1002);
          {
            guint64 so_far = fragmented ? fragments->len : 0;

            if (len > max_message_size - so_far)
              REFUSE (1009);
          }
          break;

        case OP_BINARY:
          REFUSE (1003);

        default:
          REFUSE (1002);
        }

      if (avail < header_len || len > avail - header_len)
        break;
      payload = g_memdup2 (p + header_len, len);
      for (gsize i = 0; i < len; i++)
        payload[i] ^= p[header_len - 4 + (i & 3)];
      pos += header_len + len;

      switch (opcode)
        {
        case OP_TEXT:
        case OP_CONTINUATION:
          if (opcode == OP_TEXT)
            g_byte_array_set_size (fragments, 0);
          g_byte_array_append (fragments, payload, len);
          fragmented = !fin;
          if (fin)
            {
              if (!text_is_valid (fragments->data, fragments->len))
                REFUSE (1007);
              g_ptr_array_add (m->messages, g_bytes_new (fragments->data, fragments->len));
            }
          break;

        case OP_PING:
          g_ptr_array_add (m->pongs_sent, g_bytes_new (payload, len));
          break;

        case OP_PONG:
          m->pongs_received++;
          break;

        case OP_CLOSE:
          if (len == 1)
            REFUSE (1002);
          if (len >= 2)
            {
              guint code = payload[0] << 8 | payload[1];

              if (!close_code_is_valid (code))
                REFUSE (1002);
              if (!text_is_valid (payload + 2, len - 2))
                REFUSE (1007);
              m->close_code = code;
              m->close_reason = g_strndup ((const char *) payload + 2, len - 2);
            }
          m->outcome = OUTCOME_PEER_CLOSE;
          return;

        default:
          g_assert_not_reached ();
        }
    }
  m->outcome = OUTCOME_EOF;
#undef REFUSE
}

/* Running one input ----------------------------------------------------------- */

typedef struct {
  guint64    max_message_size;
  GPtrArray *messages;
  guint      pongs;
  guint      closed;
  gboolean   bad_message;  /* not UTF-8, over the limit, or not NUL-terminated */
} Run;

static void
message_cb (EitWebsocket *ws,
            const char   *text,
            gulong        len,
            gpointer      user_data)
{
  Run *run = user_data;

  if (len > run->max_message_size || text[len] != '\0' ||
      !g_utf8_validate_len (text, len, NULL))
    run->bad_message = TRUE;
  g_ptr_array_add (run->messages, g_bytes_new (text, len));
}

static void
pong_cb (EitWebsocket *ws,
         gpointer      user_data)
{
  ((Run *) user_data)->pongs++;
}

static void
closed_cb (EitWebsocket *ws,
           gpointer      user_data)
{
  ((Run *) user_data)->closed++;
}

static char *
describe (const guint8 *data,
          gsize         size)
{
  GString *s = g_string_sized_new (size * 2 + 16);

  g_string_append_printf (s, "%" G_GSIZE_FORMAT " bytes:", size);
  for (gsize i = 0; i < MIN (size, 4096); i++)
    g_string_append_printf (s, "%s%02x", i % 32 ? "" : "\n  ", data[i]);
  if (size > 4096)
    g_string_append (s, "\n  ...");
  return g_string_free (s, FALSE);
}

typedef struct {
  guint64       iteration;
  const guint8 *data;
  gsize         size;
  gsize         leftover;
  guint64       max_message_size;
} Current;

static Current current;

G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN static void
fail (const char *format,
      ...)
{
  g_autofree char *what = NULL;
  g_autofree char *input = describe (current.data, current.size);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_error ("iteration %" G_GUINT64_FORMAT " (max_message_size %" G_GUINT64_FORMAT
           ", %" G_GSIZE_FORMAT " bytes as leftover): %s\ninput %s",
           current.iteration, current.max_message_size, current.leftover, what, input);
}

#define CHECK(cond, ...) G_STMT_START { if (!(cond)) fail (__VA_ARGS__); } G_STMT_END

static void
drain_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Reads what the engine wrote, without blocking; TRUE at its end. */
static gboolean
pump (GSocket    *peer,
      GByteArray *received)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char buf[16 * 1024];
      gssize n = g_socket_receive_with_blocking (peer, buf, sizeof buf, FALSE, NULL, &error);

      if (n > 0)
        g_byte_array_append (received, (const guint8 *) buf, n);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      else
        return TRUE;  /* the end, or a reset after the last byte */
    }
}

/* The frames the engine wrote: unmasked, FIN, no RSV, shortest lengths. */
static GPtrArray *
parse_output (GByteArray *received,
              GArray     *opcodes)
{
  GPtrArray *payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize pos = 0;

  while (pos < received->len)
    {
      const guint8 *p = received->data + pos;
      gsize avail = received->len - pos;
      gsize len, header_len = 2;
      guint8 opcode;

      CHECK (avail >= 2, "a truncated frame from the engine");
      CHECK (p[0] & 0x80 && !(p[0] & 0x70), "a frame from the engine: first byte %02x", p[0]);
      CHECK (!(p[1] & 0x80), "a masked frame from the server");
      len = p[1] & 0x7f;
      /* Only control frames come out here. */
      CHECK (len <= 125, "a control frame of more than 125 bytes from the engine");
      CHECK (avail >= header_len + len, "a truncated frame from the engine");
      opcode = p[0] & 0x0f;
      g_array_append_val (opcodes, opcode);
      g_ptr_array_add (payloads, g_bytes_new (p + header_len, len));
      pos += header_len + len;
    }
  return payloads;
}

static void
run_input (Fuzzer       *f,
           const guint8 *data,
           gsize         size,
           const Model  *model)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketConnection) peer_connection = NULL;
  g_autoptr(GBytes) leftover = NULL;
  g_autoptr(GByteArray) received = g_byte_array_new ();
  g_autoptr(GArray) opcodes = g_array_new (FALSE, FALSE, sizeof (guint8));
  g_autoptr(GPtrArray) payloads = NULL;
  Run run = { f->max_message_size, g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  EitWebsocket *ws;
  GSocket *peer;
  gsize split, pos;
  gboolean peer_eof = FALSE;
  guint n_pongs;
  gint64 deadline;

  /* All on the socket, all as leftover, or cut anywhere. */
  switch (pick (f, 3))
    {
    case 0:
      split = 0;
      break;
    case 1:
      split = size;
      break;
    default:
      split = pick (f, size + 1);
      break;
    }
  current.leftover = split;

  eit_test_socket_pair (&connection, &peer_connection);
  peer = g_socket_connection_get_socket (peer_connection);
  leftover = g_bytes_new (data, split);
  ws = eit_websocket_new (G_IO_STREAM (connection), EIT_WEBSOCKET_ROLE_SERVER,
                          f->max_message_size, leftover);
  /* The model has no clock: the flood limit (1008) is tested in
   * test-websocket, where time is controlled. */
  eit_websocket_set_control_frame_limit (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (message_cb), &run);
  g_signal_connect (ws, "pong", G_CALLBACK (pong_cb), &run);
  g_signal_connect (ws, "closed", G_CALLBACK (closed_cb), &run);
  g_clear_object (&connection);

  /* The rest in pieces, the engine running in between, so that headers and
   * payloads arrive cut at random points. */
  drain_context ();
  pos = split;
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (pos < size && run.closed == 0)
    {
      gsize piece = chance (f, 2) ? 1 + pick (f, 16) : 1 + pick (f, size - pos);
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_socket_send_with_blocking (peer, (const char *) data + pos, MIN (piece, size - pos),
                                       FALSE, NULL, &error);
      if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;  /* the engine hung up: what it did not read does not matter */
      if (n > 0)
        pos += n;
      CHECK (g_get_monotonic_time () < deadline, "the engine stopped reading");
      drain_context ();
      peer_eof = pump (peer, received);
    }
  drain_context ();

  /* Whatever the engine still waits for will not come. */
  if (run.closed == 0)
    g_socket_shutdown (peer, FALSE, TRUE, NULL);
  CHECK (eit_test_wait_until ((peer_eof = peer_eof || pump (peer, received)) && run.closed > 0,
                              5000),
         "the engine did not close (closed %u, peer end %d)", run.closed, peer_eof);
  drain_context ();
  CHECK (run.closed == 1, "\"closed\" came %u times", run.closed);
  CHECK (!run.bad_message, "a message not UTF-8, over the limit or not NUL-terminated");

  /* What the model says. */
  CHECK (run.messages->len == model->messages->len, "%u messages, the model says %u",
         run.messages->len, model->messages->len);
  for (guint i = 0; i < run.messages->len; i++)
    CHECK (g_bytes_equal (g_ptr_array_index (run.messages, i),
                          g_ptr_array_index (model->messages, i)),
           "message %u differs from the model's", i);
  CHECK (run.pongs == model->pongs_received, "%u pongs, the model says %u", run.pongs,
         model->pongs_received);

  payloads = parse_output (received, opcodes);
  n_pongs = model->pongs_sent->len;
  CHECK (opcodes->len == n_pongs + (model->outcome == OUTCOME_EOF ? 0 : 1),
         "%u frames from the engine, the model says %u pongs and outcome %d", opcodes->len,
         n_pongs, model->outcome);
  for (guint i = 0; i < n_pongs; i++)
    CHECK (g_array_index (opcodes, guint8, i) == OP_PONG &&
             g_bytes_equal (g_ptr_array_index (payloads, i), g_ptr_array_index (model->pongs_sent, i)),
           "frame %u from the engine is not the pong the model says", i);

  switch (model->outcome)
    {
    case OUTCOME_EOF:
      CHECK (eit_websocket_get_close_code (ws) == 0 && !eit_websocket_get_closed_locally (ws),
             "a hang-up read as code %u, locally %d", eit_websocket_get_close_code (ws),
             eit_websocket_get_closed_locally (ws));
      break;

    case OUTCOME_REFUSED:
    case OUTCOME_PEER_CLOSE:
      {
        gboolean refused = model->outcome == OUTCOME_REFUSED;
        GBytes *close = g_ptr_array_index (payloads, n_pongs);
        gsize len;
        const guint8 *p = g_bytes_get_data (close, &len);
        const char *reason = eit_websocket_get_close_reason (ws);

        CHECK (g_array_index (opcodes, guint8, n_pongs) == OP_CLOSE, "no close frame last");
        CHECK (eit_websocket_get_close_code (ws) == model->close_code,
               "close code %u, the model says %u", eit_websocket_get_close_code (ws),
               model->close_code);
        CHECK (eit_websocket_get_closed_locally (ws) == refused, "closed locally: %d",
               eit_websocket_get_closed_locally (ws));
        if (model->close_code == 0)
          CHECK (len == 0, "a close frame with a code answers one without");
        else
          {
            CHECK (len >= 2 && (p[0] << 8 | p[1]) == model->close_code,
                   "the close frame does not carry code %u", model->close_code);
            /* Ours when we refused, the peer's when we echo. */
            CHECK (reason != NULL && len - 2 == strlen (reason) && memcmp (p + 2, reason, len - 2) == 0,
                   "the close frame's reason is not the getter's");
            if (!refused)
              CHECK (g_str_equal (reason, model->close_reason), "the peer's reason was not kept");
          }
      }
      break;

    case N_OUTCOMES:
      g_assert_not_reached ();
    }

  g_assert_finalize_object (ws);
  g_ptr_array_unref (run.messages);
}

static void
test_fuzz_websocket (void)
{
  static const guint64 limits[] = { 0, 16, 125, 126, 1024, 70000 };
  guint32 seed = (guint32) eit_test_env_number ("EIT_FUZZ_SEED", DEFAULT_SEED);
  guint64 iterations = eit_test_env_number ("EIT_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
  g_autoptr(GByteArray) input = g_byte_array_new ();
  Fuzzer f = { g_rand_new_with_seed (seed), 0, g_array_new (FALSE, FALSE, sizeof (gsize)) };
  guint sources = eit_test_count_sources ();
  gint64 start = g_get_monotonic_time ();
  guint64 outcomes[N_OUTCOMES] = { 0, };
  guint64 messages = 0;

  g_test_message ("EIT_FUZZ_SEED=%" G_GUINT32_FORMAT " EIT_FUZZ_ITERATIONS=%" G_GUINT64_FORMAT,
                  seed, iterations);

  for (guint64 i = 0; i < iterations; i++)
    {
      Model model;
      /* A tenth of the inputs stay valid, so that deep paths run too. */
      gsize n_mutations = chance (&f, 10) ? 0 : 1 + pick (&f, 4);

      f.max_message_size = limits[pick (&f, G_N_ELEMENTS (limits))];
      if (f.max_message_size == 70000 && !chance (&f, 8))
        f.max_message_size = 1024;
      g_byte_array_set_size (input, 0);
      g_array_set_size (f.frame_starts, 0);
      build_stream (&f, input);
      if (f.max_message_size == 70000 && chance (&f, 2))
        {
          /* Now and then a message that needs the 64-bit length. */
          g_autoptr(GByteArray) text = g_byte_array_new ();

          append_text (&f, text, 65536 + pick (&f, 4464));
          append_frame (&f, input, FIN | OP_TEXT, text->data, text->len, 0);
        }
      for (gsize m = 0; m < n_mutations; m++)
        mutate_once (&f, input);
      if (input->len > MAX_INPUT_SIZE)
        g_byte_array_set_size (input, MAX_INPUT_SIZE);

      current = (Current) { i, input->data, input->len, 0, f.max_message_size };
      model_run (&model, input->data, input->len, f.max_message_size);
      outcomes[model.outcome]++;
      messages += model.messages->len;
      run_input (&f, input->data, input->len, &model);
      model_clear (&model);
    }

  g_assert_true (eit_test_wait_until (eit_test_count_sources () == sources, 2000));
  /* How deep the mutants went: a fuzzer whose inputs are all refused at
   * the first byte tests little. */
  g_test_message ("%" G_GUINT64_FORMAT " inputs in %.1f s: %" G_GUINT64_FORMAT " refused, %"
                  G_GUINT64_FORMAT " closed by the peer, %" G_GUINT64_FORMAT " cut short; %"
                  G_GUINT64_FORMAT " messages",
                  iterations, (g_get_monotonic_time () - start) / 1e6, outcomes[OUTCOME_REFUSED],
                  outcomes[OUTCOME_PEER_CLOSE], outcomes[OUTCOME_EOF], messages);
  if (iterations >= 1000)
    {
      g_assert_cmpuint (outcomes[OUTCOME_REFUSED], >, iterations / 10);
      g_assert_cmpuint (outcomes[OUTCOME_PEER_CLOSE], >, iterations / 50);
      g_assert_cmpuint (outcomes[OUTCOME_EOF], >, iterations / 20);
      g_assert_cmpuint (messages, >, iterations / 2);
    }
  g_array_unref (f.frame_starts);
  g_rand_free (f.rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fuzz/websocket", test_fuzz_websocket);

  return g_test_run ();
}
