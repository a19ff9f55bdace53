#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kernel fault matrix (issue 10): the real eithub-hub and eithub-probe
in the lab of eitlab.py, one scenario per run.

  scenarios.py NAME              run one scenario as a test: exit 0 pass,
                                 1 fail (every failed bound listed), 77 skip
  scenarios.py --list            the scenario names
  scenarios.py --bench [NAME...] every scenario (or the NAMEs) with the
                                 production defaults; prints a markdown table
  scenarios.py --trace NAME      one scenario with the production defaults,
                                 then what happened every half second: the
                                 probe's delivery-rate window, rate, ack RTT
                                 and queueing delay, and each way's tbf rate,
                                 queue and drops (the slow-link diagnosis)

Needs $EIT_HUB and $EIT_PROBE (meson sets them; bench/faults too).

Every count is exact and comes from the probe's own sequence numbers: a
number below the highest echo that never came back is lost, one that comes
twice is duplicated, one that comes after a higher one is reordered.
Messages still on the way when the probe stops are "unanswered", not lost.
Times: the probe's state events carry CLOCK_MONOTONIC ("monotonic_s"),
the clock of Python's time.monotonic (), so a fault's detection is timed
exactly (metrics lines, which have only the probe's own "time_s", are
placed through the offset a state line gives). The hub's detection is
read off its log ("4000 timeout", stamped in wall-clock ms).

As a test, most scenarios run with the production timings (5 s inactivity,
1.5 s keep-alive, 500 ms / 30 s back-off), which are short enough. The one
exception is the long hub restart: 20 s down with back-off from 500 ms to
30 s is the same test as 2 s down with back-off from 50 ms to 3 s (the same
number of attempts, each ceiling a tenth), so the test runs the short one
and bench/faults the real one. The grace scenario runs with a 2 s session
grace and a 300 ms back-off cap in both, to tell a grace counted from the drop from one counted from
the end of the close handshake."""

import contextlib
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eitlab  # noqa: E402

INACTIVITY_S = 5.0
KEEPALIVE_S = 1.5
BACKOFF_BASE_MS = 500
BACKOFF_CAP_MS = 30000
STABLE_PERIOD_S = 10.0
# Slack for a detection or a reconnect beyond what the timers allow.
MARGIN_S = 1.0
# The same for 50 clients handshaking at once with a hub on 2 cores.
HERD_MARGIN_S = 3.0
# Message size of every workload: the rate scenarios count link bytes in it.
SIZE = 1000
SKIP = 77


def link_messages_per_s(rate):
    """How many SIZE-byte messages a second fill a link of rate."""
    units = {"kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "bit": 1}
    for unit, factor in units.items():
        if rate.endswith(unit):
            return float(rate[:-len(unit)]) * factor / 8 / SIZE
    raise ValueError(rate)


def rate_bits(rate):
    return link_messages_per_s(rate) * 8 * SIZE


class Probe:
    """One eithub-probe in a client namespace, its JSON lines in a file."""

    def __init__(self, lab, info, args, role="client", name="probe"):
        self.path = os.path.join(lab.directory(), name + ".jsonl")
        self.err_path = os.path.join(lab.directory(), name + ".err")
        out = open(self.path, "w")
        err = open(self.err_path, "w")
        self.start = time.monotonic()
        self.process = lab.spawn(role, [os.environ["EIT_PROBE"], "--url", info["url"],
                                        "--token-file", info["token_file"],
                                        "--pin", info["fingerprint"], "--quiet",
                                        "--metrics-interval", "500"] + args,
                                 stdout=out, stderr=err)
        out.close()
        err.close()
        self.events = []

    def timeline(self):
        return "\n".join("    %7.3f %s <- %s (%s) echoed %s" % (
            e["time_s"], e["state"], e["previous"], e.get("reason"), e.get("echoed"))
            for e in self.states())

    def connected_after(self, t):
        """Whether a "connected" state line after t is in the file yet."""
        with open(self.path) as f:
            for line in f:
                if '"event":"state"' in line and '"state":"connected"' in line \
                        and line.endswith("\n") and json.loads(line)["monotonic_s"] >= t:
                    return True
        return False

    def interrupt(self):
        """SIGINT: the probe prints its summary and exits 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait(self, timeout):
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.events = []
        with open(self.path) as f:
            for line in f:
                # A killed probe may leave half a line.
                if line.endswith("\n"):
                    self.events.append(json.loads(line))
        states = self.of("state")
        # time_s counts from the probe's start; a state line has both clocks.
        self.offset = states[0]["monotonic_s"] - states[0]["time_s"] if states else self.start
        return self.process.returncode

    def of(self, kind):
        return [e for e in self.events if e.get("event") == kind]

    def summary(self):
        summaries = self.of("summary")
        return summaries[-1] if summaries else {}

    def at(self, event):
        """An event's time on this process's monotonic clock (the probe's
        is the same CLOCK_MONOTONIC)."""
        return self.offset + event["time_s"]

    def stderr(self):
        return open(self.err_path).read()

    def states(self):
        return self.of("state")


