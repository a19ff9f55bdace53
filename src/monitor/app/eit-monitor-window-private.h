/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What eit-monitor-window.c and eit-monitor-window-actions.c share. */
#pragma once

#include "eit-monitor-window.h"

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
  EitHubWatch         *watch;   /* selected */
  gulong                 metrics_handler;
  gulong                 name_handler;
  gulong                 store_handler;
  gulong                 chart_window_handler;
  GtkFileChooserNative  *export_chooser;
  char                  *last_toast;
  int                    shown_state;
};

void eit_monitor_window_install_actions (EitMonitorWindow *self);
void eit_monitor_window_update_actions  (EitMonitorWindow *self);
void eit_monitor_window_export_dispose  (EitMonitorWindow *self);

G_END_DECLS
