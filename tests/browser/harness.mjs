// Shared harness of the browser tests: starts the real `linli` binary on a fresh data
// directory with the demo data, launches Debian's Chromium through playwright-core, and
// offers a few small helpers (signing in, dates in the store's time zone, waiting).
//
// Not a test file itself (its name matches none of node --test's patterns).

import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'demo1234';

/** How long seeding the demo may take in a debug build before the test gives up. */
const START_TIMEOUT_MS = 180_000;
/** How long the server gets to stop after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How much of the server's output is kept for error messages. */
const OUTPUT_KEEP = 16_000;

/** The path of the binary under test, or a loud error saying how to provide it. */
export function linliBin() {
  const bin = process.env.LINLI_BIN;
  if (!bin) {
    throw new Error(
      'LINLI_BIN is not set. Build the binary and point the tests at it, from the repo root:\n' +
        '  cargo build -p linli-cli && LINLI_BIN="$PWD/target/debug/linli" node --test tests/browser/',
    );
  }
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    throw new Error(`LINLI_BIN=${bin} is not an executable file (run \`cargo build -p linli-cli\` first)`);
  }
  return bin;
}

function keepTail(s) {
  return s.length > OUTPUT_KEEP ? s.slice(-OUTPUT_KEEP) : s;
}

/**
 * Starts `linli serve --demo` on a free port and a fresh temporary data directory.
 * Resolves to { baseURL, output(), stop() } once the server says where it serves.
 * stop() is idempotent and always removes the data directory.
 */
export async function startServer({ demoDays = 7 } = {}) {
  const bin = linliBin();
  const dataDir = await mkdtemp(join(tmpdir(), 'linli-browser-'));
  const args = [
    'serve',
    '--demo',
    '--demo-days',
    String(demoDays),
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    dataDir,
  ];
  const child = spawn(bin, args, {
    env: { ...process.env, LINLI_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Should the test process die without running its hooks, do not leave the server behind.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => `--- linli stdout ---\n${stdout}\n--- linli stderr ---\n${stderr}`;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        let timer;
        const grace = new Promise((resolve) => {
          timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
        });
        const outcome = await Promise.race([exited, grace]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
    } finally {
      process.off('exit', killOnExit);
      await rm(dataDir, { recursive: true, force: true });
    }
  };

  try {
    const baseURL = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`linli did not say "serving on http://…/" within ${START_TIMEOUT_MS / 1000} s\n${output()}`)),
        START_TIMEOUT_MS,
      );
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        stdout = keepTail(stdout + chunk);
        const m = /serving on (http:\/\/[^\s/]+)\//.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.stderr.on('data', (chunk) => {
        stderr = keepTail(stderr + chunk);
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${bin}: ${e.message}`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`linli exited (code ${code}, signal ${signal}) before serving\n${output()}`));
      });
    });
    return {
      baseURL,
      output,
      stop,
      /** Whether the server is still running (a crash mid-suite explains odd failures). */
      alive: () => child.exitCode === null && child.signalCode === null,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Launches Debian's Chromium headless; never downloads a browser. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium, or run scripts/setup-test-env.sh). ` +
        'The browser tests never download a browser.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Records what goes wrong inside a page that the assertions might not see: uncaught
 * script errors and console errors. Call check() at the end of a test.
 */
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location().url;
    // The console has no icon yet: Chromium asks for /favicon.ico on its own and gets a 404.
    if (new URL(url, 'http://x/').pathname === '/favicon.ico') return;
    problems.push(`console error: ${m.text()} (${url})`);
  });
  return {
    problems,
    check() {
      if (problems.length) throw new Error(`the page reported problems:\n  ${problems.join('\n  ')}`);
    },
  };
}

/** Signs in through the /login form and waits for the page after it. */
export async function signIn(page, baseURL, username) {
  const res = await page.goto(`${baseURL}/login`);
  if (!res || res.status() !== 200) throw new Error(`GET /login answered ${res && res.status()}`);
  const form = page.locator('form[action="/login"]');
  await form.locator('input[name="username"]').fill(username);
  await form.locator('input[name="password"]').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { waitUntil: 'load' }),
    form.locator('button[type="submit"]').click(),
  ]);
}

/**
 * One JSON request to the API over a connection that is closed afterwards (fetch's
 * pooled keep-alive connections would hold the test process open for seconds).
 */
function apiRequest(baseURL, method, path, { token, json } = {}) {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, baseURL), { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        if (res.statusCode < 200 || res.statusCode > 299) {
          reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(new Error(`${method} ${path} answered with something other than JSON: ${text.slice(0, 200)}`));
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs in through the JSON API; resolves to the bearer token. */
export async function apiToken(baseURL, username) {
  const body = await apiRequest(baseURL, 'POST', '/api/v1/auth/login', { json: { username, password: PASSWORD } });
  return body.token;
}

/** GET a JSON API path with a bearer token. */
export function apiGet(baseURL, token, path) {
  return apiRequest(baseURL, 'GET', path, { token });
}

/** POST JSON to an API path with a bearer token; resolves to the answer. */
export function apiPost(baseURL, token, path, json) {
  return apiRequest(baseURL, 'POST', path, { token, json });
}

/** The calendar day `days` from now in the store's time zone (Asia/Shanghai), as YYYY-MM-DD. */
export function storeDate(days) {
  const at = new Date(Date.now() + days * 86_400_000);
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Clicks something that submits a form or follows a link and waits for the next page. */
export async function clickAndWait(page, locator) {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return res;
}

/** The whitespace-collapsed text of a locator. */
export async function textOf(locator) {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}
