/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-test-observed.h"

static void
observed_free (EitTestObserved *observed)
{
  g_string_free (observed->last_frame, TRUE);
  g_free (observed);
}

static void
frame_cb (EitTransport    *transport,
          const char      *text,
          gsize            len,
          EitTestObserved *observed)
{
  observed->n_frames++;
  g_string_truncate (observed->last_frame, 0);
  g_string_append_len (observed->last_frame, text, len);
  observed->last_frame_terminated = text[len] == '\0';
}

static void
pong_cb (EitTransport    *transport,
         EitTestObserved *observed)
{
  observed->n_pongs++;
}

static void
closed_cb (EitTransport    *transport,
           EitTestObserved *observed)
{
  observed->n_closed++;
}

EitTestObserved *
eit_test_observe (EitTransport *transport)
{
  EitTestObserved *observed = g_new0 (EitTestObserved, 1);

  observed->last_frame = g_string_new (NULL);
  g_signal_connect (transport, "frame", G_CALLBACK (frame_cb), observed);
  g_signal_connect (transport, "pong", G_CALLBACK (pong_cb), observed);
  g_signal_connect (transport, "closed", G_CALLBACK (closed_cb), observed);
  g_object_set_data_full (G_OBJECT (transport), "eit-test-observed", observed,
                          (GDestroyNotify) observed_free);
  return observed;
}

EitTestObserved *
eit_test_observed (EitTransport *transport)
{
  return g_object_get_data (G_OBJECT (transport), "eit-test-observed");
}
