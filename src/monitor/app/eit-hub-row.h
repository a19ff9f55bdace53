/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A hub in the sidebar: its name, its address, a dot in the colour of its
 * connection state, and a "Demo" tag for the embedded demo hub. */
#pragma once

#include <gtk/gtk.h>
#include "eit-hub-watch.h"

G_BEGIN_DECLS

#define EIT_TYPE_HUB_ROW (eit_hub_row_get_type ())
G_DECLARE_FINAL_TYPE (EitHubRow, eit_hub_row, EIT, HUB_ROW, GtkListBoxRow)

GtkWidget     *eit_hub_row_new         (EitHubConfig  *config,
                                        EitHubWatch *watch);
EitHubConfig  *eit_hub_row_get_config  (EitHubRow *self);

G_END_DECLS
