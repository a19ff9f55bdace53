/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-json-check.h"

#include <string.h>

#include "eit-error.h"
#include "eit-json-private.h"
#include "eit-json-text.h"

#define MAX_DEPTH 128
#define MAX_INTEGER G_GUINT64_CONSTANT (9007199254740991)

char *
fuzz_json_describe (const guint8 *data,
                    gsize         size)
{
  GString *s = g_string_sized_new (size + 16);

  g_string_append_printf (s, "%" G_GSIZE_FORMAT " bytes: \"", size);
  for (gsize i = 0; i < size; i++)
    {
      if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '"' && data[i] != '\\')
        g_string_append_c (s, (char) data[i]);
      else
        g_string_append_printf (s, "\\x%02x", data[i]);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

G_GNUC_PRINTF (3, 4) G_GNUC_NORETURN static void
fail (const guint8 *data,
      gsize         size,
      const char   *format,
      ...)
{
  g_autofree char *what = NULL;
  g_autofree char *input = fuzz_json_describe (data, size);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_error ("invariant broken: %s\ninput: %s", what, input);
}

/* A second, deliberately naive validator: recursive, GLib's UTF-8 decoder,
 * a regular expression for numbers. It shares no code with eit-json.c, so
 * that the two only agree when both read RFC 8259 (with unpaired surrogate
 * escapes refused) the same way. */

typedef struct {
  const guchar *p;
  const guchar *end;
} Reference;

static gboolean reference_value (Reference *r,
                                 guint      depth);

static void
reference_space (Reference *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static gboolean
reference_hex4 (Reference *r,
                guint     *unit)
{
  char digits[5] = { 0, };

  if (r->end - r->p < 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      if (!g_ascii_isxdigit (r->p[i]))
        return FALSE;
      digits[i] = (char) r->p[i];
    }
  *unit = (guint) g_ascii_strtoull (digits, NULL, 16);
  r->p += 4;
  return TRUE;
}

static gboolean
reference_string (Reference *r)
{
  r->p++;  /* the opening quote */

  while (r->p < r->end)
    {
      guchar c = *r->p;

      if (c == '"')
        {
          r->p++;
          return TRUE;
        }
      if (c < 0x20)
        return FALSE;
      if (c == '\\')
        {
          guint unit;

          r->p++;
          if (r->p == r->end)
            return FALSE;
          c = *r->p++;
          if (c != 'u')
            {
              if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
                return FALSE;
              continue;
            }
          if (!reference_hex4 (r, &unit))
            return FALSE;
          if (unit >= 0xdc00 && unit <= 0xdfff)
            return FALSE;
          if (unit >= 0xd800 && unit <= 0xdbff)
            {
              if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
                return FALSE;
              r->p += 2;
              if (!reference_hex4 (r, &unit) || unit < 0xdc00 || unit > 0xdfff)
                return FALSE;
            }
          continue;
        }
      if (c < 0x80)
        {
          r->p++;
          continue;
        }
      if (g_utf8_get_char_validated ((const char *) r->p, r->end - r->p) >= 0x110000)
        return FALSE;  /* (gunichar) -1 or -2: invalid or incomplete */
      r->p += g_utf8_skip[c];
    }

  return FALSE;
}

static gboolean
reference_number (Reference *r)
{
  static GRegex *number;
  g_autoptr(GMatchInfo) match = NULL;
  int end;

  if (g_once_init_enter (&number))
    g_once_init_leave (&number,
                       g_regex_new ("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?",
                                    G_REGEX_RAW | G_REGEX_ANCHORED | G_REGEX_OPTIMIZE,
                                    0, NULL));

  if (!g_regex_match_full (number, (const char *) r->p, r->end - r->p, 0, 0, &match, NULL))
    return FALSE;
  g_match_info_fetch_pos (match, 0, NULL, &end);
  r->p += end;
  return TRUE;
}

static gboolean
reference_literal (Reference  *r,
                   const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (r->end - r->p) < len || memcmp (r->p, word, len) != 0)
    return FALSE;
  r->p += len;
  return TRUE;
}

static gboolean
reference_container (Reference *r,
                     guint      depth,
                     guchar     close)
{
  if (depth > MAX_DEPTH)
    return FALSE;

  r->p++;
  reference_space (r);
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      return TRUE;
    }

  for (;;)
    {
      if (close == '}')
        {
          reference_space (r);
          if (r->p == r->end || *r->p != '"' || !reference_string (r))
            return FALSE;
          reference_space (r);
          if (r->p == r->end || *r->p != ':')
            return FALSE;
          r->p++;
        }
      if (!reference_value (r, depth))
        return FALSE;
      reference_space (r);
      if (r->p == r->end)
        return FALSE;
      if (*r->p == close)
        {
          r->p++;
          return TRUE;
        }
      if (*r->p != ',')
        return FALSE;
      r->p++;
    }
}

