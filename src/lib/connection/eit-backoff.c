/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-backoff.h"

void
eit_backoff_init (EitBackoff *self,
                  guint       base_ms,
                  guint       cap_ms)
{
  self->base_ms = base_ms;
  self->cap_ms = MAX (cap_ms, base_ms);
  self->attempt = 0;
}

guint
eit_backoff_ceiling (const EitBackoff *self)
{
  guint64 ceiling = self->base_ms;

  /* Past 2^31 every realistic cap is already reached; stop shifting. */
  for (guint i = 0; i < self->attempt && ceiling < self->cap_ms && i < 31; i++)
    ceiling *= 2;
  return (guint) MIN (ceiling, (guint64) self->cap_ms);
}

guint
eit_backoff_next (EitBackoff *self,
                  GRand      *rand)
{
  guint ceiling = eit_backoff_ceiling (self);

  if (self->attempt < G_MAXUINT)
    self->attempt++;
  /* Full jitter: uniform over the whole interval spreads a herd of clients
   * that lost the same hub instead of bringing them back together. */
  return (guint) g_rand_double_range (rand, 0, (double) ceiling + 1.0 - 1e-9);
}

void
eit_backoff_reset (EitBackoff *self)
{
  self->attempt = 0;
}
