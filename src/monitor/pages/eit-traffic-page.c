/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-traffic-page.h"
#include "eit-widget-util.h"

#define COLOR_IN  "#3584e4"
#define COLOR_OUT "#e66100"

struct _EitTrafficPage
{
  GtkWidget          parent_instance;

  EitChart          *messages_chart;
  EitChart          *bytes_chart;
  EitMessageLogView *log_view;
  EitComposer       *composer;

  EitHubWatch     *watch;
};

G_DEFINE_FINAL_TYPE (EitTrafficPage, eit_traffic_page, GTK_TYPE_WIDGET)

static void
eit_traffic_page_dispose (GObject *object)
{
  EitTrafficPage *self = EIT_TRAFFIC_PAGE (object);

  g_clear_object (&self->watch);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_TRAFFIC_PAGE);
  eit_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (eit_traffic_page_parent_class)->dispose (object);
}

static void
eit_traffic_page_class_init (EitTrafficPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_traffic_page_dispose;

  g_type_ensure (EIT_TYPE_CHART);
  g_type_ensure (EIT_TYPE_MESSAGE_LOG_VIEW);
  g_type_ensure (EIT_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-traffic-page.ui");
  gtk_widget_class_bind_template_child (widget_class, EitTrafficPage, messages_chart);
  gtk_widget_class_bind_template_child (widget_class, EitTrafficPage, bytes_chart);
  gtk_widget_class_bind_template_child (widget_class, EitTrafficPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, EitTrafficPage, composer);
}

static void
eit_traffic_page_init (EitTrafficPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  eit_chart_set_unit (self->messages_chart, EIT_CHART_UNIT_PER_SECOND);
  eit_chart_set_unit (self->bytes_chart, EIT_CHART_UNIT_BYTES_PER_SECOND);
}

void
eit_traffic_page_set_watch (EitTrafficPage *self,
                              EitHubWatch  *watch)
{
  g_return_if_fail (EIT_IS_TRAFFIC_PAGE (self));

  if (!g_set_object (&self->watch, watch))
    return;

  eit_chart_remove_all (self->messages_chart);
  eit_chart_remove_all (self->bytes_chart);
  if (watch != NULL)
    {
      EitSampleSeries *series = eit_hub_watch_get_series (watch);

      eit_chart_add_line (self->messages_chart, series, EIT_METRIC_MESSAGES_IN_RATE, _("In"), COLOR_IN);
      eit_chart_add_line (self->messages_chart, series, EIT_METRIC_MESSAGES_OUT_RATE, _("Out"), COLOR_OUT);
      eit_chart_add_line (self->bytes_chart, series, EIT_METRIC_BYTES_IN_RATE, _("In"), COLOR_IN);
      eit_chart_add_line (self->bytes_chart, series, EIT_METRIC_BYTES_OUT_RATE, _("Out"), COLOR_OUT);
    }
  eit_message_log_view_set_watch (self->log_view, watch);
  eit_composer_set_watch (self->composer, watch);
}

void
eit_traffic_page_set_window (EitTrafficPage *self,
                             guint           seconds)
{
  g_return_if_fail (EIT_IS_TRAFFIC_PAGE (self));
  eit_chart_set_window (self->messages_chart, seconds);
  eit_chart_set_window (self->bytes_chart, seconds);
}

EitMessageLogView *
eit_traffic_page_get_log_view (EitTrafficPage *self)
{
  g_return_val_if_fail (EIT_IS_TRAFFIC_PAGE (self), NULL);
  return self->log_view;
}

EitComposer *
eit_traffic_page_get_composer (EitTrafficPage *self)
{
  g_return_val_if_fail (EIT_IS_TRAFFIC_PAGE (self), NULL);
  return self->composer;
}

EitChart *
eit_traffic_page_get_messages_chart (EitTrafficPage *self)
{
  g_return_val_if_fail (EIT_IS_TRAFFIC_PAGE (self), NULL);
  return self->messages_chart;
}

EitChart *
eit_traffic_page_get_bytes_chart (EitTrafficPage *self)
{
  g_return_val_if_fail (EIT_IS_TRAFFIC_PAGE (self), NULL);
  return self->bytes_chart;
}