static gboolean
reference_value (Reference *r,
                 guint      depth)
{
  reference_space (r);
  if (r->p == r->end)
    return FALSE;

  switch (*r->p)
    {
    case '{':
      return reference_container (r, depth + 1, '}');
    case '[':
      return reference_container (r, depth + 1, ']');
    case '"':
      return reference_string (r);
    case 't':
      return reference_literal (r, "true");
    case 'f':
      return reference_literal (r, "false");
    case 'n':
      return reference_literal (r, "null");
    default:
      return reference_number (r);
    }
}

static gboolean
reference_validate (const guchar *text,
                    gsize         len)
{
  Reference r;

  /* text is NULL when len is 0: no arithmetic on it. */
  if (len == 0)
    return FALSE;

  r.p = text;
  r.end = text + len;
  if (!reference_value (&r, 0))
    return FALSE;
  reference_space (&r);
  return r.p == r.end;
}

static gboolean
is_space (guchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
check_span_in (const guint8 *copy,
               gsize         len,
               EitJsonSpan   span,
               const char   *what)
{
  const guint8 *start = (const guint8 *) span.start;

  if (start < copy || start > copy + len || span.len > (gsize) (copy + len - start))
    fail (copy, len, "%s span outside the frame", what);
}

static void
check_validate (const guint8 *copy,
                gsize         len,
                gboolean     *valid,
                char        **message)
{
  g_autoptr(GError) error = NULL;
  gsize offset = G_MAXSIZE;
  gboolean ok = eit_json_validate ((const char *) copy, len, &offset, &error);
  gboolean reference = reference_validate (copy, len);

  if (ok != reference)
    fail (copy, len, "eit_json_validate () says %s, the reference validator %s",
          ok ? "valid" : error->message, reference ? "valid" : "invalid");

  if (!ok)
    {
      g_autofree char *prefix = NULL;

      if (!g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON))
        fail (copy, len, "wrong error: %s", error->message);
      if (offset > len)
        fail (copy, len, "error offset %" G_GSIZE_FORMAT " beyond the input", offset);
      prefix = g_strdup_printf ("invalid JSON at byte %" G_GSIZE_FORMAT ": ", offset);
      if (!g_str_has_prefix (error->message, prefix) || strlen (error->message) == strlen (prefix))
        fail (copy, len, "message \"%s\" does not match offset %" G_GSIZE_FORMAT,
              error->message, offset);
    }
  else
    {
      /* json-glib accepts more than RFC 8259 (leading zeros, bare "1."),
       * so only this direction holds: what we accept, it parses. */
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) glib_error = NULL;

      static const char *names[] = { "type", "seq", "t", "" };

      if (!json_parser_load_from_data (parser, (const char *) copy, (gssize) len, &glib_error))
        fail (copy, len, "valid, but json-glib refuses it: %s", glib_error->message);

      /* The member lookup stays inside the text and finds valid values. */
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          EitJsonSpan span;
          guint64 number;

          if (!eit_json_find_member ((const char *) copy, len, names[i], &span))
            continue;
          check_span_in (copy, len, span, "member value");
          if (!eit_json_validate (span.start, span.len, NULL, NULL))
            fail (copy, len, "member \"%s\" has an invalid value span", names[i]);
          eit_json_span_get_uint (&span, &number);
        }
    }

  *valid = ok;
  *message = ok ? NULL : g_strdup (error->message);
}

