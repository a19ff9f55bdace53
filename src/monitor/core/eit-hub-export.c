/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "eit-hub-export.h"
#include "eit-monitor-enums.h"

gboolean
eit_export_format_from_string (const char      *text,
                               EitExportFormat *format)
{
  return eit_enum_get_value_by_nick (EIT_TYPE_EXPORT_FORMAT, text, (int *) format);
}

const char *
eit_export_format_to_string (EitExportFormat format)
{
  const char *nick = eit_enum_get_nick (EIT_TYPE_EXPORT_FORMAT, format, NULL);

  g_return_val_if_fail (nick != NULL, NULL);
  return nick;
}

const char *
eit_export_format_get_extension (EitExportFormat format)
{
  return format == EIT_EXPORT_JSON ? "json" : "csv";
}

static char *
iso_time (gint64 real_usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (real_usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) precise = NULL;

  if (dt == NULL)
    return g_strdup ("");
  precise = g_date_time_add (dt, real_usec % G_USEC_PER_SEC);
  return g_date_time_format (precise, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  if (isnan (value) || value < 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_hub (JsonBuilder  *builder,
         EitHubConfig *config)
{
  json_builder_set_member_name (builder, "hub");
  json_builder_begin_object (builder);
  add_string (builder, "id", eit_hub_config_get_id (config));
  add_string (builder, "name", eit_hub_config_get_name (config));
  add_string (builder, "url", eit_hub_config_get_url (config));
  add_string (builder, "trust_mode", eit_trust_mode_to_string (eit_hub_config_get_trust_mode (config)));
  add_string (builder, "ca_file", eit_hub_config_get_ca_file (config));
  add_string (builder, "pinned_fingerprint", eit_hub_config_get_pinned_fingerprint (config));
  json_builder_set_member_name (builder, "demo");
  json_builder_add_boolean_value (builder, eit_hub_config_is_demo (config));
  json_builder_end_object (builder);
}

static void
add_metrics (JsonBuilder         *builder,
             const EitHubMetrics *m)
{
  json_builder_set_member_name (builder, "metrics");
  json_builder_begin_object (builder);
  add_string (builder, "state", eit_connection_state_to_string (m->state));
  add_string (builder, "mode", eit_protocol_mode_to_string (m->mode));
  add_int (builder, "reconnects", m->reconnects);
  add_int (builder, "cycles", m->cycles);
  add_int (builder, "timeouts", m->timeouts);
  add_int (builder, "session_resets", m->session_resets);
  add_int (builder, "backoff_delay_ms", m->backoff_delay);
  add_int (builder, "last_close_code", m->last_close_code);
  add_string (builder, "last_close_reason", m->last_close_reason);
  add_string (builder, "last_error", m->last_error_message);
  add_string (builder, "tls_version", m->tls_version);
  add_string (builder, "tls_cipher", m->tls_cipher);
  add_string (builder, "peer_fingerprint", m->peer_fingerprint);
  add_string (builder, "instance_id", m->instance_id);
  add_string (builder, "session_id", m->session_id);
  add_int (builder, "generation", m->generation);
  add_int (builder, "messages_in", m->messages_in);
  add_int (builder, "messages_out", m->messages_out);
  add_int (builder, "bytes_in", m->bytes_in);
  add_int (builder, "bytes_out", m->bytes_out);
  if (m->have_flow)
    {
      const EitFlowStats *f = &m->flow;

      json_builder_set_member_name (builder, "flow");
      json_builder_begin_object (builder);
      add_int (builder, "window_messages", f->window_messages);
      add_int (builder, "window_bytes", f->window_bytes);
      add_int (builder, "peer_window_messages", f->peer_window_messages);
      add_int (builder, "peer_window_bytes", f->peer_window_bytes);
      add_int (builder, "credit_messages", f->credit_messages);
      add_int (builder, "credit_bytes", f->credit_bytes);
      add_int (builder, "in_flight_messages", f->in_flight_messages);
      add_int (builder, "in_flight_bytes", f->in_flight_bytes);
      add_int (builder, "queue_depth", f->queue_depth);
      add_int (builder, "inbound_pending", f->inbound_pending);
      add_int (builder, "credit_wait_time_us", f->credit_wait_time);
      add_int (builder, "pings_sent", f->pings_sent);
      add_int (builder, "pongs_received", f->pongs_received);
      add_int (builder, "pings_received", f->pings_received);
      add_double (builder, "rtt_last_ms", f->rtt_last);
      add_double (builder, "rtt_smoothed_ms", f->rtt_smoothed);
      add_double (builder, "rtt_p50_ms", f->rtt_p50);
      add_double (builder, "rtt_p99_ms", f->rtt_p99);
      add_int (builder, "duplicates", f->duplicates);
      add_int (builder, "resent", f->resent);
      add_int (builder, "rejected", f->rejected);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
}

static void
add_timeline (JsonBuilder      *builder,
              EitStateTimeline *timeline,
              EitSampleSeries  *series)
{
  json_builder_set_member_name (builder, "timeline");
  json_builder_begin_array (builder);
  for (guint i = 0; i < eit_state_timeline_get_n_entries (timeline); i++)
    {
      const EitStateEntry *entry = eit_state_timeline_get_entry (timeline, i);
      g_autofree char *when = iso_time (eit_sample_series_to_real_time (series, entry->time));

      json_builder_begin_object (builder);
      add_string (builder, "time", when);
      add_string (builder, "state", eit_connection_state_to_string (entry->state));
      add_string (builder, "reason", entry->reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_samples (JsonBuilder     *builder,
             EitSampleSeries *series)
{
  guint n_columns = eit_sample_series_get_n_columns (series);

  json_builder_set_member_name (builder, "samples");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "columns");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "time");
  for (guint c = 0; c < n_columns; c++)
    json_builder_add_string_value (builder, eit_sample_series_get_column_name (series, c));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (guint64 row = eit_sample_series_get_first_row (series);
       row < eit_sample_series_get_n_rows (series); row++)
    {
      g_autofree char *when = iso_time (eit_sample_series_get_real_time (series, row));

      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, when);
      for (guint c = 0; c < n_columns; c++)
        {
          double v = eit_sample_series_get_value (series, row, c);
          if (isnan (v))
            json_builder_add_null_value (builder);
          else
            json_builder_add_double_value (builder, v);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
add_log (JsonBuilder *builder,
         GListModel  *model)
{
  guint n = g_list_model_get_n_items (model);
  g_autoptr(JsonParser) parser = json_parser_new ();

  json_builder_set_member_name (builder, "log");
  json_builder_begin_array (builder);
  /* The model is newest first; the export reads oldest first. */
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(EitLogEntry) entry = g_list_model_get_item (model, i - 1);
      g_autofree char *when = iso_time (eit_log_entry_get_time (entry));

      json_builder_begin_object (builder);
      add_string (builder, "time", when);
      add_string (builder, "direction",
                  eit_log_direction_to_string (eit_log_entry_get_direction (entry)));
      add_string (builder, "type", eit_log_entry_get_message_type (entry));
      add_int (builder, "size", eit_log_entry_get_size (entry));
      json_builder_set_member_name (builder, "message");
      if (!eit_log_entry_is_truncated (entry) &&
          json_parser_load_from_data (parser, eit_log_entry_get_text (entry), -1, NULL))
        json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
      else
        json_builder_add_string_value (builder, eit_log_entry_get_text (entry));
      json_builder_set_member_name (builder, "truncated");
      json_builder_add_boolean_value (builder, eit_log_entry_is_truncated (entry));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static char *
export_json (EitHubWatch *watch,
             gsize         *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *now = iso_time (g_get_real_time ());

  json_builder_begin_object (builder);
  add_string (builder, "format", "eithub-monitor-export");
  add_int (builder, "version", 1);
  add_string (builder, "exported_at", now);
  add_hub (builder, eit_hub_watch_get_config (watch));
  add_metrics (builder, eit_hub_watch_get_metrics (watch));
  add_timeline (builder, eit_hub_watch_get_timeline (watch), eit_hub_watch_get_series (watch));
  add_samples (builder, eit_hub_watch_get_series (watch));
  add_log (builder, eit_message_log_get_model (eit_hub_watch_get_log (watch)));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, length);
}

static void
csv_field (GString    *out,
           const char *text)
{
  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static char *
export_metrics_csv (EitHubWatch *watch,
                    gsize         *length)
{
  EitSampleSeries *series = eit_hub_watch_get_series (watch);
  guint n_columns = eit_sample_series_get_n_columns (series);
  GString *out = g_string_new ("time");

  for (guint c = 0; c < n_columns; c++)
    {
      g_string_append_c (out, ',');
      csv_field (out, eit_sample_series_get_column_name (series, c));
    }
  g_string_append (out, "\r\n");

  for (guint64 row = eit_sample_series_get_first_row (series);
       row < eit_sample_series_get_n_rows (series); row++)
    {
      g_autofree char *when = iso_time (eit_sample_series_get_real_time (series, row));

      g_string_append (out, when);
      for (guint c = 0; c < n_columns; c++)
        {
          double v = eit_sample_series_get_value (series, row, c);
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_c (out, ',');
          if (!isnan (v))
            g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.3f", v));
        }
      g_string_append (out, "\r\n");
    }

  *length = out->len;
  return g_string_free (out, FALSE);
}

static char *
export_log_csv (EitHubWatch *watch,
                gsize         *length)
{
  GListModel *model = eit_message_log_get_model (eit_hub_watch_get_log (watch));
  guint n = g_list_model_get_n_items (model);
  GString *out = g_string_new ("time,direction,type,size,truncated,message\r\n");

  for (guint i = n; i > 0; i--)
    {
      g_autoptr(EitLogEntry) entry = g_list_model_get_item (model, i - 1);
      g_autofree char *when = iso_time (eit_log_entry_get_time (entry));

      g_string_append_printf (out, "%s,%s,", when,
                              eit_log_direction_to_string (eit_log_entry_get_direction (entry)));
      csv_field (out, eit_log_entry_get_message_type (entry));
      g_string_append_printf (out, ",%" G_GSIZE_FORMAT ",%s,", eit_log_entry_get_size (entry),
                              eit_log_entry_is_truncated (entry) ? "true" : "false");
      csv_field (out, eit_log_entry_get_text (entry));
      g_string_append (out, "\r\n");
    }

  *length = out->len;
  return g_string_free (out, FALSE);
}

char *
eit_hub_export_to_data (EitHubWatch   *watch,
                        EitExportFormat  format,
                        gsize           *length)
{
  gsize len = 0;
  char *data;

  g_return_val_if_fail (EIT_IS_HUB_WATCH (watch), NULL);

  /* Whatever arrived since the last frame belongs in the export too. */
  eit_message_log_flush (eit_hub_watch_get_log (watch));

  switch (format)
    {
    case EIT_EXPORT_METRICS_CSV:
      data = export_metrics_csv (watch, &len);
      break;
    case EIT_EXPORT_LOG_CSV:
      data = export_log_csv (watch, &len);
      break;
    case EIT_EXPORT_JSON:
    default:
      data = export_json (watch, &len);
      break;
    }

  if (length != NULL)
    *length = len;
  return data;
}

gboolean
eit_hub_export (EitHubWatch    *watch,
                EitExportFormat   format,
                GFile            *file,
                GError          **error)
{
  gsize length = 0;
  g_autofree char *data = eit_hub_export_to_data (watch, format, &length);

  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  return g_file_replace_contents (file, data, length, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}
