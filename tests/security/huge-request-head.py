#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request heads are capped at 16 KiB: a 64 KiB header gets 431 with
Connection: close, and the hub reads no further."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

with Lab() as lab:
    lab.baseline()
    statuses = []

    def attack():
        conn = lab.tls("127.0.0.2")
        try:
            conn.sendall(upgrade_request(lab.token, extra=["X-Big: " + "b" * 65536]))
        except OSError:
            pass
        status, headers, body, closed = read_response(conn)
        statuses.append((status, headers.get("connection"), closed))
        conn.close()

    with lab.attack():
        lab.repeat(attack)
    lab.recover()
    lab.check_alive()
    lab.check_client()
    lab.check_rss(8192)
    for status, connection, closed in statuses:
        lab.check(status == 431, "a 64 KiB head got %d, not 431" % status)
        lab.check(connection == "close", "the 431 has no Connection: close")
        lab.check(closed, "the connection stayed open after the 431")