class Scenario:
    def __init__(self, name, what, run, rate=None, resume=True):
        self.name, self.what, self.run, self.rate = name, what, run, rate
        self.resume = resume


class Result:
    def __init__(self, scenario):
        self.scenario = scenario
        self.failures = []
        self.numbers = {}
        self.probes = []
        self.hub_log = ""

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


# ---- the checks every scenario shares ---------------------------------------

def check_counts(result, probes):
    """0 lost, 0 duplicated, 0 reordered by exact count."""
    result.probes = list(probes)
    totals = {k: 0 for k in ("sent", "echoed", "lost", "duplicated", "reordered", "unanswered")}
    for probe in probes:
        summary = probe.summary()
        if not result.check(summary, "%s printed no summary (exit %s): %s" %
                            (probe.path, probe.process.returncode, probe.stderr()[-300:])):
            continue
        for key in totals:
            totals[key] += summary.get(key, 0)
    result.numbers.update(totals)
    result.check(totals["sent"] > 0, "nothing was sent")
    result.check(totals["echoed"] + totals["lost"] + totals["unanswered"] == totals["sent"],
                 "echoed %(echoed)d + lost %(lost)d + unanswered %(unanswered)d != sent %(sent)d"
                 % totals)
    if result.scenario.resume:
        result.check(totals["lost"] == 0, "%d messages lost" % totals["lost"])
    result.check(totals["duplicated"] == 0, "%d messages duplicated" % totals["duplicated"])
    result.check(totals["reordered"] == 0, "%d messages reordered" % totals["reordered"])


def backoff_delays(probe):
    """(delay_ms, ceiling_ms) of every back-off, the attempt counted since
    the start or the last connection that stayed up for the stable period
    (an upper bound of the library's own count)."""
    out = []
    attempt = 0
    connected_at = None
    for event in probe.states():
        if event["state"] == "connected":
            connected_at = event["time_s"]
        elif event["state"] == "backing-off":
            if connected_at is not None and event["time_s"] - connected_at >= STABLE_PERIOD_S:
                attempt = 0
            connected_at = None
            base, cap = probe.backoff
            out.append((event["backoff_delay_ms"], min(cap, base * 2 ** attempt)))
            attempt += 1
    return out


def check_backoff(result, probes, expect):
    delays = [d for p in probes for d in backoff_delays(p)]
    result.numbers["backoffs"] = len(delays)
    if expect:
        result.check(delays, "the connection was never lost")
    for delay, ceiling in delays:
        result.check(0 <= delay <= ceiling, "back-off %d ms above its ceiling %d ms" %
                     (delay, ceiling))
    if len(delays) >= 3:
        result.check(any(d < 0.9 * c for d, c in delays),
                     "back-off not jittered: every delay at its ceiling %s" % delays)


def check_progress(result, probes):
    """Every connection that stayed up more than a second delivered echoes."""
    for probe in probes:
        marks = [e for e in probe.events if e.get("event") in ("state", "summary")]
        for i, event in enumerate(marks[:-1]):
            if event.get("event") != "state" or event["state"] != "connected":
                continue
            following = marks[i + 1]
            if following["time_s"] - event["time_s"] < 1.0:
                continue
            result.check(following.get("echoed", 0) > event["echoed"],
                         "no echo in the %.1f s after the reconnect at %.1f s (%s)" %
                         (following["time_s"] - event["time_s"], event["time_s"], probe.path))


def reconnects(probe):
    return len([e for e in probe.states() if e["state"] == "connected"]) - 1


def first_loss_after(probe, t):
    for event in probe.states():
        if event["previous"] in ("connected", "cycling") and event["state"] == "backing-off" \
                and probe.at(event) >= t:
            return probe.at(event)
    return None


def first_connected_after(probe, t):
    for event in probe.states():
        if event["state"] == "connected" and probe.at(event) >= t:
            return probe.at(event)
    return None


def hub_timeout_after(lab, wall):
    """The wall-clock time of the hub's first "4000 timeout" log line
    after wall (the hub stamps its log lines in local time, to the ms)."""
    for line in lab.hub_log().splitlines():
        if "4000 timeout" not in line:
            continue
        try:
            stamp = datetime.datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%f")
        except ValueError:
            continue
        if stamp.timestamp() >= wall:
            return stamp.timestamp()
    return None


def final_flow(probe):
    metrics = probe.of("metrics")
    return (metrics[-1].get("flow") or {}) if metrics else {}


