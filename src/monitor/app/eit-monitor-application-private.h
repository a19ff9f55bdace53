/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What only the GUI tests read from the application. */
#pragma once

#include "eit-monitor-application.h"

G_BEGIN_DECLS

/* The desktop notifications sent so far. */
guint eit_monitor_application_get_n_notifications (EitMonitorApplication *self);

G_END_DECLS
