#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 row 6: upgrade requests announcing a 512 MiB body (Content-Length,
and chunked), body bytes streaming in. The hub answers 413 with
Connection: close before it reads a byte of the body; its memory does not
grow with what is sent."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

import select
import ssl

BODY = 512 * 1024 * 1024
CHUNK = b"x" * 65536


def attack(lab, extra):
    conn = lab.tls("127.0.0.2")
    conn.sendall(upgrade_request(lab.token, extra=extra))
    conn.setblocking(False)
    sent, answer = 0, b""
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and b"\r\n\r\n" not in answer:
        readable, writable, _ = select.select([conn], [conn], [], 0.1)
        if readable:
            try:
                data = conn.recv(4096)
            except ssl.SSLWantReadError:
                continue
            except OSError:
                break
            if not data:
                break
            answer += data
        elif writable:
            try:
                sent += conn.send(CHUNK)
            except (ssl.SSLWantWriteError, BlockingIOError):
                pass
            except OSError:
                break
    conn.close()
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    return status, b"connection: close" in answer.lower(), sent


with Lab() as lab:
    lab.baseline()
    results = []
    with lab.attack():
        for extra in (["Content-Length: %d" % BODY], ["Transfer-Encoding: chunked"]) * 3:
            results.append(lab.repeat(lambda: attack(lab, extra), 0.4))
    lab.recover()
    lab.check_alive()
    lab.check_client()
    lab.check_rss(16384)
    for status, close, sent in results:
        lab.check(status == 413, "an upgrade with a body got %d, not 413" % status)
        lab.check(close, "the 413 has no Connection: close")
    lab.note("body_bytes_sent", sum(r[2] for r in results))
