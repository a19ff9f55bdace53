/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "eit-monitor-resources.h"
#include "eithub-monitor-resources.h"

void
eit_monitor_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      eithub_monitor_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}
