/* SPDX-License-Identifier: GPL-3.0-or-later */
/* eithub-probe: a headless client for scripts, CI and benchmarks. It drives
 * one EitConnection (the same code the monitor uses) and prints what
 * happens as JSON lines on stdout, one object per line:
 *   "state"    every connection state change, with the reason
 *   "message"  every message received (unless --quiet)
 *   "metrics"  every --metrics-interval: connection and back-off layer metrics
 *   "error"    why an attempt failed or a connection was lost
 *   "summary"  once, at the end
 * The exit status says how the run ended (see EXIT_* below), and the last
 * line on stderr says it in words.
 *
 * Loss is counted by the probe itself, in every mode (--inflight, --rate,
 * --count), from the sequence number each generated message carries and an
 * echo hub sends back; the library's own sequence numbers are not trusted
 * for it. Per sequence number: "echoed" counts the first echo,
 * "duplicated" every further one, "reordered" an echo that comes after a
 * higher one, "lost" a number below the highest echoed that never came
 * back, and "unanswered" the numbers above it (still on the way when the
 * run ended). echoed + lost + unanswered = sent. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "eithub.h"

enum {
  EXIT_OK = 0,
  EXIT_OTHER = 1,
  EXIT_USAGE = 2,
  EXIT_AUTH = 3,      /* 401 / 403 */
  EXIT_TLS = 4,       /* certificate not trusted, pin mismatch */
  EXIT_NETWORK = 5,   /* refused, unreachable, timeout, lost */
  EXIT_PROTOCOL = 6,  /* the hub broke the protocol or closed us for doing so */
};

/* Messages sent back to back before the probe lets the main loop run, so
 * an open loop never starves reading, acks and keep-alives. */
#define SEND_BATCH 64
/* After the last message: how long acknowledgements or echoes may take. */
#define DRAIN_TIMEOUT_MS 10000
/* The base layer has no acknowledgements, so an open loop cannot know when
 * the hub has had and answered everything: it waits this long after its
 * last send before closing. */
#define BASE_DRAIN_MS 500

/* Round trips go into a log-scale histogram (1 % wide buckets from 1 µs to
 * hours), so percentiles over a run of any length cost fixed memory. */
#define RTT_BUCKETS 2400
#define RTT_GROWTH  1.01

typedef struct {
  /* options */
  char     *url;
  char     *token;
  char     *token_file;
  char     *pin;
  char     *ca_file;
  char     *protocol_mode;
  gint64    count;
  double    rate;
  int       size;
  int       inflight;
  gboolean  use_stdin;
  double    duration;
  int       metrics_interval;
  gboolean  quiet;
  gboolean  no_reconnect;
  gboolean  version;
  int       inactivity_timeout;
  int       keepalive_interval;
  int       cycle_interval;
  int       reconnect_base;
  int       reconnect_cap;

  EitConnection    *connection;
  GMainLoop        *loop;
  GString          *message;
  GString          *line;
  GDataInputStream *stdin_lines;
  GCancellable     *cancellable;
  char             *stdin_pending;  /* the next line to send, validated */
  guint64           stdin_line_no;
  gboolean          stdin_reading;
  gboolean          stdin_eof;

  gint64    start;            /* monotonic µs */
  gint64    first_connected;  /* monotonic µs, 0 before */
  gint64    end;              /* monotonic µs of the finish */
  gint64    next_send;        /* --rate pacing */
  gint64    last_send;
  gint64    drain_deadline;
  guint64   sent;
  guint64   received;
  guint64   echoed;       /* distinct sequence numbers echoed */
  gint64    last_echo;    /* monotonic µs of the latest one, 0 before */
  guint64   duplicated;
  guint64   reordered;
  guint64   highest_echo;
  guint64   abandoned;    /* echoes that can no longer come (see outstanding ()) */
  guint8   *echo_seen;    /* one bit per sequence number sent */
  gsize     echo_seen_len;
  guint64   interval_sent;
  guint64   interval_received;
  gint64    interval_start;
  guint64   rtt_count;
  guint     rtt_buckets[RTT_BUCKETS];

  guint     duration_id;
  guint     metrics_id;
  guint     pump_id;
  guint     drain_id;
  guint     flush_id;
  guint     quit_id;
  guint     sigint_id;
  guint     sigterm_id;
  gboolean  workload_done;
  gboolean  finished;
  int       status;
} Probe;

static void probe_pump   (Probe *self);
static void probe_finish (Probe *self,
                          int    status,
                          char  *why);

/* ---- JSON lines ---------------------------------------------------- */

/* Written by hand, not with JsonGenerator: json-glib 1.6 prints a double
 * with 17 significant digits (0.512 as 0.51200000000000001, 0 as 0.0) where
 * these lines give milliseconds' precision ("%.3f"), and a message event
 * passes the body through as received ("[1, 2]"), which a generator could
 * only re-serialize after a parse: 3.6 µs a line instead of 0.2 (measured
 * with json-glib 1.6.6, 200,000 lines). */

static void
json_escape (GString    *out,
             const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

static void
put_key (GString    *out,
         const char *key)
{
  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  g_string_append_printf (out, "\"%s\":", key);
}

static void
put_string (GString    *out,
            const char *key,
            const char *value)
{
  put_key (out, key);
  if (value == NULL)
    g_string_append (out, "null");
  else
    json_escape (out, value);
}

static void
put_uint (GString    *out,
          const char *key,
          guint64     value)
{
  put_key (out, key);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, value);
}

