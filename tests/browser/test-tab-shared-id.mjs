// SPDX-License-Identifier: GPL-3.0-or-later
/* The naive app: five tabs take one instance id from localStorage and
 * insist on it. The hub lets the first keep it and stops every other with
 * the reason that names the cause (4006 instance in use); nobody fights: the
 * closes are counted over 8 s and stop. Then the app turns pushy and
 * reconnects 250 ms after every stop, each time with a higher generation: the
 * hub allows 5 takeovers, refuses the rest as a storm (4007) and keeps the
 * live connection. */

import { check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

const TABS = 5;

run ('tabs sharing an instance id', 120000, async () => {
  const hub = await startHub ();
  const server = await startServer ();
  const { context } = await launchChromium ();

  /* The first tab puts the id in localStorage; the others open at once. */
  const pages = [await openTab (context, tabUrl (server, hub, 'tab0', { naive: true }))];
  pages.push (...await Promise.all (Array.from ({ length: TABS - 1 }, (_, i) =>
    openTab (context, tabUrl (server, hub, `tab${i + 1}`, { naive: true })))));
  await waitFor (async () => (await Promise.all (pages.map (tabState))).every (t => t.state === 'connected' || t.state === 'failed'), 15000);
  const early = await Promise.all (pages.map (tabState));
  await sleep (8000);
  const tabs = await Promise.all (pages.map (tabState));

  check (new Set (tabs.map (t => t.instance)).size === 1, `all tabs use one instance id (${tabs[0].instance})`);
  const connected = tabs.filter (t => t.state === 'connected');
  const stopped = tabs.filter (t => t.state === 'failed');
  check (connected.length === 1, `one tab connected (${connected.length})`);
  check (stopped.length === TABS - 1, `${TABS - 1} tabs stopped (${stopped.length})`);
  for (const t of stopped)
    check ([4006, 4007].includes (t.failure?.code) && /instance|takeover/.test (t.failure?.reason ?? ''),
           `stopped with the reason: ${t.failure?.code} ${t.failure?.reason}`);
  const closesEarly = early.reduce ((n, t) => n + t.closes.length, 0);
  const closes = tabs.reduce ((n, t) => n + t.closes.length, 0);
  check (closes <= TABS - 1, `no fight: ${closes} closes in all (at most ${TABS - 1})`);
  check (closes === closesEarly, `no close after the first settling (${closesEarly} then ${closes})`);
  log (`counts: ${closes} closes in ${TABS} tabs over 8 s: ${JSON.stringify (tabs.flatMap (t => t.closes.map (c => c.code)))}`);

  /* Now the app reconnects 250 ms after every stop: each retry has a higher
   * generation and takes the instance over, until the hub calls it a storm
   * (4007) and keeps the live connection. */
  for (const page of pages)
    await page.evaluate (() => {
      eit.retry = true;
      if (eit.hub.state === 'failed')
        eit.hub.connect ();
    });
  await sleep (10000);
  const mid = await Promise.all (pages.map (tabState));
  await sleep (5000);
  const end = await Promise.all (pages.map (tabState));
  for (const page of pages)
    await page.evaluate (() => { eit.retry = false; });
  const all = end.flatMap (t => t.closes);
  const takeovers = all.filter (c => c.code === 4004).length;
  const storms = all.filter (c => c.code === 4007);
  const lateTakeovers = end.reduce ((n, t, i) => n + t.closes.filter (c => c.code === 4004).length -
                                    mid[i].closes.filter (c => c.code === 4004).length, 0);
  check (storms.length > 0 && /takeover storm/.test (storms[0].reason), `the retrying app is refused as a storm: ${storms[0]?.code} ${storms[0]?.reason}`);
  check (takeovers <= 5, `at most 5 takeovers (${takeovers})`);
  check (lateTakeovers === 0, `no takeover in the last 5 s (${lateTakeovers}): the live connection stays`);
  check (end.filter (t => t.state === 'connected').length === 1, 'one tab connected at the end');
  log (`counts: retrying for 15 s: ${all.length - closes} closes, ${takeovers} takeovers (4004), ${storms.length} storm refusals (4007), ` +
       `${all.filter (c => c.code === 4006).length} in-use refusals (4006), ${all.filter (c => c.code === 4003).length} stale (4003)`);
  log (`hub: ${hub.grep (/400[3467]/).slice (0, 5).join (' | ')}`);
});
