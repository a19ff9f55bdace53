/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Back-off panel: credits each way, in flight, send queue depth, time
 * spent waiting for credit, keep-alives, and the round-trip time chart
 * (last, p50, p99). With a base-layer-only hub it says why it is empty. */
#pragma once

#include <adwaita.h>
#include "eit-chart.h"
#include "eit-hub-watch.h"

G_BEGIN_DECLS

#define EIT_TYPE_BACKOFF_PAGE (eit_backoff_page_get_type ())
G_DECLARE_FINAL_TYPE (EitBackoffPage, eit_backoff_page, EIT, BACKOFF_PAGE, AdwBin)

void        eit_backoff_page_set_watch (EitBackoffPage *self,
                                          EitHubWatch  *watch);
void        eit_backoff_page_set_window  (EitBackoffPage *self,
                                          guint           seconds);
/* A narrow window stacks the charts instead of placing them side by side. */
void        eit_backoff_page_set_narrow  (EitBackoffPage *self,
                                          gboolean        narrow);
gboolean    eit_backoff_page_get_narrow  (EitBackoffPage *self);
/* TRUE when the metrics are shown; FALSE when the panel explains why not. */
gboolean    eit_backoff_page_is_active   (EitBackoffPage *self);
const char *eit_backoff_page_get_inactive_reason (EitBackoffPage *self);
/* The value of a card: "credit-out", "credit-in", "in-flight", "queue",
 * "credit-wait", "keepalive", "rtt", ... */
const char *eit_backoff_page_get_value   (EitBackoffPage *self,
                                          const char     *key);
/* The line under a card's value, by the same keys. */
const char *eit_backoff_page_get_detail  (EitBackoffPage *self,
                                          const char     *key);
EitChart   *eit_backoff_page_get_rtt_chart (EitBackoffPage *self);

G_END_DECLS
