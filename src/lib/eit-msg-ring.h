/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A FIFO of byte strings kept back to back in one buffer, so that queuing a
 * message costs a memcpy and no allocation once the buffer has grown. The
 * flow keeps its unacknowledged and unsent messages here, and the messages
 * received but not yet consumed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GByteArray *bytes;
  gsize       byte_head;   /* bytes before this offset are dead */
  GArray     *entries;     /* EitMsgRingEntry */
  guint       head;        /* entries before this index are dead */
  guint64     total_bytes; /* live bytes */
} EitMsgRing;

typedef struct {
  gsize   offset;
  guint32 len;
  gint64  time;            /* monotonic µs when pushed */
} EitMsgRingEntry;

void        eit_msg_ring_init      (EitMsgRing *self);
void        eit_msg_ring_clear     (EitMsgRing *self);
void        eit_msg_ring_push      (EitMsgRing *self,
                                    const char *data,
                                    gsize       len,
                                    gint64      time);
guint       eit_msg_ring_length    (const EitMsgRing *self);
/* i counts from the oldest live message. */
const char *eit_msg_ring_peek      (const EitMsgRing *self,
                                    guint             i,
                                    gsize            *len);
gint64      eit_msg_ring_peek_time (const EitMsgRing *self,
                                    guint             i);
void        eit_msg_ring_pop       (EitMsgRing *self,
                                    guint       n);

G_END_DECLS
