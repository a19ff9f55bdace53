/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: a sidebar of hubs (AdwLeaflet) and the selected hub's
 * dashboard in three panels (Connection, Traffic, Back-off) under an
 * AdwViewSwitcherTitle. Window actions: add-hub, edit-hub, remove-hub,
 * connect, disconnect, cycle-now, export, export-to ((ss): path, format),
 * view (s), search-log, pause-log, show-hubs, select-hub (s: a hub id),
 * chart-window (s). */
#pragma once

#include <adwaita.h>
#include "eit-monitor-application.h"

G_BEGIN_DECLS

#define EIT_TYPE_MONITOR_WINDOW (eit_monitor_window_get_type ())
G_DECLARE_FINAL_TYPE (EitMonitorWindow, eit_monitor_window, EIT, MONITOR_WINDOW, AdwApplicationWindow)

EitMonitorWindow  *eit_monitor_window_new                 (EitMonitorApplication *application);
void               eit_monitor_window_select_hub          (EitMonitorWindow *self,
                                                           EitHubConfig     *config);
void               eit_monitor_window_show_view           (EitMonitorWindow *self,
                                                           const char       *name);
void               eit_monitor_window_add_toast           (EitMonitorWindow *self,
                                                           const char       *text);

G_END_DECLS
