/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-json-private.h"
#include "eit-error.h"

#include <string.h>

/* The validator and the envelope scanner run on every frame of the back-off
 * layer, so they share one allocation-free scanner: tables classify bytes,
 * containers are tracked in a bit stack instead of by recursion, and every
 * read is bounds-checked because frames are not NUL-terminated. */

#define MAX_DEPTH 128

/* Integers in envelopes and control messages are below 2^53 (PROTOCOL.md 4),
 * so that every peer, JavaScript included, reads them exactly. */
#define MAX_INTEGER G_GUINT64_CONSTANT (9007199254740991)
#define MAX_INTEGER_DIGITS 16

/* Byte classes inside a string. CH_PLAIN is 0 so that the fast loop only
 * asks "is it zero". Lead bytes of multi-byte UTF-8 sequences get one class
 * per distinct range of their second byte (Unicode 15, table 3-7): that is
 * where overlongs, surrogates and code points above U+10FFFF are refused. */
enum {
  CH_PLAIN = 0,
  CH_QUOTE,
  CH_BACKSLASH,
  CH_CONTROL,
  CH_INVALID,
  CH_LEAD_2,    /* C2..DF: 80..BF */
  CH_LEAD_E0,   /* E0: A0..BF, then one more */
  CH_LEAD_3,    /* E1..EC, EE..EF: 80..BF, then one more */
  CH_LEAD_ED,   /* ED: 80..9F (above are surrogates), then one more */
  CH_LEAD_F0,   /* F0: 90..BF, then two more */
  CH_LEAD_4,    /* F1..F3: 80..BF, then two more */
  CH_LEAD_F4,   /* F4: 80..8F (above is beyond U+10FFFF), then two more */
};

static const guint8 string_class[256] = {
  [0x00 ... 0x1f] = CH_CONTROL,
  ['"'] = CH_QUOTE,
  ['\\'] = CH_BACKSLASH,
  [0x80 ... 0xc1] = CH_INVALID,
  [0xc2 ... 0xdf] = CH_LEAD_2,
  [0xe0] = CH_LEAD_E0,
  [0xe1 ... 0xec] = CH_LEAD_3,
  [0xed] = CH_LEAD_ED,
  [0xee ... 0xef] = CH_LEAD_3,
  [0xf0] = CH_LEAD_F0,
  [0xf1 ... 0xf3] = CH_LEAD_4,
  [0xf4] = CH_LEAD_F4,
  [0xf5 ... 0xff] = CH_INVALID,
};

static const struct {
  guint8 length;
  guint8 second_min;
  guint8 second_max;
} utf8_leads[] = {
  [CH_LEAD_2] = { 2, 0x80, 0xbf },
  [CH_LEAD_E0] = { 3, 0xa0, 0xbf },
  [CH_LEAD_3] = { 3, 0x80, 0xbf },
  [CH_LEAD_ED] = { 3, 0x80, 0x9f },
  [CH_LEAD_F0] = { 4, 0x90, 0xbf },
  [CH_LEAD_4] = { 4, 0x80, 0xbf },
  [CH_LEAD_F4] = { 4, 0x80, 0x8f },
};

/* Hex digit values plus one, so that 0 means "not a hex digit". */
static const guint8 hex_value[256] = {
  ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
  ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
  ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
  ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* RFC 8259 white space; nothing else (no form feed, no NBSP). */
static const guint8 is_space[256] = {
  [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
};

#define IS_DIGIT(c) ((guint) ((c) - '0') < 10)

typedef struct {
  const guchar *start;
  const guchar *end;
  /* The first error: where, and what. what == NULL means "unexpected
   * character", described from the byte at error_at when formatted. */
  const guchar *error_at;
  const char   *what;
} Scanner;

static void
scanner_init (Scanner    *s,
              const char *text,
              gsize       len)
{
  /* (NULL, 0) is an empty input, but NULL + 0 is undefined behaviour. */
  s->start = (const guchar *) (text != NULL ? text : "");
  s->end = s->start + len;
  s->error_at = NULL;
  s->what = NULL;
}

static const guchar *
fail (Scanner      *s,
      const guchar *at,
      const char   *what)
{
  s->error_at = at;
  s->what = what;
  return NULL;
}

static const guchar *
fail_unexpected (Scanner      *s,
                 const guchar *at)
{
  if (at == s->end)
    return fail (s, at, "unexpected end of input");
  return fail (s, at, NULL);
}

static void
scanner_set_error (const Scanner  *s,
                   gsize          *error_offset,
                   GError        **error)
{
  gsize offset = (gsize) (s->error_at - s->start);

  if (error_offset != NULL)
    *error_offset = offset;

  if (s->what != NULL)
    g_set_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON,
                 "invalid JSON at byte %" G_GSIZE_FORMAT ": %s", offset, s->what);
  else if (*s->error_at > ' ' && *s->error_at < 0x7f)
    g_set_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON,
                 "invalid JSON at byte %" G_GSIZE_FORMAT ": unexpected character '%c'",
                 offset, *s->error_at);
  else
    /* Control bytes and non-ASCII bytes would garble a close reason. */
    g_set_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON,
                 "invalid JSON at byte %" G_GSIZE_FORMAT ": unexpected byte 0x%02x",
                 offset, *s->error_at);
}