def record_rtts(result, probe):
    flow = final_flow(probe)
    summary = probe.summary()
    result.numbers["keepalive_p50_ms"] = flow.get("rtt_p50_ms")
    result.numbers["keepalive_p99_ms"] = flow.get("rtt_p99_ms")
    result.numbers["echo_p50_ms"] = summary.get("rtt_p50_ms")
    result.numbers["echo_p99_ms"] = summary.get("rtt_p99_ms")
    result.numbers["timeouts"] = probe.of("metrics")[-1].get("timeouts", 0) \
        if probe.of("metrics") else 0
    result.numbers["reconnects"] = reconnects(probe)


def record_drops(result, lab):
    """The rate limit's drops by direction, to tell a window larger than
    the bottleneck's queue (drops, then TCP recovery) from one too small
    to fill the link (no drops, link idle)."""
    for direction, count in lab.rate_drops().items():
        result.numbers["rate_drops_" + direction] = count


def throughput(probe, skip_s):
    """Echoed bits a second after the first skip_s seconds, counted from
    one frame's arrival to another's: each metrics line's last_echo_s is
    when the latest echo it counts arrived. Echoes arrive a frame at a time
    (four every 355 ms at 100 kbit/s), so a rate over the metrics lines' own
    times is off by up to a frame at each end, and their least-squares slope
    read up to 0.7 % below this count in the same runs."""
    metrics = [m for m in probe.of("metrics") if m.get("last_echo_s", 0) >= skip_s]
    if len(metrics) < 2:
        return 0.0
    first, last = metrics[0], metrics[-1]
    span = last["last_echo_s"] - first["last_echo_s"]
    if span <= 0:
        return 0.0
    return (last["echoed"] - first["echoed"]) / span * SIZE * 8


# ---- scenarios ---------------------------------------------------------------

def end_after_reconnect(probes, t, timeout, progress_s=3.0):
    """Waits (at most timeout) until every probe is connected after t,
    lets them run progress_s more, then ends them: a test need not last
    the longest back-off a probe might have drawn."""
    deadline = time.monotonic() + timeout
    waiting = list(probes)
    while waiting and time.monotonic() < deadline:
        waiting = [p for p in waiting if p.process.poll() is None and not p.connected_after(t)]
        time.sleep(0.1)
    time.sleep(progress_s)
    for probe in probes:
        probe.interrupt()


def start_hub(lab, *options):
    return lab.start_hub(os.environ["EIT_HUB"], *options)


def open_loop(rate=200):
    return ["--rate", str(rate), "--size", str(SIZE)]


def probe_with(lab, info, args, duration, role="client", name="probe", backoff=None):
    probe = Probe(lab, info, args + ["--duration", str(duration)] +
                  (["--reconnect-base", str(backoff[0]), "--reconnect-cap", str(backoff[1])]
                   if backoff else []), role=role, name=name)
    probe.backoff = backoff or (BACKOFF_BASE_MS, BACKOFF_CAP_MS)
    return probe


def blackhole(seconds):
    def run(lab, result):
        hub, info = start_hub(lab)
        settle = 2.0
        probe = probe_with(lab, info, open_loop(), settle + seconds + 8)
        time.sleep(settle)
        t_fault, wall_fault = time.monotonic(), time.time()
        lab.during("blackhole", seconds)
        t_clear = time.monotonic()
        probe.wait(settle + seconds + 20)
        check_counts(result, [probe])
        check_progress(result, [probe])
        record_rtts(result, probe)
        lost_at = first_loss_after(probe, t_fault)
        if seconds < INACTIVITY_S:
            # Shorter than the inactivity timeout, but TCP retransmits what
            # the blackhole ate after 0.2, 0.6, 1.4, 3.0 and 6.2 s: when the
            # 3.0 s one is still dropped, nothing arrives for 6.2 s and the
            # inactivity timeout rightly fires. So the link may drop, never
            # early, and then resumes without a loss.
            check_backoff(result, [probe], expect=False)
            if lost_at is not None:
                detection = lost_at - t_fault
                result.numbers["detection_s"] = detection
                result.check(detection >= INACTIVITY_S - KEEPALIVE_S,
                             "dropped %.2f s into a %g s blackhole: before the inactivity "
                             "timeout could have run out" % (detection, seconds))
                result.check(reconnects(probe) == 1, "%d reconnects" % reconnects(probe))
        else:
            check_backoff(result, [probe], expect=True)
            if result.check(lost_at is not None, "the blackhole was never detected"):
                detection = lost_at - t_fault
                result.numbers["detection_s"] = detection
                result.check(INACTIVITY_S - KEEPALIVE_S - MARGIN_S <= detection <=
                             INACTIVITY_S + MARGIN_S,
                             "detected after %.2f s (inactivity timeout %g s)" %
                             (detection, INACTIVITY_S))
            hub_at = hub_timeout_after(lab, wall_fault)
            if result.check(hub_at is not None, "the hub never timed the silent link out"):
                result.numbers["hub_detection_s"] = hub_at - wall_fault
                result.check(hub_at - wall_fault <= INACTIVITY_S + MARGIN_S,
                             "the hub timed out after %.2f s" % (hub_at - wall_fault))
            back = first_connected_after(probe, t_clear)
            if result.check(back is not None, "no reconnect after the blackhole"):
                result.numbers["reconnect_s"] = back - t_clear
        lab.stop(hub)
    return run


