// SPDX-License-Identifier: GPL-3.0-or-later
/* Each refusal reaches the page as a close code and reason it can read:
 * no token or a wrong one 4401, an origin outside the allow-list 4403 (both permanent:
 * no retry), too many connections 4429 (temporary: retried, not before the
 * seconds it names). */

import { check, launchChromium, log, openTab, run, sleep, startHub, startServer,
         tabState, tabUrl, waitFor } from './harness.mjs';

async function refused (context, url, code, re, what) {
  const page = await openTab (context, url);
  await waitFor (async () => (await tabState (page)).closes.length > 0, 15000);
  await sleep (2000);
  const t = await tabState (page);
  const first = t.closes[0];
  check (first?.code === code && re.test (first?.reason ?? ''), `${what}: the page read ${first?.code} "${first?.reason}"`);
  return { page, t };
}

run ('tab refusals', 120000, async () => {
  const server = await startServer ();
  const { context } = await launchChromium ();

  const hub = await startHub (['--max-connections-per-token', '1']);
  const bad = await refused (context, tabUrl (server, hub, 'bad', { token: 'not-the-token' }), 4401, /^unauthorized: /, 'wrong token');
  check (bad.t.state === 'failed' && bad.t.closes.length === 1, `401 is permanent: ${bad.t.state}, ${bad.t.closes.length} attempt(s)`);

  const none = await refused (context, tabUrl (server, hub, 'none', { token: '' }), 4401, /^unauthorized: missing token/, 'no token');
  check (none.t.state === 'failed', `401 without a token is permanent too: ${none.t.state}`);

  const first = await openTab (context, tabUrl (server, hub, 'first'));
  check (await waitFor (async () => (await tabState (first)).state === 'connected', 15000), 'first tab connected (limit 1)');
  const { page: second, t } = await refused (context, tabUrl (server, hub, 'second'), 4429,
                                             /^too many connections: retry after \d+ s/, 'over the limit');
  check (t.state === 'backing-off' || t.state === 'connecting', `429 is temporary: ${t.state}`);
  const retryIn = await second.evaluate (() => eit.states.find (s => s.state === 'backing-off')?.retryIn);
  const seconds = Number (/retry after (\d+) s/.exec (t.closes[0]?.reason ?? '')?.[1] ?? 0);
  check (seconds > 0 && retryIn >= seconds * 1000, `retry in ${retryIn} ms, not before ${seconds} s`);
  await first.evaluate (() => eit.hub.close ());
  check (await waitFor (async () => (await tabState (second)).state === 'connected', seconds * 1000 + 5000),
         'the second tab connects once the first has gone');

  const strict = await startHub (['--allow-origin', 'https://elsewhere.example']);
  const foreign = await refused (context, tabUrl (server, strict, 'foreign'), 4403, /^forbidden: /, 'origin not allowed');
  check (foreign.t.state === 'failed' && foreign.t.closes.length === 1, `403 is permanent: ${foreign.t.state}, ${foreign.t.closes.length} attempt(s)`);
  log (`hub: ${[...hub.grep (/refused/), ...strict.grep (/refused/)].slice (0, 6).join (' | ')}`);
});
