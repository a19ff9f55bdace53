#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11 section 3: every refusal carries Connection: close and the hub
closes the connection after it, so a keep-alive client never reuses it.
Also: a base-layer connection is logged with the subprotocol it selected."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

with Lab() as lab:
    lab.baseline()
    answers = []

    def attack(token, upgrade):
        conn = lab.tls("127.0.0.2")
        if upgrade:
            request = upgrade_request(token)
        else:
            request = ("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                       % token).encode()
        conn.sendall(request)
        answer = read_response(conn)
        conn.close()
        return answer

    with lab.attack():
        for token, upgrade in ((None, True), ("wrong", True), (lab.token, False)):
            answers.append(lab.repeat(lambda: attack(token, upgrade), 0.7))
    lab.recover()
    lab.check_alive()
    lab.check_client()
    # Not a refusal: an eithub.json upgrade is logged with that subprotocol.
    conn = lab.tls("127.0.0.2")
    conn.sendall(upgrade_request(lab.token, protocols=("eithub.json",)))
    status = read_response(conn)[0]
    conn.close()
    time.sleep(0.2)
    lab.check(status == 101, "an eithub.json upgrade got %d" % status)
    lab.check(lab.log_lines("(eithub.json: authenticated JSON only)"),
              "the eithub.json connection is not logged with its subprotocol")
    for (status, headers, body, closed), expected in zip(answers, (401, 401, 426)):
        lab.check(status == expected, "got %d, not %d" % (status, expected))
        lab.check(headers.get("connection") == "close", "%d has no Connection: close" % status)
        lab.check(closed, "the connection stayed open after the %d" % status)
