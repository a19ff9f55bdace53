/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Round-trip time statistics of keep-alive pings (docs/PROTOCOL.md 6.3):
 * last, smoothed (EWMA 1/8), the smallest ever (the delivery-rate window's
 * base RTT) and percentiles over the last 128 samples. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EIT_RTT_WINDOW 128

typedef struct {
  double samples[EIT_RTT_WINDOW];
  guint  n_samples;
  guint  next;
  double last;
  double smoothed;
  double min;
} EitRtt;

void   eit_rtt_init       (EitRtt *self);
void   eit_rtt_add        (EitRtt *self,
                           double  ms);
/* p in [0, 100]; -1 before the first sample. */
double eit_rtt_percentile (const EitRtt *self,
                           double        p);

G_END_DECLS