/* Locale-independent, 3 decimals; negative means "no value" (null). */
static void
put_double (GString    *out,
            const char *key,
            double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  put_key (out, key);
  if (value < 0 || isnan (value))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.3f", value));
}

static double
seconds_since (gint64 since)
{
  return (g_get_monotonic_time () - since) / (double) G_USEC_PER_SEC;
}

static GString *
event_begin (Probe      *self,
             const char *event)
{
  g_string_assign (self->line, "{");
  put_string (self->line, "event", event);
  put_double (self->line, "time_s", seconds_since (self->start));
  return self->line;
}

static gboolean
flush_cb (gpointer user_data)
{
  Probe *self = user_data;

  self->flush_id = 0;
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

/* Message lines are flushed when the main loop goes idle: at once for a
 * person watching, in big writes under load. Every other event is flushed
 * at once. */
static void
event_end (Probe    *self,
           gboolean  flush_now)
{
  g_string_append (self->line, "}\n");
  fwrite (self->line->str, 1, self->line->len, stdout);
  if (flush_now)
    fflush (stdout);
  else if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_LOW, flush_cb, self, NULL);
}

/* ---- round-trip histogram ------------------------------------------ */

static void
rtt_add (Probe  *self,
         gint64  rtt_us)
{
  guint bucket = 0;

  if (rtt_us >= 1)
    bucket = MIN ((guint) (log ((double) rtt_us) / log (RTT_GROWTH)) + 1, RTT_BUCKETS - 1);
  self->rtt_buckets[bucket]++;
  self->rtt_count++;
}

/* The sample at rank floor(p * n) + 1, as the middle of its bucket, in ms. */
static double
rtt_percentile_ms (Probe  *self,
                   double  p)
{
  guint64 rank, seen;
  guint bucket;

  if (self->rtt_count == 0)
    return -1;
  rank = MIN ((guint64) (p * self->rtt_count) + 1, self->rtt_count);
  bucket = 0;
  seen = self->rtt_buckets[0];
  while (seen < rank)
    seen += self->rtt_buckets[++bucket];
  return bucket == 0 ? 0.0005 : pow (RTT_GROWTH, bucket - 0.5) / 1000.0;
}

/* ---- sequence numbers ------------------------------------------------ */

/* Below the highest echo, every number not echoed is lost: echoes come
 * back in order, so a late one is counted as reordered when it comes. */
static guint64
echo_lost (Probe *self)
{
  return self->highest_echo - self->echoed;
}

static guint64
echo_unanswered (Probe *self)
{
  return self->sent > self->highest_echo ? self->sent - self->highest_echo : 0;
}

/* One bit per message sent: 125 kB for a million messages. */
static void
echo_track_sent (Probe *self)
{
  gsize needed = (gsize) (self->sent / 8) + 1;

  if (needed > self->echo_seen_len)
    {
      gsize len = MAX (needed, MAX (self->echo_seen_len * 2, 4096));

      self->echo_seen = g_realloc (self->echo_seen, len);
      memset (self->echo_seen + self->echo_seen_len, 0, len - self->echo_seen_len);
      self->echo_seen_len = len;
    }
}

static void
echo_record (Probe   *self,
             guint64  seq,
             gint64   now)
{
  guint8 bit;

  /* Not a number this run sent: another program's message, or a forged one. */
  if (seq == 0 || seq > self->sent)
    return;
  bit = 1u << (seq % 8);
  if (self->echo_seen[seq / 8] & bit)
    {
      self->duplicated++;
      return;
    }
  self->echo_seen[seq / 8] |= bit;
  self->echoed++;
  self->last_echo = now;
  if (seq < self->highest_echo)
    self->reordered++;
  else
    self->highest_echo = seq;
}

static void
put_sequence_counts (Probe   *self,
                     GString *out)
{
  /* Echoes come a frame at a time: the count over the time between two
   * frames' arrivals, not between two metrics lines, is a rate without the
   * up to a frame's error at each end. */
  if (self->last_echo != 0)
    put_double (out, "last_echo_s", (self->last_echo - self->start) / (double) G_USEC_PER_SEC);
  put_uint (out, "echoed", self->echoed);
  put_uint (out, "lost", echo_lost (self));
  put_uint (out, "duplicated", self->duplicated);
  put_uint (out, "reordered", self->reordered);
  put_uint (out, "unanswered", echo_unanswered (self));
}

/* Numbers for translatable messages: xgettext cannot see through
 * G_GUINT64_FORMAT, so they go in as %s. */
static char *
number (guint64 value)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, value);
}

/* ---- exit status ---------------------------------------------------- */

static gboolean
is_protocol_close (guint code)
{
  switch (code)
    {
    case 1002:  /* WebSocket protocol error */
    case EIT_CLOSE_UNSUPPORTED_DATA:
    case EIT_CLOSE_INVALID_JSON:
    case EIT_CLOSE_TOO_BIG:
    case EIT_CLOSE_UNKNOWN_TYPE:
    case EIT_CLOSE_PROTOCOL_VIOLATION:
    case EIT_CLOSE_CREDIT_OVERRUN:
      return TRUE;
    default:
      return FALSE;
    }
}

