// SPDX-License-Identifier: GPL-3.0-or-later
// Node's ws as the benchmark client: keeps K messages in flight, each
// {"probe":seq,"t":monotonic_us,"pad":"..."} padded to SIZE bytes (what
// eithub-probe --inflight sends), parses every echo to read "t" back and
// records the round trip. Prints one JSON line with the fields of
// eithub-probe's "summary" event.
//   node client.js URL CA.pem INFLIGHT SECONDS [SIZE]
'use strict';

const fs = require('fs');
const WebSocket = require('ws');

const [url, caFile, inflightArg, secondsArg, sizeArg = '177'] = process.argv.slice(2);
const inflight = Number(inflightArg);
const seconds = Number(secondsArg);
const size = Number(sizeArg);
if (!url || !caFile || !(inflight >= 1) || !(seconds > 0) || !(size >= 1)) {
  console.error('usage: node client.js URL CA.pem INFLIGHT SECONDS [SIZE]');
  process.exit(2);
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const rtts = [];
let sent = 0;
let received = 0;
let start = 0;
let end = 0;
let finished = false;

// The pad that makes the message exactly SIZE bytes, given the other fields.
function message() {
  const body = { probe: ++sent, t: nowUs(), pad: '' };
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
  const elapsed = (Math.min(nowUs(), end) - start) / 1e6;
  const sorted = Float64Array.from(rtts).sort();
  console.log(JSON.stringify({
    sent,
    received,
    elapsed_s: Number(elapsed.toFixed(3)),
    msgs_per_s: Number((elapsed > 0 ? received / elapsed : 0).toFixed(1)),
    rtt_p50_ms: Number(percentile(sorted, 0.50).toFixed(3)),
    rtt_p99_ms: Number(percentile(sorted, 0.99).toFixed(3)),
  }));
  process.exit(status);
}

const ws = new WebSocket(url, { ca: fs.readFileSync(caFile), perMessageDeflate: false });

ws.on('open', () => {
  start = nowUs();
  end = start + seconds * 1e6;
  // A stalled server must not hang the benchmark.
  setTimeout(() => {
    console.error('client.js: no clean close 5 s after the end');
    finish(1);
  }, seconds * 1000 + 5000).unref();
  for (let i = 0; i < inflight; i++)
    ws.send(message());
});

ws.on('message', (data) => {
  const now = nowUs();
  const echo = JSON.parse(data.toString());
  rtts.push((now - echo.t) / 1000);
  received++;
  if (now < end)
    ws.send(message());
  else if (ws.readyState === WebSocket.OPEN)
    ws.close(1000, 'done');
});

ws.on('close', (code) => {
  if (nowUs() < end) {
    console.error(`client.js: the server closed the connection early (code ${code})`);
    finish(1);
  }
  finish(0);
});

ws.on('error', (error) => {
  console.error(`client.js: ${error.message}`);
  finish(1);
});
