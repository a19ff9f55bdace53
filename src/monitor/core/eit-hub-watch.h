/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The monitor's watch on one hub ("watch", so that "monitor" names only the
 * app and "hub" only an Eit hub), free of GTK: it owns the hub's
 * EitConnection, reads the library's metrics every sample-interval (250 ms)
 * into a sample series, keeps the state timeline and the bounded message
 * log, and counts traffic. Panels read the latest metrics on
 * "metrics-changed"; nothing in the UI is bound to a value that changes per
 * message. */
#pragma once

#include <gio/gio.h>
#include "eit-connection.h"
#include "eit-flow.h"
#include "eit-hub-config.h"
#include "eit-message-log.h"
#include "eit-sample-series.h"
#include "eit-state-timeline.h"

G_BEGIN_DECLS

/* Columns of the sample series. */
typedef enum {
  EIT_METRIC_MESSAGES_IN_RATE,   /* messages/s received */
  EIT_METRIC_MESSAGES_OUT_RATE,  /* messages/s sent */
  EIT_METRIC_BYTES_IN_RATE,      /* bytes/s received */
  EIT_METRIC_BYTES_OUT_RATE,     /* bytes/s sent */
  EIT_METRIC_RTT_LAST,           /* ms, NAN before a sample */
  EIT_METRIC_RTT_P50,
  EIT_METRIC_RTT_P99,
  EIT_METRIC_CREDIT_OUT,         /* messages we may still send */
  EIT_METRIC_CREDIT_IN,          /* messages the hub may still send us */
  EIT_METRIC_IN_FLIGHT,          /* sent, not acknowledged */
  EIT_METRIC_QUEUE_DEPTH,        /* accepted, not yet sent */
  EIT_METRIC_CREDIT_WAIT,        /* ms of waiting for credit per second */
  EIT_METRIC_STATE,              /* EitConnectionState */
  EIT_N_METRICS
} EitMetric;

typedef enum {
  EIT_TOKEN_STATE_NONE,          /* no token needed or none looked up yet */
  EIT_TOKEN_STATE_LOOKING_UP,
  EIT_TOKEN_STATE_READY,
  EIT_TOKEN_STATE_MISSING,       /* the keyring has no token for this hub */
  EIT_TOKEN_STATE_ERROR,         /* the keyring failed: see token-error */
} EitTokenState;

/* The latest reading of every metric; strings owned by the watch. */
typedef struct {
  EitConnectionState state;
  EitProtocolMode    mode;
  gint64             state_since;      /* monotonic µs */
  const char        *state_reason;
  guint              reconnects, cycles, timeouts, session_resets;
  guint              backoff_delay;    /* ms */
  gint64             next_retry_time;  /* monotonic µs, 0 = none */
  gint64             connected_since;  /* real µs, 0 = not connected */
  guint              last_close_code;
  const char        *last_close_reason;
  const char        *last_error_message;
  const char        *tls_version, *tls_cipher, *peer_fingerprint;
  const char        *instance_id, *session_id;
  guint64            generation;
  gboolean           have_flow;
  EitFlowStats       flow;
  guint64            messages_in, messages_out, bytes_in, bytes_out;
  double             messages_in_rate, messages_out_rate, bytes_in_rate, bytes_out_rate;
} EitHubMetrics;

#define EIT_TYPE_HUB_WATCH (eit_hub_watch_get_type ())
G_DECLARE_FINAL_TYPE (EitHubWatch, eit_hub_watch, EIT, HUB_WATCH, GObject)

/* token: the demo hub's; NULL to look it up in the keyring (configured hubs). */
EitHubWatch       *eit_hub_watch_new            (EitHubConfig *config,
                                                     const char   *token);
EitHubConfig        *eit_hub_watch_get_config     (EitHubWatch *self);
EitConnection       *eit_hub_watch_get_connection (EitHubWatch *self);
EitSampleSeries     *eit_hub_watch_get_series     (EitHubWatch *self);
EitStateTimeline    *eit_hub_watch_get_timeline   (EitHubWatch *self);
EitMessageLog       *eit_hub_watch_get_log        (EitHubWatch *self);
const EitHubMetrics *eit_hub_watch_get_metrics    (EitHubWatch *self);

/* Connects once the token is known (it may still be in the keyring). */
void                 eit_hub_watch_connect        (EitHubWatch *self);
void                 eit_hub_watch_disconnect     (EitHubWatch *self);
void                 eit_hub_watch_cycle_now      (EitHubWatch *self);
/* Sends one message. It is logged as outgoing like every message the
 * connection accepts, whoever sends it. FALSE when not connected, when the
 * text is not valid JSON or the send queue is full. */
gboolean             eit_hub_watch_send           (EitHubWatch *self,
                                                     const char    *json);
/* A token the user just typed (saved to the keyring by the editor). */
void                 eit_hub_watch_set_token      (EitHubWatch *self,
                                                     const char    *token);
EitTokenState        eit_hub_watch_get_token_state (EitHubWatch *self);
const char          *eit_hub_watch_get_token_error (EitHubWatch *self);
/* Reads every metric now and emits "metrics-changed" (the timer does this
 * every sample-interval). */
void                 eit_hub_watch_sample         (EitHubWatch *self);

const char          *eit_metric_get_name            (EitMetric metric);

/* Properties: config (construct-only), connection (read-only),
 *   sample-interval (guint ms, default 250), log-limit (guint),
 *   token-state (read-only).
 * Signals:
 *   "metrics-changed" (): a new reading (every sample and every transition).
 *   "connection-lost" (const char *reason): a live connection was lost, or
 *       connecting failed, once until the next successful connection. */

G_END_DECLS
