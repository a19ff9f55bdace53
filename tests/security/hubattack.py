# SPDX-License-Identifier: GPL-3.0-or-later
"""What every attack test of the security suite shares: the real eithub-hub
(with a lowered open-file limit), a legitimate eithub-probe in a closed loop
(--inflight 4) whose rate is read from its JSON metrics lines, the hub's RSS,
descriptors and threads sampled from /proc, and raw TLS clients for the
attacker (Python's ssl, no SNI for IP literals).

A test does:

    with Lab(["--request-timeout", "1500"]) as lab:
        lab.baseline()                 # the probe's rate before the attack
        with lab.attack():             # RSS / fds / threads peak during it
            ...                        # the attack
        lab.recover()                  # fds back to the baseline
        lab.check_client(min_ratio=0.5)
    # prints one line: rates, RSS and fds before/peak/after; exits 1 on a
    # failed check, listing every one."""

import base64
import contextlib
import json
import os
import resource
import selectors
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HUB = os.environ.get("EIT_HUB")
PROBE = os.environ.get("EIT_PROBE")
# The hub runs with this open-file limit (soft and hard), so exhausting it
# takes a few hundred connections, not tens of thousands.
NOFILE = 256
BASELINE_S = 1.0
# An attack shorter than this is repeated (Lab.repeat): the probe's rate
# needs a few of its 250 ms metrics lines to be measured.
ATTACK_MIN_S = 2.0
# In the sanitizer build (build-aux/dev sets EIT_SANITIZER) RSS and speed are
# AddressSanitizer's, not the hub's: that run looks for memory errors, so RSS
# bounds and rate ratios are reported there, not asserted.
SANITIZED = bool(os.environ.get("EIT_SANITIZER"))


class Failed(Exception):
    pass


def tls_context():
    """One context for every attacker connection: making one reads the
    system's CA store, far slower than a handshake."""
    global _context
    if _context is None:
        _context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _context.check_hostname = False
        _context.verify_mode = ssl.CERT_NONE
    return _context


_context = None


