/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Connection panel: state now with the reason, the next-retry countdown
 * and the back-off delay chosen, the state timeline, counters (uptime,
 * reconnects, cycles, timeouts, last close), which protocol layers the hub
 * speaks, and the TLS details (version, cipher, peer fingerprint in full). */
#pragma once

#include <adwaita.h>
#include "eit-hub-watch.h"

G_BEGIN_DECLS

#define EIT_TYPE_CONNECTION_PAGE (eit_connection_page_get_type ())
G_DECLARE_FINAL_TYPE (EitConnectionPage, eit_connection_page, EIT, CONNECTION_PAGE, AdwBin)

void        eit_connection_page_set_watch (EitConnectionPage *self,
                                             EitHubWatch     *watch);
void        eit_connection_page_set_window  (EitConnectionPage *self,
                                             guint              seconds);
/* A narrow window wraps identifiers and fingerprints into more lines. */
void        eit_connection_page_set_narrow  (EitConnectionPage *self,
                                             gboolean           narrow);
const char *eit_connection_page_get_state_text (EitConnectionPage *self);
/* "Retrying in 1.2 s" while backing off; "" otherwise. */
const char *eit_connection_page_get_countdown_text (EitConnectionPage *self);
/* The text of a value row by its key: "uptime", "reconnects", "cycles",
 * "timeouts", "last-close", "backoff-delay", "next-retry", "mode",
 * "backoff-layer", "tls-version", "tls-cipher", "peer-fingerprint"... */
const char *eit_connection_page_get_value   (EitConnectionPage *self,
                                             const char        *key);

G_END_DECLS
