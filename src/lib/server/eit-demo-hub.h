/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An in-process hub on loopback with a fresh self-signed certificate and a
 * random token, plus a traffic generator that exercises every layer: steady
 * and bursty traffic, a slow-consumer phase that runs credits dry, and now
 * and then a dropped connection, so a new user sees every panel move. */
#pragma once

#include "eit-types.h"

G_BEGIN_DECLS

#define EIT_TYPE_DEMO_HUB (eit_demo_hub_get_type ())
G_DECLARE_FINAL_TYPE (EitDemoHub, eit_demo_hub, EIT, DEMO_HUB, GObject)

EitDemoHub   *eit_demo_hub_new          (void);
gboolean      eit_demo_hub_start        (EitDemoHub *self,
                                         GError    **error);
void          eit_demo_hub_stop         (EitDemoHub *self);
gboolean      eit_demo_hub_is_running   (EitDemoHub *self);
const char   *eit_demo_hub_get_url      (EitDemoHub *self);
const char   *eit_demo_hub_get_token    (EitDemoHub *self);
const char   *eit_demo_hub_get_fingerprint (EitDemoHub *self);
EitHubServer *eit_demo_hub_get_server   (EitDemoHub *self);
/* The phase the generator is in: "steady", "burst", "slow-consumer",
 * "recovery". */
const char   *eit_demo_hub_get_phase    (EitDemoHub *self);

/* Points connection at the demo hub (URL, token, pinned fingerprint), gives
 * it demo timings (a cycle every 20-30 s) and drives its side of the
 * traffic too, so its send queue and credits move. */
void          eit_demo_hub_drive        (EitDemoHub    *self,
                                         EitConnection *connection);

/* Properties: url, token, fingerprint, phase (string, read-only), running (gboolean),
 *   traffic (gboolean, default TRUE): run the traffic generator,
 *   drop-interval (guint ms, default 45000; 0 = never drop connections). */

G_END_DECLS
