/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "eit-json-text.h"
#include "eit-log-entry.h"
#include "eit-monitor-enums.h"
#include "eit-types.h"

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

EitLogEntry *
eit_log_entry_new (gint64           real_time,
                   EitLogDirection  direction,
                   const char      *json,
                   gsize            len)
{
  EitLogEntry *self = g_object_new (EIT_TYPE_LOG_ENTRY, NULL);
  g_autofree char *type = eit_json_scan_message_type (json, len);
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
  return eit_enum_get_nick (EIT_TYPE_LOG_DIRECTION, direction, "in");
}
