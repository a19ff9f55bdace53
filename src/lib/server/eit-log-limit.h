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
/* The line to log for this kind now, ending in "(and N more like it in the
 * last second)" when some were left out; NULL when it is left out itself.
 * A NULL kind is never left out. */
char        *eit_log_limit_vformat (EitLogLimit *self,
                                    const char  *kind,
                                    const char  *format,
                                    va_list      args) G_GNUC_PRINTF (3, 0);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EitLogLimit, eit_log_limit_free)

G_END_DECLS
