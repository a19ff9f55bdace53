/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "eit-log-entry.h"

#define SCAN_LIMIT 4096
#define TYPE_LIMIT 64

struct _EitLogEntry
{
  GObject          parent_instance;
  gint64           time;
  char            *type;  /* GRefString, interned */
  char            *text;
  gsize            size;
  guint            direction : 1;
  guint            truncated : 1;
};

G_DEFINE_FINAL_TYPE (EitLogEntry, eit_log_entry, G_TYPE_OBJECT)

static void
eit_log_entry_finalize (GObject *object)
{
  EitLogEntry *self = EIT_LOG_ENTRY (object);

  g_clear_pointer (&self->type, g_ref_string_release);
  g_free (self->text);

  G_OBJECT_CLASS (eit_log_entry_parent_class)->finalize (object);
}

static void
eit_log_entry_class_init (EitLogEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = eit_log_entry_finalize;
}

static void
eit_log_entry_init (EitLogEntry *self)
{
}

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
eit_log_scan_message_type (const char *json,
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

EitLogEntry *
eit_log_entry_new (gint64           real_time,
                   EitLogDirection  direction,
                   const char      *json,
                   gsize            len)
{
  EitLogEntry *self = g_object_new (EIT_TYPE_LOG_ENTRY, NULL);
  g_autofree char *type = eit_log_scan_message_type (json, len);
  gsize keep = MIN (len, EIT_LOG_ENTRY_MAX_TEXT);

  /* Do not cut a UTF-8 sequence in half. */
  while (keep < len && keep > 0 && (((guchar) json[keep]) & 0xC0) == 0x80)
    keep--;

  self->time = real_time;
  self->direction = direction;
  self->size = len;
  self->truncated = keep < len;
  self->text = g_strndup (json, keep);
  if (type != NULL)
    self->type = g_ref_string_new_intern (type);
  return self;
}

gint64
eit_log_entry_get_time (EitLogEntry *self)
{
  return self->time;
}

EitLogDirection
eit_log_entry_get_direction (EitLogEntry *self)
{
  return self->direction;
}

const char *
eit_log_entry_get_message_type (EitLogEntry *self)
{
  return self->type;
}

gsize
eit_log_entry_get_size (EitLogEntry *self)
{
  return self->size;
}

const char *
eit_log_entry_get_text (EitLogEntry *self)
{
  return self->text;
}

gboolean
eit_log_entry_is_truncated (EitLogEntry *self)
{
  return self->truncated;
}

char *
eit_log_entry_dup_summary (EitLogEntry *self,
                           guint        max_chars)
{
  /* The text is valid UTF-8 (the wire validates it, and cuts happen on
   * character boundaries): count characters by their lead bytes, collapse
   * ASCII white space. */
  GString *out = g_string_sized_new (MIN (max_chars + 8, 256));
  const guchar *p = (const guchar *) self->text;
  guint count = 0;
  gboolean last_space = FALSE;

  for (; *p != '\0'; p++)
    {
      gboolean lead = (*p & 0xC0) != 0x80;

      if (lead && count >= max_chars)
        break;
      if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        {
          if (!last_space && count > 0)
            {
              g_string_append_c (out, ' ');
              count++;
            }
          last_space = TRUE;
          continue;
        }
      g_string_append_c (out, (char) *p);
      if (lead)
        count++;
      last_space = FALSE;
    }

  if (*p != '\0' || self->truncated)
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
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

char *
eit_log_entry_dup_pretty (EitLogEntry *self)
{
  if (self->truncated)
    return g_strdup (self->text);
  return eit_json_pretty (self->text);
}

static gboolean
contains_folded (const char *haystack,
                 const char *needle_lower)
{
  gsize nlen = strlen (needle_lower);

  if (haystack == NULL)
    return FALSE;
  for (const char *p = haystack; *p != '\0'; p++)
    {
      if (g_ascii_tolower (*p) == needle_lower[0] &&
          g_ascii_strncasecmp (p, needle_lower, nlen) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
eit_log_entry_matches (EitLogEntry *self,
                       const char  *needle_lower)
{
  if (needle_lower == NULL || needle_lower[0] == '\0')
    return TRUE;
  return contains_folded (self->type, needle_lower) ||
         contains_folded (self->text, needle_lower);
}

const char *
eit_log_direction_to_string (EitLogDirection direction)
{
  return direction == EIT_LOG_DIRECTION_OUT ? "out" : "in";
}
