# SPDX-License-Identifier: GPL-3.0-or-later
"""The kernel fault lab: a hub and its clients in network namespaces of
their own, joined through a router namespace, where nftables drops, resets
or randomly loses packets and tbf limits the rate (this kernel has no
netem). Root only.

Topology (every address exists only inside the lab's own namespaces):

    <prefix>-hub  h0 10.213.1.2/24 ─── rh 10.213.1.1 ┐
                                                      <prefix>-rtr (forwards; nftables table
    <prefix>-c1   c0 10.213.11.2/24 ── rc1 10.213.11.1┘  "inet eitlab", tbf on rh and rc<i>)
    <prefix>-c2   c0 10.213.12.2/24 ── rc2 10.213.12.1   (one namespace per --clients)

Faults live in the router's forward chain, so they hit both directions.
Rates are set on the router's egress to both sides.

Every lab is named by a prefix "eitlab-<pid>" (the pid of the process that
owns it); a lab whose owner is gone is a crashed run's leftover and is
removed at the next start. The command line's lab is "eitlab-cli", kept
until "lab down". This module is imported by tests/faults/netns/scenarios.py
and run as tests/faults/netns/lab (usage there)."""

import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

HUB_ADDRESS = "10.213.1.2"
HUB_PORT = 8443
NAME_PATTERN = re.compile(r"^eitlab-(\d+|cli)-(hub|rtr|c\d+)$")
RATE_PATTERN = re.compile(r"^\d+(\.\d+)?(bit|kbit|mbit|gbit)$")
# How long a process gets to leave after SIGTERM before SIGKILL.
STOP_GRACE_S = 3.0


class LabError(Exception):
    pass


class Skip(Exception):
    """The kernel or the user refuses namespaces: the test is skipped."""


def sh(argv, check=True, capture=True, input_text=None, timeout=20):
    result = subprocess.run(argv, input=input_text, text=True, timeout=timeout,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.PIPE if capture else None)
    if check and result.returncode != 0:
        raise LabError("%s failed (%d): %s" % (" ".join(argv), result.returncode,
                                                (result.stderr or "").strip()))
    return result


