/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "eit-format.h"

char *
eit_format_count (double value)
{
  double a = fabs (value);

  if (isnan (value))
    return g_strdup ("–");
  if (a >= 1e9)
    return g_strdup_printf ("%.1f G", value / 1e9);
  if (a >= 1e6)
    return g_strdup_printf ("%.1f M", value / 1e6);
  if (a >= 1e4)
    return g_strdup_printf ("%.0f k", value / 1e3);
  if (a >= 1e3)
    return g_strdup_printf ("%.1f k", value / 1e3);
  if (a >= 10 || a == floor (a))
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf ("%.1f", value);
}

char *
eit_format_bytes (double value)
{
  if (isnan (value))
    return g_strdup ("–");
  if (value < 1000)
    /* Translators: a size in bytes */
    return g_strdup_printf (_("%.0f B"), value);
  return g_format_size ((guint64) value);
}

char *
eit_format_duration (gint64 usec)
{
  gint64 s;

  if (usec < 0)
    usec = 0;
  if (usec < 10 * G_USEC_PER_SEC)
    return g_strdup_printf (_("%.1f s"), usec / (double) G_USEC_PER_SEC);

  s = usec / G_USEC_PER_SEC;
  if (s < 60)
    return g_strdup_printf (_("%d s"), (int) s);
  if (s < 3600)
    return g_strdup_printf (_("%d min %02d s"), (int) (s / 60), (int) (s % 60));
  if (s < 86400)
    return g_strdup_printf (_("%d h %02d min"), (int) (s / 3600), (int) ((s / 60) % 60));
  return g_strdup_printf (_("%d d %02d h"), (int) (s / 86400), (int) ((s / 3600) % 24));
}

char *
eit_format_millis (double ms)
{
  if (isnan (ms) || ms < 0)
    return g_strdup ("–");
  if (ms < 10)
    return g_strdup_printf (_("%.2f ms"), ms);
  if (ms < 1000)
    return g_strdup_printf (_("%.1f ms"), ms);
  return g_strdup_printf (_("%.2f s"), ms / 1000.0);
}

char *
eit_format_clock (gint64 real_usec)
{
  /* Called for every log row on screen, every frame: no GDateTime (it
   * looks the local zone up on disk each time), one cached zone and
   * plain arithmetic. */
  static GTimeZone *zone;
  gint64 seconds = real_usec / G_USEC_PER_SEC;
  gint64 local;
  int interval;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, g_time_zone_new_local ());

  interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, seconds);
  local = seconds + (interval >= 0 ? g_time_zone_get_offset (zone, interval) : 0);
  local %= 86400;
  if (local < 0)
    local += 86400;
  return g_strdup_printf ("%02d:%02d:%02d.%03d", (int) (local / 3600), (int) ((local / 60) % 60),
                          (int) (local % 60), (int) ((real_usec / 1000) % 1000));
}
