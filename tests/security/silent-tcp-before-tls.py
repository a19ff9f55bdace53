#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 7: TCP connections that never start TLS. Each costs the hub one
descriptor and no TLS worker thread, and is dropped after
first-byte-timeout; a newcomer's TLS handshake meanwhile is quick."""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

SILENT = 150
SOURCES = ["127.0.0.%d" % i for i in range(2, 10)]

with Lab(["--first-byte-timeout", "1500"]) as lab:
    lab.baseline()
    with lab.attack():
        silent = [lab.tcp(SOURCES[i % len(SOURCES)]) for i in range(SILENT)]
        time.sleep(0.5)
        start = time.monotonic()
        lab.tls("127.0.0.1").close()
        handshake_ms = (time.monotonic() - start) * 1000
        closed = wait_closed(silent, 3.0)
    lab.recover()
    lab.check_alive()
    lab.check_client()
    lab.check_rss(SILENT * 64 + 8192)
    threads = max(s[2] for s in lab.samples)
    lab.check(threads <= lab.threads0 + 4,
              "silent peers hold threads: %d, baseline %d" % (threads, lab.threads0))
    lab.check(handshake_ms < 1000, "a newcomer's TLS handshake took %.0f ms" % handshake_ms)
    lab.check(closed == SILENT, "%d of %d silent peers still open after 3 s" % (SILENT - closed, SILENT))
    lab.note("newcomer_handshake_ms", "%.0f" % handshake_ms)
    # The listen backlog (ss shows it as Send-Q) holds a burst while the hub is busy.
    listening = subprocess.run(["ss", "-ltnH", "sport = :%d" % lab.port],
                               capture_output=True, text=True).stdout.split()
    lab.check(len(listening) > 2 and int(listening[2]) >= 128,
              "listen backlog %s, not at least 128" % (listening[2:3] or "?"))
