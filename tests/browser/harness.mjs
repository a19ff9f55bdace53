// SPDX-License-Identifier: GPL-3.0-or-later
/* What every browser scenario needs: the real eithub-hub (env EIT_HUB) over
 * real TLS on loopback, a tiny HTTP server for the pages and
 * clients/browser/eithub.js, and Debian's Chromium, headless, driven through
 * playwright-core over the DevTools protocol. Whatever way a scenario ends
 * (pass, failure, deadline, signal), the hub and Chromium are killed. */

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname (fileURLToPath (import.meta.url));
const clientDir = join (here, '..', '..', 'clients', 'browser');
const pagesDir = join (here, 'pages');

let playwright;
try {
  playwright = await import ('playwright-core');
} catch {
  console.error ('playwright-core is missing: run "npm ci --prefix tests/browser" (build-aux/dev test does it)');
  process.exit (1);
}

const cleanups = [];
let failures = 0;

export function log (...args) {
  console.log (`[${(performance.now () / 1000).toFixed (1)} s]`, ...args);
}

export function check (ok, what) {
  log (`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok)
    failures++;
  return ok;
}

export const sleep = ms => new Promise (resolve => setTimeout (resolve, ms));

/* Polls fn until it returns something truthy, or gives up after ms. */
export async function waitFor (fn, ms, step = 100) {
  const end = Date.now () + ms;
  for (;;) {
    const value = await fn ();
    if (value || Date.now () >= end)
      return value;
    await sleep (step);
  }
}

async function cleanUp () {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop () ();
    } catch (e) {
      log ('cleanup:', e.message);
    }
  }
}

/* Runs a scenario with a hard deadline; exits 0 only if every check passed. */
export async function run (name, deadlineMs, scenario) {
  const timer = setTimeout (async () => {
    log (`FAIL: ${name} did not finish within ${deadlineMs} ms`);
    await cleanUp ();
    process.exit (1);
  }, deadlineMs);
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on (signal, async () => {
      await cleanUp ();
      process.exit (1);
    });
  try {
    await scenario ();
  } catch (e) {
    log ('FAIL: exception:', e.stack ?? e);
    failures++;
  } finally {
    clearTimeout (timer);
    await cleanUp ();
  }
  log (failures === 0 ? `${name}: all checks passed` : `${name}: ${failures} check(s) failed`);
  process.exit (failures === 0 ? 0 : 1);
}

/* The real hub in echo mode; resolves once it printed its JSON line.
 * hub.lines holds its log, for the checks and for the report. */
export async function startHub (args = [], tokens = ['browser-test-token']) {
  const binary = process.env.EIT_HUB;
  if (!binary || !existsSync (binary))
    throw new Error ('EIT_HUB must name the eithub-hub binary (meson test sets it)');
  const dir = mkdtempSync (join (tmpdir (), 'eithub-browser-'));
  const tokenFile = join (dir, 'tokens');
  writeFileSync (tokenFile, tokens.join ('\n') + '\n', { mode: 0o600 });

  const child = spawn (binary, ['--port', '0', '--token-file', tokenFile, '--mode', 'echo', ...args],
                       { stdio: ['ignore', 'pipe', 'pipe'] });
  const hub = { child, lines: [], tokens, info: null };
  cleanups.push (async () => {
    if (child.exitCode === null) {
      child.kill ('SIGCONT');
      child.kill ('SIGTERM');
      const exited = await Promise.race ([new Promise (r => child.once ('exit', () => r (true))), sleep (2000)]);
      if (!exited)
        child.kill ('SIGKILL');
    }
    rmSync (dir, { recursive: true, force: true });
  });
  createInterface ({ input: child.stderr }).on ('line', line => {
    hub.lines.push (line);
    if (process.env.EIT_BROWSER_VERBOSE)
      log ('hub:', line);
  });
  hub.info = await new Promise ((resolve, reject) => {
    const out = createInterface ({ input: child.stdout });
    out.once ('line', line => resolve (JSON.parse (line)));
    child.once ('exit', code => reject (new Error (`eithub-hub exited with ${code}: ${hub.lines.join ('\n')}`)));
  });
  hub.url = `wss://127.0.0.1:${hub.info.port}/`;
  /* Hub log lines that match re, for checks and for the report. */
  hub.grep = re => hub.lines.filter (line => re.test (line));
  log (`hub ${hub.url} pid ${child.pid} ${args.join (' ')}`);
  return hub;
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript' };

/* Serves tests/browser/pages at / and clients/browser at /client/. */
export async function startServer () {
  const server = createServer ((req, res) => {
    const path = normalize (decodeURIComponent (new URL (req.url, 'http://x').pathname));
    const file = path.startsWith ('/client/') ? join (clientDir, path.slice (8)) : join (pagesDir, path);
    if (!file.startsWith (clientDir) && !file.startsWith (pagesDir) || !existsSync (file)) {
      res.writeHead (404).end ();
      return;
    }
    res.writeHead (200, { 'Content-Type': types[extname (file)] ?? 'application/octet-stream',
                          'Cache-Control': 'no-store' });
    res.end (readFileSync (file));
  });
  await new Promise (resolve => server.listen (0, '127.0.0.1', resolve));
  cleanups.push (() => new Promise (resolve => {
    server.closeAllConnections ();
    server.close (resolve);
  }));
  const origin = `http://127.0.0.1:${server.address ().port}`;
  return { origin };
}

export async function launchChromium () {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync (executablePath))
    throw new Error (`${executablePath} is missing: apt-get install chromium (build-aux/dev test does it)`);
  const browser = await playwright.chromium.launch ({
    executablePath,
    headless: true,
    args: ['--ignore-certificate-errors', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  cleanups.push (() => browser.close ());
  const context = await browser.newContext ();
  return { browser, context };
}

/* The URL of a test tab talking to hub; name tags its messages. */
export function tabUrl (server, hub, name, { token, options = {}, naive = false, pad } = {}) {
  const config = { url: hub.url, token: token ?? hub.tokens[0], name, options, pad };
  return `${server.origin}/tab.html${naive ? '?naive=1' : ''}#${encodeURIComponent (JSON.stringify (config))}`;
}

export async function openTab (context, url) {
  const page = await context.newPage ();
  page.on ('pageerror', e => log ('page error:', e.message));
  await page.goto (url);
  await page.waitForFunction (() => window.eit !== undefined);
  return page;
}

/* A tab's record: state, counts, closes, echoes of its own messages. */
export function tabState (page) {
  return page.evaluate (() => ({
    state: eit.hub.state,
    instance: eit.hub.instance,
    generation: eit.hub.generation,
    session: eit.hub.session,
    mode: eit.hub.mode,
    sent: eit.sent,
    echoes: eit.echoes (),
    closes: eit.closes,
    states: eit.states.map (s => s.state),
    connectedAt: eit.connectedAt,
    scriptAt: eit.scriptAt,
    failure: eit.hub.failure,
    stats: eit.hub.stats,
  }));
}

/* Every number 1..sent exactly once, in order. */
export function allEchoed (tab) {
  return tab.echoes.length === tab.sent && tab.echoes.every ((n, i) => n === i + 1);
}
