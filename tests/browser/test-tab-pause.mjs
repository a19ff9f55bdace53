// SPDX-License-Identifier: GPL-3.0-or-later
/* A tab's JavaScript stops for 20 s (Debugger.pause over the DevTools
 * protocol) in the middle of a burst. The hub times the silent connection
 * out; when the page runs again it resumes the session (within the hub's
 * 30 s grace) and nothing is lost or duplicated in either direction. Then
 * the hub stops for 7 s: the page detects the silence itself. */

import { allEchoed, check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

run ('tab paused 20 s', 150000, async () => {
  const hub = await startHub ();
  const server = await startServer ();
  const { context } = await launchChromium ();

  const page = await openTab (context, tabUrl (server, hub, 'paused'));
  const other = await openTab (context, tabUrl (server, hub, 'other'));
  check (await waitFor (async () => (await tabState (page)).state === 'connected', 15000), 'tab connected');
  const session = (await tabState (page)).session;

  const cdp = await context.newCDPSession (page);
  await cdp.send ('Debugger.enable');
  const paused = new Promise (resolve => cdp.once ('Debugger.paused', resolve));
  await page.evaluate (() => { eit.send (200); eit.startSending (20); });
  await cdp.send ('Debugger.pause');
  await Promise.race ([paused, sleep (5000)]);
  log ('JavaScript paused for 20 s');
  await sleep (20000);
  await cdp.send ('Debugger.resume');
  log ('resumed');

  check (await waitFor (async () => {
    const t = await tabState (page);
    return t.states.lastIndexOf ('connected') > t.states.indexOf ('connected');
  }, 15000), 'reconnected after the pause');
  await sleep (2000);
  await page.evaluate (() => eit.stopSending ());
  await waitFor (async () => allEchoed (await tabState (page)), 15000);
  const t = await tabState (page);
  const resumed = await page.evaluate (() => eit.states.filter (s => s.state === 'connected').map (s => s.resumed));
  check (t.state === 'connected', `connected (${t.state})`);
  check (t.session === session && resumed.at (-1) === true, `the session was resumed (${session} -> ${t.session}, resumed ${resumed})`);
  check (allEchoed (t), `nothing lost: ${t.echoes.length} of ${t.sent} echoes, once each, in order (duplicates dropped: ${t.stats.duplicates}, re-sent: ${t.stats.resent})`);
  const o = await tabState (other);
  check (o.state === 'connected' && o.closes.length === 0, 'the other tab was untouched');
  log (`counts: closes ${JSON.stringify (t.closes.map (c => `${c.code} ${c.by}`))}, ${t.sent} sent, ${t.echoes.length} echoed`);

  /* Now the hub stops for 7 s (SIGSTOP): a half-open link for the page, which
   * must notice by itself (4000 timeout after 5 s of silence), reconnect once
   * the hub runs again, resume, and lose nothing. */
  const closesBefore = t.closes.length;
  await page.evaluate (() => eit.startSending (20));
  await sleep (500);
  process.kill (hub.child.pid, 'SIGSTOP');
  log ('hub stopped for 7 s');
  await sleep (7000);
  process.kill (hub.child.pid, 'SIGCONT');
  log ('hub continued');
  await waitFor (async () => (await tabState (page)).state === 'connected' &&
                             (await tabState (page)).closes.length > closesBefore, 15000);
  await sleep (1000);
  await page.evaluate (() => eit.stopSending ());
  await waitFor (async () => allEchoed (await tabState (page)), 15000);
  const h = await tabState (page);
  const own = h.closes.slice (closesBefore);
  check (own[0]?.code === 4000 && own[0]?.by === 'client', `the page closed the silent link itself: ${JSON.stringify (own[0])}`);
  check (h.state === 'connected' && h.session === session, `connected again in the same session (${h.state})`);
  check (allEchoed (h), `nothing lost: ${h.echoes.length} of ${h.sent} echoes, once each, in order`);
  log (`counts: after the hub's stop: closes ${JSON.stringify (own.map (c => `${c.code} ${c.by}`))}, timeouts ${h.stats.timeouts}, ${h.sent} sent, ${h.echoes.length} echoed`);
  log (`hub: ${hub.grep (/4000|resumed/).slice (0, 4).join (' | ')}`);
});
