/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The strict validator, the envelope scanner and the json-glib getters.
 * Every input is copied into a heap buffer of exactly its length, so that
 * valgrind or ASan catch a read past the end: frames are not
 * NUL-terminated. */
#include "config.h"

#include <string.h>

#include "eit-error.h"
#include "eit-json-private.h"
#include "eit-json-text.h"

/* A literal with its exact length, embedded NULs included. */
#define S(literal) literal, (sizeof literal - 1)

typedef struct {
  const char *text;
  gsize       len;
} ValidCase;

typedef struct {
  const char *text;
  gsize       len;
  gsize       offset;
  const char *what;
} InvalidCase;

/* For g_test_message (): test inputs hold control bytes and invalid UTF-8. */
static char *
printable (const char *text,
           gsize       len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < MIN (len, 100); i++)
    {
      guchar c = (guchar) text[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (s, (char) c);
      else
        g_string_append_printf (s, "\\x%02x", c);
    }
  if (len > 100)
    g_string_append (s, "...");
  return g_string_free (s, FALSE);
}

static gboolean
validate_copy (const char  *text,
               gsize        len,
               gsize       *error_offset,
               GError     **error)
{
  g_autofree char *copy = g_memdup2 (text, len);

  return eit_json_validate (copy, len, error_offset, error);
}

static void
assert_valid (const char *text,
              gsize       len)
{
  g_autoptr(GError) error = NULL;
  gsize offset = 12345;

  if (!validate_copy (text, len, &offset, &error))
    {
      g_autofree char *shown = printable (text, len);

      g_error ("%s: refused: %s", shown, error->message);
    }
  g_assert_no_error (error);
  /* Untouched on success. */
  g_assert_cmpuint (offset, ==, 12345);
}

