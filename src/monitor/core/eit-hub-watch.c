/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "eithub-monitor"

#include "config.h"

#include <math.h>
#include <string.h>

#include "eit-hub-watch.h"
#include "eit-token-store.h"

#define DEFAULT_SAMPLE_INTERVAL 250
#define SERIES_SPAN_MS (60 * 60 * 1000)   /* the longest chart window: 1 h */
#define TIMELINE_LIMIT 4096

struct _EitHubWatch
{
  GObject           parent_instance;

  EitHubConfig     *config;
  EitConnection    *connection;
  EitSampleSeries  *series;
  EitStateTimeline *timeline;
  EitMessageLog    *log;
  GCancellable     *cancellable;

  EitHubMetrics     metrics;
  /* Storage behind the metrics' strings. */
  char             *state_reason;
  char             *last_close_reason;
  char             *last_error_message;
  char             *tls_version;
  char             *tls_cipher;
  char             *peer_fingerprint;
  char             *instance_id;
  char             *session_id;

  EitTokenState     token_state;
  char             *token_error;

  guint             sample_interval;
  guint             sample_source;
  gint64            last_sample_time;
  guint64           last_messages_in, last_messages_out, last_bytes_in, last_bytes_out;
  gint64            last_credit_wait;
  guint64           last_flow_out, last_flow_bytes_out;
  EitFlow          *counted_flow;   /* not a reference: compared only */

  gulong            message_handler;
  gulong            sent_handler;
  gulong            transition_handler;
  gulong            config_handler;

  guint             connect_pending : 1;
  guint             loss_reported : 1;
};

G_DEFINE_FINAL_TYPE (EitHubWatch, eit_hub_watch, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_CONNECTION,
  PROP_SAMPLE_INTERVAL,
  PROP_LOG_LIMIT,
  PROP_TOKEN_STATE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { METRICS_CHANGED, CONNECTION_LOST, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char * const metric_names[EIT_N_METRICS + 1] = {
  "messages_in_per_s",
  "messages_out_per_s",
  "bytes_in_per_s",
  "bytes_out_per_s",
  "rtt_last_ms",
  "rtt_p50_ms",
  "rtt_p99_ms",
  "credit_out_messages",
  "credit_in_messages",
  "in_flight_messages",
  "queue_depth",
  "credit_wait_ms_per_s",
  "state",
  NULL
};

const char *
eit_metric_get_name (EitMetric metric)
{
  g_return_val_if_fail (metric < EIT_N_METRICS, NULL);
  return metric_names[metric];
}

/* Replaces *field with value when it differs; returns the kept string. */
static const char *
keep_string (char  **field,
             char   *value)
{
  if (g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = value;
    }
  else
    g_free (value);
  return *field;
}

static void
apply_config (EitHubWatch *self)
{
  const char *ca_file = eit_hub_config_get_ca_file (self->config);
  const char *pin = eit_hub_config_get_pinned_fingerprint (self->config);

  g_object_set (self->connection,
                "url", eit_hub_config_get_url (self->config),
                "trust-mode", eit_hub_config_get_trust_mode (self->config),
                "ca-file", (ca_file != NULL && *ca_file != '\0') ? ca_file : NULL,
                "pinned-fingerprint", (pin != NULL && *pin != '\0') ? pin : NULL,
                "protocol-mode", eit_hub_config_get_protocol_mode (self->config),
                NULL);
}

static void
set_token_state (EitHubWatch *self,
                 EitTokenState  state,
                 const char    *error)
{
  g_free (self->token_error);
  self->token_error = g_strdup (error);
  if (self->token_state != state)
    {
      self->token_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN_STATE]);
    }
  g_signal_emit (self, signals[METRICS_CHANGED], 0);
}

static void
token_lookup_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EitHubWatch *self;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = eit_token_store_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = EIT_HUB_WATCH (user_data);
  if (self->token_state != EIT_TOKEN_STATE_LOOKING_UP)
    return;  /* A token was set meanwhile. */

  if (error != NULL)
    {
      g_message ("Token of hub %s: %s", eit_hub_config_get_id (self->config), error->message);
      set_token_state (self, EIT_TOKEN_STATE_ERROR, error->message);
    }
  else if (token == NULL)
    set_token_state (self, EIT_TOKEN_STATE_MISSING, NULL);
  else
    {
      g_object_set (self->connection, "token", token, NULL);
      set_token_state (self, EIT_TOKEN_STATE_READY, NULL);
    }

  if (self->connect_pending)
    {
      self->connect_pending = FALSE;
      eit_connection_connect (self->connection);
    }
}

