/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
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

char *
eit_log_scan_message_type (const char *json,
                           gsize       len)
{
  gsize n = MIN (len, SCAN_LIMIT);
  gsize i;
  int depth = 1;
  gboolean expect_key = TRUE;

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
            return NULL;

          if (depth == 1 && expect_key)
            {
              gboolean is_type = (end - start == 4 && memcmp (json + start, "type", 4) == 0);

              i = skip_space (json, end + 1, n);
              if (i >= n || json[i] != ':')
                return NULL;
              i = skip_space (json, i + 1, n);
              if (is_type)
                {
                  gsize vend;

                  if (i >= n || json[i] != '"')
                    return NULL;
                  vend = string_end (json, i + 1, n);
                  if (vend >= n)
                    return NULL;
                  return g_utf8_make_valid (json + i + 1, MIN (vend - i - 1, TYPE_LIMIT));
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
            return NULL;
        }
      else if (c == ',' && depth == 1)
        expect_key = TRUE;
      i++;
    }

  return NULL;
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
  GString *out = g_string_sized_new (MIN (max_chars + 8, 256));
  const char *p = self->text;
  guint count = 0;
  gboolean last_space = FALSE;

  while (*p != '\0' && count < max_chars)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (g_unichar_isspace (c))
        {
          if (!last_space && count > 0)
            {
              g_string_append_c (out, ' ');
              count++;
            }
          last_space = TRUE;
        }
      else
        {
          g_string_append_unichar (out, c);
          count++;
          last_space = FALSE;
        }
      p = g_utf8_next_char (p);
    }

  if (*p != '\0' || self->truncated)
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

char *
eit_log_entry_dup_pretty (EitLogEntry *self)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonGenerator) generator = NULL;

  if (self->truncated || !json_parser_load_from_data (parser, self->text, -1, NULL))
    return g_strdup (self->text);

  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_data (generator, NULL);
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
