/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "eit-monitor-application.h"
#include "eit-monitor-window.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(EitMonitorApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Eit Hub Monitor"));
  app = eit_monitor_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS, EIT_TYPE_MONITOR_WINDOW);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
