/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: a sidebar of hubs (AdwLeaflet) and the selected hub's
 * dashboard in three panels (Connection, Traffic, Back-off) under an
 * AdwViewSwitcherTitle. Window actions: add-hub, edit-hub, remove-hub,
 * connect, disconnect, cycle-now, export, export-to ((ss): path, format),
 * view (s), search-log, pause-log, show-hubs, chart-window (s). */
#pragma once

#include <adwaita.h>
#include "eit-backoff-page.h"
#include "eit-connection-page.h"
#include "eit-monitor-application.h"
#include "eit-traffic-page.h"

G_BEGIN_DECLS

#define EIT_TYPE_MONITOR_WINDOW (eit_monitor_window_get_type ())
G_DECLARE_FINAL_TYPE (EitMonitorWindow, eit_monitor_window, EIT, MONITOR_WINDOW, AdwApplicationWindow)

EitMonitorWindow  *eit_monitor_window_new                 (EitMonitorApplication *application);
void               eit_monitor_window_select_hub          (EitMonitorWindow *self,
                                                           EitHubConfig     *config);
EitHubConfig      *eit_monitor_window_get_selected_config (EitMonitorWindow *self);
EitHubWatch     *eit_monitor_window_get_selected_watch (EitMonitorWindow *self);
EitConnectionPage *eit_monitor_window_get_connection_page (EitMonitorWindow *self);
EitTrafficPage    *eit_monitor_window_get_traffic_page    (EitMonitorWindow *self);
EitBackoffPage    *eit_monitor_window_get_backoff_page    (EitMonitorWindow *self);
void               eit_monitor_window_show_view           (EitMonitorWindow *self,
                                                           const char       *name);
void               eit_monitor_window_add_toast           (EitMonitorWindow *self,
                                                           const char       *text);
/* The last toast's text (for tests). */
const char        *eit_monitor_window_get_last_toast      (EitMonitorWindow *self);

G_END_DECLS