static int
status_for_error (Probe        *self,
                  const GError *error)
{
  guint close_code = 0;

  if (error == NULL)
    return EXIT_NETWORK;
  if (error->domain == G_TLS_ERROR)
    return EXIT_TLS;
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return EXIT_NETWORK;
  if (error->domain != EIT_ERROR)
    return EXIT_OTHER;

  switch ((EitError) error->code)
    {
    case EIT_ERROR_AUTH:
    case EIT_ERROR_FORBIDDEN:
      return EXIT_AUTH;
    case EIT_ERROR_TLS:
    case EIT_ERROR_TLS_HANDSHAKE:
    case EIT_ERROR_PIN_MISMATCH:
      return EXIT_TLS;
    case EIT_ERROR_REFUSED:
    case EIT_ERROR_TIMEOUT:
    case EIT_ERROR_TOO_MANY:
      return EXIT_NETWORK;
    case EIT_ERROR_NOT_WEBSOCKET:
    case EIT_ERROR_PROTOCOL:
    case EIT_ERROR_INVALID_JSON:
    case EIT_ERROR_TOO_BIG:
      return EXIT_PROTOCOL;
    case EIT_ERROR_CLOSED:
      g_object_get (self->connection, "last-close-code", &close_code, NULL);
      return is_protocol_close (close_code) ? EXIT_PROTOCOL : EXIT_NETWORK;
    case EIT_ERROR_CONFIG:
    case EIT_ERROR_INSECURE_RELEASE:
      return EXIT_USAGE;
    case EIT_ERROR_FAILED:
    default:
      return EXIT_OTHER;
    }
}

/* ---- events ---------------------------------------------------------- */

static void
emit_error (Probe        *self,
            const GError *error)
{
  GString *out = event_begin (self, "error");

  put_string (out, "domain", g_quark_to_string (error->domain));
  put_uint (out, "code", error->code);
  put_string (out, "message", error->message);
  event_end (self, TRUE);
}