/* An envelope's json-glib reading must match the scanner's, except where
 * escaped member names make the two differ by design. */
static void
check_envelope_against_json_glib (const guint8      *copy,
                                  gsize              len,
                                  const EitEnvelope *env,
                                  GArray            *bodies)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *type = g_strndup (env->type_name.start, env->type_name.len);
  JsonObject *object;
  JsonNode *node;

  if (memchr (copy, '\\', len) != NULL)
    return;
  if (!json_parser_load_from_data (parser, (const char *) copy, (gssize) len, NULL))
    fail (copy, len, "an envelope json-glib cannot parse");

  object = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (eit_json_object_get_string (object, "type"), type) != 0)
    fail (copy, len, "json-glib reads another type than \"%s\"", type);
  node = json_object_get_member (object, "bodies");
  if (env->type == EIT_ENVELOPE_DATA &&
      (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
       json_array_get_length (json_node_get_array (node)) != bodies->len))
    fail (copy, len, "json-glib sees other bodies than the %u spans", bodies->len);
  if (env->has_seq)
    {
      guint64 seq;

      if (!eit_json_object_get_uint (object, "seq", &seq) || seq != env->seq)
        fail (copy, len, "json-glib reads another seq than %" G_GUINT64_FORMAT, env->seq);
    }
}

static gboolean
check_envelope (const guint8 *copy,
                gsize         len,
                gboolean      valid,
                const char   *validate_message)
{
  g_autoptr(GArray) bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
  g_autoptr(GError) error = NULL;
  EitEnvelope env;
  gboolean ok = eit_envelope_parse ((const char *) copy, len, &env, bodies, &error);

  if (!valid)
    {
      if (ok || !g_error_matches (error, EIT_ERROR, EIT_ERROR_INVALID_JSON))
        fail (copy, len, "invalid JSON, but the envelope scanner says %s",
              ok ? "fine" : error->message);
      if (strcmp (error->message, validate_message) != 0)
        fail (copy, len, "\"%s\" from the scanner, \"%s\" from the validator",
              error->message, validate_message);
      return FALSE;
    }

  if (!ok)
    {
      if (!g_error_matches (error, EIT_ERROR, EIT_ERROR_PROTOCOL) ||
          !g_str_has_prefix (error->message, "protocol violation: "))
        fail (copy, len, "valid JSON, but %s", error->message);
      if (bodies->len != 0)
        fail (copy, len, "bodies left after an error");
      return FALSE;
    }

  check_span_in (copy, len, env.type_name, "type name");

  for (guint i = 0; i < bodies->len; i++)
    {
      EitJsonSpan span = g_array_index (bodies, EitJsonSpan, i);

      check_span_in (copy, len, span, "body");
      if (span.len == 0 || is_space (span.start[0]) || is_space (span.start[span.len - 1]))
        fail (copy, len, "body %u is empty or not trimmed", i);
      if (!eit_json_validate (span.start, span.len, NULL, NULL))
        fail (copy, len, "body %u is not valid JSON on its own", i);
    }

  if (env.type == EIT_ENVELOPE_DATA && (!env.has_seq || bodies->len == 0))
    fail (copy, len, "a data envelope without seq or bodies");
  if (env.type != EIT_ENVELOPE_DATA && bodies->len != 0)
    fail (copy, len, "bodies reported outside a data envelope");
  if ((env.has_seq && env.seq > MAX_INTEGER) || (env.has_ack && env.ack > MAX_INTEGER) ||
      (env.has_id && env.id > MAX_INTEGER))
    fail (copy, len, "an integer beyond 2^53 - 1");

  if (env.type != EIT_ENVELOPE_UNKNOWN)
    check_envelope_against_json_glib (copy, len, &env, bodies);
  return TRUE;
}