static void
assert_invalid (const char *text,
                gsize       len,
                gsize       expected_offset,
                const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *shown = printable (text, len);
  gsize offset = 12345;

  g_test_message ("%s", shown);
  g_assert_false (validate_copy (text, len, &offset, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON);
  message = g_strdup_printf ("invalid JSON at byte %" G_GSIZE_FORMAT ": %s", expected_offset, what);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpuint (offset, ==, expected_offset);
}

static void
run_invalid (const InvalidCase *cases,
             gsize              n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    assert_invalid (cases[i].text, cases[i].len, cases[i].offset, cases[i].what);
}

/* A nesting of depth brackets, optionally with a value in the middle. */
static char *
nest (guint       depth,
      const char *open,
      const char *middle,
      const char *close)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, middle);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static const ValidCase valid_cases[] = {
  /* Scalars at the top level. */
  { S ("0") }, { S ("-0") }, { S ("1") }, { S ("-1") }, { S ("1234567890") },
  { S ("0.5") }, { S ("-0.0") }, { S ("1.25e10") }, { S ("1E+2") }, { S ("1e-2") },
  { S ("0e0") }, { S ("-0E-0") }, { S ("1e400") }, { S ("-1e-400") },
  { S ("123456789012345678901234567890") }, { S ("9007199254740993") },
  { S ("true") }, { S ("false") }, { S ("null") }, { S ("\"\"") }, { S ("\"a\"") },
  /* White space around the value, RFC 8259's four kinds only. */
  { S (" 1 ") }, { S ("\t\n\r 1\r\n\t ") }, { S (" \"x\"\n") }, { S ("\nnull") },
  /* Escapes. */
  { S ("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"") },
  { S ("\"\\u0000\"") }, { S ("\"\\u001f\"") }, { S ("\"\\u00e9\\u00E9\"") },
  { S ("\"\\uFFFF\\ufffe\\uFDD0\"") }, { S ("\"\\uD834\\uDD1E\"") }, { S ("\"\\ud800\\udc00\"") },
  { S ("\"\\uDBFF\\uDFFF\"") }, { S ("\"\\uD7FF\\uE000\"") }, { S ("\"a\\u0041\\u0042c\"") },
  /* Raw UTF-8, from the boundaries of every sequence length. */
  { S ("\"\x7f\"") }, { S ("\"\xc2\x80\"") }, { S ("\"\xdf\xbf\"") },
  { S ("\"\xc3\xa9t\xc3\xa9\"") },
  { S ("\"\xe0\xa0\x80\"") }, { S ("\"\xe2\x82\xac\"") }, { S ("\"\xed\x9f\xbf\"") },
  { S ("\"\xee\x80\x80\"") }, { S ("\"\xef\xbf\xbf\"") }, { S ("\"\xef\xbf\xbe\"") },
  { S ("\"\xf0\x90\x80\x80\"") }, { S ("\"\xf0\x9d\x84\x9e\"") }, { S ("\"\xf3\xbf\xbf\xbf\"") },
  { S ("\"\xf4\x8f\xbf\xbf\"") }, { S ("\"'/<>{}[],:\"") },
  /* Structures. */
  { S ("[]") }, { S ("{}") }, { S ("[[]]") }, { S ("[{}]") }, { S ("{\"a\":[]}") },
  { S ("[1,2,3]") }, { S ("[\"a\",true,false,null,0,{},[]]") },
  { S ("{\"a\":1,\"b\":{\"c\":[1,{\"d\":null}]}}") },
  { S ("{\"a\":1,\"a\":2}") }, { S ("{\"\":0}") }, { S ("{\"\\u0061\":0}") },
  { S (" [ 1 , { \"a\" : true } , [ ] ] ") }, { S ("\r\n{\r\n\t\"a\"\r\n:\r\n\t[\r\n]\r\n}\r\n") },
  { S ("[-0,-1.5e-7,3E3,0.000001]") }, { S ("[\"]\",\"[\",\"}\",\"{\",\",\",\":\"]") },
  { S ("{\"type\":\"data\",\"seq\":42,\"ack\":17,"
       "\"bodies\":[{\"kind\":\"reading\",\"v\":1},{\"kind\":\"reading\",\"v\":2}]}") },
};

static void
test_validate_valid (void)
{
  g_autofree char *arrays = nest (128, "[", "", "]");
  g_autofree char *objects = nest (128, "{\"a\":", "1", "}");
  g_autofree char *mixed = nest (64, "[{\"k\":", "\"v\"", "}]");
  g_autofree char *wide = NULL;
  g_autoptr(GString) long_string = g_string_new ("\"");

  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    assert_valid (valid_cases[i].text, valid_cases[i].len);

  /* Exactly the nesting limit, for arrays, objects and both. */
  assert_valid (arrays, strlen (arrays));
  assert_valid (objects, strlen (objects));
  assert_valid (mixed, strlen (mixed));

  /* Depth is about nesting, not about how many containers there are. */
  wide = nest (1, "[", "[[[]],[[]],[[]]],[[[]]]", "]");
  assert_valid (wide, strlen (wide));

  /* Long strings exercise the four-bytes-at-a-time path and its tail. */
  for (guint i = 0; i < 1000; i++)
    g_string_append (long_string, i % 7 == 0 ? "\xc3\xa9" : "abc");
  g_string_append_c (long_string, '"');
  for (gsize cut = 0; cut < 4; cut++)
    {
      g_autofree char *s = g_strdup_printf ("%.*s\"", (int) (long_string->len - 1 - cut),
                                            long_string->str);
      assert_valid (s, strlen (s));
    }
}

static const InvalidCase invalid_structure[] = {
  { S (""), 0, "empty input" },
  { S ("   "), 3, "empty input" },
  { S ("\r\n\t"), 3, "empty input" },
  { S ("["), 1, "unexpected end of input" },
  { S ("[1"), 2, "unexpected end of input" },
  { S ("[1,"), 3, "unexpected end of input" },
  { S ("{"), 1, "unexpected end of input" },
  { S ("{\"a\""), 4, "unexpected end of input" },
  { S ("{\"a\":"), 5, "unexpected end of input" },
  { S ("{\"a\":1"), 6, "unexpected end of input" },
  { S ("{\"a\":1,"), 7, "unexpected end of input" },
  { S ("[1,]"), 3, "unexpected character ']'" },
  { S ("[,1]"), 1, "unexpected character ','" },
  { S ("[1,,2]"), 3, "unexpected character ','" },
  { S ("[1 2]"), 3, "unexpected character '2'" },
  { S ("{\"a\"}"), 4, "unexpected character '}'" },
  { S ("{\"a\":}"), 5, "unexpected character '}'" },
  { S ("{\"a\" 1}"), 5, "unexpected character '1'" },
  { S ("{1:2}"), 1, "unexpected character '1'" },
  { S ("{a:2}"), 1, "unexpected character 'a'" },
  { S ("{'a':2}"), 1, "unexpected character '''" },
  { S ("{\"a\":1,}"), 7, "unexpected character '}'" },
  { S ("{\"a\":1 \"b\":2}"), 7, "unexpected character '\"'" },
  { S ("{\"a\",1}"), 4, "unexpected character ','" },
  { S ("{\"a\"::1}"), 5, "unexpected character ':'" },
  { S ("[\"a\":1]"), 4, "unexpected character ':'" },
  { S ("]"), 0, "unexpected character ']'" },
  { S ("}"), 0, "unexpected character '}'" },
  { S ("[}"), 1, "unexpected character '}'" },
  { S ("{]"), 1, "unexpected character ']'" },
  { S ("[1}"), 2, "unexpected character '}'" },
  { S ("{\"a\":1]"), 6, "unexpected character ']'" },
  { S ("[1]]"), 3, "trailing data after the value" },
  { S ("[1] [2]"), 4, "trailing data after the value" },
  { S ("1 2"), 2, "trailing data after the value" },
  { S ("{}}"), 2, "trailing data after the value" },
  { S ("\"a\"\"b\""), 3, "trailing data after the value" },
  { S ("{\"a\":1}x"), 7, "trailing data after the value" },
  { S ("[1]\0"), 3, "trailing data after the value" },
  { S ("/* */ 1"), 0, "unexpected character '/'" },
  { S ("[1] // c"), 4, "trailing data after the value" },
  /* Bytes that are not printable ASCII are shown in hex. */
  { S ("\0"), 0, "unexpected byte 0x00" },
  { S ("[\f]"), 1, "unexpected byte 0x0c" },
  { S ("\v1"), 0, "unexpected byte 0x0b" },
  { S ("\xef\xbb\xbf[]"), 0, "unexpected byte 0xef" },
  { S ("[\xc2\xa0" "1]"), 1, "unexpected byte 0xc2" },
  { S ("[\x7f]"), 1, "unexpected byte 0x7f" },
  { S ("(1)"), 0, "unexpected character '('" },
};

static void
test_validate_invalid_structure (void)
{
  run_invalid (invalid_structure, G_N_ELEMENTS (invalid_structure));
}

static const InvalidCase invalid_string[] = {
  { S ("\"abc"), 0, "unterminated string" },
  { S ("[\"abc"), 1, "unterminated string" },
  { S ("{\"abc"), 1, "unterminated string" },
  { S ("\""), 0, "unterminated string" },
  { S ("\"\\"), 0, "unterminated string" },
  { S ("\"\\u12"), 0, "unterminated string" },
  { S ("\"\\ud800"), 0, "unterminated string" },
  { S ("\"\\ud800\\"), 0, "unterminated string" },
  { S ("\"\\ud800\\udc0"), 0, "unterminated string" },
  { S ("[\"a\x01\"]"), 3, "control character in string" },
  { S ("\"\t\""), 1, "control character in string" },
  { S ("\"\n\""), 1, "control character in string" },
  { S ("\"\r\""), 1, "control character in string" },
  { S ("\"\x1f\""), 1, "control character in string" },
  { S ("\"a\0b\""), 2, "control character in string" },
  { S ("{\"\x01\":1}"), 2, "control character in string" },
  { S ("\"\\x41\""), 1, "invalid escape" },
  { S ("\"\\'\""), 1, "invalid escape" },
  { S ("\"\\U0041\""), 1, "invalid escape" },
  { S ("\"\\ \""), 1, "invalid escape" },
  { S ("\"\\0\""), 1, "invalid escape" },
  { S ("\"ab\\\n\""), 3, "invalid escape" },
  { S ("\"\\u12\""), 1, "invalid \\u escape" },
  { S ("\"\\u\""), 1, "invalid \\u escape" },
  { S ("\"\\uGGGG\""), 1, "invalid \\u escape" },
  { S ("\"\\u00g0\""), 1, "invalid \\u escape" },
  { S ("\"\\u-123\""), 1, "invalid \\u escape" },
  { S ("\"\\u 123\""), 1, "invalid \\u escape" },
  { S ("\"\\ud800\\udc0\""), 7, "invalid \\u escape" },
  /* Surrogate escapes must pair up: a lone half cannot become UTF-8. */
  { S ("\"\\ud800\""), 1, "unpaired surrogate escape" },
  { S ("\"\\uDBFF\""), 1, "unpaired surrogate escape" },
  { S ("\"\\udc00\""), 1, "unpaired surrogate escape" },
  { S ("\"\\uDFFF\\uD800\""), 1, "unpaired surrogate escape" },
  { S ("\"\\udc00\\udc00\""), 1, "unpaired surrogate escape" },
  { S ("\"\\udfff\\udfff\""), 1, "unpaired surrogate escape" },
  { S ("\"\\ud800x\""), 1, "unpaired surrogate escape" },
  { S ("\"\\ud800\\n\""), 1, "unpaired surrogate escape" },
  { S ("\"\\ud800\\u0041\""), 1, "unpaired surrogate escape" },
  { S ("\"\\ud800\\ud800\""), 1, "unpaired surrogate escape" },
  { S ("\"\\ud800\\ue000\""), 1, "unpaired surrogate escape" },
  { S ("\"a\\ud83d\\ude00\\ude00\""), 14, "unpaired surrogate escape" },
};

static void
test_validate_invalid_string (void)
{
  run_invalid (invalid_string, G_N_ELEMENTS (invalid_string));
}

static const InvalidCase invalid_utf8[] = {
  { S ("\"\x80\""), 1, "invalid UTF-8" },
  { S ("\"\xbf\""), 1, "invalid UTF-8" },
  { S ("\"\xc3\xa9\x80\""), 3, "invalid UTF-8" },
  /* Overlong forms. */
  { S ("\"\xc0\xaf\""), 1, "invalid UTF-8" },
  { S ("\"\xc1\xbf\""), 1, "invalid UTF-8" },
  { S ("\"\xe0\x80\xaf\""), 1, "invalid UTF-8" },
  { S ("\"\xe0\x9f\xbf\""), 1, "invalid UTF-8" },
  { S ("\"\xf0\x80\x80\xaf\""), 1, "invalid UTF-8" },
  { S ("\"\xf0\x8f\xbf\xbf\""), 1, "invalid UTF-8" },
  /* Surrogates encoded in UTF-8 (CESU-8). */
  { S ("\"\xed\xa0\x80\""), 1, "invalid UTF-8" },
  { S ("\"\xed\xbf\xbf\""), 1, "invalid UTF-8" },
  { S ("\"\xed\xa0\xbd\xed\xb8\x80\""), 1, "invalid UTF-8" },
  /* Beyond U+10FFFF, and bytes that never occur. */
  { S ("\"\xf4\x90\x80\x80\""), 1, "invalid UTF-8" },
  { S ("\"\xf5\x80\x80\x80\""), 1, "invalid UTF-8" },
  { S ("\"\xf7\xbf\xbf\xbf\""), 1, "invalid UTF-8" },
  { S ("\"\xf8\x88\x80\x80\x80\""), 1, "invalid UTF-8" },
  { S ("\"\xfe\""), 1, "invalid UTF-8" },
  { S ("\"\xff\""), 1, "invalid UTF-8" },
  /* Sequences cut short by another character. */
  { S ("\"\xc3\""), 1, "invalid UTF-8" },
  { S ("\"\xc3x\""), 1, "invalid UTF-8" },
  { S ("\"\xe2\x82\""), 1, "invalid UTF-8" },
  { S ("\"\xe2\x82x\""), 1, "invalid UTF-8" },
  { S ("\"\xf0\x9f\x98\""), 1, "invalid UTF-8" },
  { S ("\"\xf0\x9f\x98\xc3\xa9\""), 1, "invalid UTF-8" },
  { S ("\"ab\xe2\x82\xac\xe2\x82\""), 6, "invalid UTF-8" },
  /* ... or by the end of the input. */
  { S ("\"\xc3"), 0, "unterminated string" },
  { S ("\"\xe2\x82"), 0, "unterminated string" },
  { S ("[\"\xf0\x9f\x98"), 1, "unterminated string" },
};

static void
test_validate_invalid_utf8 (void)
{
  run_invalid (invalid_utf8, G_N_ELEMENTS (invalid_utf8));
}

static const InvalidCase invalid_number[] = {
  { S ("01"), 1, "leading zero in number" },
  { S ("-01"), 2, "leading zero in number" },
  { S ("00"), 1, "leading zero in number" },
  { S ("[007]"), 2, "leading zero in number" },
  { S ("+1"), 0, "unexpected character '+'" },
  { S (".5"), 0, "unexpected character '.'" },
  { S ("[.1]"), 1, "unexpected character '.'" },
  { S ("-"), 1, "unexpected end of input" },
  { S ("[-]"), 2, "invalid number" },
  { S ("-a"), 1, "invalid number" },
  { S ("- 1"), 1, "invalid number" },
  { S ("--1"), 1, "invalid number" },
  { S ("-+1"), 1, "invalid number" },
  { S ("[-Infinity]"), 2, "invalid number" },
  { S ("1."), 2, "unexpected end of input" },
  { S ("[1.]"), 3, "invalid number" },
  { S ("1.e5"), 2, "invalid number" },
  { S ("-0.e1"), 3, "invalid number" },
  { S ("1e"), 2, "unexpected end of input" },
  { S ("1e+"), 3, "unexpected end of input" },
  { S ("[1e]"), 3, "invalid number" },
  { S ("[1E-]"), 4, "invalid number" },
  { S ("1e+-1"), 3, "invalid number" },
  { S ("1ee1"), 2, "invalid number" },
  { S ("1x"), 1, "trailing data after the value" },
  { S ("[1x]"), 2, "unexpected character 'x'" },
  { S ("0x10"), 1, "trailing data after the value" },
  { S ("1.5.3"), 3, "trailing data after the value" },
  { S ("1e1.5"), 3, "trailing data after the value" },
  { S ("1E2E3"), 3, "trailing data after the value" },
  { S ("[1,-]"), 4, "invalid number" },
  { S ("[NaN]"), 1, "unexpected character 'N'" },
  { S ("[Infinity]"), 1, "unexpected character 'I'" },
  { S ("[0b1]"), 2, "unexpected character 'b'" },
  { S ("[1_000]"), 2, "unexpected character '_'" },
};

static void
test_validate_invalid_number (void)
{
  run_invalid (invalid_number, G_N_ELEMENTS (invalid_number));
}

static const InvalidCase invalid_literal[] = {
  { S ("t"), 1, "unexpected end of input" },
  { S ("tru"), 3, "unexpected end of input" },
  { S ("trux"), 3, "unexpected character 'x'" },
  { S ("True"), 0, "unexpected character 'T'" },
  { S ("nul"), 3, "unexpected end of input" },
  { S ("[nulx]"), 4, "unexpected character 'x'" },
  { S ("nulll"), 4, "trailing data after the value" },
  { S ("fals"), 4, "unexpected end of input" },
  { S ("falsey"), 5, "trailing data after the value" },
  { S ("[truefalse]"), 5, "unexpected character 'f'" },
  { S ("[nil]"), 2, "unexpected character 'i'" },
  { S ("undefined"), 0, "unexpected character 'u'" },
  { S ("{\"a\":tRUE}"), 6, "unexpected character 'R'" },
};

static void
test_validate_invalid_literal (void)
{
  run_invalid (invalid_literal, G_N_ELEMENTS (invalid_literal));
}

static void
test_validate_invalid_nesting (void)
{
  g_autofree char *arrays = nest (129, "[", "", "]");
  g_autofree char *objects = nest (129, "{\"a\":", "1", "}");
  g_autofree char *mixed = nest (65, "[{\"k\":", "0", "}]");
  g_autofree char *deep = nest (100000, "[", "", "]");
  g_autofree char *unclosed = nest (128, "[", "", "");

  /* The 129th opening bracket is where it fails. */
  assert_invalid (arrays, strlen (arrays), 128, "nesting deeper than 128");
  assert_invalid (objects, strlen (objects), 128 * 5, "nesting deeper than 128");
  assert_invalid (mixed, strlen (mixed), 64 * 6, "nesting deeper than 128");
  /* Far deeper costs nothing: there is no recursion to overflow. */
  assert_invalid (deep, strlen (deep), 128, "nesting deeper than 128");
  /* At the limit, a truncation is only a truncation. */
  assert_invalid (unclosed, strlen (unclosed), 128, "unexpected end of input");
}

static const InvalidCase *const invalid_tables[] = {
  invalid_structure, invalid_string, invalid_utf8, invalid_number, invalid_literal,
};
static const gsize invalid_table_sizes[] = {
  G_N_ELEMENTS (invalid_structure), G_N_ELEMENTS (invalid_string),
  G_N_ELEMENTS (invalid_utf8), G_N_ELEMENTS (invalid_number), G_N_ELEMENTS (invalid_literal),
};

static void
test_validate_error_offset (void)
{
  g_autoptr(GError) error = NULL;
  gsize offset = 0;

  /* Callers that only want a yes or no pass NULL for both. */
  g_assert_false (validate_copy (S ("[1,]"), NULL, NULL));
  g_assert_true (validate_copy (S ("[1]"), NULL, NULL));

  /* The offset without the message, and the message without the offset. */
  g_assert_false (validate_copy (S ("[1,]"), &offset, NULL));
  g_assert_cmpuint (offset, ==, 3);
  g_assert_false (validate_copy (S ("[1,x]"), NULL, &error));
  g_assert_cmpstr (error->message, ==, "invalid JSON at byte 3: unexpected character 'x'");
  g_clear_error (&error);

  /* Only the first error counts. */
  g_assert_false (validate_copy (S ("[01, \"\x80\"]"), &offset, &error));
  g_assert_cmpuint (offset, ==, 2);
  g_clear_error (&error);

  /* Every truncation of every valid case fails within the input. */
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    for (gsize len = 0; len < valid_cases[i].len; len++)
      {
        if (validate_copy (valid_cases[i].text, len, &offset, &error))
          continue;  /* "12" is a prefix of "123" */
        g_assert_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON);
        g_assert_cmpuint (offset, <=, len);
        g_clear_error (&error);
      }

  /* Every message names its offset. */
  for (gsize t = 0; t < G_N_ELEMENTS (invalid_tables); t++)
    for (gsize i = 0; i < invalid_table_sizes[t]; i++)
      {
        const InvalidCase *c = &invalid_tables[t][i];
        g_autofree char *prefix = NULL;

        g_assert_false (validate_copy (c->text, c->len, &offset, &error));
        g_assert_cmpuint (offset, <=, c->len);
        prefix = g_strdup_printf ("invalid JSON at byte %" G_GSIZE_FORMAT ": ", offset);
        g_assert_true (g_str_has_prefix (error->message, prefix));
        g_clear_error (&error);
      }
}

/* What the validator must decide for a string's raw bytes: RFC 8259 minus
 * the quote, the backslash and control characters, and GLib's own strict
 * UTF-8 check for the rest. */
static gboolean
reference_string_bytes_ok (const guchar *bytes,
                           gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (bytes[i] < 0x20 || bytes[i] == '"' || bytes[i] == '\\')
      return FALSE;
  return g_utf8_validate ((const char *) bytes, (gssize) n, NULL);
}

static gboolean
validate_string_bytes (const guchar *bytes,
                       gsize         n)
{
  guchar buffer[8];

  g_assert_cmpuint (n, <=, sizeof buffer - 2);
  buffer[0] = '"';
  memcpy (buffer + 1, bytes, n);
  buffer[n + 1] = '"';
  return validate_copy ((const char *) buffer, n + 2, NULL, NULL);
}

/* Any code point as 1 to 4 bytes, surrogates and overlong forms included:
 * length is the number of bytes to use, not the shortest. */
static gsize
encode (guint32 cp,
        gsize   length,
        guchar *out)
{
  static const guchar lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };

  if (length == 1)
    {
      out[0] = (guchar) cp;
      return 1;
    }
  for (gsize i = length - 1; i > 0; i--)
    {
      out[i] = 0x80 | (cp & 0x3f);
      cp >>= 6;
    }
  out[0] = lead[length] | (guchar) cp;
  return length;
}

