/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A FIFO of byte strings kept back to back in one buffer, so that queuing a
 * message costs a memcpy and no allocation once the buffer has grown, and
 * 16 bytes of index per message. The flow keeps its unacknowledged and
 * unsent messages here, and the messages received but not yet consumed.
 * Once it runs empty, a ring that grew large gives its memory back. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GByteArray *bytes;
  gsize       byte_head;   /* bytes before this offset are dead */
  GArray     *entries;     /* EitMsgRingEntry */
  guint       head;        /* entries before this index are dead */
  guint64     total_bytes; /* live bytes */
  gsize       peak_bytes;  /* the most either array held since allocated */
  guint       peak_entries;
} EitMsgRing;

typedef struct {
  gsize   offset;
  guint32 len;
} EitMsgRingEntry;

/* Capacity kept by an empty ring; more is freed. */
#define EIT_MSG_RING_KEEP_BYTES   65536
#define EIT_MSG_RING_KEEP_ENTRIES 4096

void        eit_msg_ring_init      (EitMsgRing *self);
void        eit_msg_ring_clear     (EitMsgRing *self);
void        eit_msg_ring_push      (EitMsgRing *self,
                                    const char *data,
                                    gsize       len);
guint       eit_msg_ring_length    (const EitMsgRing *self);
/* i counts from the oldest live message. */
const char *eit_msg_ring_peek      (const EitMsgRing *self,
                                    guint             i,
                                    gsize            *len);
void        eit_msg_ring_pop       (EitMsgRing *self,
                                    guint       n);

G_END_DECLS
