/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a transport's signals delivered, counted for tests that drive a raw
 * EitTransport and wait on what it saw. */
#pragma once

#include "eithub.h"

G_BEGIN_DECLS

typedef struct {
  guint    n_closed;
  guint    n_frames;
  guint    n_pongs;
  GString *last_frame;
  gboolean last_frame_terminated;  /* the text came with a NUL after it */
} EitTestObserved;

/* Counts transport's "frame", "pong" and "closed" and keeps the last
 * frame's text, for as long as transport lives. */
EitTestObserved *eit_test_observe  (EitTransport *transport);
/* What eit_test_observe () has counted on transport so far. */
EitTestObserved *eit_test_observed (EitTransport *transport);

G_END_DECLS
