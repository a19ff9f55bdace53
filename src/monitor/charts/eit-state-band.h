/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The state timeline as a coloured band over the chart window: one colour
 * per connection state, drawn with gtk_snapshot_append_color(), redrawn at
 * most once per frame when the hub is sampled or changes state. Hover names
 * the state and its reason; the accessible description sums it up. */
#pragma once

#include <gtk/gtk.h>
#include "eit-sample-series.h"
#include "eit-state-timeline.h"

G_BEGIN_DECLS

#define EIT_TYPE_STATE_BAND (eit_state_band_get_type ())
G_DECLARE_FINAL_TYPE (EitStateBand, eit_state_band, EIT, STATE_BAND, GtkWidget)

GtkWidget  *eit_state_band_new          (void);
/* clock: the series whose samples move the band forward (may be NULL). */
void        eit_state_band_set_timeline (EitStateBand     *self,
                                         EitStateTimeline *timeline,
                                         EitSampleSeries  *clock);
void        eit_state_band_set_window   (EitStateBand     *self,
                                         guint             seconds);
const char *eit_state_band_get_description (EitStateBand  *self);

G_END_DECLS