def reset_and_recover(lab, result, probe, settle_s, wait_s):
    """A 300 ms TCP reset after settle_s, the probe run out, and the checks
    every reset scenario makes; returns (t_fault, lost_at, back), the last
    two None where the check failed."""
    time.sleep(settle_s)
    t_fault = time.monotonic()
    lab.during("reset", 0.3)
    probe.wait(wait_s)
    check_counts(result, [probe])
    check_progress(result, [probe])
    check_backoff(result, [probe], expect=True)
    record_rtts(result, probe)
    lost_at = first_loss_after(probe, t_fault)
    back = None
    if result.check(lost_at is not None, "the reset was never noticed"):
        result.numbers["detection_s"] = lost_at - t_fault
        back = first_connected_after(probe, lost_at)
        if result.check(back is not None, "no reconnect after the reset"):
            result.numbers["reconnect_s"] = back - lost_at
    return t_fault, lost_at, back


def tcp_reset(lab, result):
    hub, info = start_hub(lab)
    probe = probe_with(lab, info, open_loop(), 8)
    t_fault, lost_at, back = reset_and_recover(lab, result, probe, 2, 20)
    if lost_at is not None:
        result.check(lost_at - t_fault <= KEEPALIVE_S + 0.3 + MARGIN_S,
                     "reset noticed after %.2f s" % (lost_at - t_fault))
        if back is not None:
            # Attempts refused during the 300 ms raise the back-off (full
            # jitter: sometimes three of them fit), so the bound is the
            # largest ceiling used, counted from the end of the reset; and
            # the first attempt after the reset must get through.
            ceiling_s = max(c for _, c in backoff_delays(probe)) / 1000
            result.check(back - (t_fault + 0.3) <= ceiling_s + MARGIN_S,
                         "reconnected %.2f s after the reset ended, back-off ceiling %.2f s" %
                         (back - (t_fault + 0.3), ceiling_s))
            # (Lifting the rule takes an nft call: 0.25 s of slack for it.)
            after = [e for e in probe.states() if probe.at(e) >= t_fault + 0.3 + 0.25]
            first = next((i for i, e in enumerate(after) if e["state"] == "connecting"), None)
            result.check(first is None or (first + 1 < len(after) and
                                           after[first + 1]["state"] == "connected"),
                         "the first attempt after the reset did not get through")
    lab.stop(hub)


def loss(percent):
    def run(lab, result):
        hub, info = start_hub(lab)
        probe = probe_with(lab, info, open_loop(), 12)
        time.sleep(1)
        lab.during("loss", 10, percent)
        probe.wait(30)
        check_counts(result, [probe])
        check_progress(result, [probe])
        check_backoff(result, [probe], expect=False)
        record_rtts(result, probe)
        result.numbers["throughput_bps"] = throughput(probe, 1)
        lab.stop(hub)
    return run


def slow_link(closed_loop):
    """Closed loop: a window of a quarter second of the link's data. Open
    loop: a sender offering 4x the link's rate, which must get at least
    90 % of the link. Either way the link stays responsive: keep-alive RTT
    p99 under 1 s at 1 Mbit/s (2 s slower), no timeout, no reconnect."""
    def run(lab, result):
        rate = result.scenario.rate
        per_s = link_messages_per_s(rate)
        duration = 12 if per_s >= 100 else 20
        # The start-up (the initial window's burst into the bottleneck's
        # queue, then TCP recovering what the queue dropped) takes round
        # trips of over a second at 100 kbit/s: 4 s in some runs.
        skip = 3 if per_s >= 100 else 6
        hub, info = start_hub(lab)
        if closed_loop:
            # A quarter second of the link's data in flight: enough to fill
            # it, little enough to keep a keep-alive's queueing delay short.
            args = ["--inflight", str(max(4, int(per_s / 4))), "--size", str(SIZE)]
        else:
            args = open_loop(int(per_s * 4))
        probe = probe_with(lab, info, args, duration)
        probe.wait(duration + 20)
        check_counts(result, [probe])
        check_backoff(result, [probe], expect=False)
        record_rtts(result, probe)
        bound_ms = 1000 if per_s >= 100 else 2000
        achieved = throughput(probe, skip)
        result.numbers["throughput_bps"] = achieved
        result.numbers["link_bps"] = rate_bits(rate)
        p99 = result.numbers["keepalive_p99_ms"]
        result.check(p99 is not None, "no keep-alive ping was answered in %d s" % duration)
        result.check(p99 is None or p99 <= bound_ms,
                     "keep-alive RTT p99 %s ms, bound %d ms" % (p99, bound_ms))
        if not closed_loop:
            # A closed loop's rate is its window over its round trip: it is
            # measured, and bound only by the target for a sender
            # that offers more than the link takes. At 100 kbit/s the margin
            # is the kernel's: per frame it receives, the hub's TCP sends one
            # pure ACK (91.1-91.4 % of the link for bodies) or, in about two
            # runs in five, two on average: its delayed-ACK timer's,
            # 40-90 ms after a packet, and one as the hub reads the frame's
            # last packet (90.2-90.6 %). Each level holds from run to run.
            result.check(achieved >= 0.9 * rate_bits(rate),
                         "throughput %.0f bit/s, under 90 %% of %s" % (achieved, rate))
        result.check(result.numbers["timeouts"] == 0, "%d timeouts" % result.numbers["timeouts"])
        result.check(reconnects(probe) == 0, "%d reconnects" % reconnects(probe))
        record_drops(result, lab)
        lab.stop(hub)
    return run


