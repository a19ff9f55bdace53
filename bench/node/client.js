// SPDX-License-Identifier: GPL-3.0-or-later
// The benchmark client that drives every server of bench/run on equal terms:
// Node's ws speaking our protocol (docs/PROTOCOL.md) in full where the server
// speaks it, the base layer where it does not. Keeps K messages in flight,
// each {"probe":seq,"t":monotonic_us,"pad":"..."} padded to SIZE bytes (what
// eithub-probe --inflight sends), parses every echo to read "t" back and
// records the round trip. Prints one JSON line with the fields of
// eithub-probe's "summary" event, plus "mode" (full or base).
//   node client.js URL CA.pem INFLIGHT SECONDS [SIZE] [--protocol auto|full|base] [--token-file FILE]
// --protocol auto (the default) decides as docs/PROTOCOL.md 2.3 and 9 say: it
// offers eithub.v1; a hub that selects no protocol is a base-layer hub (ws
// aborts such a handshake, so the client connects again without the offer),
// and so is one that selected eithub.v1 but answers hello with anything but
// a welcome (an echo server that selects whatever is offered).
'use strict';

const fs = require('fs');
const crypto = require('crypto');
const WebSocket = require('ws');

const KEEPALIVE_MS = 1500;     // PROTOCOL.md 6.3
const ACK_DELAY_MS = 10;       // PROTOCOL.md 4.4
const WINDOW = { messages: 1024, bytes: 4194304 };  // PROTOCOL.md 6.1 defaults

function usage() {
  console.error('usage: node client.js URL CA.pem INFLIGHT SECONDS [SIZE] ' +
                '[--protocol auto|full|base] [--token-file FILE]');
  process.exit(2);
}

const positional = [];
let protocol = 'auto';
let tokenFile = null;
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg === '--protocol')
    protocol = process.argv[++i];
  else if (arg === '--token-file')
    tokenFile = process.argv[++i];
  else
    positional.push(arg);
}
const [url, caFile, inflightArg, secondsArg, sizeArg = '177'] = positional;
const inflight = Number(inflightArg);
const seconds = Number(secondsArg);
const size = Number(sizeArg);
if (!url || !caFile || !(inflight >= 1) || !(seconds > 0) || !(size >= 1) ||
    !['auto', 'full', 'base'].includes(protocol) || (tokenFile === undefined))
  usage();

const ca = fs.readFileSync(caFile);
const token = tokenFile ? fs.readFileSync(tokenFile, 'utf8').trim() : null;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const rtts = [];
let probeSeq = 0;
let received = 0;
let start = 0;
let end = 0;
let finished = false;
let mode = null;

// The pad that makes the message exactly SIZE bytes, given the other fields.
function message() {
  const body = { probe: ++probeSeq, t: nowUs(), pad: '' };
  const bare = JSON.stringify(body).length;
  body.pad = 'x'.repeat(Math.max(0, size - bare));
  return JSON.stringify(body);
}

function percentile(sorted, p) {
  if (sorted.length === 0)
    return -1;
  return sorted[Math.min(Math.floor(p * sorted.length), sorted.length - 1)];
}

function finish(status) {
  if (finished)
    return;
  finished = true;
  const elapsed = start ? (Math.min(nowUs(), end) - start) / 1e6 : 0;
  const sorted = Float64Array.from(rtts).sort();
  console.log(JSON.stringify({
    mode,
    sent: probeSeq,
    received,
    elapsed_s: Number(elapsed.toFixed(3)),
    msgs_per_s: Number((elapsed > 0 ? received / elapsed : 0).toFixed(1)),
    rtt_p50_ms: Number(percentile(sorted, 0.50).toFixed(3)),
    rtt_p99_ms: Number(percentile(sorted, 0.99).toFixed(3)),
  }));
  process.exit(status);
}

function fail(text) {
  console.error(`client.js: ${text}`);
  finish(1);
}

// One echoed application message: its round trip, and the next message.
// Returns the message to send next, or null once the run is over.
function consume(echo, now) {
  rtts.push((now - echo.t) / 1000);
  received++;
  return now < end ? message() : null;
}

