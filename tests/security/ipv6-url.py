#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11 section 3: --address ::1 works and every URL the hub prints or
logs has brackets; --address :: and 0.0.0.0 print a loopback URL a client
can use. The hub is reached over that URL's address by a TLS client that
sends no SNI, as RFC 6066 wants for IP literals."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubattack import *  # noqa: E402,F401,F403

import subprocess


def probe_connects(lab):
    """Whether eithub-probe itself gets through to this hub (the client side
    of IP literals is another part's; the result is only reported)."""
    run = subprocess.run([PROBE, "--url", lab.info["url"], "--token-file", lab.token_file,
                          "--pin", lab.info["fingerprint"], "--count", "5", "--quiet",
                          "--no-reconnect", "--duration", "5"],
                         capture_output=True, text=True, timeout=20)
    return run.returncode == 0


results = {}
for address, expected_host in (("::1", "[::1]"), ("::", "[::1]"), ("0.0.0.0", "127.0.0.1")):
    try:
        with Lab(address=address, probe=False) as lab:
            expected = "wss://%s:%d/" % (expected_host, lab.port)
            lab.check(lab.info["url"] == expected, "--address %s printed %s, not %s"
                      % (address, lab.info["url"], expected))
            time.sleep(0.2)
            lab.check(lab.log_lines("listening on " + expected),
                      "--address %s: the log does not say %s" % (address, expected))
            conn = lab.tls("127.0.0.1")
            conn.sendall(upgrade_request(lab.token, host=expected_host))
            status = read_response(conn)[0]
            conn.close()
            lab.check(status == 101, "--address %s: the upgrade got %d" % (address, status))
            lab.note("address", address)
            lab.note("probe_connects", probe_connects(lab))
    except SystemExit as exit_:
        results[address] = exit_.code
sys.exit(1 if any(results.values()) else 0)
