// SPDX-License-Identifier: GPL-3.0-or-later
/* A base-layer MVP hub written with Node ws (default settings: it selects the
 * first subprotocol offered, eithub.v1, without speaking it; the token is
 * checked on the upgrade, here as the page's subprotocol entry) echoes the
 * page's hello. The page falls back to the base layer on that connection
 * (the hello is not delivered), says why, offers only eithub.json from then
 * on, and every message still comes back. */

import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allEchoed, check, launchChromium, log, openTab, run, sleep, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

const require = createRequire (import.meta.url);

run ('tab on an MVP hub', 120000, async () => {
  let WebSocketServer;
  try {
    ({ WebSocketServer } = require ('../../bench/node/node_modules/ws'));
  } catch {
    throw new Error ('Node ws is missing: run "npm ci --prefix bench/node" (build-aux/dev test does it)');
  }
  const dir = mkdtempSync (join (tmpdir (), 'eithub-mvp-'));
  execFileSync ('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                            '-keyout', join (dir, 'key.pem'), '-out', join (dir, 'cert.pem'), '-days', '1',
                            '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const token = 'mvp-token';
  const https = createServer ({ cert: readFileSync (join (dir, 'cert.pem')), key: readFileSync (join (dir, 'key.pem')) });
  rmSync (dir, { recursive: true, force: true });
  const wss = new WebSocketServer ({ noServer: true });
  const offers = [];
  https.on ('upgrade', (request, socket, head) => {
    const offered = request.headers['sec-websocket-protocol'] ?? '';
    offers.push (offered);
    if (!offered.split (/\s*,\s*/).includes (`eithub.bearer.${token}`)) {
      socket.end ('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade (request, socket, head, ws => {
      ws.on ('message', (data, isBinary) => ws.send (data, { binary: isBinary }));
    });
  });
  await new Promise (resolve => https.listen (0, '127.0.0.1', resolve));
  const hub = { url: `wss://127.0.0.1:${https.address ().port}/`, tokens: [token] };
  log (`Node ws MVP hub ${hub.url}`);

  const server = await startServer ();
  const { context } = await launchChromium ();
  try {
    const page = await openTab (context, tabUrl (server, hub, 'mvp'));
    check (await waitFor (async () => (await tabState (page)).state === 'connected', 15000), 'connected');
    let t = await tabState (page);
    const reason = await page.evaluate (() => eit.hub.modeReason);
    check (t.mode === 'base' && reason === 'hub selected eithub.v1 but does not speak it', `mode ${t.mode}: ${reason}`);
    check (offers[0]?.startsWith ('eithub.v1, eithub.json'), `first offer: ${offers[0]?.replace (token, '…')}`);
    await page.evaluate (() => eit.send (50));
    check (await waitFor (async () => allEchoed (await tabState (page)), 3000), 'every message echoed');
    check ((await page.evaluate (() => eit.received.length)) === 50, 'the echoed hello was not delivered');

    /* The hub drops every connection: the page reconnects, now without eithub.v1. */
    for (const ws of wss.clients)
      ws.terminate ();
    check (await waitFor (async () => offers.length >= 2 && (await tabState (page)).state === 'connected', 15000), 'reconnected');
    check (offers.at (-1)?.startsWith ('eithub.json') && !offers.at (-1).includes ('eithub.v1'),
           `next offer: ${offers.at (-1)?.replace (token, '…')}`);
    await page.evaluate (() => eit.send (50));
    await waitFor (async () => allEchoed (await tabState (page)), 3000);
    t = await tabState (page);
    check (allEchoed (t) && t.sent === 100, `${t.echoes.length} of ${t.sent} echoed after the reconnect`);
    log (`counts: offers ${offers.length}, closes ${JSON.stringify (t.closes.map (c => `${c.code} ${c.by}`))}`);
  } finally {
    for (const ws of wss.clients)
      ws.terminate ();
    https.closeAllConnections ();
    https.close ();
  }
});
