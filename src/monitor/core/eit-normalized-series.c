/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "eit-normalized-series.h"

struct _EitNormalizedSeries
{
  GObject          parent_instance;
  EitSampleSeries *series;
  float           *values;   /* ring, same capacity as the series */
  guint            capacity;
  guint            column;
  double           max;
  guint64          upto;     /* rows below this are normalized */
};

G_DEFINE_FINAL_TYPE (EitNormalizedSeries, eit_normalized_series, G_TYPE_OBJECT)

static void
eit_normalized_series_finalize (GObject *object)
{
  EitNormalizedSeries *self = EIT_NORMALIZED_SERIES (object);

  g_clear_object (&self->series);
  g_free (self->values);

  G_OBJECT_CLASS (eit_normalized_series_parent_class)->finalize (object);
}

static void
eit_normalized_series_class_init (EitNormalizedSeriesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = eit_normalized_series_finalize;
}

static void
eit_normalized_series_init (EitNormalizedSeries *self)
{
  self->max = 1.0;
}

EitNormalizedSeries *
eit_normalized_series_new (EitSampleSeries *series,
                           guint            column)
{
  EitNormalizedSeries *self;

  g_return_val_if_fail (EIT_IS_SAMPLE_SERIES (series), NULL);
  g_return_val_if_fail (column < eit_sample_series_get_n_columns (series), NULL);

  self = g_object_new (EIT_TYPE_NORMALIZED_SERIES, NULL);
  self->series = g_object_ref (series);
  self->column = column;
  self->capacity = eit_sample_series_get_capacity (series);
  self->values = g_new0 (float, self->capacity);
  return self;
}

EitSampleSeries *
eit_normalized_series_get_series (EitNormalizedSeries *self)
{
  g_return_val_if_fail (EIT_IS_NORMALIZED_SERIES (self), NULL);
  return self->series;
}

guint
eit_normalized_series_get_column (EitNormalizedSeries *self)
{
  g_return_val_if_fail (EIT_IS_NORMALIZED_SERIES (self), 0);
  return self->column;
}

void
eit_normalized_series_set_range (EitNormalizedSeries *self,
                                 double               max)
{
  g_return_if_fail (EIT_IS_NORMALIZED_SERIES (self));

  if (!(max > 0))
    max = 1.0;
  if (max == self->max)
    return;
  self->max = max;
  self->upto = 0;
}

double
eit_normalized_series_get_range (EitNormalizedSeries *self)
{
  g_return_val_if_fail (EIT_IS_NORMALIZED_SERIES (self), 1.0);
  return self->max;
}

guint
eit_normalized_series_update (EitNormalizedSeries *self)
{
  guint64 first, n_rows, row;

  g_return_val_if_fail (EIT_IS_NORMALIZED_SERIES (self), 0);

  first = eit_sample_series_get_first_row (self->series);
  n_rows = eit_sample_series_get_n_rows (self->series);
  row = MAX (self->upto, first);

  for (; row < n_rows; row++)
    {
      double v = eit_sample_series_get_value (self->series, row, self->column);
      self->values[row % self->capacity] = isnan (v) ? NAN : (float) CLAMP (v / self->max, 0.0, 1.0);
    }

  n_rows -= MAX (self->upto, first);
  self->upto = row;
  return (guint) n_rows;
}

float
eit_normalized_series_get (EitNormalizedSeries *self,
                           guint64              row)
{
  g_return_val_if_fail (EIT_IS_NORMALIZED_SERIES (self), NAN);
  return self->values[row % self->capacity];
}
