/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "eit-json-text.h"

/* A message's kind is near its start; a log row needs no more of it. */
#define SCAN_LIMIT 4096
#define TYPE_LIMIT 64

static gsize
skip_space (const char *s, gsize i, gsize n)
{
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  return i;
}

/* Index of the closing quote of the string whose contents start at i, or n. */
static gsize
string_end (const char *s, gsize i, gsize n)
{
  while (i < n && s[i] != '"')
    i += (s[i] == '\\') ? 2 : 1;
  return MIN (i, n);
}

/* The members that name a message's kind, best first. */
static int
type_key_rank (const char *key,
               gsize       len)
{
  static const char * const keys[] = { "type", "kind", "event" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (len == strlen (keys[i]) && memcmp (key, keys[i], len) == 0)
      return (int) i;
  return -1;
}

char *
eit_json_scan_message_type (const char *json,
                            gsize       len)
{
  gsize n = MIN (len, SCAN_LIMIT);
  gsize i;
  int depth = 1;
  gboolean expect_key = TRUE;
  const char *best = NULL;
  gsize best_len = 0;
  int best_rank = G_MAXINT;

  if (json == NULL)
    return NULL;

  i = skip_space (json, 0, n);
  if (i >= n || json[i] != '{')
    return NULL;
  i++;

  while (i < n)
    {
      char c = json[i];

      if (c == '"')
        {
          gsize start = i + 1;
          gsize end = string_end (json, start, n);

          if (end >= n)
            break;

          if (depth == 1 && expect_key)
            {
              int rank = type_key_rank (json + start, end - start);

              i = skip_space (json, end + 1, n);
              if (i >= n || json[i] != ':')
                break;
              i = skip_space (json, i + 1, n);
              if (rank >= 0 && rank < best_rank && i < n && json[i] == '"')
                {
                  gsize vend = string_end (json, i + 1, n);

                  if (vend >= n)
                    break;
                  best = json + i + 1;
                  best_len = vend - i - 1;
                  best_rank = rank;
                  if (rank == 0)
                    break;  /* "type" wins outright */
                  i = vend + 1;
                }
              expect_key = FALSE;
              continue;
            }

          i = end + 1;
          continue;
        }

      if (c == '{' || c == '[')
        depth++;
      else if (c == '}' || c == ']')
        {
          if (--depth == 0)
            break;
        }
      else if (c == ',' && depth == 1)
        expect_key = TRUE;
      i++;
    }

  if (best == NULL)
    return NULL;
  return g_utf8_make_valid (best, MIN (best_len, TYPE_LIMIT));
}

static void
newline (GString *out,
         int      depth)
{
  g_string_append_c (out, '\n');
  for (int i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

char *
eit_json_pretty (const char *text)
{
  GString *out = g_string_new (NULL);
  int depth = 0;
  const char *p = text;

  /* Re-indents the tokens as they are: numbers and strings keep their
   * exact text (json-glib would rewrite 23.31 as 23.309999999999999). */
  while (*p != '\0')
    {
      char c = *p;

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          p++;
          continue;
        }
      if (c == '"')
        {
          const char *start = p++;
          while (*p != '\0' && *p != '"')
            p += (*p == '\\' && p[1] != '\0') ? 2 : 1;
          if (*p == '"')
            p++;
          g_string_append_len (out, start, p - start);
          continue;
        }
      if (c == '{' || c == '[')
        {
          const char *q = p + 1;
          while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
          if (*q == (c == '{' ? '}' : ']'))
            {
              g_string_append_c (out, c);
              g_string_append_c (out, *q);
              p = q + 1;
              continue;
            }
          g_string_append_c (out, c);
          newline (out, ++depth);
        }
      else if (c == '}' || c == ']')
        {
          depth = MAX (depth - 1, 0);
          newline (out, depth);
          g_string_append_c (out, c);
        }
      else if (c == ',')
        {
          g_string_append_c (out, c);
          newline (out, depth);
        }
      else if (c == ':')
        g_string_append (out, ": ");
      else
        g_string_append_c (out, c);
      p++;
    }

  return g_string_free (out, FALSE);
}