function begin() {
  start = nowUs();
  end = start + seconds * 1e6;
  // A stalled server must not hang the benchmark.
  setTimeout(() => fail('no clean close 5 s after the end'), seconds * 1000 + 5000).unref();
}

// ---- base layer: one frame per message ------------------------------------

function runBase(ws, pending) {
  mode = 'base';
  ws.removeAllListeners('message');
  begin();
  ws.on('message', (data, isBinary) => onBaseFrame(ws, data, isBinary));
  // A frame that arrived before the decision (an echoed hello) is not ours.
  for (const [data, isBinary] of pending)
    onBaseFrame(ws, data, isBinary);
  for (let i = 0; i < inflight; i++)
    ws.send(message());
}

function onBaseFrame(ws, data, isBinary) {
  if (isBinary)
    return fail('the server sent a binary frame');
  const echo = JSON.parse(data.toString());
  if (echo.probe === undefined)
    return;
  const next = consume(echo, nowUs());
  if (next !== null)
    ws.send(next);
  else if (ws.readyState === WebSocket.OPEN)
    ws.close(1000, 'bye');
}

// ---- full protocol: envelopes, sequence numbers, acks, credit, coalescing --

class Flow {
  constructor(ws, welcome) {
    this.ws = ws;
    this.peerWindow = welcome.window;   // credit for what we send
    this.nextSeq = 1;                   // seq of the next body we send
    this.peerAck = 0;                   // highest of ours the hub consumed
    this.unacked = [];                  // byte sizes of bodies sent, not acked
    this.unackedBytes = 0;
    this.queue = [];                    // bodies waiting for credit or the flush
    this.lastRecv = 0;                  // highest seq received from the hub
    this.ackSent = 0;                   // last ack we sent
    this.ackTimer = null;
    this.flushScheduled = false;
    this.lastSent = nowUs();
    this.pingId = 0;
    this.keepalive = setInterval(() => this.idleCheck(), KEEPALIVE_MS / 3);
  }

  send(body) {
    this.queue.push(body);
    this.scheduleFlush();
  }