static void
message_cb (EitConnection *connection,
            const char    *json,
            gsize          len,
            gpointer       user_data)
{
  EitHubWatch *self = user_data;

  /* The hot path: count, and hand the text to the log's pending array. */
  self->metrics.messages_in++;
  self->metrics.bytes_in += len;
  eit_message_log_append_text (self->log, EIT_LOG_DIRECTION_IN, json, len);
}

/* Every message the connection accepted, whoever sent it (the composer, the
 * demo hub's generator), so the log shows both halves of the conversation. */
static void
sent_cb (EitConnection *connection,
         const char    *json,
         gulong         len,
         gpointer       user_data)
{
  EitHubWatch *self = user_data;

  /* In full mode the flow counts it (see eit_hub_watch_sample()). */
  if (eit_connection_get_mode (connection) != EIT_PROTOCOL_MODE_FULL)
    {
      self->metrics.messages_out++;
      self->metrics.bytes_out += len;
    }
  eit_message_log_append_text (self->log, EIT_LOG_DIRECTION_OUT, json, len);
}

static void
read_connection (EitHubWatch *self)
{
  EitHubMetrics *m = &self->metrics;
  EitFlow *flow;
  char *last_close_reason = NULL, *last_error_message = NULL;
  char *tls_version = NULL, *tls_cipher = NULL, *peer_fingerprint = NULL;
  char *instance_id = NULL, *session_id = NULL;

  g_object_get (self->connection,
                "reconnects", &m->reconnects,
                "cycles", &m->cycles,
                "timeouts", &m->timeouts,
                "session-resets", &m->session_resets,
                "backoff-delay", &m->backoff_delay,
                "next-retry-time", &m->next_retry_time,
                "connected-since", &m->connected_since,
                "last-close-code", &m->last_close_code,
                "last-close-reason", &last_close_reason,
                "last-error-message", &last_error_message,
                "tls-version", &tls_version,
                "tls-cipher", &tls_cipher,
                "peer-fingerprint", &peer_fingerprint,
                "instance-id", &instance_id,
                "session-id", &session_id,
                "generation", &m->generation,
                NULL);
  m->state = eit_connection_get_state (self->connection);
  m->mode = eit_connection_get_mode (self->connection);
  m->last_close_reason = keep_string (&self->last_close_reason, last_close_reason);
  m->last_error_message = keep_string (&self->last_error_message, last_error_message);
  m->tls_version = keep_string (&self->tls_version, tls_version);
  m->tls_cipher = keep_string (&self->tls_cipher, tls_cipher);
  m->peer_fingerprint = keep_string (&self->peer_fingerprint, peer_fingerprint);
  m->instance_id = keep_string (&self->instance_id, instance_id);
  m->session_id = keep_string (&self->session_id, session_id);

  flow = eit_connection_get_flow (self->connection);
  m->have_flow = flow != NULL && m->mode == EIT_PROTOCOL_MODE_FULL;
  if (flow != NULL)
    eit_flow_get_stats (flow, &m->flow);
  else
    memset (&m->flow, 0, sizeof m->flow);
}

static double
rate (guint64 now_count,
      guint64 last_count,
      double  seconds)
{
  return seconds > 0 ? (now_count - last_count) / seconds : 0;
}

static double
rtt_or_nan (double value)
{
  return value < 0 ? NAN : value;
}

