// SPDX-License-Identifier: GPL-3.0-or-later
/* Two tabs cycle their connection every 3-3.5 s (make-before-break) while
 * sending a burst of 300 and then 20 messages/s for 12 s, with windows of 8
 * messages / 4 KiB on both sides, so that credit runs out all the time and
 * across every cycle: every cycle resumes the session, no side overruns the
 * other's window, and every echo comes back exactly once and in order. Each cycle is a takeover for
 * the hub, which refuses a sixth within 60 s (4007 takeover storm): the
 * tabs aim below that, and a refused cycle leaves the connection in use. */

import { allEchoed, check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

run ('tab cycling', 120000, async () => {
  const hub = await startHub (['--window-messages', '8', '--window-bytes', '4096']);
  const server = await startServer ();
  const { context } = await launchChromium ();
  const options = { cycleIntervalMin: 3000, cycleIntervalMax: 3500, windowMessages: 8, windowBytes: 4096 };

  const pages = [];
  for (const name of ['a', 'b'])
    pages.push (await openTab (context, tabUrl (server, hub, name, { options })));
  check (await waitFor (async () => (await Promise.all (pages.map (tabState))).every (t => t.state === 'connected'), 15000),
         'tabs connected');
  for (const page of pages)
    await page.evaluate (() => { eit.send (300); eit.startSending (20); });
  await sleep (12000);
  for (const page of pages)
    await page.evaluate (() => eit.stopSending ());
  await waitFor (async () => (await Promise.all (pages.map (tabState))).every (allEchoed), 15000);

  for (const page of pages) {
    const t = await tabState (page);
    const resumed = await page.evaluate (() => eit.states.filter (s => s.state === 'connected' || s.state === 'cycling')
                                                         .map (s => s.resumed).filter (r => r !== undefined));
    check (t.stats.cycles >= 3, `${t.stats.cycles} cycles`);
    check (resumed.slice (1).every (r => r === true), `every cycle resumed the session (${resumed.length - 1})`);
    check (allEchoed (t), `${t.echoes.length} of ${t.sent} echoes back, once each, in order (duplicates dropped ${t.stats.duplicates}, re-sent ${t.stats.resent})`);
    /* A sixth cycle within 60 s (a slow run) is refused as a storm: only the
     * new connection goes, the one in use stays. */
    check (t.closes.every (c => c.which === 'cycled' || (c.code === 4007 && c.which === 'pending')),
           `only the cycles' own closes (${[...new Set (t.closes.map (c => `${c.code} ${c.by} ${c.which}`))].join (', ') || 'none'})`);
    check (!t.states.includes ('backing-off'), 'never lost the connection');
    check (t.session === (await page.evaluate (() => eit.states.find (s => s.session)?.session)), 'one session throughout');
  }
  log (`counts: ${JSON.stringify ((await Promise.all (pages.map (tabState))).map (t => ({ cycles: t.stats.cycles, sent: t.sent, echoed: t.echoes.length })))}`);
});
