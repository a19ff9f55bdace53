/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes a hub's session to a file: everything as one JSON document
 * (hub, current metrics, state timeline, samples, message log), or the
 * samples or the message log as CSV. The token is never written. */
#pragma once

#include <gio/gio.h>
#include "eit-hub-watch.h"

G_BEGIN_DECLS

typedef enum {
  EIT_EXPORT_JSON,
  EIT_EXPORT_METRICS_CSV,
  EIT_EXPORT_LOG_CSV,
} EitExportFormat;

gboolean    eit_export_format_from_string (const char      *text,
                                           EitExportFormat *format);
const char *eit_export_format_to_string   (EitExportFormat  format);
/* "json" or "csv" */
const char *eit_export_format_get_extension (EitExportFormat format);

char       *eit_hub_export_to_data        (EitHubWatch   *watch,
                                           EitExportFormat  format,
                                           gsize           *length);
gboolean    eit_hub_export                (EitHubWatch   *watch,
                                           EitExportFormat  format,
                                           GFile           *file,
                                           GError         **error);

G_END_DECLS