void
eit_hub_watch_sample (EitHubWatch *self)
{
  EitHubMetrics *m = &self->metrics;
  double values[EIT_N_METRICS];
  gint64 now = g_get_monotonic_time ();
  double seconds;

  g_return_if_fail (EIT_IS_HUB_WATCH (self));

  read_connection (self);

  /* Outgoing traffic: the flow counts every application message sent
   * (the composer's and any other sender's); without a flow (base layer)
   * sent_cb() counts. A new flow starts from zero. */
  if (m->have_flow)
    {
      EitFlow *flow = eit_connection_get_flow (self->connection);

      if (flow != self->counted_flow || m->flow.messages_out < self->last_flow_out)
        {
          self->counted_flow = flow;
          self->last_flow_out = 0;
          self->last_flow_bytes_out = 0;
        }
      m->messages_out += m->flow.messages_out - self->last_flow_out;
      m->bytes_out += m->flow.bytes_out - MIN (m->flow.bytes_out, self->last_flow_bytes_out);
      self->last_flow_out = m->flow.messages_out;
      self->last_flow_bytes_out = m->flow.bytes_out;
    }

  seconds = (now - self->last_sample_time) / (double) G_USEC_PER_SEC;
  m->messages_in_rate = rate (m->messages_in, self->last_messages_in, seconds);
  m->messages_out_rate = rate (m->messages_out, self->last_messages_out, seconds);
  m->bytes_in_rate = rate (m->bytes_in, self->last_bytes_in, seconds);
  m->bytes_out_rate = rate (m->bytes_out, self->last_bytes_out, seconds);

  values[EIT_METRIC_MESSAGES_IN_RATE] = m->messages_in_rate;
  values[EIT_METRIC_MESSAGES_OUT_RATE] = m->messages_out_rate;
  values[EIT_METRIC_BYTES_IN_RATE] = m->bytes_in_rate;
  values[EIT_METRIC_BYTES_OUT_RATE] = m->bytes_out_rate;
  values[EIT_METRIC_STATE] = m->state;

  if (m->have_flow)
    {
      gint64 wait = m->flow.credit_wait_time;

      values[EIT_METRIC_RTT_LAST] = rtt_or_nan (m->flow.rtt_last);
      values[EIT_METRIC_RTT_P50] = rtt_or_nan (m->flow.rtt_p50);
      values[EIT_METRIC_RTT_P99] = rtt_or_nan (m->flow.rtt_p99);
      values[EIT_METRIC_CREDIT_OUT] = m->flow.credit_messages;
      values[EIT_METRIC_CREDIT_IN] = m->flow.window_messages > m->flow.inbound_pending
                                     ? m->flow.window_messages - m->flow.inbound_pending : 0;
      values[EIT_METRIC_IN_FLIGHT] = m->flow.in_flight_messages;
      values[EIT_METRIC_QUEUE_DEPTH] = m->flow.queue_depth;
      values[EIT_METRIC_CREDIT_WAIT] = seconds > 0 && wait >= self->last_credit_wait
                                       ? (wait - self->last_credit_wait) / 1000.0 / seconds : 0;
      self->last_credit_wait = wait;
    }
  else
    {
      for (guint i = EIT_METRIC_RTT_LAST; i <= EIT_METRIC_CREDIT_WAIT; i++)
        values[i] = NAN;
      self->last_credit_wait = 0;
    }

  self->last_sample_time = now;
  self->last_messages_in = m->messages_in;
  self->last_messages_out = m->messages_out;
  self->last_bytes_in = m->bytes_in;
  self->last_bytes_out = m->bytes_out;

  eit_sample_series_append (self->series, now, values);
  /* The log is flushed once per frame by the visible page; this keeps a
   * hub that is not on screen from holding its pending messages. */
  eit_message_log_flush (self->log);

  g_signal_emit (self, signals[METRICS_CHANGED], 0);
}

static gboolean
sample_timeout_cb (gpointer user_data)
{
  eit_hub_watch_sample (EIT_HUB_WATCH (user_data));
  return G_SOURCE_CONTINUE;
}

static void
restart_sampling (EitHubWatch *self)
{
  g_clear_handle_id (&self->sample_source, g_source_remove);
  self->sample_source = g_timeout_add (self->sample_interval, sample_timeout_cb, self);
  g_source_set_name_by_id (self->sample_source, "[eithub-monitor] sample");
}

static void
transition_cb (EitConnection      *connection,
               EitConnectionState  old_state,
               EitConnectionState  new_state,
               const char         *reason,
               gpointer            user_data)
{
  EitHubWatch *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean lost = FALSE;

  eit_state_timeline_append (self->timeline, now, new_state, reason);
  self->metrics.state_since = now;
  self->metrics.state_reason = keep_string (&self->state_reason, g_strdup (reason));

  if (new_state == EIT_CONNECTION_STATE_CONNECTED)
    self->loss_reported = FALSE;
  else if (!self->loss_reported &&
           old_state != EIT_CONNECTION_STATE_DISCONNECTED &&
           (new_state == EIT_CONNECTION_STATE_BACKING_OFF ||
            new_state == EIT_CONNECTION_STATE_FAILED))
    lost = TRUE;

  read_connection (self);
  g_signal_emit (self, signals[METRICS_CHANGED], 0);

  if (lost)
    {
      const char *why = reason;

      if (self->metrics.last_error_message != NULL && *self->metrics.last_error_message != '\0')
        why = self->metrics.last_error_message;
      self->loss_reported = TRUE;
      g_signal_emit (self, signals[CONNECTION_LOST], 0, why);
    }
}

