/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Exponential back-off with full jitter (docs/PROTOCOL.md 5.2). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint base_ms;
  guint cap_ms;
  guint attempt;   /* failed attempts since the last stable connection */
} EitBackoff;

void  eit_backoff_init    (EitBackoff *self,
                           guint       base_ms,
                           guint       cap_ms);
/* min (cap, base * 2^attempt): the upper bound of the next delay. */
guint eit_backoff_ceiling (const EitBackoff *self);
/* A delay drawn uniformly from [0, ceiling]; counts one more attempt. */
guint eit_backoff_next    (EitBackoff *self,
                           GRand      *rand);
void  eit_backoff_reset   (EitBackoff *self);

G_END_DECLS