def slow_reset(lab, result):
    """The livelock of issue 10: a full window on a 1 Mbit/s link, a 300 ms
    reset, and then the resumed session must deliver again at once, without
    another timeout."""
    rate = result.scenario.rate
    per_s = link_messages_per_s(rate)
    hub, info = start_hub(lab)
    probe = probe_with(lab, info, open_loop(int(per_s * 4)), 24)
    t_fault, _, _ = reset_and_recover(lab, result, probe, 4, 40)
    result.check(result.numbers["timeouts"] == 0, "%d inactivity timeouts after the reset"
                 % result.numbers["timeouts"])
    result.check(reconnects(probe) == 1, "%d reconnects (1 expected)" % reconnects(probe))
    # Delivery resumes within a few seconds of the reconnect.
    echoed_at_end = probe.summary().get("echoed", 0)
    late = [m for m in probe.of("metrics") if probe.at(m) >= t_fault + 10]
    if result.check(late, "no metrics after the reset"):
        result.check(echoed_at_end - late[0]["echoed"] >= per_s * 4,
                     "only %d echoes in the last %.0f s (link: %.0f a second)" %
                     (echoed_at_end - late[0]["echoed"],
                      probe.summary().get("time_s", 0) - late[0]["time_s"], per_s))
    result.numbers["throughput_bps"] = throughput(probe, 16)
    result.numbers["link_bps"] = rate_bits(rate)
    record_drops(result, lab)
    lab.stop(hub)


def hub_kill(down_s, backoff=None):
    """SIGKILL, restart after down_s: a new hub has a new epoch, so the
    session starts over (the spec does not promise resume here: the echoes
    the old hub had not sent are lost and counted); the client comes back
    within one back-off ceiling of the restart and makes progress."""
    def run(lab, result):
        hub, info = start_hub(lab)
        base, cap = backoff or (BACKOFF_BASE_MS, BACKOFF_CAP_MS)
        # Long enough for the attempt in progress at the restart to end.
        probe = probe_with(lab, info, open_loop(), down_s + 2 + min(cap, base * 2 ** 7) / 1000 + 5,
                           backoff=backoff)
        time.sleep(2)
        t_kill = time.monotonic()
        lab.stop(hub, signal.SIGKILL)
        time.sleep(down_s)
        hub, info = start_hub(lab)
        t_up = time.monotonic()
        end_after_reconnect([probe], t_up, cap / 1000 + MARGIN_S)
        probe.wait(10)
        check_counts(result, [probe])
        check_progress(result, [probe])
        check_backoff(result, [probe], expect=True)
        record_rtts(result, probe)
        lost_at = first_loss_after(probe, t_kill)
        if result.check(lost_at is not None, "the kill was never noticed"):
            result.numbers["detection_s"] = lost_at - t_kill
            result.check(lost_at - t_kill <= MARGIN_S, "kill noticed after %.2f s" %
                         (lost_at - t_kill))
        back = first_connected_after(probe, t_up)
        delays = backoff_delays(probe)
        if result.check(back is not None, "no reconnect after the restart") and delays:
            result.numbers["reconnect_s"] = back - t_up
            # The attempt in progress at the restart may wait its whole ceiling.
            result.check(back - t_up <= max(c for _, c in delays) / 1000 + MARGIN_S,
                         "back %.2f s after the restart" % (back - t_up))
        summary = probe.summary()
        result.check(summary.get("lost", 0) <= 1024, "%d lost, more than a window" %
                     summary.get("lost", 0))
        if backoff:
            # The ceiling doubles each time; whether it reaches the cap before
            # the hub is back depends on the draws (full jitter), so the bound
            # is that at least 4 ceilings were checked.
            result.check(len(delays) >= 4, "only %d back-offs in a %g s outage: %s" %
                         (len(delays), down_s, delays))
        lab.stop(hub)
    return run


