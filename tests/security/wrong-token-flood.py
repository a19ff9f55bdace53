#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 11: 400 upgrade requests with wrong tokens. Each gets 401;
the hub logs at most one line a second for them, with a count of the
lines it left out."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

import threading

COUNT = 400
statuses = []


def flood(lab, n, source):
    for _ in range(n):
        try:
            conn = lab.tls(source)
            conn.sendall(upgrade_request("wrong-token"))
            statuses.append(read_response(conn)[0])
            conn.close()
        except OSError:
            statuses.append(0)


with Lab() as lab:
    lab.baseline()
    with lab.attack():
        threads = [threading.Thread(target=flood, args=(lab, COUNT // 4, "127.0.0.%d" % (2 + i)))
                   for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(1.1)  # the next refusal after a quiet second is logged with its count
        conn = lab.tls("127.0.0.2")
        conn.sendall(upgrade_request("wrong-token"))
        statuses.append(read_response(conn)[0])
        conn.close()
    time.sleep(0.2)
    lab.recover()
    lab.check_alive()
    lab.check_client()
    span = lab.attack_end - lab.attack_start
    lines = lab.log_lines("401 invalid token")
    lab.check(statuses.count(401) == COUNT + 1, "%d of %d wrong tokens got 401"
              % (statuses.count(401), COUNT + 1))
    lab.check(len(lines) <= span + 2, "%d log lines for %d refusals in %.1f s"
              % (len(lines), COUNT, span))
    lab.check(any("more like it" in line for line in lines), "no line counts the lines left out")
    lab.note("log_lines", len(lines))