static inline const guchar *
skip_space (const guchar *p,
            const guchar *end)
{
  while (p < end && is_space[*p])
    p++;
  return p;
}

/* Reads the 4 hex digits of a \u escape whose backslash is at p. */
static const guchar *
scan_hex4 (Scanner      *s,
           const guchar *open,
           const guchar *p,
           guint        *value)
{
  guint v = 0;

  for (guint i = 2; i < 6; i++)
    {
      guint digit;

      if (p + i == s->end)
        return fail (s, open, "unterminated string");
      digit = hex_value[p[i]];
      if (digit == 0)
        return fail (s, p, "invalid \\u escape");
      v = (v << 4) | (digit - 1);
    }

  *value = v;
  return p + 6;
}

/* An escape whose backslash is at p, in the string opened at open.
 * Unpaired surrogates are refused although RFC 8259's grammar allows them:
 * they cannot become UTF-8, json-glib refuses most of them, and a browser
 * peer never produces them from a well-formed string. */
static const guchar *
scan_escape (Scanner      *s,
             const guchar *open,
             const guchar *p)
{
  guint unit;

  if (p + 1 == s->end)
    return fail (s, open, "unterminated string");

  switch (p[1])
    {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      return p + 2;
    case 'u':
      break;
    default:
      return fail (s, p, "invalid escape");
    }

  if (scan_hex4 (s, open, p, &unit) == NULL)
    return NULL;

  if (unit < 0xd800 || unit > 0xdfff)
    return p + 6;
  if (unit >= 0xdc00)
    return fail (s, p, "unpaired surrogate escape");

  /* A high surrogate: the low one must follow at once. */
  for (guint i = 6; i < 8; i++)
    {
      if (p + i == s->end)
        return fail (s, open, "unterminated string");
      if (p[i] != "\\u"[i - 6])
        return fail (s, p, "unpaired surrogate escape");
    }
  if (scan_hex4 (s, open, p + 6, &unit) == NULL)
    return NULL;
  if (unit < 0xdc00 || unit > 0xdfff)
    return fail (s, p, "unpaired surrogate escape");

  return p + 12;
}

/* A string whose opening quote is at p; returns the byte after its closing
 * quote. */
static const guchar *
scan_string (Scanner      *s,
             const guchar *p)
{
  const guchar *open = p;
  const guchar *end = s->end;

  p++;

  for (;;)
    {
      guint class;

      /* Most bytes are plain ASCII: unrolled by four, one bounds check for
       * each four bytes. */
      while (end - p >= 4)
        {
          if (string_class[p[0]] != CH_PLAIN)
            goto special;
          if (string_class[p[1]] != CH_PLAIN)
            {
              p += 1;
              goto special;
            }
          if (string_class[p[2]] != CH_PLAIN)
            {
              p += 2;
              goto special;
            }
          if (string_class[p[3]] != CH_PLAIN)
            {
              p += 3;
              goto special;
            }
          p += 4;
        }
      while (p < end && string_class[*p] == CH_PLAIN)
        p++;
    special:
      if (p == end)
        return fail (s, open, "unterminated string");

      class = string_class[*p];
      switch (class)
        {
        case CH_QUOTE:
          return p + 1;

        case CH_BACKSLASH:
          p = scan_escape (s, open, p);
          if (p == NULL)
            return NULL;
          break;

        case CH_CONTROL:
          return fail (s, p, "control character in string");

        case CH_INVALID:
          return fail (s, p, "invalid UTF-8");

        default:
          {
            guint length = utf8_leads[class].length;

            if (p + 1 == end)
              return fail (s, open, "unterminated string");
            if (p[1] < utf8_leads[class].second_min || p[1] > utf8_leads[class].second_max)
              return fail (s, p, "invalid UTF-8");
            for (guint i = 2; i < length; i++)
              {
                if (p + i == end)
                  return fail (s, open, "unterminated string");
                if ((p[i] & 0xc0) != 0x80)
                  return fail (s, p, "invalid UTF-8");
              }
            p += length;
          }
          break;
        }
    }
}

