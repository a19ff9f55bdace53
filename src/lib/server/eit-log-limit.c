/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-log-limit.h"

typedef struct {
  gint64 last;        /* monotonic µs of the last line logged */
  guint  suppressed;  /* lines left out since */
} Kind;

struct _EitLogLimit
{
  gint64      interval;  /* µs */
  GHashTable *kinds;     /* kind (string) -> Kind */
};

EitLogLimit *
eit_log_limit_new (guint interval_ms)
{
  EitLogLimit *self = g_new0 (EitLogLimit, 1);

  self->interval = (gint64) interval_ms * G_TIME_SPAN_MILLISECOND;
  self->kinds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
eit_log_limit_free (EitLogLimit *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->kinds);
  g_free (self);
}

/* TRUE when a line of this kind may be logged now; *suppressed is then the
 * number of lines of the kind left out since the last one. */
static gboolean
check (EitLogLimit *self,
       const char  *kind,
       guint       *suppressed)
{
  gint64 now = g_get_monotonic_time ();
  Kind *entry = g_hash_table_lookup (self->kinds, kind);

  if (entry == NULL)
    {
      /* Kinds are a fixed set of words chosen by the code, never peer text. */
      entry = g_new0 (Kind, 1);
      entry->last = now - self->interval;
      g_hash_table_insert (self->kinds, g_strdup (kind), entry);
    }
  if (now - entry->last < self->interval)
    {
      entry->suppressed++;
      return FALSE;
    }
  entry->last = now;
  *suppressed = entry->suppressed;
  entry->suppressed = 0;
  return TRUE;
}

char *
eit_log_limit_vformat (EitLogLimit *self,
                       const char  *kind,
                       const char  *format,
                       va_list      args)
{
  g_autofree char *line = NULL;
  guint suppressed = 0;

  if (kind != NULL && !check (self, kind, &suppressed))
    return NULL;
  line = g_strdup_vprintf (format, args);
  if (suppressed == 0)
    return g_steal_pointer (&line);
  return g_strdup_printf ("%s (and %u more like it in the last second)", line, suppressed);
}