static void
test_validate_utf8 (void)
{
  static const guchar tails[][3] = {
    { 0 }, { 0x80 }, { 0x80, 0x80 }, { 0xbf, 0xbf, 0xbf }, { 0x41 }, { 0x80, 0xc0 },
  };
  static const gsize tail_lengths[] = { 0, 1, 2, 3, 1, 2 };
  guint n_valid = 0;

  /* Every first and second byte, followed by some continuations or not:
   * covers every lead byte's range of second bytes. A backslash first
   * would start an escape, which the reference does not know. */
  for (guint b0 = 0x20; b0 <= 0xff; b0++)
    {
      if (b0 == '\\')
        continue;

      for (guint b1 = 0; b1 <= 0xff; b1++)
        for (gsize t = 0; t < G_N_ELEMENTS (tails); t++)
          {
            guchar bytes[5] = { b0, b1 };
            gsize n = 2 + tail_lengths[t];
            gboolean expected;

            memcpy (bytes + 2, tails[t], tail_lengths[t]);
            expected = reference_string_bytes_ok (bytes, n);
            if (validate_string_bytes (bytes, n) != expected)
              g_error ("%02x %02x + tail %" G_GSIZE_FORMAT ": expected %s",
                       b0, b1, t, expected ? "valid" : "invalid");
            n_valid += expected;
          }
    }
  /* The reference agreed, and it is not trivially "all invalid". */
  g_assert_cmpuint (n_valid, >, 10000);

  /* Every code point in its shortest form: all but the surrogates. */
  for (guint32 cp = 0x80; cp <= 0x10ffff; cp++)
    {
      guchar bytes[4];
      gsize n = encode (cp, cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, bytes);

      g_assert_cmpint (validate_string_bytes (bytes, n), ==, cp < 0xd800 || cp > 0xdfff);
    }

  /* Overlong forms and code points beyond U+10FFFF never. */
  for (guint32 cp = 0; cp < 0x10000; cp++)
    {
      guchar bytes[4];

      if (cp < 0x80)
        g_assert_false (validate_string_bytes (bytes, encode (cp, 2, bytes)));
      if (cp < 0x800)
        g_assert_false (validate_string_bytes (bytes, encode (cp, 3, bytes)));
      g_assert_false (validate_string_bytes (bytes, encode (cp, 4, bytes)));
    }
  for (guint32 cp = 0x110000; cp <= 0x1fffff; cp += 0x3f)
    {
      guchar bytes[4];

      g_assert_false (validate_string_bytes (bytes, encode (cp, 4, bytes)));
    }

  /* Every \u escape: all but unpaired surrogates. */
  for (guint32 unit = 0; unit <= 0xffff; unit++)
    {
      char text[16];

      g_snprintf (text, sizeof text, "\"\\u%04x\"", unit);
      g_assert_cmpint (validate_copy (text, 8, NULL, NULL), ==, unit < 0xd800 || unit > 0xdfff);
      g_snprintf (text, sizeof text, "\"\\u%04X\"", unit);
      g_assert_cmpint (validate_copy (text, 8, NULL, NULL), ==, unit < 0xd800 || unit > 0xdfff);
    }
  for (guint32 high = 0xd800; high <= 0xdbff; high += 0x3f)
    for (guint32 low = 0xdc00; low <= 0xdfff; low += 0x3f)
      {
        char text[16];

        g_snprintf (text, sizeof text, "\"\\u%04x\\u%04x\"", high, low);
        g_assert_true (validate_copy (text, 14, NULL, NULL));
      }
}

