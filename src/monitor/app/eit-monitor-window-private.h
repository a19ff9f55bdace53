/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What eit-monitor-window.c and eit-monitor-window-actions.c share, and
 * the getters only the GUI tests use. */
#pragma once

#include "eit-backoff-page.h"
#include "eit-connection-page.h"
#include "eit-monitor-window.h"
#include "eit-traffic-page.h"

G_BEGIN_DECLS

struct _EitMonitorWindow
{
  AdwApplicationWindow   parent_instance;

  /* Template children. */
  AdwToastOverlay       *toast_overlay;
  AdwLeaflet            *leaflet;
  GtkListBox            *hub_list;
  AdwViewSwitcherTitle  *switcher_title;
  GtkWidget             *connect_squeezer;
  GtkWidget             *disconnect_squeezer;
  GtkRevealer           *demo_revealer;
  GtkWidget             *demo_banner;
  GtkStack              *content_stack;
  AdwStatusPage         *empty_page;
  AdwViewStack          *view_stack;
  EitConnectionPage     *connection_page;
  EitTrafficPage        *traffic_page;
  EitBackoffPage        *backoff_page;

  EitMonitorApplication *application;
  GSettings             *settings;
  EitHubStore           *store;
  EitHubConfig          *config;    /* selected */
  EitHubWatch           *watch;     /* selected */
  GSignalGroup          *watch_signals;
  GSignalGroup          *config_signals;
  GSignalGroup          *store_signals;
  GSignalGroup          *settings_signals;
  GtkFileChooserNative  *export_chooser;
  char                  *last_toast;
  int                    shown_state;
};

void eit_monitor_window_install_actions (EitMonitorWindow *self);
void eit_monitor_window_update_actions  (EitMonitorWindow *self);
void eit_monitor_window_export_dispose  (EitMonitorWindow *self);

/* For the GUI tests. */
EitHubConfig      *eit_monitor_window_get_selected_config (EitMonitorWindow *self);
EitHubWatch       *eit_monitor_window_get_selected_watch  (EitMonitorWindow *self);
EitConnectionPage *eit_monitor_window_get_connection_page (EitMonitorWindow *self);
EitTrafficPage    *eit_monitor_window_get_traffic_page    (EitMonitorWindow *self);
EitBackoffPage    *eit_monitor_window_get_backoff_page    (EitMonitorWindow *self);
/* The last toast's text. */
const char        *eit_monitor_window_get_last_toast      (EitMonitorWindow *self);

G_END_DECLS