static void
put_flow_stats (GString *out,
                EitFlow *flow)
{
  EitFlowStats stats;

  put_key (out, "flow");
  if (flow == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  eit_flow_get_stats (flow, &stats);
  g_string_append_c (out, '{');
  put_uint (out, "window_messages", stats.window_messages);
  put_uint (out, "window_bytes", stats.window_bytes);
  put_uint (out, "peer_window_messages", stats.peer_window_messages);
  put_uint (out, "peer_window_bytes", stats.peer_window_bytes);
  put_uint (out, "credit_messages", stats.credit_messages);
  put_uint (out, "credit_bytes", stats.credit_bytes);
  put_uint (out, "in_flight_messages", stats.in_flight_messages);
  put_uint (out, "in_flight_bytes", stats.in_flight_bytes);
  put_uint (out, "queue_depth", stats.queue_depth);
  put_uint (out, "queued_bytes", stats.queued_bytes);
  /* The delivery-rate window (docs/PROTOCOL.md 6.4): what a slow link
   * narrowed the peer's byte window to, and why. */
  put_uint (out, "adapted_window_bytes", stats.adapted_window);
  put_uint (out, "frame_bound_bytes", stats.frame_bound);
  put_double (out, "delivery_rate_bytes_per_s", stats.delivery_rate);
  put_double (out, "ack_rtt_ms", stats.ack_rtt);
  put_double (out, "queue_delay_ms", stats.queue_delay);
  put_double (out, "path_rtt_ms", stats.path_rtt);
  put_uint (out, "inbound_pending", stats.inbound_pending);
  put_double (out, "credit_wait_ms", stats.credit_wait_time / 1000.0);
  put_uint (out, "pings_sent", stats.pings_sent);
  put_uint (out, "pongs_received", stats.pongs_received);
  put_uint (out, "pings_received", stats.pings_received);
  put_double (out, "rtt_last_ms", stats.rtt_last);
  put_double (out, "rtt_smoothed_ms", stats.rtt_smoothed);
  put_double (out, "rtt_p50_ms", stats.rtt_p50);
  put_double (out, "rtt_p99_ms", stats.rtt_p99);
  put_uint (out, "messages_in", stats.messages_in);
  put_uint (out, "messages_out", stats.messages_out);
  put_uint (out, "bytes_in", stats.bytes_in);
  put_uint (out, "bytes_out", stats.bytes_out);
  put_uint (out, "frames_out", stats.frames_out);
  put_uint (out, "duplicates", stats.duplicates);
  put_uint (out, "resent", stats.resent);
  put_uint (out, "rejected", stats.rejected);
  g_string_append_c (out, '}');
}

static void
emit_metrics (Probe *self)
{
  EitConnection *c = self->connection;
  g_autofree char *last_close_reason = NULL;
  g_autofree char *tls_version = NULL;
  g_autofree char *tls_cipher = NULL;
  guint reconnects, cycles, timeouts, session_resets, backoff_delay, last_close_code;
  guint64 messages_in, messages_out, bytes_in, bytes_out;
  double interval = seconds_since (self->interval_start);
  GString *out;

  g_object_get (c,
                "reconnects", &reconnects, "cycles", &cycles, "timeouts", &timeouts,
                "session-resets", &session_resets, "backoff-delay", &backoff_delay,
                "last-close-code", &last_close_code, "last-close-reason", &last_close_reason,
                "messages-in", &messages_in, "messages-out", &messages_out,
                "bytes-in", &bytes_in, "bytes-out", &bytes_out,
                "tls-version", &tls_version, "tls-cipher", &tls_cipher,
                NULL);

  out = event_begin (self, "metrics");
  put_string (out, "state", eit_connection_state_to_string (eit_connection_get_state (c)));
  put_string (out, "mode", eit_protocol_mode_to_string (eit_connection_get_mode (c)));
  put_uint (out, "sent", self->sent);
  put_uint (out, "received", self->received);
  put_sequence_counts (self, out);
  put_double (out, "sent_per_s", interval > 0 ? self->interval_sent / interval : 0);
  put_double (out, "received_per_s", interval > 0 ? self->interval_received / interval : 0);
  put_uint (out, "reconnects", reconnects);
  put_uint (out, "cycles", cycles);
  put_uint (out, "timeouts", timeouts);
  put_uint (out, "session_resets", session_resets);
  put_uint (out, "backoff_delay_ms", backoff_delay);
  put_uint (out, "last_close_code", last_close_code);
  put_string (out, "last_close_reason", last_close_reason);
  put_uint (out, "messages_in", messages_in);
  put_uint (out, "messages_out", messages_out);
  put_uint (out, "bytes_in", bytes_in);
  put_uint (out, "bytes_out", bytes_out);
  put_string (out, "tls_version", tls_version);
  put_string (out, "tls_cipher", tls_cipher);
  put_flow_stats (out, eit_connection_get_flow (c));
  event_end (self, TRUE);

  self->interval_sent = 0;
  self->interval_received = 0;
  self->interval_start = g_get_monotonic_time ();
}

static gboolean
metrics_cb (gpointer user_data)
{
  emit_metrics (user_data);
  return G_SOURCE_CONTINUE;
}

static void
emit_summary (Probe *self)
{
  struct rusage usage;
  gint64 from = self->first_connected != 0 ? self->first_connected : self->start;
  double elapsed = (self->end - from) / (double) G_USEC_PER_SEC;
  /* The workload's rate: echoes in a closed loop, sends otherwise. */
  guint64 done = self->inflight > 0 ? self->echoed : self->sent;
  GString *out;

  getrusage (RUSAGE_SELF, &usage);
  out = event_begin (self, "summary");
  put_uint (out, "sent", self->sent);
  put_uint (out, "received", self->received);
  put_sequence_counts (self, out);
  put_double (out, "elapsed_s", elapsed);
  put_double (out, "msgs_per_s", elapsed > 0 ? done / elapsed : 0);
  put_double (out, "rtt_p50_ms", rtt_percentile_ms (self, 0.50));
  put_double (out, "rtt_p99_ms", rtt_percentile_ms (self, 0.99));
  put_double (out, "cpu_s", usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                            usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
  put_uint (out, "max_rss_kb", usage.ru_maxrss);
  put_uint (out, "status", self->status);
  event_end (self, TRUE);
}

/* ---- sending --------------------------------------------------------- */

static gboolean
pump_cb (gpointer user_data)
{
  Probe *self = user_data;

  self->pump_id = 0;
  probe_pump (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (Probe *self,
               guint  delay_ms)
{
  if (self->pump_id != 0)
    return;
  self->pump_id = delay_ms == 0 ? g_idle_add (pump_cb, self)
                                : g_timeout_add (delay_ms, pump_cb, self);
}

/* {"probe":seq,"t":monotonic_us,"pad":"xxx"}, padded to --size bytes when
 * the other members leave room. "t" comes back in the echo: the round trip
 * needs no bookkeeping per message. */
static const char *
build_message (Probe  *self,
               gint64  now)
{
  g_string_printf (self->message, "{\"probe\":%" G_GUINT64_FORMAT ",\"t\":%" G_GINT64_FORMAT
                   ",\"pad\":\"", self->sent + 1, now);
  if (self->message->len + 2 < (gsize) self->size)
    {
      static const char pad[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
      gsize missing = (gsize) self->size - 2 - self->message->len;

      while (missing > 0)
        {
          gsize n = MIN (missing, sizeof pad - 1);

          g_string_append_len (self->message, pad, n);
          missing -= n;
        }
    }
  g_string_append (self->message, "\"}");
  return self->message->str;
}

static void stdin_read_next (Probe *self);

/* Sends one message if one is ready. FALSE when the pump must wait: for a
 * stdin line, or for room in the send queue. */
static gboolean
send_next (Probe  *self,
           gint64  now)
{
  const char *text;

  if (self->use_stdin)
    {
      if (self->stdin_pending == NULL)
        {
          stdin_read_next (self);
          return FALSE;
        }
      text = self->stdin_pending;
    }
  else
    text = build_message (self, now);

  if (!eit_connection_send (self->connection, text))
    {
      /* The send queue is full (nothing else fails here: messages are
       * validated first). Nothing signals room again, so look soon. */
      schedule_pump (self, 1);
      return FALSE;
    }

  g_clear_pointer (&self->stdin_pending, g_free);
  self->sent++;
  if (!self->use_stdin)
    echo_track_sent (self);
  self->interval_sent++;
  self->last_send = now;
  return TRUE;
}

/* Echoes still to come. A lost connection in base mode, or a session the
 * hub lost, abandons the echoes that were on their way: the closed loop
 * refills, and the drain does not wait for them. */
static gint64
outstanding (Probe *self)
{
  return (gint64) self->sent - (gint64) self->echoed - (gint64) self->abandoned;
}

/* Echoes are expected once one has come: a sink hub sends none. */
static gboolean
echo_hub (Probe *self)
{
  return self->inflight > 0 || self->echoed > 0;
}

static gboolean
drained (Probe *self)
{
  EitFlow *flow = eit_connection_get_flow (self->connection);
  EitFlowStats stats;

  /* Once the last message's echo is in, an echo still missing is lost,
   * not late. */
  if (echo_hub (self) && outstanding (self) > 0 && echo_unanswered (self) > 0)
    return FALSE;
  if (self->inflight > 0)
    return TRUE;
  if (eit_connection_get_mode (self->connection) == EIT_PROTOCOL_MODE_FULL && flow != NULL)
    {
      eit_flow_get_stats (flow, &stats);
      return stats.queue_depth == 0 && stats.in_flight_messages == 0;
    }
  return g_get_monotonic_time () - self->last_send >= BASE_DRAIN_MS * 1000;
}

static gboolean
drain_cb (gpointer user_data)
{
  Probe *self = user_data;

  if (drained (self))
    {
      g_autofree char *sent = number (self->sent);
      gulong n = (gulong) MIN (self->sent, G_MAXULONG);

      self->drain_id = 0;
      probe_finish (self, EXIT_OK,
                    g_strdup_printf (self->inflight > 0
                                     ? g_dngettext (GETTEXT_PACKAGE, "%s message sent and echoed",
                                                    "All %s messages sent and echoed", n)
                                     : g_dngettext (GETTEXT_PACKAGE, "%s message sent",
                                                    "All %s messages sent", n),
                                     sent));
      return G_SOURCE_REMOVE;
    }
  if (g_get_monotonic_time () >= self->drain_deadline)
    {
      self->drain_id = 0;
      probe_finish (self, EXIT_NETWORK,
                    g_strdup_printf (_("Timed out after %u ms waiting for the hub to take the "
                                       "last messages"), DRAIN_TIMEOUT_MS));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
workload_complete (Probe *self)
{
  if (self->workload_done)
    return;
  self->workload_done = TRUE;
  self->drain_deadline = g_get_monotonic_time () + DRAIN_TIMEOUT_MS * 1000;
  self->drain_id = g_timeout_add (10, drain_cb, self);
}

static gboolean
has_workload (Probe *self)
{
  return self->use_stdin || self->count > 0 || self->rate > 0 || self->inflight > 0;
}

static void
probe_pump (Probe *self)
{
  guint batch = 0;

  g_clear_handle_id (&self->pump_id, g_source_remove);
  while (!self->finished && !self->workload_done && has_workload (self))
    {
      gint64 now;

      /* Each of these waits ends with an event that pumps again: a
       * transition to connected, an echo, a timer, a stdin line. */
      if (!eit_connection_is_connected (self->connection))
        return;
      if (self->count > 0 && self->sent >= (guint64) self->count)
        {
          workload_complete (self);
          return;
        }
      if (self->inflight > 0 && outstanding (self) >= self->inflight)
        return;
      now = g_get_monotonic_time ();
      if (self->rate > 0 && now < self->next_send)
        {
          schedule_pump (self, (self->next_send - now + 999) / 1000);
          return;
        }
      if (batch++ == SEND_BATCH)
        {
          schedule_pump (self, 0);
          return;
        }
      if (!send_next (self, now))
        return;
      if (self->rate > 0)
        /* Paced from the schedule, not from now, so the rate holds on
         * average; after a stall (a reconnect) it resumes without a burst. */
        self->next_send = MAX (self->next_send + (gint64) (G_USEC_PER_SEC / self->rate),
                               now - G_USEC_PER_SEC / 10);
    }
}

/* ---- stdin ------------------------------------------------------------ */

static void
stdin_line_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Probe *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *line_no = NULL;
  gsize len;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, &len,
                                                    &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->stdin_reading = FALSE;

  if (error != NULL)
    {
      probe_finish (self, EXIT_OTHER, g_strdup_printf (_("Cannot read stdin: %s"), error->message));
      return;
    }
  if (line == NULL)
    {
      self->stdin_eof = TRUE;
      workload_complete (self);
      return;
    }

  self->stdin_line_no++;
  line_no = number (self->stdin_line_no);
  g_strstrip (line);
  len = strlen (line);
  /* Blank lines are skipped quietly: they are how people space input out. */
  if (len > EIT_DEFAULT_MAX_MESSAGE_SIZE)
    {
      g_autofree char *size = number (len);

      g_printerr (_("eithub-probe: stdin line %s skipped: %s bytes exceed the message limit "
                    "of %d\n"), line_no, size, EIT_DEFAULT_MAX_MESSAGE_SIZE);
    }
  else if (len > 0 && !eit_json_validate (line, len, NULL, &error))
    g_printerr (_("eithub-probe: stdin line %s skipped: %s\n"), line_no, error->message);
  else if (len > 0)
    self->stdin_pending = g_steal_pointer (&line);

  if (self->stdin_pending == NULL)
    stdin_read_next (self);
  else
    probe_pump (self);
}

static void
stdin_read_next (Probe *self)
{
  if (self->stdin_reading || self->stdin_eof || self->finished)
    return;
  self->stdin_reading = TRUE;
  g_data_input_stream_read_line_async (self->stdin_lines, G_PRIORITY_DEFAULT, self->cancellable,
                                       stdin_line_cb, self);
}

/* ---- connection events ------------------------------------------------ */

static void
on_transition (EitConnection      *connection,
               EitConnectionState  old_state,
               EitConnectionState  new_state,
               const char         *reason,
               Probe              *self)
{
  EitProtocolMode mode = eit_connection_get_mode (connection);
  const GError *error = eit_connection_get_last_error (connection);
  GString *out;

  if (self->finished)
    return;

  out = event_begin (self, "state");
  put_string (out, "state", eit_connection_state_to_string (new_state));
  put_string (out, "previous", eit_connection_state_to_string (old_state));
  put_string (out, "mode", eit_protocol_mode_to_string (mode));
  put_string (out, "reason", reason);
  /* CLOCK_MONOTONIC, which a script can line up with its own clock
   * (Python's time.monotonic ()), to time a fault's detection. */
  put_double (out, "monotonic_s", g_get_monotonic_time () / (double) G_USEC_PER_SEC);
  /* Progress between two reconnects reads off these. */
  put_uint (out, "sent", self->sent);
  put_uint (out, "echoed", self->echoed);
  if (new_state == EIT_CONNECTION_STATE_CONNECTED)
    {
      g_autofree char *tls_version = NULL;
      g_autofree char *peer_fingerprint = NULL;

      g_object_get (connection, "tls-version", &tls_version,
                    "peer-fingerprint", &peer_fingerprint, NULL);
      put_string (out, "tls_version", tls_version);
      put_string (out, "peer_fingerprint", peer_fingerprint);
    }
  else if (new_state == EIT_CONNECTION_STATE_BACKING_OFF)
    {
      guint backoff_delay;

      g_object_get (connection, "backoff-delay", &backoff_delay, NULL);
      put_uint (out, "backoff_delay_ms", backoff_delay);
    }
  event_end (self, TRUE);

  switch (new_state)
    {
    case EIT_CONNECTION_STATE_CONNECTED:
      if (self->first_connected == 0)
        {
          self->first_connected = g_get_monotonic_time ();
          self->next_send = self->first_connected;
        }
      /* The base layer cannot resume: echoes outstanding on a lost
       * connection never come, so the closed loop refills. */
      if (old_state != EIT_CONNECTION_STATE_CYCLING && mode == EIT_PROTOCOL_MODE_BASE &&
          outstanding (self) > 0)
        self->abandoned += outstanding (self);
      probe_pump (self);
      break;

    case EIT_CONNECTION_STATE_FAILED:
      if (error != NULL)
        emit_error (self, error);
      probe_finish (self, status_for_error (self, error),
                    g_strdup_printf (_("Gave up: %s"), error ? error->message : reason));
      break;

    case EIT_CONNECTION_STATE_BACKING_OFF:
      if (error != NULL)
        emit_error (self, error);
      if (self->no_reconnect)
        probe_finish (self, status_for_error (self, error),
                      g_strdup_printf (self->first_connected == 0
                                       ? _("Could not connect, and --no-reconnect was given: %s")
                                       : _("Connection lost, and --no-reconnect was given: %s"),
                                       error ? error->message : reason));
      break;

    case EIT_CONNECTION_STATE_DISCONNECTED:
    case EIT_CONNECTION_STATE_CONNECTING:
    case EIT_CONNECTION_STATE_CYCLING:
    default:
      break;
    }
}

/* The hub lost our session: the messages it had not acknowledged are sent
 * again (resent of them), but echoes of those it had taken are gone. */
static void
on_session_reset (EitConnection *connection,
                  guint          resent,
                  Probe         *self)
{
  if (outstanding (self) > resent)
    self->abandoned += outstanding (self) - resent;
}

/* The connection delivers valid JSON: two lookups read the fields, no DOM. */
static void
record_echo (Probe      *self,
             const char *json,
             gsize       len,
             gint64      now)
{
  EitJsonSpan span;
  guint64 seq;
  guint64 t;

  if (!eit_json_find_member (json, len, "probe", &span) || !eit_json_span_get_uint (&span, &seq) ||
      !eit_json_find_member (json, len, "t", &span) || !eit_json_span_get_uint (&span, &t))
    return;

  rtt_add (self, now - (gint64) t);
  echo_record (self, seq, now);
}

static void
on_message (EitConnection *connection,
            const char    *json,
            gulong         len,
            Probe         *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->finished)
    return;
  self->received++;
  self->interval_received++;

  if (!self->use_stdin && has_workload (self))
    record_echo (self, json, len, now);

  if (!self->quiet)
    {
      GString *out = event_begin (self, "message");

      put_key (out, "body");
      /* Valid JSON (the connection checked it) can only hold a raw line
       * break as white space: replace it to keep one event per line. */
      for (gulong i = 0; i < len; i++)
        g_string_append_c (out, json[i] == '\n' || json[i] == '\r' ? ' ' : json[i]);
      event_end (self, FALSE);
    }

  if (self->inflight > 0)
    probe_pump (self);
}

/* ---- start and finish --------------------------------------------------- */

static gboolean
quit_cb (gpointer user_data)
{
  Probe *self = user_data;

  self->quit_id = 0;
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* Ends the run: a final metrics line and the summary on stdout, the reason
 * in words on stderr. Takes why. */
static void
probe_finish (Probe *self,
              int    status,
              char  *why)
{
  g_autofree char *reason = why;

  if (self->finished)
    return;
  self->finished = TRUE;
  self->end = g_get_monotonic_time ();
  self->status = status;

  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->metrics_id, g_source_remove);
  g_clear_handle_id (&self->pump_id, g_source_remove);
  g_clear_handle_id (&self->drain_id, g_source_remove);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);

  if (self->metrics_interval > 0)
    emit_metrics (self);
  emit_summary (self);
  g_printerr ("eithub-probe: %s\n", reason);

  eit_connection_disconnect (self->connection);
  /* A moment for the close frame to leave before the process does. */
  self->quit_id = g_timeout_add (100, quit_cb, self);
}

static gboolean
duration_cb (gpointer user_data)
{
  Probe *self = user_data;
  const GError *error = eit_connection_get_last_error (self->connection);

  self->duration_id = 0;
  if (self->first_connected == 0)
    probe_finish (self, status_for_error (self, error),
                  g_strdup_printf (_("Never connected in %g s: %s"), self->duration,
                                   error ? error->message : _("the hub did not answer")));
  else
    probe_finish (self, EXIT_OK, g_strdup_printf (_("Ran for %g s"), self->duration));
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Probe *self = user_data;

  probe_finish (self, EXIT_OK, g_strdup (_("Stopped by a signal")));
  return G_SOURCE_CONTINUE;
}

static gboolean
read_token_file (Probe   *self,
                 GError **error)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (self->token_file, &contents, NULL, error))
    return FALSE;
  self->token = g_strdup (g_strstrip (contents));
  return TRUE;
}

static int
usage_error (const char *message)
{
  g_printerr (_("Try “eithub-probe --help” for the options.\n"));
  g_printerr ("eithub-probe: %s\n", message);
  return EXIT_USAGE;
}

/* Settings that belong together; NULL when all is well. */
static char *
check_options (Probe *self)
{
  if (self->url == NULL)
    return g_strdup (_("--url is required, e.g. --url wss://127.0.0.1:8443/"));
  if (self->token != NULL && self->token_file != NULL)
    return g_strdup (_("Give the token either with --token or with --token-file, not both"));
  if (self->pin != NULL && self->ca_file != NULL)
    return g_strdup (_("Trust the hub either by --pin or by --ca-file, not both"));
  if (self->count < 0 || self->rate < 0 || self->size < 0 || self->inflight < 0 ||
      self->duration < 0 || self->metrics_interval < 0)
    return g_strdup (_("--count, --rate, --size, --inflight, --duration and --metrics-interval "
                       "cannot be negative"));
  if (self->size > EIT_DEFAULT_MAX_MESSAGE_SIZE)
    return g_strdup_printf (_("--size must be at most %d bytes (the message limit)"),
                            EIT_DEFAULT_MAX_MESSAGE_SIZE);
  if (self->inflight > 0 && self->rate > 0)
    return g_strdup (_("--inflight is a closed loop paced by the echoes: it takes no --rate"));
  if (self->use_stdin && (self->inflight > 0 || self->size > 0))
    return g_strdup (_("--stdin sends its lines as they are: it takes no --inflight or --size"));
  return NULL;
}

static EitConnection *
connection_new (Probe   *self,
                GError **error)
{
  g_autoptr(EitConnection) connection = eit_connection_new (self->url, self->token);
  struct { const char *property; int value; } timings[] = {
    { "inactivity-timeout", self->inactivity_timeout },
    { "keepalive-interval", self->keepalive_interval },
    { "cycle-interval-min", self->cycle_interval },
    { "cycle-interval-max", self->cycle_interval },
    { "reconnect-base", self->reconnect_base },
    { "reconnect-cap", self->reconnect_cap },
  };

  if (self->pin != NULL)
    {
      g_autofree char *pin = eit_tls_normalize_pin (self->pin, error);

      if (pin == NULL)
        return NULL;
      g_object_set (connection, "trust-mode", EIT_TRUST_PINNED, "pinned-fingerprint", pin, NULL);
    }
  else if (self->ca_file != NULL)
    g_object_set (connection, "trust-mode", EIT_TRUST_CA_FILE, "ca-file", self->ca_file, NULL);

  if (self->protocol_mode != NULL)
    {
      g_autoptr(GEnumClass) modes = g_type_class_ref (EIT_TYPE_PROTOCOL_PREFERENCE);
      GEnumValue *mode = g_enum_get_value_by_nick (modes, self->protocol_mode);

      if (mode == NULL)
        {
          g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
                       _("--protocol-mode is auto, full or base (got \"%s\")"), self->protocol_mode);
          return NULL;
        }
      g_object_set (connection, "protocol-mode", mode->value, NULL);
    }

  for (guint i = 0; i < G_N_ELEMENTS (timings); i++)
    {
      /* -1: not given on the command line, keep the protocol's default. */
      if (timings[i].value >= 0)
        g_object_set (connection, timings[i].property, (guint) timings[i].value, NULL);
    }
  return g_steal_pointer (&connection);
}

int
main (int   argc,
      char *argv[])
{
  Probe probe = {
    .inactivity_timeout = -1, .keepalive_interval = -1, .cycle_interval = -1,
    .reconnect_base = -1, .reconnect_cap = -1, .metrics_interval = 1000,
  };
  Probe *self = &probe;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &self->url,
      N_("The hub, e.g. wss://127.0.0.1:8443/"), N_("URL") },
    { "token", 0, 0, G_OPTION_ARG_STRING, &self->token,
      N_("The hub's token (visible to other users in the process list: prefer --token-file)"),
      N_("TOKEN") },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &self->token_file,
      N_("Read the token from FILE"), N_("FILE") },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &self->pin,
      N_("Trust only the certificate with this SHA-256 fingerprint"), N_("sha256:HEX") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &self->ca_file,
      N_("Trust certificates issued by the CAs in this PEM file (default: the system's)"),
      N_("FILE") },
    { "protocol-mode", 0, 0, G_OPTION_ARG_STRING, &self->protocol_mode,
      N_("auto: the full protocol, or the base layer when the hub does not speak it (default); "
         "full: never fall back; base: never offer eithub.v1"), N_("MODE") },
    { "count", 0, 0, G_OPTION_ARG_INT64, &self->count,
      N_("Send N generated messages, then finish (0: no limit)"), N_("N") },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &self->rate,
      N_("Send R generated messages a second (0: as fast as credit allows)"), N_("R") },
    { "size", 0, 0, G_OPTION_ARG_INT, &self->size,
      N_("Pad generated messages to about S bytes"), N_("S") },
    { "inflight", 0, 0, G_OPTION_ARG_INT, &self->inflight,
      N_("Closed loop: keep K messages outstanding and time each echo (needs an echo hub)"),
      N_("K") },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &self->use_stdin,
      N_("Send each line of stdin as a message; invalid JSON is reported and skipped"), NULL },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &self->duration,
      N_("Stop after SECONDS (0: when the work is done, or never)"), N_("SECONDS") },
    { "metrics-interval", 0, 0, G_OPTION_ARG_INT, &self->metrics_interval,
      N_("Print a metrics line every MS milliseconds (0: only at the end; default 1000)"),
      N_("MS") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &self->quiet,
      N_("Do not print a line per message received"), NULL },
    { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &self->no_reconnect,
      N_("Exit when the connection is lost or an attempt fails instead of reconnecting"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &self->version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  const GOptionEntry timing_entries[] = {
    { "inactivity-timeout", 0, 0, G_OPTION_ARG_INT, &self->inactivity_timeout,
      N_("Drop the connection after MS without a frame (default 5000)"), N_("MS") },
    { "keepalive-interval", 0, 0, G_OPTION_ARG_INT, &self->keepalive_interval,
      N_("Ping after MS without sending (default 1500; 0: off)"), N_("MS") },
    { "cycle-interval", 0, 0, G_OPTION_ARG_INT, &self->cycle_interval,
      N_("Make-before-break every MS (default: random in 10-15 min; 0: never)"), N_("MS") },
    { "reconnect-base", 0, 0, G_OPTION_ARG_INT, &self->reconnect_base,
      N_("First back-off ceiling in MS (default 500)"), N_("MS") },
    { "reconnect-cap", 0, 0, G_OPTION_ARG_INT, &self->reconnect_cap,
      N_("Largest back-off ceiling in MS (default 30000)"), N_("MS") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionGroup *timings;
  g_autofree char *problem = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("- watch and load an Eit hub from the command line"));
  g_option_context_set_summary (context,
    _("Connects to a hub over the Eit Hubs Networks Protocol and prints JSON lines on stdout:\n"
      "state changes, messages, metrics, errors and a final summary.\n"
      "Exit status: 0 done, 2 usage, 3 token or origin refused, 4 TLS or pin,\n"
      "5 refused, unreachable or timed out, 6 protocol error, 1 other."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  timings = g_option_group_new ("timings", _("Connection-layer timings:"),
                                _("Show the connection-layer timings"), NULL, NULL);
  g_option_group_add_entries (timings, timing_entries);
  g_option_group_set_translation_domain (timings, GETTEXT_PACKAGE);
  g_option_context_add_group (context, timings);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (self->version)
    {
      g_print ("eithub-probe %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }
  if (argc > 1)
    return usage_error (_("Unexpected argument: options only"));
  problem = check_options (self);
  if (problem != NULL)
    return usage_error (problem);
  if (self->token_file != NULL && !read_token_file (self, &error))
    return usage_error (error->message);

  self->connection = connection_new (self, &error);
  if (self->connection == NULL)
    return usage_error (error->message);

  self->loop = g_main_loop_new (NULL, FALSE);
  self->message = g_string_sized_new (MAX (self->size, 64) + 64);
  self->line = g_string_sized_new (1024);
  self->cancellable = g_cancellable_new ();
  self->start = self->interval_start = g_get_monotonic_time ();
  if (self->use_stdin)
    {
      stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      self->stdin_lines = g_data_input_stream_new (stdin_stream);
      stdin_read_next (self);
    }

  g_signal_connect (self->connection, "transition", G_CALLBACK (on_transition), self);
  g_signal_connect (self->connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (self->connection, "session-reset", G_CALLBACK (on_session_reset), self);
  if (self->duration > 0)
    self->duration_id = g_timeout_add ((guint) (self->duration * 1000), duration_cb, self);
  if (self->metrics_interval > 0)
    self->metrics_id = g_timeout_add (self->metrics_interval, metrics_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, signal_cb, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, self);

  eit_connection_connect (self->connection);
  g_main_loop_run (self->loop);

  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->stdin_lines);
  g_clear_object (&self->cancellable);
  g_string_free (self->message, TRUE);
  g_string_free (self->line, TRUE);
  g_main_loop_unref (self->loop);
  g_free (self->stdin_pending);
  g_free (self->echo_seen);
  g_free (self->url);
  g_free (self->token);
  g_free (self->token_file);
  g_free (self->pin);
  g_free (self->ca_file);
  return self->status;
}
