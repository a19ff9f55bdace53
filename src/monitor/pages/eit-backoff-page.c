/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "eit-backoff-page.h"
#include "eit-format.h"

typedef enum {
  CARD_CREDIT_OUT,
  CARD_CREDIT_IN,
  CARD_IN_FLIGHT,
  CARD_QUEUE,
  CARD_CREDIT_WAIT,
  CARD_RATE_WINDOW,
  CARD_INBOUND,
  CARD_KEEPALIVE,
  CARD_RTT,
  CARD_RECOVERY,
  N_CARDS
} Card;

static const struct { const char *key; const char *title; } cards[N_CARDS] = {
  { "credit-out",  N_("Credit to send") },
  { "credit-in",   N_("Credit to receive") },
  { "in-flight",   N_("In flight") },
  { "queue",       N_("Send queue") },
  { "credit-wait", N_("Waiting for credit") },
  { "rate-window", N_("Delivery-rate window") },
  { "inbound",     N_("Not yet consumed") },
  { "keepalive",   N_("Keep-alive") },
  { "rtt",         N_("Round-trip time") },
  { "recovery",    N_("Recovery") },
};

struct _EitBackoffPage
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *status_page;
  GtkFlowBox    *cards;
  GtkBox        *charts_box;
  EitChart      *rtt_chart;
  EitChart      *credit_chart;

  GtkLabel      *values[N_CARDS];
  GtkLabel      *details[N_CARDS];
  GtkWidget     *card_widgets[N_CARDS];

  EitHubWatch *watch;
  GSignalGroup  *watch_signals;
};

G_DEFINE_FINAL_TYPE (EitBackoffPage, eit_backoff_page, ADW_TYPE_BIN)

static void
set_text (GtkLabel   *label,
          const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (label), text) != 0)
    gtk_label_set_text (label, text);
}

/* Shows value and detail on the card, then frees both (the callers build
 * them fresh for each update). */
static void
take_card (EitBackoffPage *self,
           Card            card,
           char           *value,
           char           *detail)
{
  g_autofree char *description = NULL;

  set_text (self->values[card], value);
  set_text (self->details[card], detail);
  description = g_strdup_printf ("%s, %s", value, detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->card_widgets[card]),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  g_free (value);
  g_free (detail);
}

/* Digits only: xgettext cannot read G_GUINT64_FORMAT inside a message. */
static char *
format_number (guint64 value)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, value);
}

static char *
of (double part,
    double whole)
{
  g_autofree char *a = eit_format_count (part);
  g_autofree char *b = eit_format_count (whole);
  /* Translators: "812 of 1024" */
  return g_strdup_printf (_("%s of %s"), a, b);
}

static char *
bytes_of (double part,
          double whole)
{
  g_autofree char *a = eit_format_bytes (part);
  g_autofree char *b = eit_format_bytes (whole);
  return g_strdup_printf (_("%s of %s"), a, b);
}

