/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eit-rtt.h"

void
eit_rtt_init (EitRtt *self)
{
  memset (self, 0, sizeof *self);
  self->last = -1;
  self->smoothed = -1;
  self->min = -1;
}

void
eit_rtt_add (EitRtt *self,
             double  ms)
{
  self->samples[self->next] = ms;
  self->next = (self->next + 1) % EIT_RTT_WINDOW;
  self->n_samples = MIN (self->n_samples + 1, EIT_RTT_WINDOW);
  self->last = ms;
  self->smoothed = self->smoothed < 0 ? ms : self->smoothed + (ms - self->smoothed) / 8.0;
  self->min = self->min < 0 ? ms : MIN (self->min, ms);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
eit_rtt_percentile (const EitRtt *self,
                    double        p)
{
  double sorted[EIT_RTT_WINDOW];
  guint rank;

  if (self->n_samples == 0)
    return -1;

  /* 128 doubles: sorting on demand is cheaper than keeping an order on
   * every sample, since readers sample a few times a second at most. */
  memcpy (sorted, self->samples, self->n_samples * sizeof (double));
  qsort (sorted, self->n_samples, sizeof (double), compare_doubles);
  rank = (guint) ceil (CLAMP (p, 0, 100) / 100.0 * self->n_samples);
  return sorted[rank == 0 ? 0 : rank - 1];
}