def namespaces():
    result = sh(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in result.stdout.splitlines() if line.strip()]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_namespace_processes(namespace):
    """Ends the processes inside one of the lab's namespaces: the lab
    started every one of them."""
    for _ in range(2):
        pids = [int(p) for p in sh(["ip", "netns", "pids", namespace], check=False).stdout.split()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def delete_namespace(namespace):
    kill_namespace_processes(namespace)
    sh(["ip", "netns", "delete", namespace], check=False)


def clean_stale(keep_prefix=None):
    """Removes labs whose owning process is gone (a crashed run)."""
    removed = []
    for namespace in namespaces():
        match = NAME_PATTERN.match(namespace)
        if not match or namespace.startswith((keep_prefix or "\0") + "-"):
            continue
        owner = match.group(1)
        if owner != "cli" and not pid_alive(int(owner)):
            delete_namespace(namespace)
            removed.append(namespace)
    for path in glob.glob(os.path.join(tempfile.gettempdir(), "eitlab-*-*")):
        match = re.match(r"^eitlab-(\d+)-", os.path.basename(path))
        if match and not pid_alive(int(match.group(1))) and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
    return removed


def check_rate(rate):
    if not RATE_PATTERN.match(rate):
        raise LabError("a rate is a number and a unit, e.g. 1mbit or 100kbit (got %r)" % rate)
    return rate


def parse_duration(text):
    """'300ms', '2s' or '1.5' (seconds) to seconds."""
    match = re.match(r"^(\d+(?:\.\d+)?)(ms|s)?$", text)
    if not match:
        raise LabError("a duration is a number with ms or s, e.g. 300ms or 2s (got %r)" % text)
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


class Lab:
    def __init__(self, prefix=None, clients=1):
        self.prefix = prefix or "eitlab-%d" % os.getpid()
        self.clients = clients
        self.processes = []
        self.rate = None
        self.workdir = None

    # ---- names ----------------------------------------------------------

    @property
    def hub_ns(self):
        return self.prefix + "-hub"

    @property
    def router_ns(self):
        return self.prefix + "-rtr"

    def client_ns(self, index=1):
        return "%s-c%d" % (self.prefix, index)

    def namespace(self, role):
        """'hub', 'router', 'rtr', 'client', 'c<N>' or a full name."""
        if role == "hub":
            return self.hub_ns
        if role in ("router", "rtr"):
            return self.router_ns
        if role == "client":
            return self.client_ns(1)
        match = re.match(r"^c(\d+)$", role)
        if match:
            return self.client_ns(int(match.group(1)))
        if NAME_PATTERN.match(role):
            return role
        raise LabError("no such namespace %r: use hub, router, client or cN" % role)

    def client_count(self):
        return len([n for n in namespaces() if re.match(re.escape(self.prefix) + r"-c\d+$", n)])

    # ---- set-up and tear-down ------------------------------------------

    def up(self, rate=None):
        if os.geteuid() != 0:
            raise Skip("network namespaces need root (run as root, as CI does)")
        clean_stale(keep_prefix=self.prefix)
        self.down()
        try:
            sh(["ip", "netns", "add", self.router_ns])
        except LabError as error:
            raise Skip("the kernel refuses network namespaces: %s" % error)
        if sh(["nft", "--version"], check=False).returncode != 0:
            raise Skip("nft is missing: install nftables (build-aux/dev does)")
        sh(["ip", "netns", "add", self.hub_ns])
        self._ns(self.router_ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self._link(self.hub_ns, "h0", "rh", "10.213.1")
        for index in range(1, self.clients + 1):
            sh(["ip", "netns", "add", self.client_ns(index)])
            self._link(self.client_ns(index), "c0", "rc%d" % index, "10.213.%d" % (10 + index))
        self._ns(self.router_ns, "ip", "link", "set", "lo", "up")
        self._ns(self.router_ns, "nft", "-f", "-", input_text=(
            "table inet eitlab {\n"
            "  chain forward { type filter hook forward priority 0; policy accept; }\n"
            "}\n"))
        if rate:
            self.set_rate(rate)

    def _link(self, namespace, inner, outer, net):
        sh(["ip", "-n", namespace, "link", "add", inner, "type", "veth", "peer", "name", outer,
            "netns", self.router_ns])
        sh(["ip", "-n", namespace, "addr", "add", net + ".2/24", "dev", inner])
        sh(["ip", "-n", namespace, "link", "set", inner, "up"])
        sh(["ip", "-n", namespace, "link", "set", "lo", "up"])
        sh(["ip", "-n", namespace, "route", "add", "default", "via", net + ".1"])
        sh(["ip", "-n", self.router_ns, "addr", "add", net + ".1/24", "dev", outer])
        sh(["ip", "-n", self.router_ns, "link", "set", outer, "up"])

    def _ns(self, namespace, *argv, input_text=None, check=True):
        return sh(["ip", "netns", "exec", namespace] + list(argv), input_text=input_text,
                  check=check)

    def down(self):
        self.stop_all()
        for namespace in namespaces():
            if namespace.startswith(self.prefix + "-"):
                delete_namespace(namespace)
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    # ---- faults ---------------------------------------------------------

    def _router_interfaces(self):
        return ["rh"] + ["rc%d" % i for i in range(1, self.client_count() + 1)]

    def set_rate(self, rate):
        """tbf on the router's egress both ways. The bucket holds one
        packet: a link sends no faster after an idle moment. A bucket of
        4 kB made up for such moments and hid a sender that left a
        100 kbit/s link idle a quarter of the time. The queue holds 600 ms
        at that rate and one packet (9.1 kB at 100 kbit/s: two frames of
        4 kB, the least window of PROTOCOL.md 6.4); what does not fit is
        dropped, as on a real bottleneck."""
        check_rate(rate)
        for device in self._router_interfaces():
            sh(["tc", "-n", self.router_ns, "qdisc", "replace", "dev", device, "root", "tbf",
                "rate", rate, "burst", "1600", "latency", "600ms"])
        self.rate = rate

    def rate_queues(self):
        """The rate limit's counters each way ("to_hub": the clients'
        traffic, "to_client": the hub's): bytes it let through, bytes
        queued now ("backlog") and packets dropped."""
        queues = {direction: {"bytes": 0, "backlog": 0, "drops": 0}
                  for direction in ("to_hub", "to_client")}
        for device in self._router_interfaces():
            out = self._ns(self.router_ns, "tc", "-s", "-j", "qdisc", "show", "dev", device,
                           check=False).stdout
            for qdisc in json.loads(out or "[]"):
                if qdisc.get("kind") == "tbf":
                    counters = queues["to_hub" if device == "rh" else "to_client"]
                    for key in counters:
                        counters[key] += qdisc.get(key, 0)
        return queues

    def rate_drops(self):
        """Packets the rate limit dropped so far, each way: drops at the
        bottleneck mean a sender had more in flight than its queue holds,
        and TCP then spends round trips recovering instead of sending."""
        return {direction: counters["drops"] for direction, counters in self.rate_queues().items()}

    def clear_rate(self):
        for device in self._router_interfaces():
            sh(["tc", "-n", self.router_ns, "qdisc", "del", "dev", device, "root"], check=False)
        self.rate = None

    def _rule(self, rule):
        self._ns(self.router_ns, "nft", "add", "rule", "inet", "eitlab", "forward", *rule.split())

    def blackhole(self):
        """Every packet dropped: sockets stay open on both ends."""
        self._rule("drop")

    def silence(self):
        """A blackhole for open connections while new ones are refused at
        once: a client keeps trying at its own back-off pace and is back
        within one delay of the clear, not after its next SYN retransmit."""
        self._rule("tcp flags & (syn | ack) == syn reject with tcp reset")
        self._rule("drop")

    def reset(self):
        """Every TCP packet answered with a reset to its sender."""
        self._rule("meta l4proto tcp reject with tcp reset")

    def loss(self, percent):
        if not 0 < percent < 100:
            raise LabError("loss is a percentage between 0 and 100 (got %r)" % percent)
        self._rule("numgen random mod 100 < %d drop" % percent)

    def clear(self):
        """Removes every nftables fault (the rate stays)."""
        self._ns(self.router_ns, "nft", "flush", "chain", "inet", "eitlab", "forward")

    def during(self, fault, seconds, *args):
        """A fault for a bounded time, then cleared."""
        getattr(self, fault)(*args)
        try:
            time.sleep(seconds)
        finally:
            self.clear()

    # ---- processes ------------------------------------------------------

    def spawn(self, role, argv, stdout=None, stderr=None):
        process = subprocess.Popen(["ip", "netns", "exec", self.namespace(role)] + list(argv),
                                   stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                   text=True)
        self.processes.append(process)
        return process

    def stop(self, process, sig=signal.SIGTERM):
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGCONT)
                process.send_signal(sig)
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_GRACE_S)
            except ProcessLookupError:
                pass
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def stop_all(self):
        for process in self.processes:
            self.stop(process)
        self.processes = []

    def directory(self):
        if self.workdir is None:
            self.workdir = tempfile.TemporaryDirectory(prefix=self.prefix + "-")
        return self.workdir.name

    def certificate(self):
        """One certificate per lab, so a restarted hub keeps its pin."""
        cert = os.path.join(self.directory(), "hub.pem")
        key = os.path.join(self.directory(), "hub-key.pem")
        if not os.path.exists(cert):
            sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                "-days", "2", "-subj", "/CN=eitlab-hub",
                "-addext", "subjectAltName=IP:%s" % HUB_ADDRESS])
        return cert, key

    def start_hub(self, hub_binary, *options, timeout=10):
        """Starts eithub-hub in the hub namespace on HUB_ADDRESS:HUB_PORT
        with the lab's certificate and token; returns (process, info) where
        info is the JSON line the hub prints (url, fingerprint, token_file)."""
        cert, key = self.certificate()
        log = open(os.path.join(self.directory(), "hub.log"), "a")
        process = self.spawn("hub", [hub_binary, "--address", HUB_ADDRESS, "--port", str(HUB_PORT),
                                     "--cert", cert, "--key", key,
                                     "--token-file", os.path.join(self.directory(), "token")]
                             + list(options), stdout=subprocess.PIPE, stderr=log)
        log.close()
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline() if ready else ""
        if not line.strip():
            self.stop(process)
            raise LabError("the hub printed nothing in %g s (log: %s)" %
                           (timeout, os.path.join(self.directory(), "hub.log")))
        info = json.loads(line)
        # The lab's address, whatever the hub prints (at 8fdb4a5 it printed
        # 127.0.0.1 whatever --address said).
        info["url"] = "wss://%s:%d/" % (HUB_ADDRESS, info["port"])
        return process, info

    def hub_log(self):
        path = os.path.join(self.directory(), "hub.log")
        return open(path).read() if os.path.exists(path) else ""
