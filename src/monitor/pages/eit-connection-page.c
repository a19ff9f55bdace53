/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "eit-connection-page.h"
#include "eit-format.h"
#include "eit-state-band.h"
#include "eit-state-style.h"

typedef enum {
  ROW_UPTIME,
  ROW_RECONNECTS,
  ROW_CYCLES,
  ROW_TIMEOUTS,
  ROW_SESSION_RESETS,
  ROW_LAST_CLOSE,
  ROW_LAST_ERROR,
  ROW_BACKOFF_DELAY,
  ROW_NEXT_RETRY,
  ROW_MESSAGES,
  ROW_MODE,
  ROW_BASE_LAYER,
  ROW_CONNECTION_LAYER,
  ROW_BACKOFF_LAYER,
  ROW_INSTANCE,
  ROW_SESSION,
  ROW_TRUST,
  ROW_TLS_VERSION,
  ROW_TLS_CIPHER,
  ROW_PEER_FINGERPRINT,
  N_ROWS
} Row;

typedef enum { GROUP_CONNECTION, GROUP_LAYERS, GROUP_SECURITY } Group;

/* The narrowest a monospace value wraps to: a client instance on one line;
 * half that in a narrow window, so the row's title keeps room. */
#define MONOSPACE_CHARS 32
#define MONOSPACE_CHARS_NARROW 16

/* How a row shows its value: a label at the end, or the row's subtitle
 * (for sentences). */
typedef enum { VALUE_SUFFIX, VALUE_SUBTITLE, VALUE_MONOSPACE } ValueStyle;

static const struct {
  const char *key;
  const char *title;
  Group       group;
  ValueStyle  style;
} rows[N_ROWS] = {
  { "uptime",           N_("Uptime"),              GROUP_CONNECTION, VALUE_SUFFIX },
  { "reconnects",       N_("Reconnects"),          GROUP_CONNECTION, VALUE_SUFFIX },
  { "cycles",           N_("Cycles"),              GROUP_CONNECTION, VALUE_SUFFIX },
  { "timeouts",         N_("Inactivity timeouts"), GROUP_CONNECTION, VALUE_SUFFIX },
  { "session-resets",   N_("Session resets"),      GROUP_CONNECTION, VALUE_SUFFIX },
  { "last-close",       N_("Last close"),          GROUP_CONNECTION, VALUE_SUFFIX },
  { "last-error",       N_("Last error"),          GROUP_CONNECTION, VALUE_SUBTITLE },
  { "backoff-delay",    N_("Back-off delay chosen"), GROUP_CONNECTION, VALUE_SUFFIX },
  { "next-retry",       N_("Next retry"),          GROUP_CONNECTION, VALUE_SUFFIX },
  { "messages",         N_("Messages"),            GROUP_CONNECTION, VALUE_SUFFIX },
  { "mode",             N_("Mode"),                GROUP_LAYERS,     VALUE_SUBTITLE },
  { "base-layer",       N_("Base layer"),          GROUP_LAYERS,     VALUE_SUBTITLE },
  { "connection-layer", N_("Connection layer"),    GROUP_LAYERS,     VALUE_SUBTITLE },
  { "backoff-layer",    N_("Back-off layer"),      GROUP_LAYERS,     VALUE_SUBTITLE },
  { "instance",         N_("Client instance"),     GROUP_LAYERS,     VALUE_MONOSPACE },
  { "session",          N_("Session"),             GROUP_LAYERS,     VALUE_SUFFIX },
  { "trust",            N_("Certificate trust"),   GROUP_SECURITY,   VALUE_SUBTITLE },
  { "tls-version",      N_("TLS version"),         GROUP_SECURITY,   VALUE_SUFFIX },
  { "tls-cipher",       N_("Cipher"),              GROUP_SECURITY,   VALUE_SUFFIX },
  { "peer-fingerprint", N_("Peer certificate (SHA-256)"), GROUP_SECURITY, VALUE_MONOSPACE },
};

struct _EitConnectionPage
{
  GtkWidget        parent_instance;

