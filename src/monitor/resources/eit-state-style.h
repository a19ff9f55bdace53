/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the monitor presents each connection state, in one table: the CSS
 * class of its dot ("state-backing-off"), its colour (GNOME's palette; the
 * state band and the dots share it) and its label for people. Plain GLib,
 * so that any part of the monitor above core/ can use it. */
#pragma once

#include "eit-types.h"

G_BEGIN_DECLS

/* "state-connected", ...; a state out of range is presented as failed. */
const char *eit_connection_state_get_css_class (EitConnectionState state);
/* "#2ec27e", ... (for gdk_rgba_parse() and CSS). */
const char *eit_connection_state_get_color     (EitConnectionState state);
/* "Connected", "Backing off", ... translated; "Unknown" out of range. */
const char *eit_connection_state_get_label     (EitConnectionState state);
/* The style sheet that colours the dots: ".state-dot.state-X" for each
 * state. */
char       *eit_connection_state_dup_css       (void);

G_END_DECLS
