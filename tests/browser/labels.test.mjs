// Electronic shelf labels (电子价签, /labels) in headless Chromium against the real binary
// with the demo data: the simulator page shows every label of the store, a price changed
// through the API reaches its tile (over Server-Sent Events), and a label taken offline
// keeps its old price and shows up in the drift audit until it is back. How fast a change
// reaches the labels (the "within a second") is measured by `linli bench labels`
// (docs/benchmarks.md), not here: a timed browser test fails on a busy machine.
//
// Run from the repo root after `cargo build -p linli-cli`:
//   LINLI_BIN="$PWD/target/debug/linli" node --test tests/browser/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { apiGet, apiToken, clickAndWait, launchBrowser, signIn, startServer, textOf, watchPage } from './harness.mjs';

const SCREENSHOTS = process.env.LINLI_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'linli-screenshots');
const DESKTOP = { width: 1280, height: 900 };
const TEST_TIMEOUT_MS = 120_000;
/** How long a tile may take to follow a change before the test gives up: generous, since
 * these tests are about what the page shows (`linli bench labels` measures the speed). */
const TILE_SHOWN_MS = 10_000;
/** How many labels the demo store gets (linli_app::labels::DEMO_LABELS). */
const DEMO_LABELS = 60;

let server;
let browser;
let manager;
let token;

