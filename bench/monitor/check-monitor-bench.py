#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A short run of monitor-bench (suite gui): the benchmark still starts the
real app, prints its table and writes its JSON, and the demo hub's own
traffic is off (the "demo-traffic" property), so the monitor receives what
the benchmark feeds and nothing more.

Usage: check-monitor-bench.py MONITOR_BENCH
"""

import json
import os
import subprocess
import sys
import tempfile

# Few messages, so that one still in flight when the measurement ends is a
# small error (0.5 msg/s over 2 s), while the demo hub's own traffic, when
# on, adds 4 msg/s or more (measured: 9.5 received for 5.0 sent).
RATE = 2
SLACK = 2.5


def main():
    bench = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        run = subprocess.run([bench, "--rate", str(RATE), "--warmup", "1", "--seconds", "2",
                              "--json", out], capture_output=True, text=True, timeout=60)
        sys.stdout.write(run.stdout)
        sys.stderr.write(run.stderr)
        # 3 means a target did not hold (a busy machine); anything else is an error.
        if run.returncode not in (0, 3):
            print(f"monitor-bench exited with {run.returncode}", file=sys.stderr)
            return 1
        if "| result" not in run.stdout:
            print("monitor-bench printed no table", file=sys.stderr)
            return 1
        with open(out, encoding="utf-8") as f:
            figures = json.load(f)
    sent, received = figures["sent_rate"], figures["received_rate"]
    if sent < RATE * 0.5 or abs(received - sent) > SLACK:
        print(f"received {received:.1f} msg/s for {sent:.1f} sent: "
              "the demo hub's own traffic is on, or messages were lost", file=sys.stderr)
        return 1
    print(f"ok: {received:.1f} msg/s received for {sent:.1f} sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
