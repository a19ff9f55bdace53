#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 5: connections that finish TLS, then send their request head
one byte every 200 ms. The head's deadline is total, so they are dropped
at request-timeout although they never go quiet."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

DRIPPERS = 60

with Lab(["--request-timeout", "1500"]) as lab:
    lab.baseline()
    with lab.attack():
        drippers = lab.tls_many(DRIPPERS, ["127.0.0.%d" % i for i in range(2, 6)])
        head = upgrade_request(lab.token, extra=["X-Drip: " + "d" * 4000])
        start = time.monotonic()
        open_ = list(drippers)
        offset = 0
        while open_ and time.monotonic() - start < 4.0:
            still = []
            for conn in open_:
                try:
                    conn.send(head[offset:offset + 1])
                    still.append(conn)
                except (OSError, ValueError):
                    pass
            open_, offset = still, offset + 1
            time.sleep(0.2)
        took = time.monotonic() - start
        closed = wait_closed(open_, 1.0) + len(drippers) - len(open_)
    lab.recover()
    lab.check_alive()
    lab.check_client()
    lab.check_rss(DRIPPERS * 64 + 8192)
    lab.check(closed == len(drippers), "%d drippers still open after %.1f s"
              % (len(drippers) - closed, took))
    lab.check(took < 3.5, "dripping went on for %.1f s, request-timeout is 1.5 s" % took)
    lab.note("drip_dropped_after_s", "%.1f" % took)