/** "¥12.50", as the tiles print fen. */
function money(fen) {
  const a = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** POST JSON to the API with the manager's token; resolves to the parsed answer (2xx only). */
function apiPost(path, json) {
  const body = JSON.stringify(json ?? {});
  const headers = {
    accept: 'application/json',
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, server.baseURL), { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        if (res.statusCode < 200 || res.statusCode > 299) {
          reject(new Error(`POST ${path} answered ${res.statusCode}: ${text}`));
          return;
        }
        resolve(JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Every label of the store through the API. */
async function allLabels() {
  const out = [];
  for (let page = 1; ; page += 1) {
    const body = await apiGet(server.baseURL, token, `/api/v1/labels?page_size=200&page=${page}`);
    out.push(...body.items);
    if (page * body.page_size >= body.total) return out;
  }
}

/** Waits until the tile's price reads `text`. */
async function tilePriceBecomes(page, id, text, timeout) {
  await page.waitForFunction(
    ([tileId, want]) => document.querySelector(`#esl-${tileId} .esl-price`)?.textContent === want,
    [id, text],
    { timeout, polling: 'raf' },
  );
}

describe('shelf labels in a browser', { concurrency: false }, () => {
  before(async () => {
    const [s, b] = await Promise.allSettled([startServer({ demoDays: 2 }), launchBrowser()]);
    if (s.status === 'fulfilled') server = s.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;
    manager = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await manager.newPage();
    await signIn(page, server.baseURL, 'manager');
    await page.close();
    token = await apiToken(server.baseURL, 'manager');
  }, { timeout: 240_000 });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      if (server) {
        if (!server.alive()) console.error(`linli stopped during the tests:\n${server.output()}`);
        await server.stop();
      }
    }
  }, { timeout: 30_000 });

  async function openLabels() {
    const page = await manager.newPage();
    const watch = watchPage(page);
    const res = await page.goto(`${server.baseURL}/labels`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    // Live once the event stream is open (it re-reads the list then, so nothing is missed).
    await page.waitForSelector('#esl-live.on', { timeout: 10_000 });
    return { page, watch };
  }

  test('the simulator page shows every label and a price change reaches its tile', { timeout: TEST_TIMEOUT_MS }, async () => {
    const labels = await allLabels();
    assert.equal(labels.length, DEMO_LABELS, 'the demo store has its labels');
    assert.ok(labels.every((l) => l.drift.length === 0 && l.acked_version === l.version), 'all in step at the start');
    const { page, watch } = await openLabels();
    try {
      assert.match(await textOf(page.locator('.esl-banner')), /模拟价签/, 'the page says the labels are simulated');
      assert.equal(await page.locator('article.esl').count(), DEMO_LABELS, 'one tile per label');
      assert.equal(await textOf(page.locator('[data-count="total"]')), String(DEMO_LABELS));

      // A weighed product's tile shows the price per 500 g as well.
      const weighed = labels.find((l) => l.shown.unit_kind === 'weight');
      assert.ok(weighed, 'the demo labels include weighed goods');
      assert.equal(
        await textOf(page.locator(`#esl-${weighed.id} .esl-unit`)),
        `每500g ${money(weighed.shown.unit_price_fen)}`,
      );

      // Change a piece product's price through the API; its tile follows.
      // (Not the second label: the next test takes that one offline.)
      const label = labels.find((l, i) => i !== 1 && l.shown.unit_kind === 'piece');
      const tile = page.locator(`#esl-${label.id}`);
      assert.equal(await textOf(tile.locator('.esl-price')), money(label.shown.price_fen));
      const newPrice = label.shown.price_fen + 11;
      await apiPost(`/api/v1/products/${label.product_id}/price`, { price_fen: newPrice });
      await tilePriceBecomes(page, label.id, money(newPrice), TILE_SHOWN_MS);
      const version = label.version + 1;
      assert.equal(await textOf(tile.locator('.esl-ver')), `v${version}/${version}`);
      assert.equal(await textOf(tile.locator('.esl-state')), '已确认');
      assert.equal(await textOf(tile.locator('.esl-unit')), `单价 ${money(newPrice)}/${label.shown.unit_label}`);
      const after = await apiGet(server.baseURL, token, `/api/v1/labels/${label.id}`);
      assert.equal(after.shown_price_fen, newPrice, 'the simulated label acknowledged the new price');
      watch.check();
    } finally {
      await page.close();
    }
  });

  test('a label taken offline keeps its old price, is listed by the drift audit and recovers', { timeout: TEST_TIMEOUT_MS }, async () => {
    const labels = await allLabels();
    // The second label: its tile is in the first row, so the screenshot shows it beside the banner.
    const label = labels[1];
    const { page, watch } = await openLabels();
    try {
      // Take it offline with the simulator's switch on its tile.
      await clickAndWait(page, page.locator(`#esl-${label.id} form[action="/labels/${label.id}/simulate"] button`));
      await page.waitForSelector('#esl-live.on', { timeout: 10_000 });
      assert.match(await textOf(page.locator(`#esl-${label.id} .esl-tools`)), /离线/);
      assert.ok(await page.locator('#esl-no-drift').isVisible(), 'no drift yet');

      const oldPrice = label.shown.price_fen;
      const newPrice = oldPrice + 20;
      await apiPost(`/api/v1/products/${label.product_id}/price`, { price_fen: newPrice });
      // The tile keeps showing the old price and turns red; the audit lists it.
      await page.waitForSelector(`#esl-${label.id}.drift.failed`, { timeout: TILE_SHOWN_MS });
      assert.equal(await textOf(page.locator(`#esl-${label.id} .esl-price`)), money(oldPrice));
      const row = page.locator(`#esl-drift tr[data-id="${label.id}"]`);
      await row.waitFor({ timeout: TILE_SHOWN_MS });
      assert.match(await textOf(row), new RegExp(`${label.code}.*${money(oldPrice).replace('.', '\\.')}.*${money(newPrice).replace('.', '\\.')}.*价格不一致`));
      assert.equal(await textOf(page.locator('[data-count="drifted"]')), '1');
      const drift = await apiGet(server.baseURL, token, '/api/v1/labels/drift');
      assert.deepEqual(drift.items.map((l) => l.code), [label.code]);

      await mkdir(SCREENSHOTS, { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SCREENSHOTS, 'labels.png') });

      // Back online: pushed at once, acknowledged, out of the audit.
      await clickAndWait(page, page.locator(`#esl-${label.id} form[action="/labels/${label.id}/simulate"] button`));
      await page.waitForSelector('#esl-live.on', { timeout: 10_000 });
      assert.equal(await textOf(page.locator(`#esl-${label.id} .esl-price`)), money(newPrice));
      assert.ok(await page.locator('#esl-no-drift').isVisible(), 'the audit is empty again');
      assert.equal((await apiGet(server.baseURL, token, '/api/v1/labels/drift')).total, 0);
      watch.check();
    } finally {
      await page.close();
    }
  });
});