static void
config_changed_cb (EitHubConfig  *config,
                   EitHubWatch *self)
{
  EitConnectionState state = eit_connection_get_state (self->connection);

  apply_config (self);
  if (state != EIT_CONNECTION_STATE_DISCONNECTED)
    {
      eit_connection_disconnect (self->connection);
      eit_hub_watch_connect (self);
    }
}

static void
eit_hub_watch_constructed (GObject *object)
{
  EitHubWatch *self = EIT_HUB_WATCH (object);

  G_OBJECT_CLASS (eit_hub_watch_parent_class)->constructed (object);

  g_assert (self->config != NULL);

  self->connection = eit_connection_new (eit_hub_config_get_url (self->config), NULL);
  apply_config (self);

  self->message_handler = g_signal_connect (self->connection, "message",
                                            G_CALLBACK (message_cb), self);
  self->sent_handler = g_signal_connect (self->connection, "sent",
                                         G_CALLBACK (sent_cb), self);
  self->transition_handler = g_signal_connect (self->connection, "transition",
                                               G_CALLBACK (transition_cb), self);
  self->config_handler = g_signal_connect (self->config, "changed",
                                           G_CALLBACK (config_changed_cb), self);

  self->metrics.state = eit_connection_get_state (self->connection);
  self->metrics.state_since = g_get_monotonic_time ();
  eit_state_timeline_append (self->timeline, self->metrics.state_since,
                             self->metrics.state, NULL);

  self->series = eit_sample_series_new (metric_names,
                                        SERIES_SPAN_MS / self->sample_interval + 16);
  self->last_sample_time = g_get_monotonic_time ();
  restart_sampling (self);
}

static void
eit_hub_watch_dispose (GObject *object)
{
  EitHubWatch *self = EIT_HUB_WATCH (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->sample_source, g_source_remove);
  if (self->connection != NULL)
    {
      g_clear_signal_handler (&self->message_handler, self->connection);
      g_clear_signal_handler (&self->sent_handler, self->connection);
      g_clear_signal_handler (&self->transition_handler, self->connection);
      eit_connection_disconnect (self->connection);
    }
  if (self->config != NULL)
    g_clear_signal_handler (&self->config_handler, self->config);

  g_clear_object (&self->connection);
  g_clear_object (&self->config);
  g_clear_object (&self->series);
  g_clear_object (&self->timeline);
  g_clear_object (&self->log);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (eit_hub_watch_parent_class)->dispose (object);
}

static void
eit_hub_watch_finalize (GObject *object)
{
  EitHubWatch *self = EIT_HUB_WATCH (object);

  g_free (self->state_reason);
  g_free (self->last_close_reason);
  g_free (self->last_error_message);
  g_free (self->tls_version);
  g_free (self->tls_cipher);
  g_free (self->peer_fingerprint);
  g_free (self->instance_id);
  g_free (self->session_id);
  g_free (self->token_error);

  G_OBJECT_CLASS (eit_hub_watch_parent_class)->finalize (object);
}

