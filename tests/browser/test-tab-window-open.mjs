// SPDX-License-Identifier: GPL-3.0-or-later
/* window.open of the same page copies sessionStorage, so the new tab starts
 * with the opener's instance id. The hub refuses the second live claimant
 * (4006, or 4003 when the opener's generation is higher); the new tab takes
 * a new instance id, and both stay connected with every echo back. */

import { allEchoed, check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

run ('tab window.open', 120000, async () => {
  const hub = await startHub ();
  const server = await startServer ();
  const { context } = await launchChromium ();

  const opener = await openTab (context, tabUrl (server, hub, 'opener'));
  check (await waitFor (async () => (await tabState (opener)).state === 'connected', 15000), 'opener connected');
  const before = await tabState (opener);

  const [opened] = await Promise.all ([
    context.waitForEvent ('page'),
    opener.evaluate (() => { window.open (location.href, '_blank'); }),
  ]);
  await opened.waitForFunction (() => window.eit !== undefined);
  const copied = await opened.evaluate (() => eit.initialInstance);
  check (copied === before.instance, `window.open copied the opener's instance id (${copied})`);

  check (await waitFor (async () => (await tabState (opened)).state === 'connected', 15000), 'opened tab connected');
  for (const page of [opener, opened])
    await page.evaluate (() => eit.startSending (10));
  await sleep (8000);
  for (const page of [opener, opened])
    await page.evaluate (() => eit.stopSending ());
  await waitFor (async () => (await Promise.all ([opener, opened].map (tabState))).every (allEchoed), 15000);

  const a = await tabState (opener);
  const b = await tabState (opened);
  check (a.state === 'connected' && b.state === 'connected', `both connected (${a.state}, ${b.state})`);
  check (a.instance === before.instance && a.closes.length === 0, `the opener kept its instance id and saw no close`);
  check (b.instance !== a.instance, `the opened tab took its own instance id (${b.instance})`);
  const codes = b.closes.map (c => c.code);
  check (codes.length <= 1 && codes.every (c => c === 4006 || c === 4003),
         `the opened tab was told once why (${JSON.stringify (b.closes)})`);
  check (allEchoed (a) && allEchoed (b), `echoes: opener ${a.echoes.length}/${a.sent}, opened ${b.echoes.length}/${b.sent}`);
  log (`counts: opened tab closes ${JSON.stringify (codes)}, instance changes ${b.stats.instanceChanges}`);
});
