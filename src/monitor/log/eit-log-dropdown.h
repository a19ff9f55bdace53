/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The log's filter dropdowns (GtkStringList items). In the button the
 * label ellipsizes, so a long type name or a narrow toolbar shrinks the
 * dropdown instead of widening the log; the popup lists the items whole,
 * with a check mark at the chosen one, as GTK's own factory does. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void eit_log_dropdown_setup (GtkDropDown *dropdown);

G_END_DECLS