/* The validator never looks past len: what follows in memory is ignored. */
static void
test_validate_not_nul_terminated (void)
{
  static const char *const documents[] = {
    "[1]", "{\"a\":\"b\"}", "\"x\\u00e9\"", "[true,false,null]", "[-1.5e+3]",
  };

  g_assert_true (eit_json_validate ("[1]]]]", 3, NULL, NULL));
  g_assert_true (eit_json_validate ("123", 2, NULL, NULL));
  g_assert_true (eit_json_validate ("truex", 4, NULL, NULL));
  g_assert_true (eit_json_validate ("\"a\"\"", 3, NULL, NULL));
  g_assert_false (eit_json_validate (NULL, 0, NULL, NULL));

  /* Every cut of a document that needs its last byte fails, in a buffer
   * that ends exactly there. */
  for (gsize i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      gsize len = strlen (documents[i]);

      assert_valid (documents[i], len);
      for (gsize cut = 0; cut < len; cut++)
        {
          gsize offset;

          g_assert_false (validate_copy (documents[i], cut, &offset, NULL));
          g_assert_cmpuint (offset, <=, cut);
        }
    }
}

static GArray *
new_bodies (void)
{
  GArray *bodies = g_array_new (FALSE, FALSE, sizeof (EitJsonSpan));
  EitJsonSpan junk = { "junk", 4 };

  /* Filled, to prove that a parse clears it. */
  g_array_append_val (bodies, junk);
  return bodies;
}

static gboolean
parse_copy (const char   *frame,
            gsize         len,
            char        **copy_out,
            EitEnvelope  *env,
            GArray       *bodies,
            GError      **error)
{
  *copy_out = g_memdup2 (frame, len);
  return eit_envelope_parse (*copy_out, len, env, bodies, error);
}

/* Parses a copy of frame (named in the log first), which must succeed;
 * returns its length. */
static gsize
assert_parses (const char   *frame,
               char        **copy_out,
               EitEnvelope  *env,
               GArray       *bodies)
{
  g_autoptr(GError) error = NULL;
  gsize len = strlen (frame);

  g_test_message ("%s", frame);
  g_assert_true (parse_copy (frame, len, copy_out, env, bodies, &error));
  g_assert_no_error (error);
  return len;
}

static void
assert_span (EitJsonSpan span,
             const char *expected)
{
  g_assert_cmpmem (span.start, span.len, expected, strlen (expected));
}

static void
assert_bodies (GArray            *bodies,
               const char        *copy,
               gsize              len,
               const char *const *expected)
{
  g_assert_cmpuint (bodies->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < bodies->len; i++)
    {
      EitJsonSpan span = g_array_index (bodies, EitJsonSpan, i);

      /* Inside the frame, and valid JSON on its own. */
      g_assert_true (span.start >= copy && span.start + span.len <= copy + len);
      g_assert_true (eit_json_validate (span.start, span.len, NULL, NULL));
      assert_span (span, expected[i]);
    }
}

static void
test_envelope_data (void)
{
  static const struct {
    const char        *frame;
    guint64            seq;
    gboolean           has_ack;
    guint64            ack;
    const char *const  bodies[10];  /* NULL-terminated */
  } cases[] = {
    { "{\"type\":\"data\",\"seq\":42,\"ack\":17,"
      "\"bodies\":[{\"kind\":\"reading\",\"v\":1},{\"kind\":\"reading\",\"v\":2}]}",
      42, TRUE, 17, { "{\"kind\":\"reading\",\"v\":1}", "{\"kind\":\"reading\",\"v\":2}" } },
    /* Members in any order, "ack" optional. */
    { "{\"bodies\":[1],\"seq\":1,\"type\":\"data\"}", 1, FALSE, 0, { "1" } },
    /* Bodies are trimmed of the white space around them. */
    { " {\n \"type\" : \"data\" ,\n \"seq\" : 7 ,\n \"bodies\" : [ \n"
      " {\"a\" : [ 1 , 2 ] } ,\t\"x\" ,\r\n"
      "null , -1.5e3 ] } \n", 7, FALSE, 0, { "{\"a\" : [ 1 , 2 ] }", "\"x\"", "null", "-1.5e3" } },
    /* Every kind of value, and strings holding the array's punctuation. */
    { "{\"type\":\"data\",\"seq\":9007199254740991,\"ack\":0,\"bodies\":"
      "[\"],[\",\"\\\"]\",[],{},[[]],true,false,0,\"\\u00e9\\\\\"]}",
      G_GUINT64_CONSTANT (9007199254740991), TRUE, 0,
      { "\"],[\"", "\"\\\"]\"", "[]", "{}", "[[]]", "true", "false", "0", "\"\\u00e9\\\\\"" } },
    /* Unknown members of any kind are skipped. */
    { "{\"type\":\"data\",\"x\":{\"bodies\":[]},\"seq\":3,\"y\":[1,{\"seq\":\"a\"}],"
      "\"bodies\":[\"b\"],\"z\":null,\"\":\"\"}", 3, FALSE, 0, { "\"b\"" } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) bodies = new_bodies ();
      g_autofree char *copy = NULL;
      EitEnvelope env;
      gsize len = assert_parses (cases[i].frame, &copy, &env, bodies);

      g_assert_cmpint (env.type, ==, EIT_ENVELOPE_DATA);
      assert_span (env.type_name, "data");
      g_assert_true (env.has_seq);
      g_assert_cmpuint (env.seq, ==, cases[i].seq);
      g_assert_cmpint (env.has_ack, ==, cases[i].has_ack);
      g_assert_cmpuint (env.ack, ==, cases[i].ack);
      g_assert_false (env.has_id);
      assert_bodies (bodies, copy, len, cases[i].bodies);
    }
}