static void
update_cards (EitBackoffPage      *self,
              const EitHubMetrics *m)
{
  const EitFlowStats *f = &m->flow;
  guint64 credit_in = f->window_messages > f->inbound_pending ? f->window_messages - f->inbound_pending : 0;
  double wait_now = NAN;
  EitSampleSeries *series = eit_hub_watch_get_series (self->watch);
  guint64 n_rows = eit_sample_series_get_n_rows (series);
  g_autofree char *bytes = NULL;

  if (n_rows > 0)
    wait_now = eit_sample_series_get_value (series, n_rows - 1, EIT_METRIC_CREDIT_WAIT);

  bytes = bytes_of (f->credit_bytes, f->peer_window_bytes);
  take_card (self, CARD_CREDIT_OUT, of (f->credit_messages, f->peer_window_messages),
             g_strdup_printf (_("messages; %s the hub allows"), bytes));
  take_card (self, CARD_CREDIT_IN, of (credit_in, f->window_messages),
             g_strdup (_("messages the hub may still send us")));
  {
    g_autofree char *b = eit_format_bytes (f->in_flight_bytes);
    take_card (self, CARD_IN_FLIGHT, eit_format_count (f->in_flight_messages),
               g_strdup_printf (_("messages (%s) sent, not yet acknowledged"), b));
  }
  take_card (self, CARD_QUEUE, eit_format_count (f->queue_depth),
             g_strdup (f->queue_depth > 0 && f->waiting_for_credit
                       ? _("messages waiting for credit")
                       : _("messages accepted, not yet sent")));
  /* ms of waiting per second of time: a share of the time, in percent. */
  take_card (self, CARD_CREDIT_WAIT, eit_format_duration (f->credit_wait_time),
             g_strdup_printf (_("in total; messages wait %.0f%% of the time now"),
                              isnan (wait_now) ? 0.0 : MIN (wait_now / 10.0, 100.0)));
  {
    g_autofree char *rate = eit_format_bytes (f->delivery_rate);
    g_autofree char *frame = eit_format_bytes (f->frame_bound);

    /* The window the measured delivery rate allows (PROTOCOL.md 6.4), and
     * what sizes it when the hub reports it: how long our data queued. */
    if (f->delivery_rate > 0 && f->queue_delay >= 0)
      {
        g_autofree char *queued = eit_format_millis (f->queue_delay);

        take_card (self, CARD_RATE_WINDOW, eit_format_bytes (f->adapted_window),
                   /* Translators: "delivered at 115 kB/s; queued 38 ms on the way; frames up to 11.6 kB" */
                   g_strdup_printf (_("delivered at %s/s; queued %s on the way; frames up to %s"),
                                    rate, queued, frame));
      }
    else
      take_card (self, CARD_RATE_WINDOW, eit_format_bytes (f->adapted_window),
                 f->delivery_rate > 0
                 ? g_strdup_printf (_("delivered at %s/s; frames up to %s"), rate, frame)
                 : g_strdup_printf (_("no delivery rate measured yet; frames up to %s"), frame));
  }
  take_card (self, CARD_INBOUND, eit_format_count (f->inbound_pending),
             g_strdup (_("messages received, not yet consumed")));
  {
    g_autofree char *pings = format_number (f->pings_sent);
    g_autofree char *pongs = format_number (f->pongs_received);
    g_autofree char *from_hub = format_number (f->pings_received);
    /* Translators: keep-alive pings we sent */
    take_card (self, CARD_KEEPALIVE, g_strdup_printf (_("%s sent"), pings),
               g_strdup_printf (_("%s pongs back; %s pings from the hub"), pongs, from_hub));
  }
  {
    g_autofree char *smoothed = eit_format_millis (f->rtt_smoothed);
    g_autofree char *p50 = eit_format_millis (f->rtt_p50);
    g_autofree char *p99 = eit_format_millis (f->rtt_p99);
    take_card (self, CARD_RTT, eit_format_millis (f->rtt_last),
               g_strdup_printf (_("smoothed %s; p50 %s; p99 %s"), smoothed, p50, p99));
  }
  {
    g_autofree char *resent = format_number (f->resent);
    g_autofree char *duplicates = format_number (f->duplicates);
    g_autofree char *rejected = format_number (f->rejected);
    take_card (self, CARD_RECOVERY, g_strdup_printf (_("%s resent"), resent),
               g_strdup_printf (_("%s duplicates dropped; %s sends refused (queue full)"),
                                duplicates, rejected));
  }
}