  GtkWidget       *state_dot;
  GtkLabel        *state_label;
  GtkLabel        *reason_label;
  GtkLabel        *retry_label;
  GtkLabel        *retry_detail_label;
  GtkWidget       *token_box;
  GtkLabel        *token_label;
  EitStateBand    *state_band;
  GtkWidget       *legend_box;
  AdwPreferencesGroup *connection_group;
  AdwPreferencesGroup *layers_group;
  AdwPreferencesGroup *security_group;

  AdwActionRow    *row_widgets[N_ROWS];
  GtkLabel        *row_labels[N_ROWS];   /* NULL for subtitle rows */
  char            *row_values[N_ROWS];

  EitHubWatch   *watch;
  GSignalGroup    *watch_signals;
  const char      *state_class;
};

G_DEFINE_FINAL_TYPE (EitConnectionPage, eit_connection_page, ADW_TYPE_BIN)

static void
set_row (EitConnectionPage *self,
         Row                row,
         const char        *value)
{
  if (value == NULL || value[0] == '\0')
    value = "–";
  if (g_strcmp0 (self->row_values[row], value) == 0)
    return;

  g_free (self->row_values[row]);
  self->row_values[row] = g_strdup (value);
  if (self->row_labels[row] != NULL)
    gtk_label_set_text (self->row_labels[row], value);
  else
    adw_action_row_set_subtitle (self->row_widgets[row], value);
}

static void
set_row_take (EitConnectionPage *self,
              Row                row,
              char              *value)
{
  set_row (self, row, value);
  g_free (value);
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (label), text != NULL ? text : "") != 0)
    gtk_label_set_text (label, text != NULL ? text : "");
}

static char *
format_trust (EitHubConfig *config)
{
  switch (eit_hub_config_get_trust_mode (config))
    {
    case EIT_TRUST_CA_FILE:
      return g_strdup_printf (_("Certificate authorities from %s"), eit_hub_config_get_ca_file (config));
    case EIT_TRUST_PINNED:
      return g_strdup_printf (_("Pinned: %s"), eit_hub_config_get_pinned_fingerprint (config));
    case EIT_TRUST_SYSTEM:
    default:
      return g_strdup (_("The system’s certificate authorities"));
    }
}

static void
update_layers (EitConnectionPage   *self,
               const EitHubMetrics *m)
{
  switch (m->mode)
    {
    case EIT_PROTOCOL_MODE_FULL:
      set_row (self, ROW_MODE, _("Full protocol (eithub.v1): all three layers are active"));
      set_row (self, ROW_BASE_LAYER, _("Active: authenticated WebSocket over TLS, JSON messages"));
      set_row (self, ROW_CONNECTION_LAYER,
               _("Active: sessions resume after a drop; cycling switches connections without losing messages"));
      set_row (self, ROW_BACKOFF_LAYER,
               _("Active: credits, acknowledgements, keep-alive and round-trip time"));
      break;
    case EIT_PROTOCOL_MODE_BASE:
      {
        g_autofree char *why = NULL;

        g_object_get (eit_hub_watch_get_connection (self->watch), "mode-reason", &why, NULL);
        if (g_strcmp0 (why, EIT_MODE_REASON_FELL_BACK) == 0)
          set_row (self, ROW_MODE,
                   _("Base layer only: this hub selected the full protocol (eithub.v1) but answered "
                     "with something else, so the app fell back to the base layer for it"));
        else if (g_strcmp0 (why, EIT_MODE_REASON_BASE_CHOSEN) == 0)
          set_row (self, ROW_MODE,
                   _("Base layer only: this hub is set to the base layer in its settings"));
        else
          set_row (self, ROW_MODE,
                   _("Base layer only: this hub does not speak the full protocol (eithub.v1)"));
      }
      set_row (self, ROW_BASE_LAYER, _("Active: authenticated WebSocket over TLS, JSON messages"));
      set_row (self, ROW_CONNECTION_LAYER,
               _("Partly: this client still reconnects with back-off and detects inactivity, but the hub "
                 "cannot resume sessions, so messages in flight during a drop can be lost"));
      set_row (self, ROW_BACKOFF_LAYER,
               _("Not available: a base-layer hub has no credits, acknowledgements or round-trip "
                 "times, so the Back-off panel has nothing to show"));
      break;
    case EIT_PROTOCOL_MODE_UNKNOWN:
    default:
      set_row (self, ROW_MODE, _("Not known until the first connection"));
      set_row (self, ROW_BASE_LAYER, NULL);
      set_row (self, ROW_CONNECTION_LAYER, NULL);
      set_row (self, ROW_BACKOFF_LAYER, NULL);
      break;
    }
}

