// SPDX-License-Identifier: GPL-3.0-or-later
// A stand-in for the user's MVP hubs: Node `ws` 8 over TLS with its default
// settings, the token checked on the upgrade, every text message echoed as
// it came. It knows nothing of eithub.v1, and `ws` still selects the first
// subprotocol a client offers. Prints {"port":N} once it listens, then one
// line per connection: "protocol <selected or ->".
//   node mvp-hub.js CERT.pem KEY.pem TOKEN [HOST]
'use strict';

const fs = require('fs');
const https = require('https');
const path = require('path');
// bench/node holds the one npm install of `ws` (build-aux/dev runs npm ci).
const { WebSocketServer } = require(path.join(__dirname, '..', '..', 'bench', 'node',
                                              'node_modules', 'ws'));

const [certFile, keyFile, token, host = '127.0.0.1'] = process.argv.slice(2);
if (!certFile || !keyFile || !token) {
  console.error('usage: node mvp-hub.js CERT.pem KEY.pem TOKEN [HOST]');
  process.exit(2);
}

const server = https.createServer({
  cert: fs.readFileSync(certFile),
  key: fs.readFileSync(keyFile),
});
const wss = new WebSocketServer({ noServer: true });

server.on('upgrade', (request, socket, head) => {
  if (request.headers.authorization !== `Bearer ${token}`) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
});

wss.on('connection', (ws) => {
  console.log(`protocol ${ws.protocol || '-'}`);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

server.listen(0, host, () => {
  console.log(JSON.stringify({ port: server.address().port }));
});

// The test ends it by closing stdin, so it never outlives its test.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => process.exit(0));
