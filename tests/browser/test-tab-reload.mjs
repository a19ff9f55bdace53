// SPDX-License-Identifier: GPL-3.0-or-later
/* A tab reloads: its instance id survives in sessionStorage, its generation
 * restarts at 1 in memory. The reloaded page resumes or starts cleanly within
 * 1 s of its script starting (the page's own loading is not the protocol's)
 * and keeps that instance id; the other tabs are
 * untouched (no close, every echo back). Reloaded three times in a row. */

import { allEchoed, check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

const RELOADS = 3;

run ('tab reload', 120000, async () => {
  const hub = await startHub ();
  const server = await startServer ();
  const { context } = await launchChromium ();

  const pages = [];
  for (let i = 0; i < 3; i++)
    pages.push (await openTab (context, tabUrl (server, hub, `tab${i}`)));
  check (await waitFor (async () => (await Promise.all (pages.map (tabState))).every (t => t.state === 'connected'), 15000),
         '3 tabs connected');
  for (const page of pages.slice (1))
    await page.evaluate (() => eit.startSending (10));

  const reloaded = pages[0];
  const instance = (await tabState (reloaded)).instance;
  const times = [];
  for (let r = 1; r <= RELOADS; r++) {
    await reloaded.evaluate (() => eit.send (5));
    await sleep (300);
    await reloaded.reload ();
    await reloaded.waitForFunction (() => window.eit !== undefined);
    const ok = await waitFor (async () => (await tabState (reloaded)).state === 'connected', 3000, 20);
    const t = await tabState (reloaded);
    const took = t.connectedAt - t.scriptAt;
    times.push (took);
    check (ok && t.connectedAt !== null && took < 1000,
           `reload ${r}: connected ${took.toFixed (0)} ms after the page's script started ` +
           `(${t.connectedAt?.toFixed (0)} ms after navigation; states ${t.states.join (' > ')})`);
    check (t.instance === instance, `reload ${r}: same instance id ${t.instance}`);
    check (t.closes.length === 0, `reload ${r}: no close seen by the new page (${JSON.stringify (t.closes)})`);
    await reloaded.evaluate (() => eit.send (5));
    check (await waitFor (async () => allEchoed (await tabState (reloaded)), 3000),
           `reload ${r}: the reloaded page's messages come back`);
    await sleep (500);
  }

  for (const page of pages.slice (1))
    await page.evaluate (() => eit.stopSending ());
  await waitFor (async () => (await Promise.all (pages.slice (1).map (tabState))).every (allEchoed), 15000);
  for (const [i, page] of pages.slice (1).entries ()) {
    const t = await tabState (page);
    check (t.state === 'connected' && t.closes.length === 0, `tab${i + 1} untouched: ${t.state}, ${t.closes.length} closes`);
    check (allEchoed (t), `tab${i + 1}: ${t.echoes.length} of ${t.sent} echoes back, once each, in order`);
  }
  const refusals = hub.grep (/400[3467]/);
  check (refusals.length === 0, `no 4003/4004/4006/4007 in the hub log (${refusals.slice (0, 3).join (' | ')})`);
  log (`counts: ${RELOADS} reloads, connected ${times.map (t => t?.toFixed (0)).join (', ')} ms after the script started`);
});