static void
update_state (EitConnectionPage   *self,
              const EitHubMetrics *m)
{
  const char *klass = eit_connection_state_get_css_class (m->state);
  const char *reason = m->state_reason;
  gint64 now = g_get_monotonic_time ();

  set_label (self->state_label, eit_connection_state_get_label (m->state));
  if (self->state_class != klass)
    {
      if (self->state_class != NULL)
        gtk_widget_remove_css_class (self->state_dot, self->state_class);
      gtk_widget_add_css_class (self->state_dot, klass);
      self->state_class = klass;
    }

  if ((m->state == EIT_CONNECTION_STATE_FAILED || m->state == EIT_CONNECTION_STATE_BACKING_OFF) &&
      m->last_error_message != NULL && m->last_error_message[0] != '\0')
    reason = m->last_error_message;
  set_label (self->reason_label, reason);

  if (m->state == EIT_CONNECTION_STATE_BACKING_OFF && m->next_retry_time > 0)
    {
      gint64 left = MAX (0, m->next_retry_time - now);
      g_autofree char *left_text = eit_format_duration (left);
      g_autofree char *delay = eit_format_duration ((gint64) m->backoff_delay * 1000);
      g_autofree char *countdown = g_strdup_printf (_("Retrying in %s"), left_text);
      g_autofree char *detail = g_strdup_printf (_("back-off delay %s"), delay);

      set_label (self->retry_label, countdown);
      set_label (self->retry_detail_label, detail);
    }
  else if ((m->state == EIT_CONNECTION_STATE_CONNECTED || m->state == EIT_CONNECTION_STATE_CYCLING) &&
           m->connected_since > 0)
    {
      g_autofree char *up = eit_format_duration (g_get_real_time () - m->connected_since);
      g_autofree char *text = g_strdup_printf (_("Up %s"), up);
      g_autofree char *since = eit_format_clock (m->connected_since);
      g_autofree char *detail = g_strdup_printf (_("since %s"), since);

      set_label (self->retry_label, text);
      set_label (self->retry_detail_label, detail);
    }
  else
    {
      set_label (self->retry_label, "");
      set_label (self->retry_detail_label, "");
    }
}

static void
update_token (EitConnectionPage *self)
{
  EitTokenState state = eit_hub_watch_get_token_state (self->watch);

  if (state == EIT_TOKEN_STATE_ERROR)
    set_label (self->token_label, eit_hub_watch_get_token_error (self->watch));
  else if (state == EIT_TOKEN_STATE_MISSING)
    set_label (self->token_label,
               _("No token is stored for this hub, so the hub will refuse the connection. "
                 "Edit the hub and enter its token."));
  gtk_widget_set_visible (self->token_box,
                          state == EIT_TOKEN_STATE_ERROR || state == EIT_TOKEN_STATE_MISSING);
}

