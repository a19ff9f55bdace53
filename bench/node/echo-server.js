// SPDX-License-Identifier: GPL-3.0-or-later
// Node's ws as an echo hub over TLS, the reference point of bench/run. Like
// eithub-hub --mode echo and soup-echo-server it parses every message and
// sends it back rebuilt. Prints "port N" once it listens.
//   node echo-server.js CERT.pem KEY.pem [PORT]
'use strict';

const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const [certFile, keyFile, port = '0'] = process.argv.slice(2);
if (!certFile || !keyFile) {
  console.error('usage: node echo-server.js CERT.pem KEY.pem [PORT]');
  process.exit(2);
}

const server = https.createServer({
  cert: fs.readFileSync(certFile),
  key: fs.readFileSync(keyFile),
});
// Compression stays off, as in the other two stacks.
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.close(1003, 'text only');
      return;
    }
    ws.send(JSON.stringify(JSON.parse(data.toString())));
  });
});

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`port ${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => process.exit(0));
