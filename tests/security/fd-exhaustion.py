#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 4: more TLS connections that never send a request than the
hub has descriptors (open-file limit 256). With --max-connections above
the limit the accept fails with EMFILE: the hub must neither abort nor
spin, and logs that at most once a second. With the default cap (the
limit minus headroom; "auto" argument) it pauses accepting instead. Either
way the legitimate client keeps going, the attackers go at
request-timeout, and a newcomer gets in afterwards."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

AUTO = "auto" in sys.argv[1:]
ATTACKERS = 400
SOURCES = ["127.0.0.%d" % i for i in range(2, 12)]

args = ["--request-timeout", "1500", "--first-byte-timeout", "1500"]
if not AUTO:
    args += ["--max-connections", "1000"]
with Lab(args) as lab:
    lab.baseline()
    with lab.attack():
        held = lab.tls_many(ATTACKERS, SOURCES, deadline_s=6.0)
        time.sleep(1.0)
        closed = wait_closed(held, 3.0)
    lab.recover()
    lab.check_alive()
    lab.check_client()
    # The hub holds at most as many connections as it has descriptors.
    lab.check_rss(NOFILE * 64 + 8192)
    newcomer = lab.tls("127.0.0.1")
    newcomer.sendall(upgrade_request(lab.token))
    status = read_response(newcomer)[0]
    lab.check(status == 101, "a newcomer after the attack got %d, not 101" % status)
    newcomer.close()
    lab.check(closed == len(held), "%d attackers still open" % (len(held) - closed))
    span = lab.attack_end - lab.attack_start
    if AUTO:
        lab.check(lab.log_lines("not accepting until one ends"), "no pause logged at the cap")
        lab.check(not lab.log_lines("cannot accept"), "accept failed below the cap")
    else:
        errors = lab.log_lines("cannot accept a connection")
        lab.check(errors, "the attack never reached the open-file limit")
        lab.check(len(errors) <= span + 2,
                  "%d accept-error lines in %.1f s: not rate-limited" % (len(errors), span))
    lab.note("attackers_held", len(held))