def hub_stop(lab, result):
    """SIGSTOP for 10 s: both ends time out, and the session resumes."""
    hub, info = start_hub(lab)
    probe = probe_with(lab, info, open_loop(), 22)
    time.sleep(2)
    t_stop = time.monotonic()
    hub.send_signal(signal.SIGSTOP)
    time.sleep(10)
    hub.send_signal(signal.SIGCONT)
    t_cont = time.monotonic()
    probe.wait(40)
    check_counts(result, [probe])
    check_progress(result, [probe])
    check_backoff(result, [probe], expect=True)
    record_rtts(result, probe)
    lost_at = first_loss_after(probe, t_stop)
    if result.check(lost_at is not None, "the frozen hub was never detected"):
        detection = lost_at - t_stop
        result.numbers["detection_s"] = detection
        result.check(detection <= INACTIVITY_S + MARGIN_S, "detected after %.2f s" % detection)
    back = first_connected_after(probe, t_cont)
    if result.check(back is not None, "no reconnect after SIGCONT"):
        result.numbers["reconnect_s"] = back - t_cont
    lab.stop(hub)


def grace_from_drop(lab, result):
    """PROTOCOL.md 5.5: the hub keeps a dropped session for session-grace
    from the moment it detects the drop. The open connection goes silent
    for 8 s while new ones are refused, so the client (back-off capped at
    300 ms) is back about 8.2 s in. The hub times the link out at 5 s: with
    a 2 s grace counted from there, the session is gone at 7 s and the
    client must get a new one; a grace counted from the end of the close
    handshake (at 8 s or later, when the link comes back, or 10 s) would
    still hold it."""
    hub, info = start_hub(lab, "--session-grace", "2000")
    probe = probe_with(lab, info, open_loop(), 15, backoff=(50, 300))
    time.sleep(2)
    t_fault, wall_fault = time.monotonic(), time.time()
    lab.during("silence", 8)
    probe.wait(30)
    check_counts(result, [probe])
    check_progress(result, [probe])
    check_backoff(result, [probe], expect=True)
    record_rtts(result, probe)
    hub_at = hub_timeout_after(lab, wall_fault)
    if result.check(hub_at is not None, "the hub never timed the silent link out"):
        result.numbers["hub_detection_s"] = hub_at - wall_fault
        result.check(hub_at - wall_fault <= INACTIVITY_S + MARGIN_S,
                     "the hub timed out after %.2f s" % (hub_at - wall_fault))
    back = first_connected_after(probe, t_fault)
    if result.check(back is not None, "no reconnect after the silence"):
        result.numbers["reconnect_s"] = back - t_fault - 8
        result.check(back - t_fault <= 8 + MARGIN_S, "back %.2f s after the fault, not at 8 s"
                     % (back - t_fault))
    resets = probe.of("metrics")[-1].get("session_resets", 0) if probe.of("metrics") else 0
    result.numbers["session_resets"] = resets
    result.check(resets == 1, "%d session resets: the session outlived its 2 s grace" % resets)
    lab.stop(hub)


