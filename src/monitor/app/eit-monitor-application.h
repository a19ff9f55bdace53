/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application: settings, the hub store and one EitHubWatch per hub;
 * the embedded demo hub when no hub is configured (and "demo-hub" is on);
 * desktop notifications when a connection is lost; app actions (quit,
 * about, preferences, shortcuts, remove-hub, show-hub). Properties:
 * "window-type" (construct-only), "demo-traffic". */
#pragma once

#include <adwaita.h>
#include "eit-demo-hub.h"
#include "eit-hub-watch.h"
#include "eit-hub-store.h"

G_BEGIN_DECLS

#define EIT_TYPE_MONITOR_APPLICATION (eit_monitor_application_get_type ())
G_DECLARE_FINAL_TYPE (EitMonitorApplication, eit_monitor_application, EIT, MONITOR_APPLICATION,
                      AdwApplication)

/* window_type: the main window's class, a GtkWindow with the action
 * "select-hub" (s: a hub id); activate creates it with "application" set. */
EitMonitorApplication *eit_monitor_application_new         (const char        *application_id,
                                                            GApplicationFlags  flags,
                                                            GType              window_type);
GSettings             *eit_monitor_application_get_settings (EitMonitorApplication *self);
EitHubStore           *eit_monitor_application_get_store    (EitMonitorApplication *self);
EitHubWatch           *eit_monitor_application_get_watch    (EitMonitorApplication *self,
                                                            EitHubConfig          *config);
/* NULL when the demo hub is not running in this session. */
EitDemoHub            *eit_monitor_application_get_demo_hub (EitMonitorApplication *self);
/* Why the demo hub could not start, or NULL. */
const char            *eit_monitor_application_get_demo_error (EitMonitorApplication *self);
/* Removes the hub, its settings and its token; its watch goes away. */
void                   eit_monitor_application_remove_hub   (EitMonitorApplication *self,
                                                             EitHubConfig          *config);

G_END_DECLS
