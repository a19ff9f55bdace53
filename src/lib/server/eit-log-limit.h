/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* At most one log line a second per kind of event: an attacker who makes
 * the hub refuse thousands of requests must not also fill its log. The
 * line that does get through says how many of its kind were left out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EitLogLimit EitLogLimit;

EitLogLimit *eit_log_limit_new   (guint        interval_ms);
void         eit_log_limit_free  (EitLogLimit *self);
/* TRUE when a line of this kind may be logged now; *suppressed is then the
 * number of lines of the kind left out since the last one. */
gboolean     eit_log_limit_check (EitLogLimit *self,
                                  const char  *kind,
                                  guint       *suppressed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EitLogLimit, eit_log_limit_free)

G_END_DECLS