static void
test_envelope_many_bodies (void)
{
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"data\",\"seq\":1000,\"bodies\":[");
  g_autoptr(GArray) bodies = new_bodies ();
  g_autofree char *copy = NULL;
  EitEnvelope env;

  for (guint i = 0; i < 64; i++)
    g_string_append_printf (frame, "%s{\"kind\":\"reading\",\"sensor\":%u,\"v\":%u.5}",
                            i > 0 ? "," : "", i, i * 3);
  g_string_append (frame, "]}");

  g_assert_true (parse_copy (frame->str, frame->len, &copy, &env, bodies, NULL));
  g_assert_cmpuint (bodies->len, ==, 64);
  for (guint i = 0; i < 64; i++)
    {
      g_autofree char *expected =
        g_strdup_printf ("{\"kind\":\"reading\",\"sensor\":%u,\"v\":%u.5}", i, i * 3);

      assert_span (g_array_index (bodies, EitJsonSpan, i), expected);
    }

  /* The same array again: cleared first, not appended to. */
  g_assert_true (eit_envelope_parse (copy, frame->len, &env, bodies, NULL));
  g_assert_cmpuint (bodies->len, ==, 64);
}

static void
test_envelope_types (void)
{
  static const struct {
    const char      *frame;
    EitEnvelopeType  type;
    const char      *type_name;
    gboolean         has_ack;
    guint64          ack;
    gboolean         has_id;
    guint64          id;
  } cases[] = {
    { "{\"type\":\"hello\",\"instance\":\"i\",\"generation\":4,\"session\":null,\"recv\":41,"
      "\"ack\":41,\"window\":{\"messages\":1024,\"bytes\":4194304}}",
      EIT_ENVELOPE_HELLO, "hello", TRUE, 41, FALSE, 0 },
    { "{\"type\":\"welcome\",\"session\":\"s\",\"resumed\":true,\"recv\":17,\"ack\":17}",
      EIT_ENVELOPE_WELCOME, "welcome", TRUE, 17, FALSE, 0 },
    { "{\"type\":\"ack\",\"ack\":17}", EIT_ENVELOPE_ACK, "ack", TRUE, 17, FALSE, 0 },
    { "{\"type\":\"ping\",\"id\":7}", EIT_ENVELOPE_PING, "ping", FALSE, 0, TRUE, 7 },
    { "{\"id\":0,\"type\":\"pong\"}", EIT_ENVELOPE_PONG, "pong", FALSE, 0, TRUE, 0 },
    /* "bodies" elsewhere than in "data" is checked but not reported. */
    { "{\"type\":\"ack\",\"ack\":3,\"bodies\":[1,2]}", EIT_ENVELOPE_ACK, "ack", TRUE, 3, FALSE, 0 },
    { "{\"type\":\"ping\"}", EIT_ENVELOPE_PING, "ping", FALSE, 0, FALSE, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) bodies = new_bodies ();
      g_autofree char *copy = NULL;
      EitEnvelope env;

      assert_parses (cases[i].frame, &copy, &env, bodies);
      g_assert_cmpint (env.type, ==, cases[i].type);
      assert_span (env.type_name, cases[i].type_name);
      g_assert_false (env.has_seq);
      g_assert_cmpint (env.has_ack, ==, cases[i].has_ack);
      g_assert_cmpuint (env.ack, ==, cases[i].ack);
      g_assert_cmpint (env.has_id, ==, cases[i].has_id);
      g_assert_cmpuint (env.id, ==, cases[i].id);
      g_assert_cmpuint (bodies->len, ==, 0);
    }
}

static void
test_envelope_unknown_type (void)
{
  static const struct {
    const char *frame;
    const char *type_name;
  } cases[] = {
    { "{\"type\":\"subscribe\",\"topic\":\"a\"}", "subscribe" },
    { "{\"type\":\"Data\",\"seq\":1,\"bodies\":[1]}", "Data" },
    { "{\"type\":\"\"}", "" },
    { "{\"type\":\"hello \"}", "hello " },
    /* Compared on raw bytes: an escape is not decoded. */
    { "{\"type\":\"d\\u0061ta\",\"seq\":1,\"bodies\":[1]}", "d\\u0061ta" },
    { "{\"type\":\"\xc3\xa9t\xc3\xa9\"}", "\xc3\xa9t\xc3\xa9" },
    /* A newer peer's members may mean something else: not checked. */
    { "{\"type\":\"subscribe\",\"id\":\"topic-1\",\"seq\":-1,\"bodies\":{}}", "subscribe" },
    { "{\"seq\":1,\"seq\":2,\"type\":\"v2\"}", "v2" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) bodies = new_bodies ();
      g_autofree char *copy = NULL;
      EitEnvelope env;
      gsize len = assert_parses (cases[i].frame, &copy, &env, bodies);

      g_assert_cmpint (env.type, ==, EIT_ENVELOPE_UNKNOWN);
      assert_span (env.type_name, cases[i].type_name);
      /* The span points into the frame, for the close reason. */
      g_assert_true (env.type_name.start > copy && env.type_name.start < copy + len);
      g_assert_cmpuint (bodies->len, ==, 0);
    }
}

static void
test_envelope_integers (void)
{
  static const struct {
    const char *text;
    gboolean    ok;
    guint64     value;
  } cases[] = {
    { "0", TRUE, 0 },
    { "1", TRUE, 1 },
    { "4294967296", TRUE, G_GUINT64_CONSTANT (4294967296) },
    { "999999999999999", TRUE, G_GUINT64_CONSTANT (999999999999999) },
    { "9007199254740991", TRUE, G_GUINT64_CONSTANT (9007199254740991) },
    { "9007199254740992", FALSE, 0 },
    { "9999999999999999", FALSE, 0 },
    { "10000000000000000", FALSE, 0 },
    { "18446744073709551615", FALSE, 0 },
    { "18446744073709551617", FALSE, 0 },
    { "123456789012345678901234567890", FALSE, 0 },
    { "-1", FALSE, 0 },
    { "-0", FALSE, 0 },
    { "1.0", FALSE, 0 },
    { "1e2", FALSE, 0 },
    { "1E0", FALSE, 0 },
    { "\"1\"", FALSE, 0 },
    { "null", FALSE, 0 },
    { "true", FALSE, 0 },
    { "[1]", FALSE, 0 },
    { "{\"v\":1}", FALSE, 0 },
  };
  static const char *const names[] = { "seq", "ack", "id" };

  for (gsize n = 0; n < G_N_ELEMENTS (names); n++)
    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GArray) bodies = new_bodies ();
        g_autoptr(GError) error = NULL;
        g_autofree char *copy = NULL;
        g_autofree char *frame = g_strdup_printf ("{\"type\":\"data\",\"bodies\":[1],\"seq\":5,"
                                                  "\"%s\" : %s }",
                                                  names[n], cases[i].text);
        EitEnvelope env;
        gboolean ok;

        /* "seq" is already there: give it its own frame. */
        if (n == 0)
          {
            g_free (frame);
            frame = g_strdup_printf ("{\"type\":\"data\",\"bodies\":[1],\"seq\" : %s }",
                                     cases[i].text);
          }

        g_test_message ("%s", frame);
        ok = parse_copy (frame, strlen (frame), &copy, &env, bodies, &error);
        if (cases[i].ok)
          {
            guint64 value = n == 0 ? env.seq : n == 1 ? env.ack : env.id;
            gboolean has = n == 0 ? env.has_seq : n == 1 ? env.has_ack : env.has_id;

            g_assert_no_error (error);
            g_assert_true (ok);
            g_assert_true (has);
            g_assert_cmpuint (value, ==, cases[i].value);
          }
        else
          {
            g_autofree char *message =
              g_strdup_printf ("protocol violation: \"%s\" must be a non-negative integer",
                               names[n]);

            g_assert_false (ok);
            g_assert_error (error, EIT_ERROR, EIT_ERROR_PROTOCOL);
            g_assert_cmpstr (error->message, ==, message);
            g_assert_cmpuint (bodies->len, ==, 0);
          }
      }
}