static void
update (EitConnectionPage *self)
{
  const EitHubMetrics *m;
  gint64 now = g_get_monotonic_time ();

  if (self->watch == NULL)
    return;

  m = eit_hub_watch_get_metrics (self->watch);
  update_state (self, m);
  update_token (self);

  if (m->connected_since > 0 &&
      (m->state == EIT_CONNECTION_STATE_CONNECTED || m->state == EIT_CONNECTION_STATE_CYCLING))
    set_row_take (self, ROW_UPTIME, eit_format_duration (g_get_real_time () - m->connected_since));
  else
    set_row (self, ROW_UPTIME, _("Not connected"));

  set_row_take (self, ROW_RECONNECTS, g_strdup_printf ("%u", m->reconnects));
  set_row_take (self, ROW_CYCLES, g_strdup_printf ("%u", m->cycles));
  set_row_take (self, ROW_TIMEOUTS, g_strdup_printf ("%u", m->timeouts));
  set_row_take (self, ROW_SESSION_RESETS, g_strdup_printf ("%u", m->session_resets));
  if (m->last_close_code != 0 || (m->last_close_reason != NULL && *m->last_close_reason != '\0'))
    set_row_take (self, ROW_LAST_CLOSE,
                  g_strdup_printf ("%u %s", m->last_close_code,
                                   m->last_close_reason != NULL ? m->last_close_reason : ""));
  else
    set_row (self, ROW_LAST_CLOSE, _("None yet"));
  set_row (self, ROW_LAST_ERROR, m->last_error_message != NULL && *m->last_error_message != '\0'
                                 ? m->last_error_message : _("None"));
  if (m->backoff_delay > 0)
    set_row_take (self, ROW_BACKOFF_DELAY, eit_format_duration ((gint64) m->backoff_delay * 1000));
  else
    set_row (self, ROW_BACKOFF_DELAY, _("None pending"));
  if (m->state == EIT_CONNECTION_STATE_BACKING_OFF && m->next_retry_time > 0)
    {
      g_autofree char *left = eit_format_duration (MAX (0, m->next_retry_time - now));
      set_row_take (self, ROW_NEXT_RETRY, g_strdup_printf (_("in %s"), left));
    }
  else
    set_row (self, ROW_NEXT_RETRY, _("None pending"));
  {
    g_autofree char *in = eit_format_count (m->messages_in);
    g_autofree char *out = eit_format_count (m->messages_out);
    /* Translators: message counts */
    set_row_take (self, ROW_MESSAGES, g_strdup_printf (_("%s received · %s sent"), in, out));
  }

  update_layers (self, m);
  set_row (self, ROW_INSTANCE, m->instance_id);
  if (m->session_id != NULL && *m->session_id != '\0')
    {
      /* Digits first: xgettext cannot read G_GUINT64_FORMAT inside a message. */
      g_autofree char *generation = g_strdup_printf ("%" G_GUINT64_FORMAT, m->generation);
      /* Translators: a session id, then its generation number */
      set_row_take (self, ROW_SESSION, g_strdup_printf (_("%s, generation %s"), m->session_id, generation));
    }
  else
    set_row (self, ROW_SESSION, m->mode == EIT_PROTOCOL_MODE_BASE ? _("None: base layer only") : NULL);

  set_row_take (self, ROW_TRUST, format_trust (eit_hub_watch_get_config (self->watch)));
  set_row (self, ROW_TLS_VERSION, m->tls_version);
  set_row (self, ROW_TLS_CIPHER, m->tls_cipher);
  set_row (self, ROW_PEER_FINGERPRINT, m->peer_fingerprint);
}

static void
build_rows (EitConnectionPage *self)
{
  AdwPreferencesGroup *groups[] = { self->connection_group, self->layers_group, self->security_group };

  for (guint i = 0; i < N_ROWS; i++)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(rows[i].title));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (rows[i].style == VALUE_SUBTITLE)
        adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      else
        {
          GtkWidget *label = gtk_label_new ("–");

          gtk_label_set_selectable (GTK_LABEL (label), TRUE);
          gtk_label_set_xalign (GTK_LABEL (label), 1.0);
          gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
          if (rows[i].style == VALUE_MONOSPACE)
            {
              /* Identifiers and fingerprints are shown in full, wrapped. */
              gtk_label_set_wrap (GTK_LABEL (label), TRUE);
              gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
              gtk_label_set_width_chars (GTK_LABEL (label), MONOSPACE_CHARS);
              gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
            }
          else
            {
              gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
              gtk_label_set_max_width_chars (GTK_LABEL (label), 48);
            }
          gtk_widget_add_css_class (label, rows[i].style == VALUE_MONOSPACE ? "monospace" : "numeric");
          gtk_widget_add_css_class (label, "dim-label");
          gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _(rows[i].title),
                                          -1);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
          self->row_labels[i] = GTK_LABEL (label);
        }
      self->row_widgets[i] = ADW_ACTION_ROW (row);
      adw_preferences_group_add (groups[rows[i].group], row);
    }
}

static void
build_legend (EitConnectionPage *self)
{
  for (EitConnectionState s = EIT_CONNECTION_STATE_DISCONNECTED; s <= EIT_CONNECTION_STATE_FAILED; s++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *label = gtk_label_new (eit_connection_state_get_label (s));

      gtk_widget_set_size_request (dot, 10, 10);
      gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (dot, "state-dot");
      gtk_widget_add_css_class (dot, "small");
      gtk_widget_add_css_class (dot, eit_connection_state_get_css_class (s));
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), dot);
      gtk_box_append (GTK_BOX (box), label);
      gtk_flow_box_append (GTK_FLOW_BOX (self->legend_box), box);
      /* A legend, not a list to move through. */
      gtk_widget_set_focusable (gtk_widget_get_parent (box), FALSE);
    }
}