/* [0-9]+ starting at p, which may be the end: a fraction or an exponent. */
static const guchar *
scan_digits (Scanner      *s,
             const guchar *p)
{
  if (p == s->end)
    return fail_unexpected (s, p);
  if (!IS_DIGIT (*p))
    return fail (s, p, "invalid number");
  do
    p++;
  while (p < s->end && IS_DIGIT (*p));
  return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at p. The byte
 * after the number is left to the caller: "1x" fails there as an
 * unexpected character. */
static const guchar *
scan_number (Scanner      *s,
             const guchar *p)
{
  const guchar *end = s->end;

  if (*p == '-')
    {
      p++;
      if (p == end)
        return fail_unexpected (s, p);
    }

  if (*p == '0')
    {
      p++;
      if (p < end && IS_DIGIT (*p))
        return fail (s, p, "leading zero in number");
    }
  else if (IS_DIGIT (*p))
    {
      do
        p++;
      while (p < end && IS_DIGIT (*p));
    }
  else
    return fail (s, p, "invalid number");

  if (p < end && *p == '.')
    p = scan_digits (s, p + 1);

  if (p != NULL && p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      p = scan_digits (s, p);
    }

  return p;
}

static const guchar *
scan_literal (Scanner      *s,
              const guchar *p,
              const char   *word,
              gsize         len)
{
  if ((gsize) (s->end - p) >= len && memcmp (p, word, len) == 0)
    return p + len;

  /* Point at the first byte that differs. */
  for (gsize i = 0; i < len; i++, p++)
    if (p == s->end || *p != (guchar) word[i])
      break;
  return fail_unexpected (s, p);
}

/* A member name and its colon; p is at the name's opening quote or where
 * it should be. name_end, if not NULL, gets the name's closing quote. */
static const guchar *
scan_member_name (Scanner       *s,
                  const guchar  *p,
                  const guchar **name_end)
{
  if (p == s->end || *p != '"')
    return fail_unexpected (s, p);
  p = scan_string (s, p);
  if (p == NULL)
    return NULL;
  if (name_end != NULL)
    *name_end = p - 1;
  p = skip_space (p, s->end);
  if (p == s->end || *p != ':')
    return fail_unexpected (s, p);
  return p + 1;
}

/* The closing bracket of the innermost of level open containers. */
static inline guchar
closing_bracket (const guint64 *objects,
                 guint          level)
{
  return (objects[(level - 1) / 64] >> ((level - 1) % 64)) & 1 ? '}' : ']';
}

/* One value, white space before it skipped (not after), inside depth
 * already open containers. Returns the byte after the value. */
static const guchar *
scan_value (Scanner      *s,
            const guchar *p,
            guint         depth)
{
  const guchar *end = s->end;
  guint64 objects[MAX_DEPTH / 64] = { 0, };  /* bit n set: level n is an object */
  guint level = 0;
  guchar close = 0;  /* closing_bracket (objects, level), kept at hand */

  for (;;)
    {
      p = skip_space (p, end);
      if (p == end)
        return fail_unexpected (s, p);

      switch (*p)
        {
        case '{':
        case '[':
          if (depth + level == MAX_DEPTH)
            return fail (s, p, "nesting deeper than 128");
          if (*p == '{')
            {
              objects[level / 64] |= G_GUINT64_CONSTANT (1) << (level % 64);
              close = '}';
            }
          else
            {
              objects[level / 64] &= ~(G_GUINT64_CONSTANT (1) << (level % 64));
              close = ']';
            }
          level++;

          p = skip_space (p + 1, end);
          if (p == end || *p != close)
            {
              if (close == '}' && (p = scan_member_name (s, p, NULL)) == NULL)
                return NULL;
              continue;
            }

          /* An empty container: a complete value. */
          p++;
          level--;
          if (level > 0)
            close = closing_bracket (objects, level);
          break;

        case '"':
          p = scan_string (s, p);
          break;

        case '-':
        case '0' ... '9':
          p = scan_number (s, p);
          break;

        case 't':
          p = scan_literal (s, p, "true", 4);
          break;

        case 'f':
          p = scan_literal (s, p, "false", 5);
          break;

        case 'n':
          p = scan_literal (s, p, "null", 4);
          break;

        default:
          return fail_unexpected (s, p);
        }

      if (p == NULL)
        return NULL;

      /* A value ended: close containers until one continues. */
      for (;;)
        {
          if (level == 0)
            return p;

          p = skip_space (p, end);
          if (p == end)
            return fail_unexpected (s, p);

          if (*p == ',')
            {
              p++;
              if (close == '}' && (p = scan_member_name (s, skip_space (p, end), NULL)) == NULL)
                return NULL;
              break;
            }
          if (*p != close)
            return fail_unexpected (s, p);
          p++;
          level--;
          if (level > 0)
            close = closing_bracket (objects, level);
        }
    }
}

/* The whole of text: one value with optional white space around it. */
static gboolean
scan_document (Scanner *s)
{
  const guchar *p = skip_space (s->start, s->end);

  if (p == s->end)
    {
      fail (s, p, "empty input");
      return FALSE;
    }

  p = scan_value (s, p, 0);
  if (p == NULL)
    return FALSE;

  p = skip_space (p, s->end);
  if (p != s->end)
    {
      fail (s, p, "trailing data after the value");
      return FALSE;
    }

  return TRUE;
}

gboolean
eit_json_validate (const char  *text,
                   gsize        len,
                   gsize       *error_offset,
                   GError     **error)
{
  Scanner s;

  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  scanner_init (&s, text, len);
  if (scan_document (&s))
    return TRUE;

  scanner_set_error (&s, error_offset, error);
  return FALSE;
}

/* Envelope members are recognized by their raw bytes: an escaped name is
 * some other, unknown member. */
typedef enum {
  MEMBER_OTHER,
  MEMBER_TYPE,
  MEMBER_SEQ,
  MEMBER_ACK,
  MEMBER_ID,
  MEMBER_T,
  MEMBER_QD,
  MEMBER_BODIES,
} Member;

static const struct {
  const char *duplicate;
  const char *wrong_type;
} member_violations[] = {
  [MEMBER_TYPE] = { "duplicate member \"type\"", "\"type\" must be a string" },
  [MEMBER_SEQ] = { "duplicate member \"seq\"", "\"seq\" must be a non-negative integer" },
  [MEMBER_ACK] = { "duplicate member \"ack\"", "\"ack\" must be a non-negative integer" },
  [MEMBER_ID] = { "duplicate member \"id\"", "\"id\" must be a non-negative integer" },
  [MEMBER_T] = { "duplicate member \"t\"", "\"t\" must be a non-negative integer" },
  [MEMBER_QD] = { "duplicate member \"qd\"", "\"qd\" must be a non-negative integer" },
  [MEMBER_BODIES] = { "duplicate member \"bodies\"", "\"bodies\" must be an array" },
};

static Member
lookup_member (const guchar *name,
               gsize         len)
{
#define IS(word) (len == sizeof word - 1 && memcmp (name, word, sizeof word - 1) == 0)
  if (IS ("type"))
    return MEMBER_TYPE;
  if (IS ("seq"))
    return MEMBER_SEQ;
  if (IS ("ack"))
    return MEMBER_ACK;
  if (IS ("id"))
    return MEMBER_ID;
  if (IS ("t"))
    return MEMBER_T;
  if (IS ("qd"))
    return MEMBER_QD;
  if (IS ("bodies"))
    return MEMBER_BODIES;
  return MEMBER_OTHER;
#undef IS
}

static EitEnvelopeType
lookup_type (const guchar *name,
             gsize         len)
{
  static const struct {
    const char      *name;
    EitEnvelopeType  type;
  } types[] = {
    { "data", EIT_ENVELOPE_DATA },
    { "ack", EIT_ENVELOPE_ACK },
    { "ping", EIT_ENVELOPE_PING },
    { "pong", EIT_ENVELOPE_PONG },
    { "hello", EIT_ENVELOPE_HELLO },
    { "welcome", EIT_ENVELOPE_WELCOME },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (strlen (types[i].name) == len && memcmp (types[i].name, name, len) == 0)
      return types[i].type;

  return EIT_ENVELOPE_UNKNOWN;
}

/* [start, end) is a valid JSON value; is it an integer in the protocol's
 * range? No leading zeros can occur, so the digit count bounds it. */
static gboolean
parse_uint (const guchar *start,
            const guchar *end,
            guint64      *value)
{
  guint64 v = 0;

  if (end - start > MAX_INTEGER_DIGITS)
    return FALSE;

  for (const guchar *p = start; p < end; p++)
    {
      if (!IS_DIGIT (*p))
        return FALSE;
      v = v * 10 + (*p - '0');
    }

  if (v > MAX_INTEGER)
    return FALSE;

  *value = v;
  return TRUE;
}

typedef struct {
  Scanner      scanner;
  EitEnvelope *env;
  GArray      *bodies;
  guint        max_bodies;
  gboolean     too_many_bodies;
  guint        seen;            /* bit per Member */
  const char  *type_violation;  /* a problem with "type" itself */
  const char  *violation;       /* the first problem with another member */
} EnvelopeScan;

static void
violate (const char **slot,
         const char  *what)
{
  if (*slot == NULL)
    *slot = what;
}

/* The elements of "bodies", p at its '['. */
static const guchar *
scan_bodies (EnvelopeScan *e,
             const guchar *p)
{
  Scanner *s = &e->scanner;

  p = skip_space (p + 1, s->end);
  if (p < s->end && *p == ']')
    return p + 1;

  for (;;)
    {
      EitJsonSpan span;

      /* Past the window the frame is refused anyway: scanning the rest
       * would cost time and a span per body for nothing. */
      if (e->bodies->len >= e->max_bodies)
        {
          e->too_many_bodies = TRUE;
          return NULL;
        }
      span.start = (const char *) p;
      p = scan_value (s, p, 2);  /* inside the envelope and "bodies" */
      if (p == NULL)
        return NULL;
      span.len = (gsize) (p - (const guchar *) span.start);
      g_array_append_val (e->bodies, span);

      p = skip_space (p, s->end);
      if (p < s->end && *p == ']')
        return p + 1;
      if (p == s->end || *p != ',')
        return fail_unexpected (s, p);
      p = skip_space (p + 1, s->end);
    }
}

/* The value of a member, p at its first byte. */
static const guchar *
scan_member_value (EnvelopeScan *e,
                   Member        member,
                   const guchar *p)
{
  Scanner *s = &e->scanner;
  EitEnvelope *env = e->env;
  const guchar *value = p;
  gboolean *has = NULL;
  guint64 *number = NULL;

  if (member != MEMBER_OTHER)
    {
      if (e->seen & (1u << member))
        {
          violate (member == MEMBER_TYPE ? &e->type_violation : &e->violation,
                   member_violations[member].duplicate);
          return scan_value (s, p, 1);
        }
      e->seen |= 1u << member;
    }

  switch (member)
    {
    case MEMBER_TYPE:
      if (p < s->end && *p == '"')
        {
          p = scan_string (s, p);
          if (p == NULL)
            return NULL;
          env->type_name.start = (const char *) value + 1;
          env->type_name.len = (gsize) (p - value) - 2;
          env->type = lookup_type (value + 1, env->type_name.len);
          return p;
        }
      violate (&e->type_violation, member_violations[member].wrong_type);
      return scan_value (s, p, 1);

    case MEMBER_BODIES:
      if (p < s->end && *p == '[')
        return scan_bodies (e, p);
      violate (&e->violation, member_violations[member].wrong_type);
      return scan_value (s, p, 1);

    case MEMBER_SEQ:
      has = &env->has_seq;
      number = &env->seq;
      break;

    case MEMBER_ACK:
      has = &env->has_ack;
      number = &env->ack;
      break;

    case MEMBER_ID:
      has = &env->has_id;
      number = &env->id;
      break;

    case MEMBER_T:
      has = &env->has_t;
      number = &env->t;
      break;

    case MEMBER_QD:
      has = &env->has_qd;
      number = &env->qd;
      break;

    case MEMBER_OTHER:
    default:
      return scan_value (s, p, 1);
    }

  p = scan_value (s, p, 1);
  if (p == NULL)
    return NULL;
  if (parse_uint (value, p, number))
    *has = TRUE;
  else
    violate (&e->violation, member_violations[member].wrong_type);
  return p;
}

/* Scans the frame; FALSE if it is not valid JSON. Protocol violations are
 * only collected: a frame that is not even JSON is reported as such. */
static gboolean
scan_envelope (EnvelopeScan *e,
               gboolean     *is_object)
{
  Scanner *s = &e->scanner;
  const guchar *p = skip_space (s->start, s->end);

  *is_object = p < s->end && *p == '{';
  if (!*is_object)
    return scan_document (s);

  p = skip_space (p + 1, s->end);
  if (p < s->end && *p == '}')
    p++;
  else
    for (;;)
      {
        const guchar *name = p + 1;
        const guchar *name_end;

        p = scan_member_name (s, p, &name_end);
        if (p == NULL)
          return FALSE;

        p = skip_space (p, s->end);
        p = scan_member_value (e, lookup_member (name, (gsize) (name_end - name)), p);
        if (p == NULL)
          return FALSE;

        p = skip_space (p, s->end);
        if (p < s->end && *p == '}')
          {
            p++;
            break;
          }
        if (p == s->end || *p != ',')
          {
            fail_unexpected (s, p);
            return FALSE;
          }
        p = skip_space (p + 1, s->end);
      }

  p = skip_space (p, s->end);
  if (p != s->end)
    {
      fail (s, p, "trailing data after the value");
      return FALSE;
    }

  return TRUE;
}

static gboolean
protocol_violation (GArray      *bodies,
                    GError     **error,
                    const char  *what)
{
  g_array_set_size (bodies, 0);
  g_set_error (error, EIT_ERROR, EIT_ERROR_PROTOCOL, "protocol violation: %s", what);
  return FALSE;
}

gboolean
eit_envelope_parse (const char   *frame,
                    gsize         len,
                    EitEnvelope  *env,
                    GArray       *bodies,
                    GError      **error)
{
  return eit_envelope_parse_bounded (frame, len, env, bodies, G_MAXUINT, error);
}

gboolean
eit_envelope_parse_bounded (const char   *frame,
                            gsize         len,
                            EitEnvelope  *env,
                            GArray       *bodies,
                            guint         max_bodies,
                            GError      **error)
{
  EnvelopeScan e = { 0, };
  gboolean is_object;

  g_return_val_if_fail (frame != NULL || len == 0, FALSE);
  g_return_val_if_fail (env != NULL, FALSE);
  g_return_val_if_fail (bodies != NULL, FALSE);
  g_return_val_if_fail (g_array_get_element_size (bodies) == sizeof (EitJsonSpan), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (env, 0, sizeof *env);
  g_array_set_size (bodies, 0);

  scanner_init (&e.scanner, frame, len);
  e.env = env;
  e.bodies = bodies;
  e.max_bodies = max_bodies;

  if (!scan_envelope (&e, &is_object))
    {
      g_array_set_size (bodies, 0);
      if (e.too_many_bodies)
        {
          g_set_error (error, EIT_ERROR, EIT_ERROR_CREDIT_OVERRUN,
                       "credit overrun: more than %u bodies in one frame", max_bodies);
          return FALSE;
        }
      scanner_set_error (&e.scanner, NULL, error);
      return FALSE;
    }

  if (!is_object)
    return protocol_violation (bodies, error, "an envelope must be a JSON object");
  if (e.type_violation != NULL)
    return protocol_violation (bodies, error, e.type_violation);
  if (!(e.seen & (1u << MEMBER_TYPE)))
    return protocol_violation (bodies, error, "missing \"type\"");

  /* The peer speaks a type we do not know: its members may mean something
   * else there, so the caller reports the type (close 4001), not them. */
  if (env->type == EIT_ENVELOPE_UNKNOWN)
    {
      g_array_set_size (bodies, 0);
      return TRUE;
    }

  if (e.violation != NULL)
    return protocol_violation (bodies, error, e.violation);

  if (env->type != EIT_ENVELOPE_DATA)
    g_array_set_size (bodies, 0);
  else if (!env->has_seq)
    return protocol_violation (bodies, error, "\"data\" without \"seq\"");
  else if (bodies->len == 0)
    return protocol_violation (bodies, error, "\"data\" without a non-empty \"bodies\" array");

  return TRUE;
}

/* json-glib getters. json_object_get_*_member () emit criticals (fatal in
 * tests) on a missing member or a node of another kind, so untrusted
 * control messages are read only through these. */

static JsonNode *
get_value (JsonObject *object,
           const char *member,
           GType       type)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (member != NULL, NULL);

  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
eit_json_object_get_string (JsonObject *object,
                            const char *member)
{
  JsonNode *node = get_value (object, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

/* Bounded to the protocol's range as well: json-glib silently wraps
 * integers beyond 64 bits (-9223372036854775809 reads as
 * 9223372036854775807), so larger values cannot be trusted. */
gboolean
eit_json_object_get_uint (JsonObject *object,
                          const char *member,
                          guint64    *value)
{
  JsonNode *node = get_value (object, member, G_TYPE_INT64);
  gint64 v;

  if (node == NULL)
    return FALSE;

  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > MAX_INTEGER)
    return FALSE;

  if (value != NULL)
    *value = (guint64) v;
  return TRUE;
}

gboolean
eit_json_object_get_bool (JsonObject *object,
                          const char *member,
                          gboolean   *value)
{
  JsonNode *node = get_value (object, member, G_TYPE_BOOLEAN);

  if (node == NULL)
    return FALSE;

  if (value != NULL)
    *value = json_node_get_boolean (node);
  return TRUE;
}

JsonObject *
eit_json_object_get_object (JsonObject *object,
                            const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (member != NULL, NULL);

  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonObject *
eit_json_parse_object (const char  *text,
                       gsize        len,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const guchar *p;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (len <= G_MAXSSIZE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!eit_json_validate (text, len, NULL, error))
    return NULL;

  p = skip_space ((const guchar *) text, (const guchar *) text + len);
  if (*p != '{')
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_PROTOCOL,
                           "protocol violation: expected a JSON object");
      return NULL;
    }

  /* Valid JSON that json-glib still refuses would be a json-glib bug; the
   * fuzzer (tests/fuzz) looks for such inputs. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local_error))
    {
      g_set_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON,
                   "invalid JSON at byte 0: refused by json-glib (%s)", local_error->message);
      return NULL;
    }

  return json_node_dup_object (json_parser_get_root (parser));
}

gboolean
eit_json_find_member (const char  *json,
                      gsize        len,
                      const char  *name,
                      EitJsonSpan *value)
{
  Scanner s;
  const guchar *p;
  gsize name_len;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  scanner_init (&s, json, len);
  name_len = strlen (name);
  p = skip_space (s.start, s.end);
  if (p == s.end || *p != '{')
    return FALSE;
  p = skip_space (p + 1, s.end);
  if (p < s.end && *p == '}')
    return FALSE;

  while (p != NULL && p < s.end)
    {
      const guchar *name_end;
      const guchar *name_start = p + 1;
      const guchar *value_start;

      p = scan_member_name (&s, p, &name_end);
      if (p == NULL)
        return FALSE;
      value_start = skip_space (p, s.end);
      p = scan_value (&s, value_start, 1);
      if (p == NULL)
        return FALSE;
      if ((gsize) (name_end - name_start) == name_len && memcmp (name_start, name, name_len) == 0)
        {
          value->start = (const char *) value_start;
          value->len = (gsize) (p - value_start);
          return TRUE;
        }
      p = skip_space (p, s.end);
      if (p == s.end || *p != ',')
        return FALSE;
      p = skip_space (p + 1, s.end);
    }
  return FALSE;
}

gboolean
eit_json_span_get_uint (const EitJsonSpan *span,
                        guint64           *value)
{
  g_return_val_if_fail (span != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (span->len == 0)
    return FALSE;
  return parse_uint ((const guchar *) span->start, (const guchar *) span->start + span->len, value);
}
