/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One configured hub: its name, URL and how its certificate is trusted,
 * kept in GSettings (relocatable schema io.github.eithub.Monitor.Hub at
 * /io/github/eithub/Monitor/hubs/<id>/). The token is a secret and lives in
 * the keyring (EitTokenStore), never here. The demo hub has a config too,
 * held in memory only. */
#pragma once

#include <gio/gio.h>
#include "eit-types.h"
#include "eit-connection.h"

G_BEGIN_DECLS

#define EIT_SETTINGS_SCHEMA      "io.github.eithub.Monitor"
#define EIT_HUB_SETTINGS_SCHEMA  "io.github.eithub.Monitor.Hub"
#define EIT_HUB_SETTINGS_PATH    "/io/github/eithub/Monitor/hubs/"

#define EIT_TYPE_HUB_CONFIG (eit_hub_config_get_type ())
G_DECLARE_FINAL_TYPE (EitHubConfig, eit_hub_config, EIT, HUB_CONFIG, GObject)

/* Backed by GSettings at the hub's path; changes are saved at once. */
EitHubConfig *eit_hub_config_new_for_id   (const char *id);
/* In memory only, pinned to fingerprint. */
EitHubConfig *eit_hub_config_new_demo     (const char *url,
                                           const char *fingerprint);
/* A fresh random id for a new hub. */
char         *eit_hub_config_generate_id  (void);

const char   *eit_hub_config_get_id       (EitHubConfig *self);
gboolean      eit_hub_config_is_demo      (EitHubConfig *self);
const char   *eit_hub_config_get_name     (EitHubConfig *self);
/* The name, or the URL's host when the name is empty. */
char         *eit_hub_config_dup_display_name (EitHubConfig *self);
const char   *eit_hub_config_get_url      (EitHubConfig *self);
EitTrustMode  eit_hub_config_get_trust_mode (EitHubConfig *self);
const char   *eit_hub_config_get_ca_file  (EitHubConfig *self);
const char   *eit_hub_config_get_pinned_fingerprint (EitHubConfig *self);
gboolean      eit_hub_config_get_auto_connect (EitHubConfig *self);
/* auto, full or base (PROTOCOL.md 2.3). */
EitProtocolPreference eit_hub_config_get_protocol_mode (EitHubConfig *self);

/* Resets every key of the hub's path (used when the hub is removed). */
void          eit_hub_config_forget       (EitHubConfig *self);

/* Properties: id (construct-only), demo (construct-only), name, url,
 * trust-mode (EitTrustMode), ca-file, pinned-fingerprint, auto-connect,
 * protocol-mode (EitProtocolPreference).
 * Signals: "changed" (): any connection-relevant setting changed. */

G_END_DECLS
