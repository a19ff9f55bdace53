/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain-language number formatting shared by the panels and the charts. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "1.2 k", "345", "3.4 M" */
char *eit_format_count     (double value);
/* "1.2 kB", "3.4 MB" (SI, as GNOME does) */
char *eit_format_bytes     (double value);
/* "0.4 s", "12 s", "3 min 04 s", "2 h 05 min" */
char *eit_format_duration  (gint64 usec);
/* "12.3 ms" */
char *eit_format_millis    (double ms);
/* Local wall-clock "HH:MM:SS.mmm" for a real-time µs value. */
char *eit_format_clock     (gint64 real_usec);

G_END_DECLS