static void
update (EitBackoffPage *self)
{
  const EitHubMetrics *m;

  if (self->watch == NULL)
    return;

  m = eit_hub_watch_get_metrics (self->watch);
  if (m->mode == EIT_PROTOCOL_MODE_BASE)
    {
      adw_status_page_set_title (self->status_page, _("No Back-off Layer"));
      adw_status_page_set_description (self->status_page,
        _("This hub speaks only the base layer: an authenticated WebSocket carrying JSON. "
          "Credits, acknowledgements, keep-alive pings and round-trip times belong to the "
          "full protocol (eithub.v1), so there is nothing to measure here. The Connection "
          "and Traffic panels still work."));
      gtk_stack_set_visible_child_name (self->stack, "inactive");
    }
  else if (!m->have_flow)
    {
      adw_status_page_set_title (self->status_page, _("Not Connected Yet"));
      adw_status_page_set_description (self->status_page,
        _("The back-off layer’s credits, queue and round-trip times appear once the hub is "
          "connected with the full protocol."));
      gtk_stack_set_visible_child_name (self->stack, "inactive");
    }
  else
    {
      update_cards (self, m);
      gtk_stack_set_visible_child_name (self->stack, "active");
    }
}

static void
build_cards (EitBackoffPage *self)
{
  for (guint i = 0; i < N_CARDS; i++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *title = gtk_label_new (_(cards[i].title));
      GtkWidget *value = gtk_label_new ("–");
      GtkWidget *detail = gtk_label_new ("");

      gtk_widget_add_css_class (box, "card");
      gtk_widget_add_css_class (box, "stat-card");
      gtk_accessible_update_property (GTK_ACCESSIBLE (box),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _(cards[i].title),
                                      -1);
      /* Titles and values wrap, and details start narrow, so two cards
       * still fit side by side in a 360 px window. */
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_wrap (GTK_LABEL (title), TRUE);
      gtk_widget_add_css_class (title, "caption-heading");
      gtk_widget_add_css_class (title, "dim-label");
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_widget_add_css_class (value, "title-3");
      gtk_widget_add_css_class (value, "numeric");
      gtk_label_set_xalign (GTK_LABEL (detail), 0);
      gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (detail), 3);
      gtk_label_set_width_chars (GTK_LABEL (detail), 12);
      gtk_label_set_max_width_chars (GTK_LABEL (detail), 26);
      gtk_widget_add_css_class (detail, "caption");
      gtk_widget_add_css_class (detail, "dim-label");
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), value);
      gtk_box_append (GTK_BOX (box), detail);
      gtk_flow_box_append (self->cards, box);

      self->values[i] = GTK_LABEL (value);
      self->details[i] = GTK_LABEL (detail);
      self->card_widgets[i] = box;
    }
}

