/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hubs in the sidebar, in order: a GListModel of EitHubConfig whose
 * order and membership persist in the GSettings key "hubs" (the demo hub,
 * when present, is first and never persisted). */
#pragma once

#include <gio/gio.h>
#include "eit-hub-config.h"

G_BEGIN_DECLS

#define EIT_TYPE_HUB_STORE (eit_hub_store_get_type ())
G_DECLARE_FINAL_TYPE (EitHubStore, eit_hub_store, EIT, HUB_STORE, GObject)

EitHubStore  *eit_hub_store_new          (GSettings    *settings);
void          eit_hub_store_add          (EitHubStore  *self,
                                          EitHubConfig *config);
void          eit_hub_store_remove       (EitHubStore  *self,
                                          EitHubConfig *config);
EitHubConfig *eit_hub_store_lookup       (EitHubStore  *self,
                                          const char   *id);
/* Hubs the user configured (the demo hub not counted). */
guint         eit_hub_store_get_n_configured (EitHubStore *self);

G_END_DECLS