static void
eit_hub_watch_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  EitHubWatch *self = EIT_HUB_WATCH (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_SAMPLE_INTERVAL:
      g_value_set_uint (value, self->sample_interval);
      break;
    case PROP_LOG_LIMIT:
      g_value_set_uint (value, eit_message_log_get_limit (self->log));
      break;
    case PROP_TOKEN_STATE:
      g_value_set_int (value, self->token_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_hub_watch_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  EitHubWatch *self = EIT_HUB_WATCH (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_SAMPLE_INTERVAL:
      if (self->sample_interval != g_value_get_uint (value))
        {
          self->sample_interval = g_value_get_uint (value);
          if (self->sample_source != 0)
            restart_sampling (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_LOG_LIMIT:
      eit_message_log_set_limit (self->log, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_hub_watch_class_init (EitHubWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = eit_hub_watch_constructed;
  object_class->dispose = eit_hub_watch_dispose;
  object_class->finalize = eit_hub_watch_finalize;
  object_class->get_property = eit_hub_watch_get_property;
  object_class->set_property = eit_hub_watch_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, EIT_TYPE_HUB_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, EIT_TYPE_CONNECTION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SAMPLE_INTERVAL] =
    g_param_spec_uint ("sample-interval", NULL, NULL, 10, 60000, DEFAULT_SAMPLE_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_LIMIT] =
    g_param_spec_uint ("log-limit", NULL, NULL, 1, G_MAXUINT, 10000,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN_STATE] =
    g_param_spec_int ("token-state", NULL, NULL, EIT_TOKEN_STATE_NONE, EIT_TOKEN_STATE_ERROR,
                      EIT_TOKEN_STATE_NONE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[METRICS_CHANGED] =
    g_signal_new ("metrics-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CONNECTION_LOST] =
    g_signal_new ("connection-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
eit_hub_watch_init (EitHubWatch *self)
{
  self->sample_interval = DEFAULT_SAMPLE_INTERVAL;
  self->timeline = eit_state_timeline_new (TIMELINE_LIMIT);
  self->log = eit_message_log_new (10000);
  self->cancellable = g_cancellable_new ();
}

EitHubWatch *
eit_hub_watch_new (EitHubConfig *config,
                     const char   *token)
{
  EitHubWatch *self;

  g_return_val_if_fail (EIT_IS_HUB_CONFIG (config), NULL);

  self = g_object_new (EIT_TYPE_HUB_WATCH, "config", config, NULL);
  if (token != NULL)
    eit_hub_watch_set_token (self, token);
  else if (!eit_hub_config_is_demo (config))
    {
      self->token_state = EIT_TOKEN_STATE_LOOKING_UP;
      eit_token_store_lookup_async (eit_hub_config_get_id (config), self->cancellable,
                                    token_lookup_cb, self);
    }
  return self;
}

EitHubConfig *
eit_hub_watch_get_config (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return self->config;
}

EitConnection *
eit_hub_watch_get_connection (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return self->connection;
}

EitSampleSeries *
eit_hub_watch_get_series (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return self->series;
}

EitStateTimeline *
eit_hub_watch_get_timeline (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return self->timeline;
}

EitMessageLog *
eit_hub_watch_get_log (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return self->log;
}

const EitHubMetrics *
eit_hub_watch_get_metrics (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return &self->metrics;
}

void
eit_hub_watch_connect (EitHubWatch *self)
{
  g_return_if_fail (EIT_IS_HUB_WATCH (self));

  if (self->token_state == EIT_TOKEN_STATE_LOOKING_UP)
    {
      self->connect_pending = TRUE;
      return;
    }
  eit_connection_connect (self->connection);
}

void
eit_hub_watch_disconnect (EitHubWatch *self)
{
  g_return_if_fail (EIT_IS_HUB_WATCH (self));

  self->connect_pending = FALSE;
  eit_connection_disconnect (self->connection);
}

void
eit_hub_watch_cycle_now (EitHubWatch *self)
{
  g_return_if_fail (EIT_IS_HUB_WATCH (self));
  eit_connection_cycle_now (self->connection);
}

gboolean
eit_hub_watch_send (EitHubWatch *self,
                      const char    *json)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  /* sent_cb() counts and logs it, as it does any other sender's. */
  return eit_connection_send (self->connection, json);
}

void
eit_hub_watch_set_token (EitHubWatch *self,
                           const char    *token)
{
  g_return_if_fail (EIT_IS_HUB_WATCH (self));

  g_object_set (self->connection, "token", token, NULL);
  set_token_state (self, token != NULL ? EIT_TOKEN_STATE_READY : EIT_TOKEN_STATE_MISSING, NULL);
  if (self->connect_pending)
    {
      self->connect_pending = FALSE;
      eit_connection_connect (self->connection);
    }
}

EitTokenState
eit_hub_watch_get_token_state (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), EIT_TOKEN_STATE_NONE);
  return self->token_state;
}

const char *
eit_hub_watch_get_token_error (EitHubWatch *self)
{
  g_return_val_if_fail (EIT_IS_HUB_WATCH (self), NULL);
  return self->token_error;
}
