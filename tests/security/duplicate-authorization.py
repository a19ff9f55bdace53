#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 11: two Authorization headers (a wrong one and the right one)
get 400 with Connection: close, whatever their order."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

with Lab() as lab:
    lab.baseline()
    answers = []

    def attack(first, second):
        conn = lab.tls("127.0.0.2")
        conn.sendall(upgrade_request(first, extra=["Authorization: Bearer " + second]))
        answer = read_response(conn)
        conn.close()
        return answer

    with lab.attack():
        for first, second in (("wrong", lab.token), (lab.token, "wrong")):
            answers.append(lab.repeat(lambda: attack(first, second), 1.0))
    lab.recover()
    lab.check_alive()
    lab.check_client()
    for status, headers, body, closed in answers:
        lab.check(status == 400, "two Authorization headers got %d, not 400" % status)
        lab.check(b"Authorization" in body, "the 400 does not say why: %r" % body)
        lab.check(headers.get("connection") == "close", "the 400 has no Connection: close")
        lab.check(closed, "the connection stayed open after the 400")