  // Coalescing (6.4): everything ready leaves as one frame once this event
  // loop iteration ends.
  scheduleFlush() {
    if (this.flushScheduled)
      return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  hasCredit(bytes) {
    if (this.unacked.length === 0)
      return true;
    return this.unacked.length + 1 <= this.peerWindow.messages &&
           this.unackedBytes + bytes <= this.peerWindow.bytes;
  }

  flush() {
    this.flushScheduled = false;
    if (this.ws.readyState !== WebSocket.OPEN)
      return;
    const bodies = [];
    while (this.queue.length > 0 && this.hasCredit(this.queue[0].length)) {
      const body = this.queue.shift();
      bodies.push(body);
      this.unacked.push(body.length);
      this.unackedBytes += body.length;
    }
    const ackDue = this.lastRecv > this.ackSent;
    if (bodies.length > 0) {
      const seq = this.nextSeq;
      this.nextSeq += bodies.length;
      const ack = ackDue ? `,"ack":${this.lastRecv}` : '';
      this.write(`{"type":"data","seq":${seq}${ack},"bodies":[${bodies.join(',')}]}`);
      if (ackDue)
        this.acked();
    } else if (ackDue) {
      // A quarter window goes at once; less waits for ack-delay (4.4).
      if (this.lastRecv - this.ackSent >= WINDOW.messages / 4)
        this.sendAck();
      else if (this.ackTimer === null)
        this.ackTimer = setTimeout(() => { this.ackTimer = null; this.sendAck(); }, ACK_DELAY_MS);
    }
  }

  sendAck() {
    if (this.lastRecv > this.ackSent && this.ws.readyState === WebSocket.OPEN) {
      this.write(`{"type":"ack","ack":${this.lastRecv}}`);
      this.acked();
    }
  }

  acked() {
    this.ackSent = this.lastRecv;
    if (this.ackTimer !== null) {
      clearTimeout(this.ackTimer);
      this.ackTimer = null;
    }
  }

  write(text) {
    this.lastSent = nowUs();
    this.ws.send(text);
  }

  idleCheck() {
    if (this.ws.readyState === WebSocket.OPEN && nowUs() - this.lastSent >= KEEPALIVE_MS * 1000)
      this.write(`{"type":"ping","id":${++this.pingId}}`);
  }

  // The hub consumed our messages up to ack: they stop counting against its window.
  onAck(ack) {
    if (!Number.isInteger(ack) || ack < this.peerAck || ack >= this.nextSeq)
      return fail(`the hub acknowledged ${ack}, but sent were 1..${this.nextSeq - 1}`);
    while (this.peerAck < ack) {
      this.unackedBytes -= this.unacked.shift();
      this.peerAck++;
    }
    if (this.queue.length > 0)
      this.scheduleFlush();
  }

  onFrame(data, isBinary) {
    if (isBinary)
      return fail('the hub sent a binary frame');
    const frame = JSON.parse(data.toString());
    switch (frame.type) {
    case 'data': {
      if (frame.ack !== undefined)
        this.onAck(frame.ack);
      const now = nowUs();
      frame.bodies.forEach((body, n) => {
        const seq = frame.seq + n;
        if (seq <= this.lastRecv)
          return;  // a duplicate
        if (seq !== this.lastRecv + 1)
          return fail(`sequence gap: got ${seq} after ${this.lastRecv}`);
        this.lastRecv = seq;
        const next = consume(body, now);
        if (next !== null)
          this.send(next);
      });
      if (now >= end)
        return this.close();
      this.scheduleFlush();
      break;
    }
    case 'ack':
      this.onAck(frame.ack);
      break;
    case 'ping':
      // Control frames never wait behind data (4.5, 4.6).
      this.write(`{"type":"pong","id":${JSON.stringify(frame.id)}}`);
      break;
    case 'pong':
      break;
    default:
      fail(`unexpected frame type ${JSON.stringify(frame.type)} from the hub`);
    }
  }

  close() {
    clearInterval(this.keepalive);
    if (this.ackTimer !== null)
      clearTimeout(this.ackTimer);
    if (this.ws.readyState === WebSocket.OPEN)
      this.ws.close(1000, 'bye');
  }
}

function runFull(ws, welcome) {
  mode = 'full';
  begin();
  const flow = new Flow(ws, welcome);
  ws.removeAllListeners('message');
  ws.on('message', (data, isBinary) => flow.onFrame(data, isBinary));
  for (let i = 0; i < inflight; i++)
    flow.send(message());
}

// ---- connecting -------------------------------------------------------------

function connect(offer) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const ws = new WebSocket(url, offer ? ['eithub.v1'] : [],
                           { ca, headers, perMessageDeflate: false });
  let opened = false;

  ws.on('open', () => {
    opened = true;
    if (ws.protocol !== 'eithub.v1') {
      if (protocol === 'full')
        return fail(`the server did not select eithub.v1 (got "${ws.protocol}")`);
      return runBase(ws, []);
    }
    ws.send(JSON.stringify({
      type: 'hello', instance: crypto.randomBytes(16).toString('hex'), generation: 1,
      session: null, epoch: null, recv: 0, ack: 0, window: WINDOW, keepalive_ms: KEEPALIVE_MS,
    }));
    ws.once('message', (data, isBinary) => {
      let first = null;
      try {
        first = JSON.parse(data.toString());
      } catch (e) {
        // Not an envelope: handled as a base-layer hub below.
      }
      if (!isBinary && first !== null && first.type === 'welcome')
        return runFull(ws, first);
      if (protocol === 'full')
        return fail('the server selected eithub.v1 but did not answer hello with a welcome');
      runBase(ws, [[data, isBinary]]);
    });
  });

  ws.on('close', (code, reason) => {
    if (!opened)
      return;
    if (!start || nowUs() < end)
      fail(`the server closed the connection early (${code} ${reason})`);
    finish(0);
  });

  ws.on('error', (error) => {
    // ws refuses a handshake without the subprotocol it offered: connect
    // again without the offer, as a client of a base-layer hub (PROTOCOL.md 2.3).
    if (!opened && offer && protocol === 'auto' && /no subprotocol/.test(error.message))
      return connect(false);
    fail(error.message);
  });
}

connect(protocol !== 'base');