static void
check_parse_object (const guint8 *copy,
                    gsize         len,
                    gboolean      valid,
                    const char   *validate_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = eit_json_parse_object ((const char *) copy, len, &error);
  gsize i = 0;

  while (i < len && is_space (copy[i]))
    i++;

  if (!valid)
    {
      if (object != NULL || error == NULL || strcmp (error->message, validate_message) != 0)
        fail (copy, len, "eit_json_parse_object () disagrees with the validator");
      return;
    }
  if (copy[i] != '{')
    {
      if (object != NULL || !g_error_matches (error, EIT_ERROR, EIT_ERROR_PROTOCOL))
        fail (copy, len, "eit_json_parse_object () took something else than an object");
      return;
    }
  if (object == NULL)
    fail (copy, len, "eit_json_parse_object () refused valid JSON: %s", error->message);

  /* The getters, on every member with every type: never a warning (they
   * are fatal here). */
  {
    g_autoptr(GList) members = json_object_get_members (object);

    for (GList *l = members; l != NULL; l = l->next)
      {
        guint64 u;
        gboolean b;

        eit_json_object_get_string (object, l->data);
        if (eit_json_object_get_uint (object, l->data, &u) && u > MAX_INTEGER)
          fail (copy, len, "eit_json_object_get_uint () beyond 2^53 - 1");
        eit_json_object_get_bool (object, l->data, &b);
        eit_json_object_get_object (object, l->data);
      }
  }
}

/* The text helpers: the type scan reads no further than it is given and
 * gives valid UTF-8; the pretty-printer reads no further than the end of
 * any text (a log keeps cut messages), keeps valid JSON valid, and
 * indenting its own output changes nothing. Only short inputs are
 * indented: all of them would make this test four times slower (5 s of
 * CPU to 25 s). */
#define PRETTY_INPUT_LIMIT 128

static void
check_text (const guint8 *copy,
            gsize         len,
            gboolean      valid)
{
  g_autofree char *type = eit_json_scan_message_type ((const char *) copy, len);
  g_autofree char *text = NULL;
  g_autofree char *pretty = NULL;
  g_autofree char *again = NULL;

  if (type != NULL && !g_utf8_validate (type, -1, NULL))
    fail (copy, len, "eit_json_scan_message_type () gave invalid UTF-8");

  if (len > PRETTY_INPUT_LIMIT)
    return;
  /* copy is NULL for the empty input. */
  text = g_malloc0 (len + 1);
  if (len > 0)
    memcpy (text, copy, len);
  pretty = eit_json_pretty (text);
  if (!valid)
    return;
  if (!eit_json_validate (pretty, strlen (pretty), NULL, NULL))
    fail (copy, len, "eit_json_pretty () made valid JSON invalid: %s", pretty);
  again = eit_json_pretty (pretty);
  if (strcmp (again, pretty) != 0)
    fail (copy, len, "eit_json_pretty () is not stable: %s", again);
}

FuzzJsonVerdict
fuzz_json_check (const guint8 *data,
                 gsize         size)
{
  /* Exactly size bytes on the heap: a read past the end is caught by ASan
   * or valgrind, as it would be in a frame from the network. */
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autofree char *validate_message = NULL;
  gboolean valid;
  gboolean envelope;

  check_validate (copy, size, &valid, &validate_message);
  envelope = check_envelope (copy, size, valid, validate_message);
  check_parse_object (copy, size, valid, validate_message);
  check_text (copy, size, valid);

  return envelope ? FUZZ_JSON_ENVELOPE : valid ? FUZZ_JSON_VALID : FUZZ_JSON_INVALID;
}
