/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A userspace TCP proxy for fault tests. The kernel of the test machines has
 * no netem, so delay, stalls, slicing, resets and half-open links come from
 * here: the proxy sits between a client and a hub on loopback and forwards
 * raw bytes (TLS passes through untouched) in the thread-default main
 * context, with faults that can be switched at any time and apply to open
 * connections as well as new ones. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Faults are flags so that DELAY and SLICE combine (a slow link that also
 * fragments); BLACKHOLE wins over both. */
typedef enum {
  EIT_FAULT_PASS      = 0,       /* forward at once, as read */
  EIT_FAULT_BLACKHOLE = 1 << 0,  /* forward nothing either way; sockets stay open (half-open link) */
  EIT_FAULT_DELAY     = 1 << 1,  /* hold each chunk for delay-ms after it arrived, order kept */
  EIT_FAULT_SLICE     = 1 << 2,  /* forward in writes of at most slice-bytes */
} EitFaultMode;

#define EIT_TYPE_FAULT_MODE (eit_fault_mode_get_type ())
GType eit_fault_mode_get_type (void);

#define EIT_TYPE_FAULT_PROXY (eit_fault_proxy_get_type ())
G_DECLARE_FINAL_TYPE (EitFaultProxy, eit_fault_proxy, EIT, FAULT_PROXY, GObject)

EitFaultProxy *eit_fault_proxy_new       (const char    *target_host,
                                          guint          target_port);

/* Listens on 127.0.0.1 on a free port. */
gboolean       eit_fault_proxy_start     (EitFaultProxy *self,
                                          GError       **error);
guint          eit_fault_proxy_get_port  (EitFaultProxy *self);

void           eit_fault_proxy_set_mode  (EitFaultProxy *self,
                                          EitFaultMode   mode);
EitFaultMode   eit_fault_proxy_get_mode  (EitFaultProxy *self);

/* Drops every connection with a TCP RST on both sides (SO_LINGER 0). */
void           eit_fault_proxy_reset_all (EitFaultProxy *self);
/* Closes every connection gracefully: a FIN to both sides, data not yet
 * forwarded is discarded, and each pair is released once both peers have
 * closed their side too. */
void           eit_fault_proxy_close_all (EitFaultProxy *self);

guint          eit_fault_proxy_get_n_connections     (EitFaultProxy *self);
guint64        eit_fault_proxy_get_connections_total (EitFaultProxy *self);
guint64        eit_fault_proxy_get_bytes_to_target   (EitFaultProxy *self);
guint64        eit_fault_proxy_get_bytes_to_client   (EitFaultProxy *self);
guint64        eit_fault_proxy_get_writes_total      (EitFaultProxy *self);

/* Properties:
 *   target-host (string), target-port (guint): construct-only
 *   port (guint, read-only): the listening port, 0 before start
 *   mode (EitFaultMode), delay-ms (guint, default 100),
 *   slice-bytes (guint, 1..65536, default 3), refuse (gboolean: accept new
 *   connections and reset them at once, as a dead service behind a live
 *   load balancer would)
 * Metrics (read-only; n-connections notifies, the counters do not):
 *   n-connections (guint): open client/target pairs
 *   connections-total (guint64): every connection accepted, refused ones too
 *   bytes-to-target, bytes-to-client (guint64): bytes forwarded each way
 *   writes-total (guint64): writes done both ways (SLICE makes many) */

G_END_DECLS