def upgrade_request(token=None, extra=(), protocols=("eithub.v1",), host="127.0.0.1"):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET / HTTP/1.1", "Host: %s" % host, "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    if token is not None:
        lines.append("Authorization: Bearer " + token)
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(conn, timeout=3.0):
    """The status, headers (lower-case names) and body of an HTTP answer,
    and whether the hub closed the connection after it."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    closed = False
    if status != 101:
        length = int(headers.get("content-length", "0"))
        try:
            while len(body) < length:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                body += chunk
            closed = conn.recv(1) == b""
        except (ssl.SSLError, OSError):
            closed = True
    return status, headers, body, closed


def read_close_frame(conn, timeout=3.0):
    """The first frame after a 101 must be a close: its code and reason."""
    conn.settimeout(timeout)
    header = recv_exactly(conn, 2)
    opcode, length = header[0] & 0x0F, header[1] & 0x7F
    if length == 126:
        length = int.from_bytes(recv_exactly(conn, 2), "big")
    payload = recv_exactly(conn, length)
    if opcode != 0x8:
        raise Failed("first frame after the 101 has opcode %d, not a close" % opcode)
    return int.from_bytes(payload[:2], "big"), payload[2:].decode()


def masked_frame(opcode, payload):
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise Failed("the hub closed the connection in the middle of a frame")
        data += chunk
    return data


def proc_sample(pid):
    with open("/proc/%d/status" % pid) as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    rss_kb = int(fields["VmRSS"].split()[0])
    threads = int(fields["Threads"])
    fds = len(os.listdir("/proc/%d/fd" % pid))
    return rss_kb, fds, threads


class Lab:
    def __init__(self, hub_args=(), address="127.0.0.1", nofile=NOFILE, probe=True):
        if not HUB or not PROBE:
            print("EIT_HUB and EIT_PROBE must be set (meson test sets them)")
            sys.exit(77)
        self.name = os.path.basename(sys.argv[0])
        self.failures = []
        self.notes = {}
        self.dir = tempfile.TemporaryDirectory(prefix="eit-security-")
        self.token_file = os.path.join(self.dir.name, "token")
        self.log = []
        self.log_lock = threading.Lock()
        self.hub_args = list(hub_args)
        self.address = address
        self.nofile = nofile
        self.want_probe = probe
        self.probe = None
        self.metrics = []
        self.probe_exit = None
        self.samples = []
        self.sampling = False

    # -- processes ----------------------------------------------------------

    def __enter__(self):
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))
        self.hub = subprocess.Popen(
            [HUB, "--token-file", self.token_file, "--address", self.address] + self.hub_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limit)
        line = self.hub.stdout.readline()
        if not line:
            raise Failed("the hub did not start: " + self.hub.stderr.read())
        self.info = json.loads(line)
        self.port = self.info["port"]
        with open(self.token_file) as f:
            self.token = f.read().split()[0]
        threading.Thread(target=self._read_log, daemon=True).start()
        self.rss0, self.fds0, self.threads0 = proc_sample(self.hub.pid)
        if self.want_probe:
            self._start_probe()
        # The attacker (this process) runs on the same two cores as the hub
        # and the probe; niced, it measures the hub's fairness rather than
        # the CPU it takes from them itself.
        os.nice(10)
        return self

    def __exit__(self, kind, value, tb):
        if isinstance(value, Failed):
            self.failures.append(str(value))
        if self.probe is not None and self.probe.poll() is None:
            self.probe.terminate()
            self.probe.wait(5)
        alive = self.hub.poll() is None
        if alive:
            self.hub.terminate()
            try:
                self.hub.wait(5)
            except subprocess.TimeoutExpired:
                self.hub.kill()
                self.hub.wait()
        self._report()
        self.dir.cleanup()
        sys.exit(1 if self.failures else 0)

    def _read_log(self):
        for line in self.hub.stderr:
            with self.log_lock:
                self.log.append(line.rstrip("\n"))

    def _start_probe(self):
        self.probe = subprocess.Popen(
            [PROBE, "--url", self.info["url"], "--token-file", self.token_file,
             "--pin", self.info["fingerprint"], "--inflight", "4", "--quiet",
             "--metrics-interval", "250", "--no-reconnect", "--duration", "120"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read_probe, daemon=True).start()
        wait_s = 20 if SANITIZED else 5
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if any(m.get("echoed", 0) > 0 for m in list(self.metrics)):
                return
            time.sleep(0.05)
        raise Failed("the legitimate probe did not get going within %d s" % wait_s)

    def _read_probe(self):
        for line in self.probe.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "metrics":
                event["at"] = time.monotonic()
                self.metrics.append(event)
        self.probe_exit = self.probe.wait()

    # -- phases -------------------------------------------------------------

    def rate_between(self, start, end):
        """The probe's echoes a second between two monotonic times."""
        inside = [m for m in self.metrics if start <= m["at"] <= end]
        if len(inside) < 2:
            return 0.0
        first, last = inside[0], inside[-1]
        span = last["time_s"] - first["time_s"]
        return (last["echoed"] - first["echoed"]) / span if span > 0 else 0.0

    def baseline(self):
        start = time.monotonic()
        time.sleep(BASELINE_S)
        self.base_rate = self.rate_between(start, time.monotonic()) if self.probe else 0.0

    def repeat(self, attack, seconds=ATTACK_MIN_S):
        """Runs attack () again and again for seconds; the first result."""
        first = attack()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            attack()
        return first

    @contextlib.contextmanager
    def attack(self):
        self.sampling = True
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        self.attack_start = time.monotonic()
        try:
            yield
        finally:
            self.attack_end = time.monotonic()
            self.sampling = False
            sampler.join()
        self.attack_rate = self.rate_between(self.attack_start, self.attack_end)

    def _sample(self):
        while self.sampling and self.hub.poll() is None:
            try:
                self.samples.append(proc_sample(self.hub.pid))
            except (OSError, ValueError):
                break
            time.sleep(0.05)

    def recover(self, within=5.0, slack=2):
        """Waits until the hub's descriptors are back at the baseline, then
        measures the probe's rate again: the machine's load may have changed
        since the baseline, so the attack is judged against the lower one."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and self.alive():
            self.rss1, self.fds1, self.threads1 = proc_sample(self.hub.pid)
            if self.fds1 <= self.fds0 + slack:
                break
            time.sleep(0.1)
        else:
            if self.alive():
                self.fail("hub descriptors %d, not back to the baseline %d within %.0f s"
                          % (self.fds1, self.fds0, within))
        if self.probe is not None:
            start = time.monotonic()
            time.sleep(BASELINE_S)
            self.after_rate = self.rate_between(start, time.monotonic())

    # -- checks -------------------------------------------------------------

    def alive(self):
        return self.hub.poll() is None

    def fail(self, text):
        self.failures.append(text)

    def check(self, condition, text):
        if not condition:
            self.fail(text)

    def check_alive(self):
        if not self.alive():
            self.fail("the hub died (exit %s): %s" % (self.hub.returncode, self.log[-3:]))

    def check_client(self, min_ratio=0.5):
        """The legitimate client was never dropped and kept its rate."""
        if self.probe is None:
            return
        if self.probe.poll() is not None:
            self.fail("the legitimate probe stopped (exit %s): it was dropped" % self.probe.returncode)
        if any(m.get("reconnects", 0) > 0 for m in self.metrics):
            self.fail("the legitimate probe had to reconnect")
        reference = min(self.base_rate, getattr(self, "after_rate", self.base_rate))
        if min_ratio > 0 and not SANITIZED and self.attack_rate < min_ratio * reference:
            self.fail("the legitimate probe fell to %.0f msg/s during the attack, below %.0f%% of "
                      "its rate around it (%.0f msg/s before, %.0f after)"
                      % (self.attack_rate, min_ratio * 100, self.base_rate,
                         getattr(self, "after_rate", 0)))

    def check_rss(self, bound_kb):
        peak = max((s[0] for s in self.samples), default=self.rss0)
        if peak - self.rss0 > bound_kb and not SANITIZED:
            self.fail("hub RSS grew by %d KiB during the attack, over the bound of %d KiB"
                      % (peak - self.rss0, bound_kb))

    def log_lines(self, needle):
        with self.log_lock:
            return [line for line in self.log if needle in line]

    def note(self, key, value):
        self.notes[key] = value

    def _report(self):
        peak = [max((s[i] for s in self.samples), default=0) for i in range(3)]
        after = getattr(self, "rss1", 0), getattr(self, "fds1", 0), getattr(self, "threads1", 0)
        line = ("%s: %s; rss_kb %d/%d/%d fds %d/%d/%d threads %d/%d/%d; client msg/s before "
                "%.0f during %.0f after %.0f" % (
                    self.name, "FAIL" if self.failures else "ok",
                    self.rss0, peak[0], after[0], self.fds0, peak[1], after[1],
                    self.threads0, peak[2], after[2],
                    getattr(self, "base_rate", 0), getattr(self, "attack_rate", 0),
                    getattr(self, "after_rate", 0)))
        for key, value in self.notes.items():
            line += "; %s %s" % (key, value)
        print(line)
        for failure in self.failures:
            print("  FAILED: " + failure)

    # -- attacker ----------------------------------------------------------

    def tcp(self, source="127.0.0.2"):
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        conn = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            conn.bind((source, 0))
        # A hub that pauses accepting leaves connects beyond its backlog hanging.
        conn.settimeout(2.0)
        conn.connect((self.connect_host(), self.port))
        conn.settimeout(None)
        return conn

    def connect_host(self):
        if self.address in ("0.0.0.0",):
            return "127.0.0.1"
        if self.address == "::":
            return "::1"
        return self.address

    def tls(self, source="127.0.0.2", timeout=5.0):
        conn = tls_context().wrap_socket(self.tcp(source), do_handshake_on_connect=False)
        conn.settimeout(timeout)
        conn.do_handshake()
        return conn

    def tls_many(self, count, sources, deadline_s=20.0):
        """count TLS connections, spread over source addresses, connects and
        handshakes driven side by side (a hub that pauses accepting leaves
        some hanging); those the hub refused or dropped are left out."""
        deadline = time.monotonic() + deadline_s
        selector = selectors.DefaultSelector()
        for i in range(count):
            raw = socket.socket(socket.AF_INET6 if ":" in self.address else socket.AF_INET)
            if ":" not in self.address:
                raw.bind((sources[i % len(sources)], 0))
            raw.setblocking(False)
            raw.connect_ex((self.connect_host(), self.port))
            selector.register(raw, selectors.EVENT_WRITE, "connecting")
        done = []
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(0.2):
                conn = key.fileobj
                if key.data == "connecting":
                    selector.unregister(conn)
                    if conn.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                        conn.close()
                        continue
                    conn = tls_context().wrap_socket(conn, do_handshake_on_connect=False)
                    selector.register(conn, selectors.EVENT_READ, "handshake")
                try:
                    conn.do_handshake()
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                except (ssl.SSLError, OSError):
                    selector.unregister(conn)
                    conn.close()
                    continue
                selector.unregister(conn)
                done.append(conn)
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        selector.close()
        return done


def wait_closed(conns, within):
    """How many of conns the hub closed within the time given."""
    deadline = time.monotonic() + within
    open_ = list(conns)
    for conn in open_:
        conn.setblocking(False)
    while open_ and time.monotonic() < deadline:
        still = []
        for conn in open_:
            try:
                data = conn.recv(4096)
                if data == b"":
                    continue
                still.append(conn)
            except (ssl.SSLWantReadError, BlockingIOError):
                still.append(conn)
            except (ssl.SSLError, OSError):
                continue
        open_ = still
        if open_:
            time.sleep(0.05)
    return len(conns) - len(open_)
