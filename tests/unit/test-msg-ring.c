/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The flow's message store: FIFO order and content survive compaction, and
 * memory stays bounded by what is live. */
#include "config.h"

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
          eit_msg_ring_push (&ring, text, strlen (text), 0);
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
  eit_msg_ring_push (&ring, "[1]", 3, 10);
  eit_msg_ring_push (&ring, "\"two\"", 5, 20);
  eit_msg_ring_push (&ring, "{}", 2, 30);
  g_assert_cmpuint (ring.total_bytes, ==, 10);
  g_assert_cmpmem (eit_msg_ring_peek (&ring, 1, &len), len, "\"two\"", 5);
  g_assert_cmpint (eit_msg_ring_peek_time (&ring, 2), ==, 30);
  eit_msg_ring_pop (&ring, 2);
  g_assert_cmpmem (eit_msg_ring_peek (&ring, 0, &len), len, "{}", 2);
  g_assert_cmpuint (ring.total_bytes, ==, 2);
  eit_msg_ring_clear (&ring);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/msg-ring/fifo-and-compaction", test_fifo_and_compaction);
  g_test_add_func ("/msg-ring/peek-inside", test_peek_inside);
  return g_test_run ();
}