typedef struct {
  const char *frame;
  gsize       len;
  gint        code;
  const char *message;
} EnvelopeErrorCase;

static const EnvelopeErrorCase envelope_errors[] = {
  /* The delay members are integers like the others (PROTOCOL.md 4.3, 4.4). */
  { S ("{\"type\":\"data\",\"seq\":1,\"t\":\"now\",\"bodies\":[1]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"t\" must be a non-negative integer" },
  { S ("{\"type\":\"ack\",\"ack\":1,\"qd\":-3}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"qd\" must be a non-negative integer" },
  { S ("{\"type\":\"ack\",\"ack\":1,\"qd\":1,\"qd\":2}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"qd\"" },
  /* Not JSON at all: 1007, before anything else is looked at. */
  { S (""), EIT_ERROR_INVALID_JSON, "invalid JSON at byte 0: empty input" },
  { S (" \n"), EIT_ERROR_INVALID_JSON, "invalid JSON at byte 2: empty input" },
  { S ("{\"type\":\"data\""), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 14: unexpected end of input" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[1,]}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 35: unexpected character ']'" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[1]}x"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 36: trailing data after the value" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[1] 2}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 36: unexpected character '2'" },
  { S ("{\"type\":1,\"x\":[}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 15: unexpected character '}'" },
  { S ("{\"type\":\"ping\",\"id\":01}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 21: leading zero in number" },
  { S ("{\"type\":\"ping\",\"id\":1"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 21: unexpected end of input" },
  { S ("{\"type\":\"pi\xffng\"}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 11: invalid UTF-8" },
  { S ("{\"ty\0pe\":\"ping\"}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 4: control character in string" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[tru]}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 36: unexpected character ']'" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":["), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 33: unexpected end of input" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[1"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 34: unexpected end of input" },
  { S ("[1"), EIT_ERROR_INVALID_JSON, "invalid JSON at byte 2: unexpected end of input" },
  { S ("{,}"), EIT_ERROR_INVALID_JSON, "invalid JSON at byte 1: unexpected character ','" },
  { S ("{\"type\":\"ping\",}"), EIT_ERROR_INVALID_JSON,
    "invalid JSON at byte 15: unexpected character '}'" },
  /* Valid JSON, but not an envelope: 4002. */
  { S ("[1]"), EIT_ERROR_PROTOCOL, "protocol violation: an envelope must be a JSON object" },
  { S (" \"data\" "), EIT_ERROR_PROTOCOL, "protocol violation: an envelope must be a JSON object" },
  { S ("null"), EIT_ERROR_PROTOCOL, "protocol violation: an envelope must be a JSON object" },
  { S ("{}"), EIT_ERROR_PROTOCOL, "protocol violation: missing \"type\"" },
  { S ("{\"seq\":1,\"bodies\":[1]}"), EIT_ERROR_PROTOCOL, "protocol violation: missing \"type\"" },
  { S ("{\"typ\\u0065\":\"ping\"}"), EIT_ERROR_PROTOCOL, "protocol violation: missing \"type\"" },
  { S ("{\"Type\":\"ping\"}"), EIT_ERROR_PROTOCOL, "protocol violation: missing \"type\"" },
  { S ("{\"type\":1}"), EIT_ERROR_PROTOCOL, "protocol violation: \"type\" must be a string" },
  { S ("{\"type\":null}"), EIT_ERROR_PROTOCOL, "protocol violation: \"type\" must be a string" },
  { S ("{\"type\":[\"data\"]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"type\" must be a string" },
  { S ("{\"type\":\"ping\",\"type\":\"ping\"}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"type\"" },
  { S ("{\"type\":\"x\",\"type\":\"y\"}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"type\"" },
  { S ("{\"type\":\"data\",\"seq\":1,\"seq\":2,\"bodies\":[1]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"seq\"" },
  { S ("{\"type\":\"ack\",\"ack\":1,\"ack\":1}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"ack\"" },
  { S ("{\"type\":\"ping\",\"id\":1,\"id\":\"x\"}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"id\"" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[1],\"bodies\":[2]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: duplicate member \"bodies\"" },
  /* The first violation is the one reported. */
  { S ("{\"type\":\"data\",\"seq\":\"1\",\"ack\":-1,\"bodies\":[1]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"seq\" must be a non-negative integer" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":{}}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"bodies\" must be an array" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":\"[1]\"}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"bodies\" must be an array" },
  { S ("{\"type\":\"ping\",\"bodies\":null}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"bodies\" must be an array" },
  { S ("{\"type\":\"data\",\"bodies\":[1]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"data\" without \"seq\"" },
  { S ("{\"type\":\"data\",\"s\\u0065q\":1,\"bodies\":[1]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"data\" without \"seq\"" },
  { S ("{\"type\":\"data\",\"seq\":1}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"data\" without a non-empty \"bodies\" array" },
  { S ("{\"type\":\"data\",\"seq\":1,\"bodies\":[ ]}"), EIT_ERROR_PROTOCOL,
    "protocol violation: \"data\" without a non-empty \"bodies\" array" },
};

/* A data frame's clock ("t") and an acknowledgement's queueing delay ("qd"),
 * in any order, and their absence. */
static void
test_envelope_delays (void)
{
  g_autoptr(GArray) bodies = new_bodies ();
  g_autofree char *data = NULL, *ack = NULL, *plain = NULL;
  EitEnvelope env;

  assert_parses ("{\"type\":\"data\",\"seq\":42,\"t\":81234567,\"ack\":17,\"qd\":38,\"bodies\":[1]}",
                 &data, &env, bodies);
  g_assert_true (env.has_t);
  g_assert_cmpuint (env.t, ==, 81234567);
  g_assert_true (env.has_ack);
  g_assert_true (env.has_qd);
  g_assert_cmpuint (env.qd, ==, 38);

  assert_parses ("{\"qd\":0,\"ack\":3,\"type\":\"ack\"}", &ack, &env, bodies);
  g_assert_cmpint (env.type, ==, EIT_ENVELOPE_ACK);
  g_assert_true (env.has_qd);
  g_assert_cmpuint (env.qd, ==, 0);
  g_assert_false (env.has_t);

  assert_parses ("{\"type\":\"data\",\"seq\":1,\"bodies\":[1]}", &plain, &env, bodies);
  g_assert_false (env.has_t);
  g_assert_false (env.has_qd);
}

static void
test_envelope_errors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (envelope_errors); i++)
    {
      const EnvelopeErrorCase *c = &envelope_errors[i];
      g_autoptr(GArray) bodies = new_bodies ();
      g_autoptr(GError) error = NULL;
      g_autofree char *copy = NULL;
      g_autofree char *shown = printable (c->frame, c->len);
      EitEnvelope env;

      g_test_message ("%s", shown);
      g_assert_false (parse_copy (c->frame, c->len, &copy, &env, bodies, &error));
      g_assert_error (error, EIT_ERROR, c->code);
      g_assert_cmpstr (error->message, ==, c->message);
      /* No half-filled list of bodies on failure. */
      g_assert_cmpuint (bodies->len, ==, 0);
    }

  /* Invalid JSON is reported exactly as eit_json_validate () reports it. */
  for (gsize t = 0; t < G_N_ELEMENTS (invalid_tables); t++)
    for (gsize i = 0; i < invalid_table_sizes[t]; i++)
      {
        const InvalidCase *c = &invalid_tables[t][i];
        g_autoptr(GArray) bodies = new_bodies ();
        g_autoptr(GError) validate_error = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *copy = NULL;
        EitEnvelope env;

        g_assert_false (validate_copy (c->text, c->len, NULL, &validate_error));
        g_assert_false (parse_copy (c->text, c->len, &copy, &env, bodies, &error));
        g_assert_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON);
        g_assert_cmpstr (error->message, ==, validate_error->message);
      }
}

static void
test_envelope_nesting (void)
{
  /* The envelope and "bodies" are two levels: a body may nest 126 more. */
  g_autofree char *body_ok = nest (126, "[", "1", "]");
  g_autofree char *body_deep = nest (127, "[", "1", "]");
  g_autofree char *other_ok = nest (127, "{\"a\":", "1", "}");
  g_autofree char *frame_ok =
    g_strdup_printf ("{\"type\":\"data\",\"seq\":1,\"bodies\":[%s]}", body_ok);
  g_autofree char *frame_deep =
    g_strdup_printf ("{\"type\":\"data\",\"seq\":1,\"bodies\":[%s]}", body_deep);
  g_autofree char *frame_other =
    g_strdup_printf ("{\"type\":\"ping\",\"x\":%s}", other_ok);
  g_autofree char *frame_other_deep =
    g_strdup_printf ("{\"type\":\"ping\",\"x\":[%s]}", other_ok);
  g_autoptr(GArray) bodies = new_bodies ();
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  EitEnvelope env;

  g_assert_true (parse_copy (frame_ok, strlen (frame_ok), &copy, &env, bodies, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bodies->len, ==, 1);
  assert_span (g_array_index (bodies, EitJsonSpan, 0), body_ok);
  g_clear_pointer (&copy, g_free);

  g_assert_false (parse_copy (frame_deep, strlen (frame_deep), &copy, &env, bodies, &error));
  g_assert_cmpstr (error->message, ==, "invalid JSON at byte 159: nesting deeper than 128");
  g_assert_false (eit_json_validate (frame_deep, strlen (frame_deep), NULL, NULL));
  g_clear_error (&error);
  g_clear_pointer (&copy, g_free);

  g_assert_true (parse_copy (frame_other, strlen (frame_other), &copy, &env, bodies, &error));
  g_assert_no_error (error);
  g_clear_pointer (&copy, g_free);

  g_assert_false (parse_copy (frame_other_deep, strlen (frame_other_deep), &copy, &env, bodies,
                              &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON);
  g_assert_true (g_str_has_suffix (error->message, ": nesting deeper than 128"));
}

static void
test_envelope_not_nul_terminated (void)
{
  static const char *const frames[] = {
    "{\"type\":\"data\",\"seq\":42,\"ack\":17,"
    "\"bodies\":[{\"kind\":\"reading\",\"v\":1},\"\\u00e9\"]}",
    "{\"type\":\"ping\",\"id\":7}",
    "{\"type\":\"ack\",\"ack\":17}",
    "{\"type\":\"hello\",\"window\":{\"messages\":1024,\"bytes\":4194304},\"session\":null}",
  };

  /* A frame in a larger buffer: the bytes after len are not looked at. */
  {
    static const char buffer[] = "{\"type\":\"data\",\"seq\":1,\"bodies\":[12]}3]}";
    g_autoptr(GArray) bodies = new_bodies ();
    EitEnvelope env;

    g_assert_true (eit_envelope_parse (buffer, 37, &env, bodies, NULL));
    g_assert_cmpuint (bodies->len, ==, 1);
    assert_span (g_array_index (bodies, EitJsonSpan, 0), "12");
    g_assert_false (eit_envelope_parse (buffer, 35, &env, bodies, NULL));
    g_assert_false (eit_envelope_parse (buffer, 38, &env, bodies, NULL));
  }

  /* Every cut of every frame, each in a buffer of exactly that size. */
  for (gsize i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      gsize len = strlen (frames[i]);

      for (gsize cut = 0; cut <= len; cut++)
        {
          g_autoptr(GArray) bodies = new_bodies ();
          g_autoptr(GError) error = NULL;
          g_autofree char *copy = NULL;
          EitEnvelope env;
          gboolean ok = parse_copy (frames[i], cut, &copy, &env, bodies, &error);

          g_assert_cmpint (ok, ==, cut == len);
          if (!ok)
            g_assert_error (error, EIT_ERROR, EIT_ERROR_INVALID_JSON);
        }
    }
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_memdup2 (text, strlen (text));
  JsonObject *object = eit_json_parse_object (copy, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static void
test_getters (void)
{
  g_autoptr(JsonObject) object = parse_object (
    "{\"s\":\"text\",\"e\":\"\",\"i\":5,\"zero\":0,\"neg\":-1,\"f\":1.0,\"big\":9007199254740991,"
    "\"huge\":9007199254740992,\"wrap\":-9223372036854775809,\"t\":true,\"no\":false,"
    "\"n\":null,\"o\":{\"inner\":1},\"a\":[1],\"si\":\"5\"}");
  JsonObject *inner;
  guint64 u = 99;
  gboolean b = 99;

  /* Strings. */
  g_assert_cmpstr (eit_json_object_get_string (object, "s"), ==, "text");
  g_assert_cmpstr (eit_json_object_get_string (object, "e"), ==, "");
  g_assert_null (eit_json_object_get_string (object, "i"));
  g_assert_null (eit_json_object_get_string (object, "n"));
  g_assert_null (eit_json_object_get_string (object, "o"));
  g_assert_null (eit_json_object_get_string (object, "a"));
  g_assert_null (eit_json_object_get_string (object, "t"));
  g_assert_null (eit_json_object_get_string (object, "absent"));

  /* Non-negative integers in the protocol's range only. */
  g_assert_true (eit_json_object_get_uint (object, "i", &u));
  g_assert_cmpuint (u, ==, 5);
  g_assert_true (eit_json_object_get_uint (object, "zero", &u));
  g_assert_cmpuint (u, ==, 0);
  g_assert_true (eit_json_object_get_uint (object, "big", &u));
  g_assert_cmpuint (u, ==, G_GUINT64_CONSTANT (9007199254740991));
  u = 99;
  g_assert_false (eit_json_object_get_uint (object, "huge", &u));
  g_assert_false (eit_json_object_get_uint (object, "wrap", &u));
  g_assert_false (eit_json_object_get_uint (object, "neg", &u));
  g_assert_false (eit_json_object_get_uint (object, "f", &u));
  g_assert_false (eit_json_object_get_uint (object, "si", &u));
  g_assert_false (eit_json_object_get_uint (object, "t", &u));
  g_assert_false (eit_json_object_get_uint (object, "n", &u));
  g_assert_false (eit_json_object_get_uint (object, "o", &u));
  g_assert_false (eit_json_object_get_uint (object, "a", &u));
  g_assert_false (eit_json_object_get_uint (object, "absent", &u));
  /* A failed read leaves the value alone. */
  g_assert_cmpuint (u, ==, 99);
  g_assert_true (eit_json_object_get_uint (object, "i", NULL));

  /* Booleans. */
  g_assert_true (eit_json_object_get_bool (object, "t", &b));
  g_assert_true (b);
  g_assert_true (eit_json_object_get_bool (object, "no", &b));
  g_assert_false (b);
  b = 99;
  g_assert_false (eit_json_object_get_bool (object, "i", &b));
  g_assert_false (eit_json_object_get_bool (object, "zero", &b));
  g_assert_false (eit_json_object_get_bool (object, "s", &b));
  g_assert_false (eit_json_object_get_bool (object, "n", &b));
  g_assert_false (eit_json_object_get_bool (object, "absent", &b));
  g_assert_cmpint (b, ==, 99);
  g_assert_true (eit_json_object_get_bool (object, "t", NULL));

  /* Objects, borrowed from their parent. */
  inner = eit_json_object_get_object (object, "o");
  g_assert_nonnull (inner);
  g_assert_true (eit_json_object_get_uint (inner, "inner", &u));
  g_assert_cmpuint (u, ==, 1);
  g_assert_null (eit_json_object_get_object (object, "a"));
  g_assert_null (eit_json_object_get_object (object, "n"));
  g_assert_null (eit_json_object_get_object (object, "s"));
  g_assert_null (eit_json_object_get_object (object, "absent"));
}

static void
test_parse_object (void)
{
  static const struct {
    const char *text;
    gint        code;
    const char *message;
  } errors[] = {
    { "", EIT_ERROR_INVALID_JSON, "invalid JSON at byte 0: empty input" },
    { "{", EIT_ERROR_INVALID_JSON, "invalid JSON at byte 1: unexpected end of input" },
    { "{\"a\":01}", EIT_ERROR_INVALID_JSON, "invalid JSON at byte 6: leading zero in number" },
    { "{\"a\":\"\\ud800\"}", EIT_ERROR_INVALID_JSON,
      "invalid JSON at byte 6: unpaired surrogate escape" },
    { "{} {}", EIT_ERROR_INVALID_JSON, "invalid JSON at byte 3: trailing data after the value" },
    { "[{}]", EIT_ERROR_PROTOCOL, "protocol violation: expected a JSON object" },
    { " 1 ", EIT_ERROR_PROTOCOL, "protocol violation: expected a JSON object" },
    { "null", EIT_ERROR_PROTOCOL, "protocol violation: expected a JSON object" },
    { "\"{}\"", EIT_ERROR_PROTOCOL, "protocol violation: expected a JSON object" },
  };
  g_autoptr(JsonObject) object = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *copy = g_memdup2 (errors[i].text, strlen (errors[i].text));

      g_assert_null (eit_json_parse_object (copy, strlen (errors[i].text), &error));
      g_assert_error (error, EIT_ERROR, errors[i].code);
      g_assert_cmpstr (error->message, ==, errors[i].message);
    }

  /* The object outlives the parser and the text. */
  object = parse_object (" {\"type\":\"hello\",\"window\":{\"messages\":1024},\"x\":\"\\u00e9\"} ");
  g_assert_cmpstr (eit_json_object_get_string (object, "type"), ==, "hello");
  g_assert_cmpstr (eit_json_object_get_string (object, "x"), ==, "\xc3\xa9");
  g_assert_nonnull (eit_json_object_get_object (object, "window"));
  g_assert_cmpuint (json_object_get_size (object), ==, 3);
}

static void
test_find_member (void)
{
  static const struct {
    const char *json;
    const char *name;
    const char *value;   /* NULL: not found */
  } cases[] = {
    { "{\"probe\":12,\"t\":345}", "t", "345" },
    { "{\"probe\":12,\"t\":345}", "probe", "12" },
    { " { \"a\" : [1,{\"t\":9}] , \"t\" : \"x\" } ", "t", "\"x\"" },
    { "{\"a\":{\"t\":1}}", "t", NULL },
    { "{\"ta\":1}", "t", NULL },
    { "{}", "t", NULL },
    { "[1,2]", "t", NULL },
    { "{\"t\":null}", "t", "null" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = strlen (cases[i].json);
      g_autofree char *exact = g_memdup2 (cases[i].json, len);
      EitJsonSpan span;
      gboolean found = eit_json_find_member (exact, len, cases[i].name, &span);

      g_assert_cmpint (found, ==, cases[i].value != NULL);
      if (found)
        g_assert_cmpmem (span.start, span.len, cases[i].value, strlen (cases[i].value));
    }
}

static void
test_span_get_uint (void)
{
  EitJsonSpan span;
  guint64 v = 0;

  span = (EitJsonSpan) { "9007199254740991", 16 };
  g_assert_true (eit_json_span_get_uint (&span, &v));
  g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (9007199254740991));
  span = (EitJsonSpan) { "9007199254740992", 16 };
  g_assert_false (eit_json_span_get_uint (&span, &v));
  span = (EitJsonSpan) { "-1", 2 };
  g_assert_false (eit_json_span_get_uint (&span, &v));
  span = (EitJsonSpan) { "1.5", 3 };
  g_assert_false (eit_json_span_get_uint (&span, &v));
  span = (EitJsonSpan) { "\"7\"", 3 };
  g_assert_false (eit_json_span_get_uint (&span, &v));
  span = (EitJsonSpan) { "", 0 };
  g_assert_false (eit_json_span_get_uint (&span, &v));
}

static void
test_text_message_type (void)
{
  static const struct { const char *json; const char *type; } cases[] = {
    { "{\"type\":\"hello\"}", "hello" },
    { " { \"a\" : {\"type\":\"inner\"}, \"type\" : \"outer\" } ", "outer" },
    { "{\"kind\":\"reading\",\"x\":1}", "reading" },
    { "{\"event\":\"e\",\"kind\":\"k\"}", "k" },
    { "{\"kind\":\"k\",\"type\":\"t\"}", "t" },
    { "{\"text\":\"\\\"type\\\":\\\"no\\\"\"}", NULL },
    { "{\"type\":1}", NULL },
    { "[{\"type\":\"x\"}]", NULL },
    { "\"type\"", NULL },
    { "{\"type\":\"unterminated", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *type = eit_json_scan_message_type (cases[i].json, strlen (cases[i].json));
      g_assert_cmpstr (type, ==, cases[i].type);
    }
}

/* The scan reads the first 4 KiB only and keeps 64 bytes of the type. */
static void
test_text_message_type_bounds (void)
{
  g_autofree char *pad = g_strnfill (4096, 'p');
  g_autofree char *long_name = g_strnfill (100, 't');
  g_autofree char *late = g_strdup_printf ("{\"pad\":\"%s\",\"type\":\"late\"}", pad);
  g_autofree char *long_type = g_strdup_printf ("{\"type\":\"%s\"}", long_name);
  g_autofree char *found_late = eit_json_scan_message_type (late, strlen (late));
  g_autofree char *found_long = eit_json_scan_message_type (long_type, strlen (long_type));

  g_assert_null (found_late);
  g_assert_cmpuint (strlen (found_long), ==, 64);
  g_assert_true (g_str_has_prefix (long_name, found_long));
  g_assert_null (eit_json_scan_message_type (NULL, 0));
}

static void
test_text_pretty (void)
{
  g_autofree char *a = eit_json_pretty ("{\"v\":23.31,\"s\":\"a, b: {c}\",\"e\":[],\"o\":{},\"l\":[1,2]}");
  g_autofree char *b = eit_json_pretty ("  [ ]  ");

  g_assert_cmpstr (a, ==,
                   "{\n  \"v\": 23.31,\n  \"s\": \"a, b: {c}\",\n  \"e\": [],\n  \"o\": {},\n"
                   "  \"l\": [\n    1,\n    2\n  ]\n}");
  g_assert_cmpstr (b, ==, "[]");
}

/* A log keeps the start of a big message: its cut text is indented as far
 * as it goes, without reading past the end. */
static void
test_text_pretty_cut (void)
{
  g_autofree char *cut = eit_json_pretty ("{\"a\":[1,\"x\\");

  g_assert_cmpstr (cut, ==, "{\n  \"a\": [\n    1,\n    \"x\\");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/validate/valid", test_validate_valid);
  g_test_add_func ("/json/validate/invalid-structure", test_validate_invalid_structure);
  g_test_add_func ("/json/validate/invalid-string", test_validate_invalid_string);
  g_test_add_func ("/json/validate/invalid-utf8", test_validate_invalid_utf8);
  g_test_add_func ("/json/validate/invalid-number", test_validate_invalid_number);
  g_test_add_func ("/json/validate/invalid-literal", test_validate_invalid_literal);
  g_test_add_func ("/json/validate/invalid-nesting", test_validate_invalid_nesting);
  g_test_add_func ("/json/validate/error-offset", test_validate_error_offset);
  g_test_add_func ("/json/validate/utf8", test_validate_utf8);
  g_test_add_func ("/json/validate/not-nul-terminated", test_validate_not_nul_terminated);
  g_test_add_func ("/json/envelope/data", test_envelope_data);
  g_test_add_func ("/json/envelope/many-bodies", test_envelope_many_bodies);
  g_test_add_func ("/json/envelope/types", test_envelope_types);
  g_test_add_func ("/json/envelope/unknown-type", test_envelope_unknown_type);
  g_test_add_func ("/json/envelope/integers", test_envelope_integers);
  g_test_add_func ("/json/envelope/delays", test_envelope_delays);
  g_test_add_func ("/json/envelope/errors", test_envelope_errors);
  g_test_add_func ("/json/envelope/nesting", test_envelope_nesting);
  g_test_add_func ("/json/envelope/not-nul-terminated", test_envelope_not_nul_terminated);
  g_test_add_func ("/json/getters", test_getters);
  g_test_add_func ("/json/parse-object", test_parse_object);

  g_test_add_func ("/json/find-member", test_find_member);
  g_test_add_func ("/json/span-get-uint", test_span_get_uint);
  g_test_add_func ("/json/text/message-type", test_text_message_type);
  g_test_add_func ("/json/text/message-type-bounds", test_text_message_type_bounds);
  g_test_add_func ("/json/text/pretty-verbatim", test_text_pretty);
  g_test_add_func ("/json/text/pretty-cut", test_text_pretty_cut);
  return g_test_run ();
}
