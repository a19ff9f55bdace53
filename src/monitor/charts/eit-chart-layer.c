/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "eit-chart-layer.h"

typedef struct
{
  EitSampleSeries     *series;
  EitNormalizedSeries *normalized;
  guint                column;
  char                *label;
  GdkRGBA              color;
} EitChartLayerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (EitChartLayer, eit_chart_layer, G_TYPE_OBJECT)

enum { PROP_0, PROP_SERIES, PROP_COLUMN, PROP_LABEL, PROP_COLOR, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
eit_chart_layer_constructed (GObject *object)
{
  EitChartLayer *self = EIT_CHART_LAYER (object);
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);

  G_OBJECT_CLASS (eit_chart_layer_parent_class)->constructed (object);

  g_assert (priv->series != NULL);
  priv->normalized = eit_normalized_series_new (priv->series, priv->column);
}

static void
eit_chart_layer_finalize (GObject *object)
{
  EitChartLayer *self = EIT_CHART_LAYER (object);
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);

  g_clear_object (&priv->normalized);
  g_clear_object (&priv->series);
  g_free (priv->label);

  G_OBJECT_CLASS (eit_chart_layer_parent_class)->finalize (object);
}

static void
eit_chart_layer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  EitChartLayer *self = EIT_CHART_LAYER (object);
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_SERIES: g_value_set_object (value, priv->series); break;
    case PROP_COLUMN: g_value_set_uint (value, priv->column); break;
    case PROP_LABEL: g_value_set_string (value, priv->label); break;
    case PROP_COLOR: g_value_set_boxed (value, &priv->color); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_chart_layer_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  EitChartLayer *self = EIT_CHART_LAYER (object);
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_SERIES:
      priv->series = g_value_dup_object (value);
      break;
    case PROP_COLUMN:
      priv->column = g_value_get_uint (value);
      break;
    case PROP_LABEL:
      g_free (priv->label);
      priv->label = g_value_dup_string (value);
      break;
    case PROP_COLOR:
      if (g_value_get_boxed (value) != NULL)
        priv->color = *(GdkRGBA *) g_value_get_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_chart_layer_class_init (EitChartLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = eit_chart_layer_constructed;
  object_class->finalize = eit_chart_layer_finalize;
  object_class->get_property = eit_chart_layer_get_property;
  object_class->set_property = eit_chart_layer_set_property;

  properties[PROP_SERIES] =
    g_param_spec_object ("series", NULL, NULL, EIT_TYPE_SAMPLE_SERIES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLUMN] =
    g_param_spec_uint ("column", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] =
    g_param_spec_boxed ("color", NULL, NULL, GDK_TYPE_RGBA,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
eit_chart_layer_init (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);

  priv->color = (GdkRGBA) { 0.21, 0.52, 0.89, 1.0 };
}

EitNormalizedSeries *
eit_chart_layer_get_normalized (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  return priv->normalized;
}

EitSampleSeries *
eit_chart_layer_get_series (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  return priv->series;
}

guint
eit_chart_layer_get_column (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  return priv->column;
}

const char *
eit_chart_layer_get_label (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  return priv->label;
}

const GdkRGBA *
eit_chart_layer_get_color (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  return &priv->color;
}

double
eit_chart_layer_get_max (EitChartLayer *self,
                         gint64         start,
                         gint64         end)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  guint64 n_rows = eit_sample_series_get_n_rows (priv->series);
  double max = 0;

  for (guint64 row = eit_sample_series_find_row (priv->series, start); row < n_rows; row++)
    {
      double v;

      if (eit_sample_series_get_time (priv->series, row) > end)
        break;
      v = eit_sample_series_get_value (priv->series, row, priv->column);
      if (!isnan (v) && v > max)
        max = v;
    }
  return max;
}

double
eit_chart_layer_get_value_at (EitChartLayer *self,
                              gint64         time)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  guint64 row = eit_sample_series_find_row (priv->series, time);
  guint64 first = eit_sample_series_get_first_row (priv->series);
  guint64 n_rows = eit_sample_series_get_n_rows (priv->series);

  /* find_row gives the first row at or after time: step back unless exact. */
  if (row >= n_rows || eit_sample_series_get_time (priv->series, row) > time)
    {
      if (row <= first)
        return NAN;
      row--;
    }
  return eit_sample_series_get_value (priv->series, row, priv->column);
}

double
eit_chart_layer_get_last_value (EitChartLayer *self)
{
  EitChartLayerPrivate *priv = eit_chart_layer_get_instance_private (self);
  guint64 n_rows = eit_sample_series_get_n_rows (priv->series);

  if (n_rows == 0)
    return NAN;
  return eit_sample_series_get_value (priv->series, n_rows - 1, priv->column);
}

void
eit_chart_layer_snapshot (EitChartLayer      *self,
                          GtkSnapshot        *snapshot,
                          const EitChartView *view)
{
  g_return_if_fail (EIT_IS_CHART_LAYER (self));

  if (EIT_CHART_LAYER_GET_CLASS (self)->snapshot != NULL)
    EIT_CHART_LAYER_GET_CLASS (self)->snapshot (self, snapshot, view);
}
