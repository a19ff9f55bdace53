/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Traffic panel: messages/s and bytes/s in and out as live charts, the
 * live message log and the composer. */
#pragma once

#include <gtk/gtk.h>
#include "eit-chart.h"
#include "eit-composer.h"
#include "eit-hub-watch.h"
#include "eit-message-log-view.h"

G_BEGIN_DECLS

#define EIT_TYPE_TRAFFIC_PAGE (eit_traffic_page_get_type ())
G_DECLARE_FINAL_TYPE (EitTrafficPage, eit_traffic_page, EIT, TRAFFIC_PAGE, GtkWidget)

void               eit_traffic_page_set_watch  (EitTrafficPage *self,
                                                  EitHubWatch  *watch);
void               eit_traffic_page_set_window   (EitTrafficPage *self,
                                                  guint           seconds);
EitMessageLogView *eit_traffic_page_get_log_view (EitTrafficPage *self);
EitComposer       *eit_traffic_page_get_composer (EitTrafficPage *self);
EitChart          *eit_traffic_page_get_messages_chart (EitTrafficPage *self);
EitChart          *eit_traffic_page_get_bytes_chart    (EitTrafficPage *self);

G_END_DECLS