static void
eit_connection_page_dispose (GObject *object)
{
  EitConnectionPage *self = EIT_CONNECTION_PAGE (object);

  eit_connection_page_set_watch (self, NULL);
  g_clear_object (&self->watch_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_CONNECTION_PAGE);

  G_OBJECT_CLASS (eit_connection_page_parent_class)->dispose (object);
}

static void
eit_connection_page_finalize (GObject *object)
{
  EitConnectionPage *self = EIT_CONNECTION_PAGE (object);

  for (guint i = 0; i < N_ROWS; i++)
    g_free (self->row_values[i]);

  G_OBJECT_CLASS (eit_connection_page_parent_class)->finalize (object);
}

static void
eit_connection_page_class_init (EitConnectionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_connection_page_dispose;
  object_class->finalize = eit_connection_page_finalize;

  g_type_ensure (EIT_TYPE_STATE_BAND);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-connection-page.ui");
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, state_dot);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, reason_label);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, retry_label);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, retry_detail_label);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, token_box);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, token_label);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, state_band);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, legend_box);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, connection_group);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, layers_group);
  gtk_widget_class_bind_template_child (widget_class, EitConnectionPage, security_group);
}

static void
eit_connection_page_init (EitConnectionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->watch_signals = g_signal_group_new (EIT_TYPE_HUB_WATCH);
  g_signal_group_connect_object (self->watch_signals, "metrics-changed",
                                 G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  build_rows (self);
  build_legend (self);
}

void
eit_connection_page_set_watch (EitConnectionPage *self,
                                 EitHubWatch     *watch)
{
  g_return_if_fail (EIT_IS_CONNECTION_PAGE (self));

  if (self->watch == watch)
    return;

  g_set_object (&self->watch, watch);
  g_signal_group_set_target (self->watch_signals, watch);

  if (watch != NULL)
    {
      eit_state_band_set_timeline (self->state_band, eit_hub_watch_get_timeline (watch),
                                   eit_hub_watch_get_series (watch));
      update (self);
    }
  else
    eit_state_band_set_timeline (self->state_band, NULL, NULL);
}

void
eit_connection_page_set_window (EitConnectionPage *self,
                                guint              seconds)
{
  g_return_if_fail (EIT_IS_CONNECTION_PAGE (self));
  eit_state_band_set_window (self->state_band, seconds);
}

void
eit_connection_page_set_narrow (EitConnectionPage *self,
                                gboolean           narrow)
{
  g_return_if_fail (EIT_IS_CONNECTION_PAGE (self));

  for (guint i = 0; i < N_ROWS; i++)
    if (rows[i].style == VALUE_MONOSPACE)
      gtk_label_set_width_chars (self->row_labels[i], narrow ? MONOSPACE_CHARS_NARROW : MONOSPACE_CHARS);
}

const char *
eit_connection_page_get_state_text (EitConnectionPage *self)
{
  g_return_val_if_fail (EIT_IS_CONNECTION_PAGE (self), NULL);
  return gtk_label_get_text (self->state_label);
}

const char *
eit_connection_page_get_countdown_text (EitConnectionPage *self)
{
  const EitHubMetrics *m;

  g_return_val_if_fail (EIT_IS_CONNECTION_PAGE (self), NULL);

  if (self->watch == NULL)
    return "";
  m = eit_hub_watch_get_metrics (self->watch);
  if (m->state != EIT_CONNECTION_STATE_BACKING_OFF)
    return "";
  return gtk_label_get_text (self->retry_label);
}

const char *
eit_connection_page_get_value (EitConnectionPage *self,
                               const char        *key)
{
  g_return_val_if_fail (EIT_IS_CONNECTION_PAGE (self), NULL);

  for (guint i = 0; i < N_ROWS; i++)
    if (g_strcmp0 (rows[i].key, key) == 0)
      return self->row_values[i];
  return NULL;
}