static void
eit_backoff_page_dispose (GObject *object)
{
  EitBackoffPage *self = EIT_BACKOFF_PAGE (object);

  eit_backoff_page_set_watch (self, NULL);
  g_clear_object (&self->watch_signals);
  /* The stack is both the bin's child and a template child: the bin lets go
   * of it first, or disposing the template unparents it behind its back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_BACKOFF_PAGE);

  G_OBJECT_CLASS (eit_backoff_page_parent_class)->dispose (object);
}

static void
eit_backoff_page_class_init (EitBackoffPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_backoff_page_dispose;

  g_type_ensure (EIT_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-backoff-page.ui");
  gtk_widget_class_bind_template_child (widget_class, EitBackoffPage, stack);
  gtk_widget_class_bind_template_child (widget_class, EitBackoffPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, EitBackoffPage, cards);
  gtk_widget_class_bind_template_child (widget_class, EitBackoffPage, charts_box);
  gtk_widget_class_bind_template_child (widget_class, EitBackoffPage, rtt_chart);
  gtk_widget_class_bind_template_child (widget_class, EitBackoffPage, credit_chart);
}

static void
eit_backoff_page_init (EitBackoffPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->watch_signals = g_signal_group_new (EIT_TYPE_HUB_WATCH);
  g_signal_group_connect_object (self->watch_signals, "metrics-changed",
                                 G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  eit_chart_set_unit (self->rtt_chart, EIT_CHART_UNIT_MILLISECONDS);
  eit_chart_set_unit (self->credit_chart, EIT_CHART_UNIT_COUNT);
  build_cards (self);
  adw_status_page_set_title (self->status_page, _("Not Connected Yet"));
}

void
eit_backoff_page_set_watch (EitBackoffPage *self,
                              EitHubWatch  *watch)
{
  g_return_if_fail (EIT_IS_BACKOFF_PAGE (self));

  if (self->watch == watch)
    return;

  g_set_object (&self->watch, watch);
  g_signal_group_set_target (self->watch_signals, watch);

  eit_chart_remove_all (self->rtt_chart);
  eit_chart_remove_all (self->credit_chart);
  if (watch != NULL)
    {
      EitSampleSeries *series = eit_hub_watch_get_series (watch);

      eit_chart_add_line (self->rtt_chart, series, EIT_METRIC_RTT_LAST, _("Last"), "#3584e4");
      eit_chart_add_line (self->rtt_chart, series, EIT_METRIC_RTT_P50, _("p50"), "#26a269");
      eit_chart_add_line (self->rtt_chart, series, EIT_METRIC_RTT_P99, _("p99"), "#c01c28");
      eit_chart_add_line (self->credit_chart, series, EIT_METRIC_CREDIT_OUT, _("Credit out"), "#3584e4");
      eit_chart_add_line (self->credit_chart, series, EIT_METRIC_CREDIT_IN, _("Credit in"), "#26a269");
      eit_chart_add_line (self->credit_chart, series, EIT_METRIC_IN_FLIGHT, _("In flight"), "#9141ac");
      eit_chart_add_line (self->credit_chart, series, EIT_METRIC_QUEUE_DEPTH, _("Queue"), "#e66100");
      update (self);
    }
}

void
eit_backoff_page_set_window (EitBackoffPage *self,
                             guint           seconds)
{
  g_return_if_fail (EIT_IS_BACKOFF_PAGE (self));
  eit_chart_set_window (self->rtt_chart, seconds);
  eit_chart_set_window (self->credit_chart, seconds);
}

void
eit_backoff_page_set_narrow (EitBackoffPage *self,
                             gboolean        narrow)
{
  g_return_if_fail (EIT_IS_BACKOFF_PAGE (self));

  /* Side by side, each chart would be too thin to read. */
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->charts_box),
                                  narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
}

gboolean
eit_backoff_page_get_narrow (EitBackoffPage *self)
{
  g_return_val_if_fail (EIT_IS_BACKOFF_PAGE (self), FALSE);
  return gtk_orientable_get_orientation (GTK_ORIENTABLE (self->charts_box)) == GTK_ORIENTATION_VERTICAL;
}

gboolean
eit_backoff_page_is_active (EitBackoffPage *self)
{
  g_return_val_if_fail (EIT_IS_BACKOFF_PAGE (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "active") == 0;
}

const char *
eit_backoff_page_get_inactive_reason (EitBackoffPage *self)
{
  g_return_val_if_fail (EIT_IS_BACKOFF_PAGE (self), NULL);
  if (eit_backoff_page_is_active (self))
    return NULL;
  return adw_status_page_get_description (self->status_page);
}

static GtkLabel *
find_label (GtkLabel   **labels,
            const char  *key)
{
  for (guint i = 0; i < N_CARDS; i++)
    if (g_strcmp0 (cards[i].key, key) == 0)
      return labels[i];
  return NULL;
}

const char *
eit_backoff_page_get_value (EitBackoffPage *self,
                            const char     *key)
{
  GtkLabel *label;

  g_return_val_if_fail (EIT_IS_BACKOFF_PAGE (self), NULL);
  label = find_label (self->values, key);
  return label != NULL ? gtk_label_get_text (label) : NULL;
}

const char *
eit_backoff_page_get_detail (EitBackoffPage *self,
                             const char     *key)
{
  GtkLabel *label;

  g_return_val_if_fail (EIT_IS_BACKOFF_PAGE (self), NULL);
  label = find_label (self->details, key);
  return label != NULL ? gtk_label_get_text (label) : NULL;
}

EitChart *
eit_backoff_page_get_rtt_chart (EitBackoffPage *self)
{
  g_return_val_if_fail (EIT_IS_BACKOFF_PAGE (self), NULL);
  return self->rtt_chart;
}