def herd(lab, result):
    """50 probes, the hub killed and restarted after 2 s: every one comes
    back, with back-off delays spread over their ceilings."""
    # One token for all 50: the hub's per-token limit (32) must not be the
    # thing under test.
    hub_options = ("--max-connections-per-token", "64")
    hub, info = start_hub(lab, *hub_options)
    # The first connections are not under test: they start 100 ms apart,
    # as a hub's clients rarely all start at once, so that the hub's
    # handshake deadlines see 50 handshakes on 2 cores only at the restart.
    # Ended by end_after_reconnect; the duration is only a bound.
    t_spawned = time.monotonic()
    probes = []
    for i in range(50):
        probes.append(probe_with(lab, info, open_loop(20), 90, name="probe-%02d" % i))
        time.sleep(0.1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(p.connected_after(t_spawned) for p in probes):
        time.sleep(0.2)
    ready = len([p for p in probes if p.connected_after(t_spawned)])
    result.check(ready == 50, "only %d of 50 connected in 30 s, before the kill" % ready)
    time.sleep(2)
    t_kill = time.monotonic()
    lab.stop(hub, signal.SIGKILL)
    time.sleep(2)
    hub, info = start_hub(lab, *hub_options)
    t_up = time.monotonic()
    # A probe may have drawn a delay up to its cap (30 s) just before the restart.
    end_after_reconnect(probes, t_up, BACKOFF_CAP_MS / 1000 + MARGIN_S)
    for probe in probes:
        probe.wait(max(1, 40 - (time.monotonic() - t_up)))
    check_counts(result, probes)
    check_progress(result, probes)
    check_backoff(result, probes, expect=True)
    losses = [first_loss_after(p, t_kill) for p in probes]
    if result.check(all(t is not None for t in losses), "%d of 50 never noticed the kill" %
                    len([t for t in losses if t is None])):
        result.numbers["detection_s"] = max(losses) - t_kill
        result.check(max(losses) - t_kill <= MARGIN_S, "a probe noticed the kill after %.2f s"
                     % (max(losses) - t_kill))
    backs = [first_connected_after(p, t_up) for p in probes]
    result.check(all(b is not None for b in backs), "%d of 50 never came back" %
                 len([b for b in backs if b is None]))
    for probe, back in zip(probes, backs):
        delays = backoff_delays(probe)
        if back is not None and delays:
            # The attempt in progress at the restart may wait its whole
            # ceiling, and then shake hands along with 49 others.
            result.check(back - t_up <= max(c for _, c in delays) / 1000 + HERD_MARGIN_S,
                         "%s back %.2f s after the restart" % (probe.path, back - t_up))
    backs = [b - t_up for b in backs if b is not None]
    if backs:
        result.numbers["reconnect_s"] = max(backs)
        result.numbers["reconnect_p50_s"] = statistics.median(backs)
    firsts = [backoff_delays(p)[0] for p in probes if backoff_delays(p)]
    if firsts:
        ceiling = firsts[0][1]
        delays = [d for d, _ in firsts]
        result.check(min(delays) < 0.25 * ceiling and max(delays) > 0.75 * ceiling,
                     "first back-offs not spread over [0, %d] ms: %d..%d" %
                     (ceiling, min(delays), max(delays)))
    lost = sum(p.summary().get("lost", 0) for p in probes)
    result.check(lost <= 50 * 1024, "%d lost" % lost)
    record_rtts(result, probes[0])
    lab.stop(hub)


SCENARIOS = [
    Scenario("blackhole-3s", "blackhole 3 s (under the inactivity timeout)", blackhole(3)),
    Scenario("blackhole-12s", "blackhole 12 s", blackhole(12)),
    Scenario("tcp-reset", "TCP reset for 300 ms", tcp_reset),
    Scenario("loss-5", "5 % random loss for 10 s", loss(5)),
    Scenario("loss-20", "20 % random loss for 10 s", loss(20)),
    Scenario("rate-1mbit-closed", "1 Mbit/s, closed loop", slow_link(True), rate="1mbit"),
    Scenario("rate-100kbit-closed", "100 kbit/s, closed loop", slow_link(True), rate="100kbit"),
    Scenario("rate-1mbit-overload", "1 Mbit/s, open loop at 4x", slow_link(False), rate="1mbit"),
    Scenario("rate-100kbit-overload", "100 kbit/s, open loop at 4x", slow_link(False),
             rate="100kbit"),
    Scenario("slow-link-reset", "1 Mbit/s at 4x + 300 ms reset (livelock)", slow_reset,
             rate="1mbit"),
    Scenario("hub-kill-2s", "hub SIGKILL, restart after 2 s", hub_kill(2), resume=False),
    Scenario("hub-kill-20s", "hub SIGKILL, restart after 20 s", hub_kill(20), resume=False),
    Scenario("hub-stop-10s", "hub SIGSTOP 10 s", hub_stop),
    Scenario("herd-50", "50 probes, hub restart after 2 s", herd, resume=False),
    Scenario("grace-from-drop", "silence 8 s, 2 s session grace (grace from the drop)",
             grace_from_drop, resume=False),
]
BY_NAME = {s.name: s for s in SCENARIOS}


def run_scenario(scenario, production, observe=None):
    """observe: a context manager factory, given the lab once it is up, that
    is entered while the scenario runs (trace () watches the lab with it)."""
    result = Result(scenario)
    lab = eitlab.Lab(clients=1)
    if scenario.name == "hub-kill-20s" and not production:
        # The short form of the same test (see the header).
        scenario = Scenario(scenario.name, scenario.what, hub_kill(2, backoff=(50, 3000)),
                            resume=False)
        result.scenario = scenario
    try:
        lab.up(scenario.rate)
        with observe(lab) if observe else contextlib.nullcontext():
            scenario.run(lab, result)
    finally:
        result.hub_log = lab.hub_log() if lab.workdir is not None else ""
        lab.down()
    return result


def describe(result):
    lines = ["%s: %s" % (result.scenario.name, "FAIL" if result.failures else "pass")]
    for probe in result.probes[:3]:
        lines.append("  %s, state changes:\n%s" % (os.path.basename(probe.path), probe.timeline()))
    for key, value in sorted(result.numbers.items()):
        lines.append("  %s = %s" % (key, "%.3f" % value if isinstance(value, float) else value))
    lines += ["  FAILED: " + f for f in result.failures]
    if result.failures:
        lines.append("  the hub's last log lines:")
        lines += ["    " + line for line in result.hub_log.splitlines()[-10:]]
    return "\n".join(lines)


def fmt(value, digits=1):
    if value is None:
        return "–"
    return ("%%.%df" % digits) % value


def fmt_ms(value):
    """Round trips: a tenth of a millisecond below 10 ms."""
    return fmt(value, 1 if value is not None and value < 10 else 0)


def bench(names):
    header = ("| scenario | detection s probe / hub | reconnect s | lost / dup / reorder | keep-alive RTT "
              "p50 / p99 ms | echo RTT p50 / p99 ms | throughput / link | timeouts | bounds |")
    print(header)
    print("|" + " --- |" * 9)
    for name in names:
        result = run_scenario(BY_NAME[name], production=True)
        n = result.numbers
        link = n.get("link_bps")
        through = n.get("throughput_bps")
        ratio = "%.0f / %.0f kbit/s (%.0f %%)" % (through / 1000, link / 1000, 100 * through / link) \
            if link and through is not None else (
                "%.0f kbit/s" % (through / 1000) if through is not None else "–")
        print("| %s | %s / %s | %s | %s / %s / %s | %s / %s | %s / %s | %s | %s | %s |" % (
            result.scenario.what, fmt(n.get("detection_s"), digits=2),
            fmt(n.get("hub_detection_s"), digits=2),
            fmt(n.get("reconnect_s"), digits=2),
            n.get("lost", "–"), n.get("duplicated", "–"), n.get("reordered", "–"),
            fmt_ms(n.get("keepalive_p50_ms")), fmt_ms(n.get("keepalive_p99_ms")),
            fmt_ms(n.get("echo_p50_ms")), fmt_ms(n.get("echo_p99_ms")),
            ratio, n.get("timeouts", "–"),
            "pass" if not result.failures else "FAIL: " + "; ".join(result.failures)), flush=True)


def trace(name):
    """Runs one scenario with the production defaults and prints, a line per
    probe metrics line (half a second), what the client saw and what the
    router's rate limits did: echoes a second, the delivery-rate window
    (PROTOCOL.md 6.4: window, rate, ack RTT, the queueing delay "qd" the hub
    reported), bytes in flight, and each way's tbf rate and queue."""
    polls = []

    @contextlib.contextmanager
    def observe(lab):
        stop = threading.Event()

        def poll():
            while not stop.wait(0.25):
                polls.append((time.monotonic(), lab.rate_queues()))

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    result = run_scenario(BY_NAME[name], production=True, observe=observe)
    print(describe(result))
    if not result.probes:
        return 1 if result.failures else 0
    probe = result.probes[0]
    print("\n|   t s | echoes/s | window B | rate B/s | ack RTT ms | qd ms | in flight B | "
          "to hub B/s, queue B, drops | to client B/s, queue B, drops |")
    print("|" + " ---: |" * 9)
    previous = None
    for m in probe.of("metrics"):
        at = probe.at(m)
        flow = m.get("flow") or {}
        near = [p for p in polls if p[0] <= at]
        ways = []
        for direction in ("to_hub", "to_client"):
            if len(near) >= 2:
                (t0, q0), (t1, q1) = near[max(0, len(near) - 3)], near[-1]
                rate = (q1[direction]["bytes"] - q0[direction]["bytes"]) / (t1 - t0)
                ways.append("%.0f, %d, %d" % (rate, q1[direction]["backlog"], q1[direction]["drops"]))
            else:
                ways.append("–")
        echoes = (m["echoed"] - previous["echoed"]) / (m["time_s"] - previous["time_s"]) \
            if previous else 0
        previous = m
        print("| %5.1f | %.0f | %s | %s | %s | %s | %s | %s | %s |" % (
            m["time_s"], echoes, flow.get("adapted_window_bytes", "–"),
            fmt(flow.get("delivery_rate_bytes_per_s"), 0), fmt_ms(flow.get("ack_rtt_ms")),
            fmt_ms(flow.get("queue_delay_ms")), flow.get("in_flight_bytes", "–"), ways[0], ways[1]))
    return 1 if result.failures else 0


def main(argv):
    # meson's timeout and bench's ^C end a run through the labs' clean-up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if argv == ["--list"]:
        print("\n".join(BY_NAME))
        return 0
    for variable in ("EIT_HUB", "EIT_PROBE"):
        if variable not in os.environ:
            print("%s is not set: run through meson test or bench/faults" % variable,
                  file=sys.stderr)
            return 2
    if argv and argv[0] == "--bench":
        names = argv[1:] or list(BY_NAME)
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            print("unknown scenario %s; --list names them" % ", ".join(unknown), file=sys.stderr)
            return 2
        try:
            bench(names)
        except eitlab.Skip as error:
            print("skipped: %s" % error, file=sys.stderr)
            return SKIP
        return 0
    if len(argv) == 2 and argv[0] == "--trace" and argv[1] in BY_NAME:
        try:
            return trace(argv[1])
        except eitlab.Skip as error:
            print("skipped: %s" % error, file=sys.stderr)
            return SKIP
    if len(argv) != 1 or argv[0] not in BY_NAME:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        result = run_scenario(BY_NAME[argv[0]], production=False)
    except eitlab.Skip as error:
        print("SKIP: %s" % error)
        return SKIP
    print(describe(result))
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
