/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eit-sample-series.h"

struct _EitSampleSeries
{
  GObject   parent_instance;

  GStrv     column_names;
  guint     n_columns;
  guint     capacity;
  gint64   *times;    /* capacity */
  double   *values;   /* capacity * n_columns */
  guint64   n_rows;
  gint64    real_offset;  /* real-time minus monotonic, taken at creation */
};

G_DEFINE_FINAL_TYPE (EitSampleSeries, eit_sample_series, G_TYPE_OBJECT)

enum { SAMPLED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
eit_sample_series_finalize (GObject *object)
{
  EitSampleSeries *self = EIT_SAMPLE_SERIES (object);

  g_strfreev (self->column_names);
  g_free (self->times);
  g_free (self->values);

  G_OBJECT_CLASS (eit_sample_series_parent_class)->finalize (object);
}

static void
eit_sample_series_class_init (EitSampleSeriesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = eit_sample_series_finalize;

  signals[SAMPLED] = g_signal_new ("sampled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
eit_sample_series_init (EitSampleSeries *self)
{
  self->real_offset = g_get_real_time () - g_get_monotonic_time ();
}

EitSampleSeries *
eit_sample_series_new (const char * const *column_names,
                       guint               capacity)
{
  EitSampleSeries *self;

  g_return_val_if_fail (column_names != NULL && column_names[0] != NULL, NULL);
  g_return_val_if_fail (capacity > 1, NULL);

  self = g_object_new (EIT_TYPE_SAMPLE_SERIES, NULL);
  self->column_names = g_strdupv ((char **) column_names);
  self->n_columns = g_strv_length (self->column_names);
  self->capacity = capacity;
  self->times = g_new0 (gint64, capacity);
  self->values = g_new0 (double, (gsize) capacity * self->n_columns);
  return self;
}

guint
eit_sample_series_get_n_columns (EitSampleSeries *self)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);
  return self->n_columns;
}

const char *
eit_sample_series_get_column_name (EitSampleSeries *self,
                                   guint            column)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), NULL);
  g_return_val_if_fail (column < self->n_columns, NULL);
  return self->column_names[column];
}

guint
eit_sample_series_get_capacity (EitSampleSeries *self)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);
  return self->capacity;
}

void
eit_sample_series_append (EitSampleSeries *self,
                          gint64           time,
                          const double    *values)
{
  guint slot;

  g_return_if_fail (EIT_IS_SAMPLE_SERIES (self));
  g_return_if_fail (values != NULL);

  if (self->n_rows > 0)
    {
      gint64 last = self->times[(self->n_rows - 1) % self->capacity];
      if (time < last)
        time = last;
    }

  slot = self->n_rows % self->capacity;
  self->times[slot] = time;
  memcpy (&self->values[(gsize) slot * self->n_columns], values,
          sizeof (double) * self->n_columns);
  self->n_rows++;

  g_signal_emit (self, signals[SAMPLED], 0);
}

guint64
eit_sample_series_get_n_rows (EitSampleSeries *self)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);
  return self->n_rows;
}

guint64
eit_sample_series_get_first_row (EitSampleSeries *self)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);
  return self->n_rows > self->capacity ? self->n_rows - self->capacity : 0;
}

gint64
eit_sample_series_get_time (EitSampleSeries *self,
                            guint64          row)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);
  g_return_val_if_fail (row < self->n_rows, 0);
  return self->times[row % self->capacity];
}

double
eit_sample_series_get_value (EitSampleSeries *self,
                             guint64          row,
                             guint            column)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), NAN);
  g_return_val_if_fail (row < self->n_rows, NAN);
  g_return_val_if_fail (column < self->n_columns, NAN);
  return self->values[(gsize) (row % self->capacity) * self->n_columns + column];
}

guint64
eit_sample_series_find_row (EitSampleSeries *self,
                            gint64           time)
{
  guint64 lo, hi;

  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);

  lo = eit_sample_series_get_first_row (self);
  hi = self->n_rows;
  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;
      if (self->times[mid % self->capacity] < time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gint64
eit_sample_series_get_real_time (EitSampleSeries *self,
                                 guint64          row)
{
  return eit_sample_series_get_time (self, row) + self->real_offset;
}

gint64
eit_sample_series_to_real_time (EitSampleSeries *self,
                                gint64           monotonic)
{
  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (self), 0);
  return monotonic + self->real_offset;
}
