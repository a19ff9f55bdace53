/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The flow's message store: FIFO order and content survive compaction, and
 * memory stays bounded by what is live. */
#include "config.h"

#include <malloc.h>

#include "eit-msg-ring.h"

static void
test_fifo_and_compaction (void)
{
  EitMsgRing ring;
  guint64 pushed = 0, popped = 0;

  eit_msg_ring_init (&ring);
  /* A producer a little ahead of a consumer, for many rounds. */
  for (guint round = 0; round < 2000; round++)
    {
      for (guint i = 0; i < 7; i++)
        {
          g_autofree char *text = g_strdup_printf ("{\"n\":%" G_GUINT64_FORMAT "}", pushed++);
          eit_msg_ring_push (&ring, text, strlen (text));
        }
      while (eit_msg_ring_length (&ring) > 10)
        {
          gsize len;
          const char *text = eit_msg_ring_peek (&ring, 0, &len);
          g_autofree char *expected = g_strdup_printf ("{\"n\":%" G_GUINT64_FORMAT "}", popped++);

          g_assert_cmpmem (text, len, expected, strlen (expected));
          eit_msg_ring_pop (&ring, 1);
        }
      /* Dead space never outgrows the live part by much. */
      g_assert_cmpuint (ring.entries->len, <=, 2 * 10 + 64 + 7);
    }
  g_assert_cmpuint (eit_msg_ring_length (&ring), ==, pushed - popped);
  eit_msg_ring_pop (&ring, eit_msg_ring_length (&ring));
  g_assert_cmpuint (ring.total_bytes, ==, 0);
  eit_msg_ring_clear (&ring);
}

static void
test_peek_inside (void)
{
  EitMsgRing ring;
  gsize len;

  eit_msg_ring_init (&ring);
  eit_msg_ring_push (&ring, "[1]", 3);
  eit_msg_ring_push (&ring, "\"two\"", 5);
  eit_msg_ring_push (&ring, "{}", 2);
  g_assert_cmpuint (ring.total_bytes, ==, 10);
  g_assert_cmpmem (eit_msg_ring_peek (&ring, 1, &len), len, "\"two\"", 5);
  eit_msg_ring_pop (&ring, 2);
  g_assert_cmpmem (eit_msg_ring_peek (&ring, 0, &len), len, "{}", 2);
  g_assert_cmpuint (ring.total_bytes, ==, 2);
  eit_msg_ring_clear (&ring);
}

/* Bytes handed out by malloc, mmapped blocks included. */
static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();
  return info.uordblks + info.hblkhd;
}

/* Issue 9 row 10: a frame of half a million one-byte bodies that waited
 * for delivery must not pin its peak once they are consumed. */
static void
test_burst_gives_memory_back (void)
{
  EitMsgRing ring;
  const guint n = 524000;
  gsize before, peak, after;

  eit_msg_ring_init (&ring);
  before = heap_in_use ();
  g_assert_cmpuint (sizeof (EitMsgRingEntry), <=, 16);
  for (guint i = 0; i < n; i++)
    eit_msg_ring_push (&ring, "0", 1);
  g_assert_cmpuint (eit_msg_ring_length (&ring), ==, n);
  g_assert_cmpuint (ring.total_bytes, ==, n);
  peak = heap_in_use ();
  for (guint i = 0; i < n; i += 1000)
    eit_msg_ring_pop (&ring, MIN (1000, eit_msg_ring_length (&ring)));
  g_assert_cmpuint (eit_msg_ring_length (&ring), ==, 0);
  after = heap_in_use ();
  g_test_message ("heap in use: %" G_GSIZE_FORMAT " before, %" G_GSIZE_FORMAT " with %u bodies waiting, %"
                  G_GSIZE_FORMAT " after", before, peak, n, after);
  /* 16 bytes of index and 1 of body each, with growth slack... */
  g_assert_cmpuint (peak - before, <=, (gsize) n * 2 * 17);
  /* ... and what an empty ring keeps is small, whatever it held before. */
  g_assert_cmpuint (after, <, before + 2 * (EIT_MSG_RING_KEEP_BYTES + EIT_MSG_RING_KEEP_ENTRIES * 16));
  eit_msg_ring_push (&ring, "[2]", 3);
  g_assert_cmpuint (eit_msg_ring_length (&ring), ==, 1);
  eit_msg_ring_clear (&ring);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/msg-ring/fifo-and-compaction", test_fifo_and_compaction);
  g_test_add_func ("/msg-ring/peek-inside", test_peek_inside);
  g_test_add_func ("/msg-ring/burst-gives-memory-back", test_burst_gives_memory_back);
  return g_test_run ();
}
