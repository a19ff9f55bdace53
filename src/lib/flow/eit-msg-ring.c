/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "eit-msg-ring.h"

void
eit_msg_ring_init (EitMsgRing *self)
{
  self->bytes = g_byte_array_new ();
  self->entries = g_array_new (FALSE, FALSE, sizeof (EitMsgRingEntry));
  self->byte_head = 0;
  self->head = 0;
  self->total_bytes = 0;
  self->peak_bytes = 0;
  self->peak_entries = 0;
}

void
eit_msg_ring_clear (EitMsgRing *self)
{
  g_clear_pointer (&self->bytes, g_byte_array_unref);
  g_clear_pointer (&self->entries, g_array_unref);
  self->byte_head = 0;
  self->head = 0;
  self->total_bytes = 0;
}

static inline EitMsgRingEntry *
entry_at (const EitMsgRing *self,
          guint             i)
{
  return &g_array_index (self->entries, EitMsgRingEntry, self->head + i);
}

/* Moves the live part to the front once the dead prefix is the larger part,
 * so each byte is moved O(1) times on average. */
static void
compact (EitMsgRing *self)
{
  guint live = self->entries->len - self->head;

  if (live > 0 && (self->head < 64 || self->head < live))
    return;

  if (live > 0)
    {
      gsize shift = self->byte_head;

      memmove (self->bytes->data, self->bytes->data + shift, self->bytes->len - shift);
      g_byte_array_set_size (self->bytes, self->bytes->len - shift);
      g_array_remove_range (self->entries, 0, self->head);
      for (guint i = 0; i < live; i++)
        g_array_index (self->entries, EitMsgRingEntry, i).offset -= shift;
    }
  else if (self->peak_bytes > EIT_MSG_RING_KEEP_BYTES ||
           self->peak_entries > EIT_MSG_RING_KEEP_ENTRIES)
    {
      /* A burst (a frame of half a million tiny bodies, a stalled peer)
       * must not pin its peak for the rest of the session. */
      g_byte_array_unref (self->bytes);
      g_array_unref (self->entries);
      self->bytes = g_byte_array_new ();
      self->entries = g_array_new (FALSE, FALSE, sizeof (EitMsgRingEntry));
      self->peak_bytes = 0;
      self->peak_entries = 0;
    }
  else
    {
      g_byte_array_set_size (self->bytes, 0);
      g_array_set_size (self->entries, 0);
    }
  self->byte_head = 0;
  self->head = 0;
}

void
eit_msg_ring_push (EitMsgRing *self,
                   const char *data,
                   gsize       len)
{
  EitMsgRingEntry entry = { self->bytes->len, (guint32) len };

  g_byte_array_append (self->bytes, (const guint8 *) data, len);
  g_array_append_val (self->entries, entry);
  self->total_bytes += len;
  self->peak_bytes = MAX (self->peak_bytes, self->bytes->len);
  self->peak_entries = MAX (self->peak_entries, self->entries->len);
}

guint
eit_msg_ring_length (const EitMsgRing *self)
{
  return self->entries->len - self->head;
}

const char *
eit_msg_ring_peek (const EitMsgRing *self,
                   guint             i,
                   gsize            *len)
{
  const EitMsgRingEntry *e;

  g_assert (i < eit_msg_ring_length (self));
  e = entry_at (self, i);
  *len = e->len;
  return (const char *) self->bytes->data + e->offset;
}

void
eit_msg_ring_pop (EitMsgRing *self,
                  guint       n)
{
  g_assert (n <= eit_msg_ring_length (self));

  for (guint i = 0; i < n; i++)
    self->total_bytes -= entry_at (self, i)->len;
  self->head += n;
  if (eit_msg_ring_length (self) > 0)
    self->byte_head = entry_at (self, 0)->offset;
  else
    self->byte_head = self->bytes->len;
  compact (self);
}
