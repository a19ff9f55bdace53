#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Refusals a page can read (contract, issue 11 section 3): a refused
upgrade that carries Origin gets a 101 and at once a close frame 4401,
4403 or 4429 with a reason; the hub reads nothing but the close reply.
Without Origin the same request still gets its HTTP status."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

def refused_visibly(lab, token, origin, protocols=("eithub.v1",)):
    conn = lab.tls("127.0.0.2")
    extra = ["Origin: " + origin] if origin else []
    conn.sendall(upgrade_request(token, extra=extra, protocols=protocols))
    status, headers, body, closed = read_response(conn)
    if status != 101:
        conn.close()
        return status, None, None, None
    code, reason = read_close_frame(conn)
    conn.sendall(masked_frame(0x8, code.to_bytes(2, "big")))
    conn.settimeout(3.0)
    try:
        eof = conn.recv(1) == b""
    except OSError:
        eof = True
    conn.close()
    return status, headers.get("sec-websocket-protocol"), (code, reason), eof


with Lab(["--allow-origin", "https://good.example", "--max-connections-per-token", "1"]) as lab:
    lab.baseline()
    with lab.attack():
        wrong = lab.repeat(lambda: refused_visibly(lab, "wrong-token", "https://good.example"), 0.5)
        missing = refused_visibly(lab, None, "https://good.example", ("eithub.json",))
        foreign = lab.repeat(lambda: refused_visibly(lab, lab.token, "https://evil.example"), 0.5)
        # The probe holds the token's only connection.
        full = lab.repeat(lambda: refused_visibly(lab, lab.token, "https://good.example"), 0.5)
        plain = lab.repeat(lambda: refused_visibly(lab, "wrong-token", None), 0.5)
    lab.recover()
    lab.check_alive()
    lab.check_client()
    for name, result, code, start in (("wrong token", wrong, 4401, "unauthorized: invalid token"),
                                      ("missing token", missing, 4401, "unauthorized: missing token"),
                                      ("foreign origin", foreign, 4403,
                                       "forbidden: origin not allowed: https://evil.example"),
                                      ("token limit", full, 4429,
                                       "too many connections: retry after 1 s")):
        status, protocol, close, eof = result
        lab.check(status == 101, "%s with Origin got %d, not 101" % (name, status))
        if status != 101:
            continue
        lab.check(close[0] == code and close[1].startswith(start),
                  "%s: close %d %r, expected %d %r..." % (name, close[0], close[1], code, start))
        lab.check(len(close[1].encode()) <= 123, "%s: reason over 123 bytes" % name)
        lab.check(eof, "%s: the connection stayed open after the close handshake" % name)
    lab.check(wrong[1] == "eithub.v1", "the 101 selects %r, not the offered eithub.v1" % (wrong[1],))
    lab.check(missing[1] == "eithub.json", "the 101 selects %r, not the offered eithub.json"
              % (missing[1],))
    lab.check(plain[0] == 401, "without Origin a wrong token got %d, not 401" % plain[0])
