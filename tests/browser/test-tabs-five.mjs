// SPDX-License-Identifier: GPL-3.0-or-later
/* Five tabs, each with its own instance id (sessionStorage), share one token
 * for 30 s at the hub's default timings: 0 closes by the hub, every echo
 * back exactly once and in order. Then what send () refuses at the hub's
 * limits, and that the hub still closes nothing. */

import { allEchoed, check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

const TABS = 5;
const SECONDS = Number (process.env.EIT_BROWSER_SECONDS ?? 30);

run ('five tabs', (SECONDS + 100) * 1000, async () => {
  const hub = await startHub ();
  const server = await startServer ();
  const { context } = await launchChromium ();

  const pages = await Promise.all (Array.from ({ length: TABS }, (_, i) => openTab (context, tabUrl (server, hub, `tab${i}`))));
  const connected = await waitFor (async () => {
    const states = await Promise.all (pages.map (p => p.evaluate (() => eit.hub.state)));
    return states.every (s => s === 'connected');
  }, 15000);
  check (connected, `${TABS} tabs connected`);

  for (const page of pages)
    await page.evaluate (() => eit.startSending (10));
  log (`sending 10 messages/s from each tab for ${SECONDS} s`);
  await sleep (SECONDS * 1000);
  for (const page of pages)
    await page.evaluate (() => eit.stopSending ());

  await waitFor (async () => (await Promise.all (pages.map (tabState))).every (allEchoed), 15000);
  const tabs = await Promise.all (pages.map (tabState));
  const instances = new Set (tabs.map (t => t.instance));
  check (instances.size === TABS, `${instances.size} distinct instance ids for ${TABS} tabs`);
  let sent = 0, echoed = 0;
  for (const [i, t] of tabs.entries ()) {
    sent += t.sent;
    echoed += t.echoes.length;
    check (t.state === 'connected', `tab${i} still connected (${t.state})`);
    check (t.closes.length === 0, `tab${i} saw no close (${JSON.stringify (t.closes)})`);
    check (allEchoed (t), `tab${i}: ${t.echoes.length} of ${t.sent} echoes back, once each, in order`);
  }
  /* What send () refuses (returns false, sends nothing) and what it takes, at
   * the hub's limits (PROTOCOL.md 2.6): a body may nest 126 levels inside
   * its envelope, not 127; unpaired surrogates and over-size texts are
   * refused; the 126-deep one comes back unchanged. */
  const limits = await pages[0].evaluate (() => {
    const deep = n => '['.repeat (n) + ']'.repeat (n);
    const big = JSON.stringify ('x'.repeat (1048576));
    const before = eit.received.length;
    return {
      truncated: eit.hub.send ('{"a":'),
      surrogate: eit.hub.send ('"\\ud800"'),
      lone: eit.hub.send ('"\ud800"'),
      tooDeep: eit.hub.send (deep (127)),
      tooBig: eit.hub.send (big),
      notString: eit.hub.send ({ a: 1 }),
      deepest: eit.hub.send (deep (126)),
      spaced: eit.hub.send (' \n{"tab":"limits","n":0}\t'),
      before,
    };
  });
  check (!limits.truncated && !limits.surrogate && !limits.lone && !limits.tooDeep && !limits.tooBig && !limits.notString,
         `send () refuses invalid JSON, unpaired surrogates, 127 levels, 1 MiB + 2 bytes, a non-string (${JSON.stringify (limits)})`);
  check (limits.deepest && limits.spaced, 'send () takes 126 levels and JSON with white space around it');
  const back = await waitFor (() => pages[0].evaluate (n => eit.received.length >= n + 2 ? eit.received.slice (n) : null,
                                                       limits.before), 3000);
  check (JSON.stringify (back?.[0]) === JSON.stringify (JSON.parse ('['.repeat (126) + ']'.repeat (126))) &&
         back?.[1]?.tab === 'limits', 'the hub echoed both');

  const hubCloses = hub.grep (/closed|closing/);
  check (hubCloses.length === 0, `0 closes in the hub log (${hubCloses.length}: ${hubCloses.slice (0, 3).join (' | ')})`);
  log (`counts: ${TABS} tabs, ${SECONDS} s, ${sent} sent, ${echoed} echoed, ${hubCloses.length} hub closes`);
});
