/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registers the app's GResource (UI templates, CSS, help overlay) once.
 * The resource lives in a static library, so nothing would pull it in by
 * itself: every class with a template calls this first. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void eit_monitor_ensure_resources (void);

G_END_DECLS
