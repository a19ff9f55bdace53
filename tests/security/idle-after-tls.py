#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 5: connections that finish TLS, then send nothing, are
dropped at request-timeout."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

IDLE = 100

with Lab(["--request-timeout", "1500"]) as lab:
    lab.baseline()
    with lab.attack():
        idle = lab.tls_many(IDLE, ["127.0.0.%d" % i for i in range(2, 6)])
        start = time.monotonic()
        closed = wait_closed(idle, 3.0)
        took = time.monotonic() - start
    lab.recover()
    lab.check_alive()
    lab.check_client()
    lab.check_rss(IDLE * 64 + 8192)
    lab.check(len(idle) == IDLE, "only %d of %d TLS handshakes finished" % (len(idle), IDLE))
    lab.check(closed == len(idle), "%d idle connections still open after 3 s" % (len(idle) - closed))
    lab.note("all_closed_after_s", "%.1f" % took)
