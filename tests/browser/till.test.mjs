// The till (收银台, /till) driven in headless Chromium against the real binary with the
// demo data: a sale by keyboard and scanner with a split payment, suspending and
// resuming, a phone-sized screen in English, and selling with the server stopped.
//
// Run from the repo root after `cargo build -p linli-cli`:
//   LINLI_BIN="$PWD/target/debug/linli" node --test tests/browser/
//
// This file starts its own server (not harness.startServer) because the offline test
// stops the real process and starts it again on the same data directory and port: the
// page, its service worker and its IndexedDB belong to that origin.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { apiGet, apiToken, launchBrowser, linliBin, signIn, textOf, watchPage } from './harness.mjs';

const SCREENSHOTS = process.env.LINLI_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'linli-screenshots');
/** The till's target screen: a 1024×768 touchscreen. */
const TILL_SCREEN = { width: 1024, height: 768 };
const PHONE = { width: 390, height: 844 };
const TEST_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 5_000;
/** How long the till may take to notice the server is back and drain its queue. */
const SYNC_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------
// The server: started on a data directory this file keeps, so it can be restarted

/**
 * Starts `linli serve --demo` on `dataDir`, on `port` (0 = any free port). Resolves to
 * { baseURL, port, stop(), alive(), output() } once it serves.
 */
async function serve(dataDir, port) {
  const bin = linliBin();
  const child = spawn(
    bin,
    ['serve', '--demo', '--demo-days', '7', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir],
    { env: { ...process.env, LINLI_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  let out = '';
  const output = () => out.slice(-16_000);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer;
      const grace = new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
      });
      if ((await Promise.race([exited, grace])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    }
    process.off('exit', killOnExit);
  };
  try {
    const baseURL = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`linli did not start within ${START_TIMEOUT_MS / 1000} s\n${output()}`)), START_TIMEOUT_MS);
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const m = /serving on (http:\/\/[^\s/]+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.stderr.on('data', (chunk) => {
        out += chunk;
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`linli exited (code ${code}, signal ${signal}) before serving\n${output()}`));
      });
    });
    return {
      baseURL,
      port: Number(new URL(baseURL).port),
      stop,
      output,
      alive: () => child.exitCode === null && child.signalCode === null,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Starts the server again on the same port; the old socket may linger for a moment. */
async function serveAgain(dataDir, port) {
  let last;
  for (let i = 0; i < 20; i++) {
    try {
      return await serve(dataDir, port);
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw last;
}

// ---------------------------------------------------------------------------
// Demo data helpers

/** The EAN-13 check digit of 12 digits. */
function ean13(body12) {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body12[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return body12 + ((10 - (sum % 10)) % 10);
}

/** A scale label `prefix PLU value` for a template of the demo (28 = weight in grams). */
function scaleCode(template, plu, value) {
  const body = template.prefix + String(plu).padStart(template.plu_digits, '0') + String(value).padStart(template.value_digits, '0');
  assert.equal(body.length, 12, `template ${JSON.stringify(template)} fills 12 digits`);
  return ean13(body);
}

/** Weight × price per kg, half-up to the fen. */
function forWeight(perKg, grams) {
  return Math.floor((perKg * grams + 500) / 1000);
}

/** "2026-03-01 10:22" in Asia/Shanghai. */
function shanghaiMinute(ms) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms))) {
    p[x.type] = x.value;
  }
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function yuan(fen) {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

let server;
let dataDir;
let browser;
/** A manager's bearer token for reading the API. */
let token;
/** The till's catalog copy, as the till downloads it. */
let catalog;
const FLOOR = () => catalog.location.id;

async function api(path) {
  return apiGet(server.baseURL, token, path);
}

/** A state-changing API call as the manager; resolves to {status, body} whatever the status. */
function apiSend(method, path, json) {
  const body = JSON.stringify(json);
  const headers = {
    accept: 'application/json',
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, server.baseURL), { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The server's price of a cart (POST /api/v1/pricing/quote as the manager). */
async function quote(body) {
  const r = await apiSend('POST', '/api/v1/pricing/quote', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The rows the till shows for a quote: subtotal, each discount, what is to pay. */
function expectedRows(q, labels = {}) {
  return [
    `原价 ${yuan(q.subtotal_fen)}`,
    ...q.discounts.map((d) => `${labels[d.source] || d.label_zh} −${yuan(d.amount_fen)}`),
    `应收 ${yuan(q.total_fen)}`,
  ];
}

/** The discount rows of a list on the page (#discounts or #pay-discounts), as text. */
async function discountRows(page, selector) {
  return page.locator(`${selector} li`).evaluateAll((items) => items.map((li) => li.textContent.replace(/\s+/g, ' ').trim()));
}

/** A member's points balance. */
async function pointsOf(memberId) {
  return (await api(`/api/v1/members/${memberId}/loyalty`)).points.balance;
}

/** On-hand of a product on the sales floor: all lots, and the lots a sale may take. */
async function floorStock(productId) {
  const page = await api(`/api/v1/stock?location_id=${FLOOR()}&product_id=${productId}&page_size=200`);
  let total = 0;
  let sellable = 0;
  for (const b of page.items) {
    total += b.qty_on_hand;
    if (b.expiry_status !== 'expired') sellable += b.qty_on_hand;
  }
  return { total, sellable };
}

/** Stock movements of a product: how many, and the orders its sale movements belong to. */
async function saleMovements(productId) {
  const page = await api(`/api/v1/stock/movements?product_id=${productId}&page_size=200`);
  return { total: page.total, items: page.items };
}

/** Movements in `after` that `before` did not have (ids only grow). */
function fresh(before, after) {
  const seen = Math.max(0, ...before.items.map((m) => m.id));
  return after.items.filter((m) => m.id > seen);
}

/** Products of the catalog copy with at least `min` sellable on the floor, in catalog order. */
async function stocked(filter, min, count) {
  const found = [];
  for (const p of catalog.products.filter(filter)) {
    if ((await floorStock(p.id)).sellable >= min) found.push(p);
    if (found.length === count) break;
  }
  assert.equal(found.length, count, `the demo has ${count} such products with stock`);
  return found;
}

// ---------------------------------------------------------------------------
// Page helpers

async function openTill(context) {
  const page = await context.newPage();
  const watch = watchPage(page);
  const res = await page.goto(`${server.baseURL}/till`, { waitUntil: 'load' });
  assert.equal(res.status(), 200, 'the till page opens');
  await page.waitForSelector('body[data-catalog="ready"]', { timeout: 30_000 });
  return { page, watch };
}

async function scan(page, code) {
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}

/** Waits until the sale shows `n` lines. */
async function linesAre(page, n) {
  await page.waitForFunction((want) => document.querySelectorAll('#lines tbody tr').length === want, n, { timeout: 30_000 });
}

async function lineTexts(page) {
  return page.locator('#lines tbody tr').evaluateAll((rows) =>
    rows.map((r) => ({
      name: r.querySelector('.name').firstChild.textContent.trim(),
      qty: r.querySelector('.qty').textContent.trim(),
      amount: r.querySelector('.amount').textContent.trim(),
    })),
  );
}

/** Clears what a previous test left in the till of this browser context. */
async function freshTill(page) {
  await page.evaluate(() => {
    for (const k of Object.keys(localStorage)) {
      if (k.startsWith('linli.till.current') || k.startsWith('linli.till.suspended') || k === 'linli.till.rounding') localStorage.removeItem(k);
    }
  });
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('body[data-catalog="ready"]', { timeout: 30_000 });
}

/** The till's queue of offline sales, read from IndexedDB. */
async function queued(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('linli-till');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('queue').objectStore('queue').getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

/** Puts records into the till's queue, as a till that never heard the answers would hold them. */
async function enqueue(page, records) {
  await page.evaluate(
    (recs) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('linli-till');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('queue', 'readwrite');
          for (const r of recs) tx.objectStore('queue').add(r);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
      }),
    records,
  );
}

describe('the till in a browser', { concurrency: false }, () => {
  /** A browser context where the cashier is signed in, at the till's screen size. */
  let cashier;

  before(
    async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'linli-till-'));
      const [s, b] = await Promise.allSettled([serve(dataDir, 0), launchBrowser()]);
      if (s.status === 'fulfilled') server = s.value;
      if (b.status === 'fulfilled') browser = b.value;
      if (s.status === 'rejected') throw s.reason;
      if (b.status === 'rejected') throw b.reason;
      token = await apiToken(server.baseURL, 'manager');
      catalog = await api('/till/catalog.json');
      assert.ok(catalog.location, 'the demo store has a sales floor');
      cashier = await browser.newContext({ viewport: TILL_SCREEN, locale: 'zh-CN' });
      const page = await cashier.newPage();
      await signIn(page, server.baseURL, 'cashier');
      await page.close();
    },
    { timeout: 240_000 },
  );

  after(
    async () => {
      try {
        if (browser) await browser.close();
      } finally {
        try {
          if (server) {
            if (!server.alive()) console.error(`linli stopped during the tests:\n${server.output()}`);
            await server.stop();
          }
        } finally {
          if (dataDir) await rm(dataDir, { recursive: true, force: true });
        }
      }
    },
    { timeout: 30_000 },
  );

  test(
    'a cashier sells by keyboard: pinyin initials, an EAN, a scale label, cash plus the QR simulator; the receipt and the stock agree',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      // What to sell, from the demo: milk found by "nn" (the till asks the same endpoint),
      // a barcoded item, and a weighed item with a PLU, each with stock on the floor.
      const nn = await api('/api/v1/products?page_size=8&q=nn');
      let pick = -1;
      for (let i = 1; i < nn.items.length && pick < 0; i++) {
        if (nn.items[i].name_zh.includes('牛奶') && (await floorStock(nn.items[i].id)).sellable >= 3) pick = i;
      }
      assert.ok(pick >= 1, 'a milk among the "nn" matches (not the first) has stock');
      const milk = nn.items[pick];
      const [boxed] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')) && p.id !== milk.id, 3, 1);
      const [weighed] = await stocked((p) => p.unit_kind === 'weight' && p.plu != null, 2000, 1);
      const template = catalog.scale_templates.find((t) => t.value_kind === 'weight_g');
      assert.ok(template, 'the demo has a weight scale template');
      const grams = 502;
      const label = scaleCode(template, weighed.plu, grams);
      const ean = boxed.gtins.find((g) => g.startsWith('069')).slice(1);
      const before = {
        milk: await floorStock(milk.id),
        boxed: await floorStock(boxed.id),
        weighed: await floorStock(weighed.id),
      };

      const { page, watch } = await openTill(cashier);
      try {
        await freshTill(page);
        assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'scan', 'the input has the focus');
        assert.equal(await textOf(page.locator('.till-where strong')), '收银台');
        // The shortcuts are on screen.
        const keys = await textOf(page.locator('#keys'));
        for (const k of ['F2', 'Del', 'F4', 'F6', 'F8', 'Esc']) assert.ok(keys.includes(k), `shortcut ${k} is shown`);

        // Pinyin initials: the matches come up; arrow down to the milk and press Enter.
        await page.keyboard.type('nn');
        await page.waitForSelector('#suggest:not([hidden]) li', { timeout: 30_000 });
        await page.waitForFunction((want) => document.querySelectorAll('#suggest li').length === want, nn.items.length);
        assert.ok((await textOf(page.locator('#suggest li').nth(pick))).includes(milk.name_zh), `match ${pick} is ${milk.name_zh}`);
        for (let i = 0; i < pick; i++) await page.keyboard.press('ArrowDown');
        assert.equal(await page.locator('#suggest li.active').getAttribute('data-i'), String(pick));
        await page.keyboard.press('Enter');
        await linesAre(page, 1);

        // An EAN-13 from the scanner (the scanner types it and presses Enter).
        await scan(page, ean);
        await linesAre(page, 2);
        // The same item again adds to its line.
        await scan(page, ean);
        await page.waitForFunction(() => document.querySelectorAll('#lines tbody tr')[1].querySelector('.qty').textContent.trim() === '2');

        // A scale label: the PLU finds the weighed item, the label carries 502 g.
        await scan(page, label);
        await linesAre(page, 3);
        const lines = await lineTexts(page);
        assert.equal(lines[0].name, milk.name_zh);
        assert.equal(lines[0].qty, '1');
        assert.equal(lines[1].name, boxed.name_zh);
        assert.equal(lines[2].name, weighed.name_zh);
        assert.equal(lines[2].qty, '0.502 kg');
        const total = milk.price_fen + 2 * boxed.price_fen + forWeight(weighed.price_fen, grams);
        assert.equal(lines[2].amount, yuan(forWeight(weighed.price_fen, grams)));
        assert.equal(await textOf(page.locator('#total')), yuan(total));
        await mkdir(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'till.png') });

        // F8: pay ¥10 in cash, the rest with the QR simulator.
        await page.keyboard.press('F8');
        await page.waitForSelector('#pay-dialog[open]');
        assert.equal(await textOf(page.locator('#pay-total')), yuan(total));
        assert.match(await textOf(page.locator('#pay-qr')), /扫码支付（模拟器）/);
        const cash = Math.max(100, Math.floor(total / 200) * 100);
        await page.keyboard.type(String(cash / 100));
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelectorAll('#pay-tenders li').length === 1);
        assert.ok((await textOf(page.locator('#pay-status'))).includes(`还需收 ${yuan(total - cash)}`));
        await page.keyboard.press('q');
        await page.waitForSelector('#qr-dialog[open]');
        assert.match(await textOf(page.locator('#qr-dialog')), /模拟器/);
        assert.equal(await textOf(page.locator('#qr-amount')), yuan(total - cash));
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelectorAll('#pay-tenders li').length === 2);
        assert.match(await textOf(page.locator('#pay-status')), /已付清，找零 ¥0\.00/);
        const saleAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
        await page.keyboard.press('Enter');
        const res = await saleAnswer;
        assert.equal(res.status(), 201, `the sale answered ${res.status()}: ${await res.text()}`);
        const key = res.request().headers()['idempotency-key'];
        assert.match(key, /^[0-9a-f-]{36}$/, 'the till sends an Idempotency-Key');
        const sale = await res.json();
        assert.equal(sale.total_fen, total);
        assert.equal(sale.change_fen, 0);

        // The receipt: the store, the lines, the total, both tenders, the order number, Shanghai time.
        await page.waitForSelector('#receipt-dialog[open]');
        const receipt = await textOf(page.locator('#receipt'));
        assert.match(receipt, new RegExp(catalog.store.name));
        for (const l of [milk, boxed, weighed]) assert.ok(receipt.includes(l.name_zh), `the receipt lists ${l.name_zh}`);
        assert.ok(receipt.includes(`应付 ${yuan(total)}`), `the receipt's total is ${yuan(total)}: ${receipt}`);
        assert.ok(receipt.includes(`现金 ${yuan(cash)}`), 'cash tendered');
        assert.ok(receipt.includes(`微信扫码（模拟器） ${yuan(total - cash)}`), 'the QR payment');
        assert.ok(receipt.includes('找零 ¥0.00'));
        const number = sale.number || String(sale.order_id);
        assert.equal(await page.locator('#receipt').getAttribute('data-number'), number);
        const minutes = [0, 60_000, 120_000].map((ago) => shanghaiMinute(Date.now() - ago));
        assert.ok(minutes.some((m) => receipt.includes(`时间 ${m}`)), `the receipt's time is now in Shanghai (${minutes[0]}): ${receipt}`);
        // Printing shows the receipt alone.
        await page.emulateMedia({ media: 'print' });
        assert.equal(await page.locator('#print-area').isVisible(), true, 'the receipt is printed');
        assert.equal(await page.locator('#till').isVisible(), false, 'the till is not printed');
        assert.ok((await textOf(page.locator('#print-area'))).includes(`应付 ${yuan(total)}`));
        await page.emulateMedia({ media: 'screen' });
        // Enter: next sale.
        await page.keyboard.press('Enter');
        await page.waitForSelector('#receipt-dialog:not([open])', { state: 'attached' });
        await linesAre(page, 0);
        assert.equal(await textOf(page.locator('#total')), '¥0.00');

        // The stock went down by what was sold (FEFO picks the lots).
        const afterMilk = await floorStock(milk.id);
        const afterBoxed = await floorStock(boxed.id);
        const afterWeighed = await floorStock(weighed.id);
        assert.equal(afterMilk.total, before.milk.total - 1);
        assert.equal(afterBoxed.total, before.boxed.total - 2);
        assert.equal(afterWeighed.total, before.weighed.total - grams);
        // The sale's movements point at its order.
        const moves = await saleMovements(boxed.id);
        assert.ok(
          moves.items.some((m) => m.kind === 'sale' && m.ref_id === sale.order_id),
          `a sale movement of order ${sale.order_id}`,
        );
        watch.check();
      } finally {
        await page.close();
      }
    },
  );

  test(
    'a member at the till: a scale label, points and a split payment; then the manager takes it back in two returns and stock and points come back',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      // A member without a tier discount (the till prices lines at shelf prices), given points by the manager.
      const members = await api('/api/v1/members?page_size=50');
      let member = null;
      for (const m of members.items) {
        const l = await api(`/api/v1/members/${m.id}/loyalty`);
        if (l.tier.discount_bp === 10000) {
          member = l;
          break;
        }
      }
      assert.ok(member, 'a demo member at the normal tier');
      const adj = await apiSend('POST', `/api/v1/members/${member.member_id}/points/adjustments`, { points: 800, reason: '收银台测试' });
      assert.equal(adj.status, 201, JSON.stringify(adj.body));
      const pointsBefore = await pointsOf(member.member_id);
      assert.ok(pointsBefore >= 800, `${pointsBefore} points`);
      const settings = await api('/api/v1/loyalty/settings');
      const perYuan = settings.points_per_yuan;

      const [boxed] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')), 3, 1);
      const [weighed] = await stocked((p) => p.unit_kind === 'weight' && p.plu != null && p.id !== boxed.id, 2000, 1);
      const template = catalog.scale_templates.find((t) => t.value_kind === 'weight_g');
      const grams = 437;
      const label = scaleCode(template, weighed.plu, grams);
      const ean = boxed.gtins.find((g) => g.startsWith('069')).slice(1);
      const stockBefore = { boxed: await floorStock(boxed.id), weighed: await floorStock(weighed.id) };
      const total = boxed.price_fen + forWeight(weighed.price_fen, grams);
      // Points pay at most half the order: use what pays a third of it, in whole points.
      const redeem = Math.min(300, Math.floor(((total / 3) * perYuan) / 100));
      assert.ok(redeem > 0, `the sale (${total} fen) can take points`);
      const pointsValue = Math.floor((redeem * 100) / perYuan);
      const due = total - pointsValue;
      const cash = Math.max(100, Math.floor(due / 200) * 100);

      let sale;
      const { page, watch } = await openTill(cashier);
      try {
        await freshTill(page);
        assert.equal(await page.locator('#btn-return').isVisible(), false, 'a cashier has no return button');
        // The member by their member code (M + 6 digits).
        await page.keyboard.press('F3');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'member-q');
        await page.keyboard.type(member.code);
        await page.keyboard.press('Enter');
        await page.waitForSelector('#member-card:not([hidden])');
        const card = await textOf(page.locator('#member-card'));
        assert.ok(card.includes(`积分 ${(await api(`/api/v1/members/${member.member_id}/loyalty`)).points.available}`), card);
        await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'scan');
        // An EAN and a scale label.
        await scan(page, ean);
        await linesAre(page, 1);
        await scan(page, label);
        await linesAre(page, 2);
        assert.equal((await lineTexts(page))[1].qty, '0.437 kg');
        assert.equal(await textOf(page.locator('#total')), yuan(total));

        // F8: points first, then cash and the QR simulator for the rest.
        await page.keyboard.press('F8');
        await page.waitForSelector('#pay-dialog[open]');
        await page.waitForSelector('#pay-points-row:not([hidden])');
        await page.locator('#pay-points').fill(String(redeem));
        await page.locator('#pay-points').press('Enter');
        await page.waitForFunction((want) => document.getElementById('pay-total').textContent === want, yuan(due));
        assert.equal(await page.evaluate(() => document.activeElement.id), 'pay-amount');
        await page.keyboard.type(String(cash / 100));
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelectorAll('#pay-tenders li').length === 1);
        await page.keyboard.press('q');
        await page.waitForSelector('#qr-dialog[open]');
        assert.equal(await textOf(page.locator('#qr-amount')), yuan(due - cash));
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelectorAll('#pay-tenders li').length === 2);
        assert.match(await textOf(page.locator('#pay-status')), /已付清，找零 ¥0\.00/);
        const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
        await page.keyboard.press('Enter');
        const res = await answer;
        assert.equal(res.status(), 201, await res.text());
        const posted = JSON.parse(res.request().postData());
        assert.equal(posted.member_id, member.member_id);
        assert.equal(posted.redeem_points, redeem);
        assert.deepEqual(
          posted.payments,
          [
            { tender: 'cash', amount_fen: cash },
            { tender: 'wechat_qr', amount_fen: due - cash },
          ],
        );
        sale = await res.json();
        assert.equal(sale.total_fen, total);
        assert.equal(sale.due_fen, total);
        assert.equal(sale.points_redeemed, redeem);
        assert.ok(sale.points_earned > 0, 'the money paid earns points');

        // The receipt: both items, the points, cash and the QR part.
        await page.waitForSelector('#receipt-dialog[open]');
        const receipt = await textOf(page.locator('#receipt'));
        for (const name of [boxed.name_zh, weighed.name_zh]) assert.ok(receipt.includes(name), `the receipt lists ${name}`);
        assert.ok(receipt.includes(`积分抵扣 ${yuan(pointsValue)}`), `points pay ${yuan(pointsValue)}: ${receipt}`);
        assert.ok(receipt.includes(`现金 ${yuan(cash)}`), receipt);
        assert.ok(receipt.includes(`微信扫码（模拟器） ${yuan(due - cash)}`), receipt);
        assert.ok(receipt.includes(`使用积分 ${redeem}`) && receipt.includes(`本次积分 ${sale.points_earned}`), receipt);
        await page.keyboard.press('Enter');
        await linesAre(page, 0);
        watch.check();
      } finally {
        await page.close();
      }
      // The ledgers: points redeemed and earned once, stock down by what was sold.
      assert.equal(await pointsOf(member.member_id), pointsBefore - redeem + sale.points_earned);
      assert.equal((await floorStock(boxed.id)).total, stockBefore.boxed.total - 1);
      assert.equal((await floorStock(weighed.id)).total, stockBefore.weighed.total - grams);

      // The return, at the till as the manager: first the weighed line, then everything left.
      const managerCtx = await browser.newContext({ viewport: TILL_SCREEN, locale: 'zh-CN' });
      try {
        const setup = await managerCtx.newPage();
        await signIn(setup, server.baseURL, 'manager');
        await setup.close();
        const { page, watch } = await openTill(managerCtx);
        await freshTill(page);
        assert.ok(await page.locator('#btn-return').isVisible(), 'a manager has the return button');
        await page.keyboard.press('F9');
        await page.waitForSelector('#return-dialog[open]');
        await page.keyboard.type(sale.number);
        await page.keyboard.press('Enter');
        await page.waitForSelector('#return-sale:not([hidden])');
        assert.ok((await textOf(page.locator('#return-head'))).includes(sale.number));
        const rows = page.locator('#return-lines tr');
        assert.equal(await rows.count(), 2);
        assert.ok((await textOf(rows.nth(1))).includes(weighed.name_zh));
        // Too much is refused on the page.
        await rows.nth(1).locator('input').fill(String(grams + 1));
        await page.locator('#return-submit').click();
        await page.waitForSelector('#return-error:not([hidden])');
        await rows.nth(1).locator('input').fill(String(grams));
        let refund = page.waitForResponse((r) => /\/api\/v1\/sales\/\d+\/refunds$/.test(new URL(r.url()).pathname));
        await page.locator('#return-submit').click();
        const first = await (await refund).json();
        await page.waitForFunction(() => /已退款/.test(document.getElementById('return-result').textContent));
        assert.deepEqual(first.lines.map((l) => [l.line_no, l.qty]), [[2, grams]]);
        assert.equal(first.whole, false);
        assert.ok((await textOf(page.locator('#return-result'))).includes(`已退款 ${yuan(first.amount_fen)}`));
        assert.equal((await floorStock(weighed.id)).total, stockBefore.weighed.total, 'the weighed goods are back on their lot');
        // The weighed line has nothing left to return; the rest goes back in one go.
        await page.waitForFunction(() => document.querySelectorAll('#return-lines input:disabled').length === 1);
        await page.locator('#return-all').click();
        assert.equal(await rows.nth(0).locator('input').inputValue(), '1');
        refund = page.waitForResponse((r) => /\/api\/v1\/sales\/\d+\/refunds$/.test(new URL(r.url()).pathname));
        await page.locator('#return-submit').click();
        const second = await (await refund).json();
        assert.equal(second.whole, true);
        await page.waitForFunction(() => /整单已退完/.test(document.getElementById('return-result').textContent));
        // Where the money went: the page names each tender, cash from the drawer.
        const result = await textOf(page.locator('#return-result'));
        const all = [...first.payments, ...second.payments];
        const sum = (tender, field) => all.filter((p) => p.tender === tender).reduce((n, p) => n + p[field], 0);
        assert.equal(first.amount_fen + second.amount_fen, sale.due_fen, 'the whole amount comes back');
        assert.equal(sum('cash', 'amount_fen'), cash);
        assert.equal(sum('wechat_qr', 'amount_fen'), due - cash);
        assert.equal(sum('points', 'points'), redeem, 'the redeemed points come back');
        for (const p of second.payments) {
          if (p.tender === 'cash') assert.ok(result.includes(`现金 ${yuan(p.amount_fen)} 请从钱箱退还现金`), result);
          if (p.tender === 'points') assert.ok(result.includes(`${p.points} 积分退回会员账户`), result);
        }
        await page.keyboard.press('Escape');
        await page.waitForSelector('#return-dialog:not([open])', { state: 'attached' });
        watch.check();
      } finally {
        await managerCtx.close();
      }
      // Stock and points are exactly as before the sale; the sale shows it all refunded.
      assert.equal((await floorStock(boxed.id)).total, stockBefore.boxed.total);
      assert.equal((await floorStock(weighed.id)).total, stockBefore.weighed.total);
      assert.equal(await pointsOf(member.member_id), pointsBefore, 'redeemed points back, earned points taken back');
      const after = await api(`/api/v1/sales/${sale.order_id}`);
      assert.equal(after.refunded_fen, sale.due_fen);
    },
  );

  test('a sale is suspended (挂单), another rung up, and the first resumed (取单) with quantities edited', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [a] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')), 1, 1);
    const [w] = await stocked((p) => p.unit_kind === 'weight' && p.plu != null, 1, 1);
    const ean = a.gtins.find((g) => g.startsWith('069')).slice(1);
    const { page, watch } = await openTill(cashier);
    try {
      await freshTill(page);
      // Sale 1: three of a (typed as "3*code").
      await scan(page, `3*${ean}`);
      await linesAre(page, 1);
      assert.equal((await lineTexts(page))[0].qty, '3');
      await page.keyboard.press('F4');
      await linesAre(page, 0);
      assert.equal(await textOf(page.locator('#suspended-count')), '1');

      // Sale 2: a weighed item by its PLU: the till asks for the grams.
      await scan(page, String(w.plu));
      await page.waitForFunction(() => document.getElementById('scan').classList.contains('asking'));
      assert.match(await textOf(page.locator('#scan-label')), /克/);
      await scan(page, '350');
      await linesAre(page, 1);
      assert.equal((await lineTexts(page))[0].qty, '0.350 kg');
      await page.keyboard.press('F4');
      await linesAre(page, 0);
      assert.equal(await textOf(page.locator('#suspended-count')), '2');

      // Both wait, with their time and total; the newest is chosen first.
      await page.keyboard.press('F6');
      await page.waitForSelector('#resume-dialog[open]');
      const items = page.locator('#resume-list li');
      assert.equal(await items.count(), 2);
      assert.match(await textOf(items.nth(0)), new RegExp(`\\d{2}:\\d{2} .*${yuan(3 * a.price_fen).replace('.', '\\.')}`));
      assert.match(await textOf(items.nth(1)), new RegExp(yuan(forWeight(w.price_fen, 350)).replace('.', '\\.')));
      assert.equal(await page.locator('#resume-list li.active').getAttribute('data-i'), '1');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#resume-dialog:not([open])', { state: 'attached' });
      await linesAre(page, 1);
      assert.equal((await lineTexts(page))[0].name, a.name_zh);
      assert.equal(await textOf(page.locator('#total')), yuan(3 * a.price_fen));
      assert.equal(await textOf(page.locator('#suspended-count')), '1', 'the other sale still waits');

      // The resumed sale survives a reload of the page.
      await page.reload({ waitUntil: 'load' });
      await page.waitForSelector('body[data-catalog="ready"]');
      await linesAre(page, 1);
      assert.equal(await textOf(page.locator('#suspended-count')), '1');

      // Quantities: + and −, F2 to type one, Del to void the line.
      await page.keyboard.press('+');
      await page.waitForFunction(() => document.querySelector('#lines .qty').textContent.trim() === '4');
      await page.keyboard.press('-');
      await page.waitForFunction(() => document.querySelector('#lines .qty').textContent.trim() === '3');
      await page.keyboard.press('F2');
      assert.match(await textOf(page.locator('#scan-label')), /数量/);
      await scan(page, '5');
      await page.waitForFunction(() => document.querySelector('#lines .qty').textContent.trim() === '5');
      assert.equal(await textOf(page.locator('#total')), yuan(5 * a.price_fen));
      await page.keyboard.press('Delete');
      await linesAre(page, 0);

      // Resuming with an empty sale on screen parks nothing; the weighed sale comes back.
      await page.keyboard.press('F6');
      await page.waitForSelector('#resume-dialog[open]');
      await page.keyboard.press('Enter');
      await linesAre(page, 1);
      assert.equal((await lineTexts(page))[0].name, w.name_zh);
      assert.equal(await textOf(page.locator('#suspended-count')), '');
      // Esc backs out of a question.
      await page.keyboard.press('F2');
      assert.match(await textOf(page.locator('#scan-label')), /数量/);
      await page.keyboard.press('Escape');
      assert.match(await textOf(page.locator('#scan-label')), /扫码/);
      // F6 with nothing suspended says so.
      await page.keyboard.press('F6');
      assert.match(await textOf(page.locator('#till-message')), /没有挂起的订单/);
      watch.check();
    } finally {
      await page.close();
    }
  });

  test('the till offers what is often bought with the product just scanned (常一起买)', { timeout: TEST_TIMEOUT_MS }, async () => {
    // A piece product with an EAN and stock whose suggestions include another such product.
    let pick = null;
    for (const p of catalog.products.filter((x) => x.unit_kind === 'piece' && x.gtins.some((g) => g.startsWith('069')))) {
      const items = (await apiGet(server.baseURL, token, `/api/v1/products/${p.id}/bought-together?limit=3`)).items;
      const other = items.map((x) => catalog.products.find((c) => c.id === x.product_id)).find((c) => c && c.unit_kind === 'piece');
      if (other && (await floorStock(p.id)).sellable >= 1 && (await floorStock(other.id)).sellable >= 1) {
        pick = { p, other };
        break;
      }
    }
    assert.ok(pick, 'the demo history pairs two piece products in stock');
    const { page, watch } = await openTill(cashier);
    try {
      await freshTill(page);
      await scan(page, pick.p.gtins.find((g) => g.startsWith('069')).slice(1));
      await linesAre(page, 1);
      const box = page.locator('#together');
      await box.waitFor();
      const offer = box.locator(`button[data-together="${pick.other.id}"]`);
      assert.equal(await textOf(offer), pick.other.name_zh);
      await offer.click();
      await linesAre(page, 2);
      assert.equal((await lineTexts(page))[1].name, pick.other.name_zh);
      // Cleared: the box goes with the sale.
      page.once('dialog', (d) => d.accept());
      await page.locator('#btn-clear').click();
      await linesAre(page, 0);
      await page.waitForSelector('#together', { state: 'hidden' });
      watch.check();
    } finally {
      await page.close();
    }
  });

  test('cash rounding (抹零): the chosen rule rounds the cash part, and the server agrees', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [w] = await stocked((p) => p.unit_kind === 'weight' && p.plu != null, 2000, 1);
    const template = catalog.scale_templates.find((t) => t.value_kind === 'weight_g');
    let grams = 300;
    while (forWeight(w.price_fen, grams) % 10 === 0) grams += 1;
    const total = forWeight(w.price_fen, grams);
    const fen = total % 10;
    const { page, watch } = await openTill(cashier);
    try {
      await freshTill(page);
      await scan(page, scaleCode(template, w.plu, grams));
      await linesAre(page, 1);
      await page.keyboard.press('F8');
      await page.waitForSelector('#pay-dialog[open]');
      await page.selectOption('#pay-rounding', 'drop_fen');
      await page.locator('#pay-amount').focus();
      await page.keyboard.press('Enter'); // cash for what is due after 抹零
      await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
      assert.equal(await textOf(page.locator('#pay-tenders li span').first()), '现金');
      assert.ok((await textOf(page.locator('#pay-tenders'))).includes(yuan(total - fen)), `cash of ${yuan(total - fen)}`);
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
      await page.keyboard.press('F8');
      const res = await answer;
      assert.equal(res.status(), 201, await res.text());
      assert.equal(JSON.parse(res.request().postData()).rounding, 'drop_fen');
      const sale = await res.json();
      assert.equal(sale.total_fen, total);
      assert.equal(sale.rounding_fen, -fen);
      assert.equal(sale.due_fen, total - fen);
      await page.waitForSelector('#receipt-dialog[open]');
      const receipt = await textOf(page.locator('#receipt'));
      assert.ok(receipt.includes(`抹零 -${yuan(fen)}`), `the receipt shows the rounding: ${receipt}`);
      assert.ok(receipt.includes(`应付 ${yuan(total - fen)}`));
      await page.keyboard.press('Enter');
      // The till remembers the rule for the next sale.
      assert.equal(await page.evaluate(() => localStorage.getItem('linli.till.rounding')), 'drop_fen');
      watch.check();
    } finally {
      await page.close();
    }
  });

  test(
    'a promotion (第二件半价) priced by the server: the till shows the discount and the reduced total, collects exactly that, and the sale agrees',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [x] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')) && p.price_fen >= 200, 4, 1);
      const ean = x.gtins.find((g) => g.startsWith('069')).slice(1);
      const now = Date.now();
      const promo = await apiSend('POST', '/api/v1/promotions', {
        name_zh: '第二件半价',
        kind: 'second_item_half_price',
        product_id: x.id,
        starts_at: now - 60_000,
        ends_at: now + 3_600_000,
      });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      try {
        // What the server charges for two: the second at half price.
        const want = await quote({ lines: [{ product_id: x.id, qty: 2 }] });
        assert.equal(want.subtotal_fen, 2 * x.price_fen);
        assert.ok(Math.abs(2 * want.discount_fen - x.price_fen) <= 1, `half of ${x.price_fen}: ${want.discount_fen}`);
        assert.equal(want.total_fen, want.subtotal_fen - want.discount_fen);
        const { page, watch } = await openTill(cashier);
        try {
          await freshTill(page);
          await scan(page, ean);
          await linesAre(page, 1);
          await scan(page, ean);
          await page.waitForFunction(() => document.querySelector('#lines tbody tr .qty').textContent.trim() === '2');
          // The server's price arrives: the line, the discounts and the total follow it.
          await page.waitForSelector('#lines tbody tr[data-discounted="1"]', { timeout: 30_000 });
          await page.waitForSelector('body[data-pricing="server"]');
          const [line] = await lineTexts(page);
          assert.equal(line.qty, '2');
          assert.equal(line.amount, yuan(want.lines[0].total_fen), 'the line shows its discounted total');
          const lineNote = await textOf(page.locator('#lines .line-disc'));
          assert.ok(lineNote.includes(`第二件半价 −${yuan(want.discount_fen)}`), lineNote);
          assert.ok(lineNote.includes(yuan(want.subtotal_fen)), `the shelf amount is shown struck out: ${lineNote}`);
          assert.deepEqual(await discountRows(page, '#discounts'), expectedRows(want));
          assert.equal(await textOf(page.locator('#total')), yuan(want.total_fen));
          assert.ok(want.total_fen < 2 * x.price_fen);
          assert.match(await textOf(page.locator('#count')), new RegExp(`已优惠 ${yuan(want.discount_fen).replace('.', '\\.')}`));
          assert.equal(await page.locator('#price-note').isVisible(), false, 'server prices carry no offline mark');
          await mkdir(SCREENSHOTS, { recursive: true });
          await page.screenshot({ path: join(SCREENSHOTS, 'till-promotion.png') });

          // F8: the panel collects the server's total; cash for exactly that.
          await page.keyboard.press('F8');
          await page.waitForSelector('#pay-dialog[open]');
          assert.equal(await textOf(page.locator('#pay-total')), yuan(want.total_fen));
          assert.deepEqual(await discountRows(page, '#pay-discounts'), expectedRows(want));
          await page.keyboard.press('Enter');
          await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
          const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
          await page.keyboard.press('Enter');
          const res = await answer;
          assert.equal(res.status(), 201, await res.text());
          assert.deepEqual(JSON.parse(res.request().postData()).payments, [{ tender: 'cash', amount_fen: want.total_fen }]);
          const sale = await res.json();
          assert.equal(sale.total_fen, want.total_fen, "the server's total is what the screen showed");
          assert.equal(sale.discount_fen, want.discount_fen);
          assert.equal(sale.change_fen, 0);
          assert.deepEqual(
            sale.discounts.map((d) => [d.label_zh, d.amount_fen]),
            [['第二件半价', want.discount_fen]],
          );
          await page.waitForSelector('#receipt-dialog[open]');
          const receipt = await textOf(page.locator('#receipt'));
          assert.ok(receipt.includes(`第二件半价 -${yuan(want.discount_fen)}`), receipt);
          assert.ok(receipt.includes(`应付 ${yuan(want.total_fen)}`), receipt);
          await page.keyboard.press('Enter');
          await linesAre(page, 0);
          watch.check();
        } finally {
          await page.close();
        }
      } finally {
        const end = await apiSend('POST', `/api/v1/promotions/${promo.body.id}/end`, {});
        assert.equal(end.status, 200, JSON.stringify(end.body));
      }
    },
  );

  test(
    'a flash sale (秒杀) sells out between the price and the sale: the till asks again, shows the new total with a message, and collects it',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [, y] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')) && p.price_fen >= 200, 3, 2);
      const ean = y.gtins.find((g) => g.startsWith('069')).slice(1);
      const flash = Math.floor(y.price_fen / 2);
      const now = Date.now();
      const promo = await apiSend('POST', '/api/v1/promotions', {
        name_zh: '限时秒杀',
        kind: 'flash_sale',
        product_id: y.id,
        price_fen: flash,
        cap_per_order: 1,
        flash_cap: 1,
        starts_at: now - 60_000,
        ends_at: now + 3_600_000,
      });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      try {
        const { page, watch } = await openTill(cashier);
        try {
          await freshTill(page);
          await scan(page, ean);
          await linesAre(page, 1);
          await page.waitForFunction((want) => document.body.dataset.pricing === 'server' && document.getElementById('total').textContent === want, yuan(flash));
          await page.keyboard.press('F8');
          await page.waitForSelector('#pay-dialog[open]');
          assert.equal(await textOf(page.locator('#pay-total')), yuan(flash));
          await page.keyboard.press('Enter'); // cash for the flash price
          await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);

          // Meanwhile another till sells the one unit at the flash price.
          const other = await apiSend('POST', '/api/v1/sales', {
            location_id: FLOOR(),
            lines: [{ product_id: y.id, qty: 1 }],
            payments: [{ tender: 'cash', amount_fen: flash }],
          });
          assert.equal(other.status, 201, JSON.stringify(other.body));
          assert.equal(other.body.total_fen, flash);

          // This till's sale is refused over its price; the till asks again and says what changed.
          const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
          await page.keyboard.press('Enter');
          const r1 = await refused;
          assert.ok([409, 422].includes(r1.status()), `refused over the price: ${r1.status()} ${await r1.text()}`);
          await page.waitForFunction((want) => document.getElementById('pay-total').textContent === want, yuan(y.price_fen));
          await page.waitForSelector('#pay-error:not([hidden])');
          const err = await textOf(page.locator('#pay-error'));
          assert.ok(err.includes(`价格已变化：应收由 ${yuan(flash)} 变为 ${yuan(y.price_fen)}`), err);
          assert.equal(await page.locator('#pay-error').getAttribute('data-kind'), 'price_changed');
          assert.ok((await textOf(page.locator('#pay-status'))).includes(`还需收 ${yuan(y.price_fen - flash)}`));
          assert.equal(await textOf(page.locator('#total')), yuan(y.price_fen), 'the till shows the new total');
          assert.equal(await page.locator('#pay-discounts').isVisible(), false, 'no discount is left');

          // The rest in cash: the sale goes through at the new price.
          await page.locator('#pay-amount').focus();
          await page.keyboard.press('Enter');
          await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
          const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
          await page.keyboard.press('Enter');
          const res = await answer;
          assert.equal(res.status(), 201, await res.text());
          assert.notEqual(res.request().headers()['idempotency-key'], r1.request().headers()['idempotency-key'], 'a new sale, a new key');
          const sale = await res.json();
          assert.equal(sale.total_fen, y.price_fen);
          assert.equal(sale.paid_fen, y.price_fen);
          await page.waitForSelector('#receipt-dialog[open]');
          await page.keyboard.press('Enter');
          await linesAre(page, 0);
          // The refused answer is logged by the browser as a failed resource; nothing else may be.
          watch.problems.splice(0, watch.problems.length, ...watch.problems.filter((p) => !/Failed to load resource: the server responded with a status of (409|422)/.test(p)));
          watch.check();
        } finally {
          await page.close();
        }
      } finally {
        const end = await apiSend('POST', `/api/v1/promotions/${promo.body.id}/end`, {});
        assert.equal(end.status, 200, JSON.stringify(end.body));
      }
    },
  );

  test(
    "a member with a tier discount and coupons: the ticked coupon applies, a refused one shows why, points stop at the rules' share, and the sale agrees with the screen",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      // For this test the first tier takes 2% off (98折); the rules are put back afterwards.
      const settings = await api('/api/v1/loyalty/settings');
      const tiered = structuredClone(settings);
      tiered.tiers[0].discount_bp = 9800;
      const put = await apiSend('PUT', '/api/v1/loyalty/settings', tiered);
      assert.equal(put.status, 200, JSON.stringify(put.body));
      try {
        const members = await api('/api/v1/members?page_size=50');
        let member = null;
        for (const m of members.items) {
          const l = await api(`/api/v1/members/${m.id}/loyalty`);
          if (l.tier.code === settings.tiers[0].code) {
            member = l;
            break;
          }
        }
        assert.ok(member, 'a demo member at the first tier');
        assert.equal(member.tier.discount_bp, 9800);
        const adj = await apiSend('POST', `/api/v1/members/${member.member_id}/points/adjustments`, { points: 1500, reason: '收银台用券测试' });
        assert.equal(adj.status, 201, JSON.stringify(adj.body));
        const available = (await api(`/api/v1/members/${member.member_id}/loyalty`)).points.available;

        // Two coupons given to the member: 满30减5, and one the cart cannot reach.
        const copies = [];
        for (const c of [
          { name_zh: '满30减5', kind: 'fixed', amount_fen: 500, threshold_fen: 3000 },
          { name_zh: '满500减80', kind: 'fixed', amount_fen: 8000, threshold_fen: 50000 },
        ]) {
          const made = await apiSend('POST', '/api/v1/coupons', { ...c, valid_days: 7, total_limit: 100 });
          assert.equal(made.status, 201, JSON.stringify(made.body));
          const issued = await apiSend('POST', `/api/v1/coupons/${made.body.id}/issues`, { member_ids: [member.member_id] });
          assert.equal(issued.status, 201, JSON.stringify(issued.body));
          copies.push(issued.body.issued[0].coupon_id);
        }
        const [near, far] = copies;

        // Enough of one item to pass 满30 after the member discount.
        const [z] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')) && p.price_fen >= 500 && p.price_fen <= 2000, 10, 1);
        const n = Math.ceil(4500 / z.price_fen);
        const ean = z.gtins.find((g) => g.startsWith('069')).slice(1);
        const lines = [{ product_id: z.id, qty: n }];
        const plain = await quote({ lines, member_id: member.member_id });
        const withCoupon = await quote({ lines, member_id: member.member_id, coupon_ids: [near] });
        const both = await quote({ lines, member_id: member.member_id, coupon_ids: [near, far] });
        assert.deepEqual(both.coupons_used, [near]);
        const refusal = both.coupons_rejected.find((r) => r.coupon_id === far);
        assert.ok(refusal, JSON.stringify(both));
        assert.equal(both.total_fen, withCoupon.total_fen);
        assert.equal(withCoupon.total_fen, plain.total_fen - 500);
        // On screen the member discount names the tier and its rate.
        const tierLabel = `${member.tier.name_zh} 98折`;
        const rowsOf = (q) => expectedRows(q, { member_tier: tierLabel });

        const { page, watch } = await openTill(cashier);
        try {
          await freshTill(page);
          await page.keyboard.press('F3');
          await page.keyboard.type(member.code);
          await page.keyboard.press('Enter');
          await page.waitForSelector('#member-card:not([hidden])');
          await page.waitForSelector('#member-coupons:not([hidden]) li');
          const listed = await textOf(page.locator('#member-coupons'));
          assert.ok(listed.includes('满30减5') && listed.includes('满500减80'), listed);
          await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'scan');
          await scan(page, `${n}*${ean}`);
          await linesAre(page, 1);
          // The member's tier discount, from the server.
          await page.waitForFunction((want) => document.body.dataset.pricing === 'server' && document.getElementById('total').textContent === want, yuan(plain.total_fen));
          assert.deepEqual(await discountRows(page, '#discounts'), rowsOf(plain));

          // Tick 满30减5: applied.
          await page.locator(`#member-coupons input[data-coupon="${near}"]`).check();
          await page.waitForFunction((want) => document.body.dataset.pricing === 'server' && document.getElementById('total').textContent === want, yuan(withCoupon.total_fen));
          assert.deepEqual(await discountRows(page, '#discounts'), rowsOf(withCoupon));
          assert.ok((await discountRows(page, '#discounts')).includes('满30减5 −¥5.00'));
          await page.waitForSelector(`#member-coupons li[data-coupon-id="${near}"][data-state="used"]`);
          // Tick 满500减80 too: refused, with the server's reason; the total does not move.
          await page.locator(`#member-coupons input[data-coupon="${far}"]`).check();
          await page.waitForSelector(`#member-coupons li[data-coupon-id="${far}"][data-state="rejected"]`);
          const why = await textOf(page.locator(`#member-coupons li[data-coupon-id="${far}"] .c-state`));
          assert.equal(why, `不可用：${refusal.message_zh}`);
          assert.equal(await textOf(page.locator('#total')), yuan(both.total_fen));
          await page.screenshot({ path: join(SCREENSHOTS, 'till-member-coupons.png') });

          // F8: points may pay at most the rules' share of the server's total.
          await page.keyboard.press('F8');
          await page.waitForSelector('#pay-dialog[open]');
          assert.equal(await textOf(page.locator('#pay-total')), yuan(both.total_fen));
          await page.waitForSelector('#pay-points-row:not([hidden])');
          const share = Math.floor((both.total_fen * settings.order_share_max_bp) / 10_000);
          const own = Math.floor((available * 100) / settings.points_per_yuan);
          const maxPoints = Math.ceil((Math.min(share, own) * settings.points_per_yuan) / 100);
          assert.ok(maxPoints > 0);
          assert.equal(await page.locator('#pay-points').getAttribute('max'), String(maxPoints));
          assert.ok((await textOf(page.locator('#pay-points-note'))).includes(`最多可用 ${maxPoints} 积分`));
          await page.locator('#pay-points').fill(String(maxPoints + 1));
          await page.locator('#pay-points').press('Enter');
          await page.waitForSelector('#pay-error:not([hidden])');
          assert.match(await textOf(page.locator('#pay-error')), new RegExp(`最多可用 ${maxPoints} 积分`));
          const redeem = Math.min(maxPoints, 3 * settings.points_per_yuan);
          const value = Math.floor((redeem * 100) / settings.points_per_yuan);
          await page.locator('#pay-points').fill(String(redeem));
          await page.locator('#pay-points').press('Enter');
          await page.waitForFunction((want) => document.getElementById('pay-total').textContent === want, yuan(both.total_fen - value));
          assert.equal(await page.locator('#pay-error').isVisible(), false);
          await page.keyboard.press('Enter'); // cash for the rest
          await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
          const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
          await page.keyboard.press('Enter');
          const res = await answer;
          assert.equal(res.status(), 201, await res.text());
          const posted = JSON.parse(res.request().postData());
          assert.equal(posted.member_id, member.member_id);
          assert.deepEqual(posted.coupon_ids, [near], 'only the coupon the price used is sent');
          assert.equal(posted.redeem_points, redeem);
          assert.deepEqual(posted.payments, [{ tender: 'cash', amount_fen: both.total_fen - value }]);
          const sale = await res.json();
          assert.equal(sale.total_fen, both.total_fen, "the server's total is what the screen showed");
          assert.deepEqual(
            sale.discounts.map((d) => [d.label_zh, d.amount_fen]),
            both.discounts.map((d) => [d.label_zh, d.amount_fen]),
          );
          assert.equal(sale.points_redeemed, redeem);
          await page.waitForSelector('#receipt-dialog[open]');
          const receipt = await textOf(page.locator('#receipt'));
          assert.ok(receipt.includes('满30减5 -¥5.00'), receipt);
          assert.ok(receipt.includes(`积分抵扣 ${yuan(value)}`), receipt);
          await page.keyboard.press('Enter');
          await linesAre(page, 0);
          watch.check();
        } finally {
          await page.close();
        }
        // The applied coupon is used by this sale; the refused one is still the member's.
        const held = await api(`/api/v1/members/${member.member_id}/coupons`);
        const byId = new Map(held.map((c) => [c.id, c]));
        assert.equal(byId.get(near).status, 'used');
        assert.equal(byId.get(far).status, 'issued');
      } finally {
        const back = await apiSend('PUT', '/api/v1/loyalty/settings', settings);
        assert.equal(back.status, 200, JSON.stringify(back.body));
      }
    },
  );

  test('the till fits a phone in English, and a rider may not open it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [a] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')), 1, 1);
    const phone = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true, locale: 'zh-CN' });
    try {
      const page = await phone.newPage();
      const watch = watchPage(page);
      await signIn(page, server.baseURL, 'cashier');
      await page.goto(`${server.baseURL}/lang/en`);
      await page.goto(`${server.baseURL}/till`);
      await page.waitForSelector('body[data-catalog="ready"]');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await textOf(page.locator('.till-where strong')), 'Till');
      assert.match(await textOf(page.locator('#scan-label')), /Scan/);
      await page.locator('#scan').fill(a.gtins.find((g) => g.startsWith('069')).slice(1));
      await page.locator('#scan-go').click();
      await linesAre(page, 1);
      assert.equal((await lineTexts(page))[0].name, a.name_en || a.name_zh);
      const pay = page.locator('#btn-pay');
      assert.ok(await pay.isVisible(), 'the pay button is on screen');
      const box = await pay.boundingBox();
      assert.ok(box.y + box.height <= PHONE.height, 'the pay button is within the screen');
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scroll <= PHONE.width, `the till is ${scroll}px wide on a ${PHONE.width}px screen`);
      await pay.click();
      await page.waitForSelector('#pay-dialog[open]');
      assert.match(await textOf(page.locator('#pay-qr')), /QR payment \(simulator\)/);
      await page.locator('#pay-back').click();
      await page.waitForSelector('#pay-dialog:not([open])', { state: 'attached' });
      watch.check();
    } finally {
      await phone.close();
    }
    const riderCtx = await browser.newContext({ viewport: TILL_SCREEN });
    try {
      const page = await riderCtx.newPage();
      await signIn(page, server.baseURL, 'rider');
      const res = await page.goto(`${server.baseURL}/till`);
      assert.equal(res.status(), 403, 'a rider may not sell');
      const json = await page.goto(`${server.baseURL}/till/catalog.json`);
      assert.equal(json.status(), 403);
    } finally {
      await riderCtx.close();
    }
  });

  test('an answer lost on the way: the sale is queued with its key and lands once', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [x] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')), 3, 1);
    const ean = x.gtins.find((g) => g.startsWith('069')).slice(1);
    const before = await saleMovements(x.id);
    // Its own context without the service worker, so the page's own requests can be routed.
    const ctx = await browser.newContext({ viewport: TILL_SCREEN, locale: 'zh-CN', serviceWorkers: 'block' });
    try {
      const page = await ctx.newPage();
      const watch = watchPage(page);
      await signIn(page, server.baseURL, 'cashier');
      await page.goto(`${server.baseURL}/till`);
      await page.waitForSelector('body[data-catalog="ready"]');
      await freshTill(page);
      // The first POST reaches the server, which records the sale; its answer is then lost.
      let first = null;
      await page.route('**/api/v1/sales', async (route) => {
        if (first === null) {
          const res = await route.fetch();
          first = { status: res.status(), key: route.request().headers()['idempotency-key'] };
          await route.abort('connectionreset');
        } else {
          await route.continue();
        }
      });
      await scan(page, ean);
      await linesAre(page, 1);
      await page.keyboard.press('F8');
      await page.waitForSelector('#pay-dialog[open]');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#receipt-dialog[open]', { timeout: 30_000 });
      assert.equal(first && first.status, 201, 'the server recorded the sale');
      assert.equal(await page.locator('#receipt').getAttribute('data-offline'), '1', 'the till did not hear it');
      await page.keyboard.press('Enter');
      // The till finds the server again and drains its queue with the same key.
      await page.waitForFunction(() => document.body.dataset.queue === '0' && document.body.dataset.flagged === '0', null, { timeout: SYNC_TIMEOUT_MS });
      const after = await saleMovements(x.id);
      assert.equal(after.total, before.total + 1, 'the sale exists once');
      const [m] = fresh(before, after);
      assert.equal(m.kind, 'sale');
      assert.equal(m.qty_delta, -1);
      watch.problems.splice(0, watch.problems.length, ...watch.problems.filter((p) => !/Failed to load resource|ERR_CONNECTION_RESET/.test(p)));
      watch.check();
    } finally {
      await ctx.close();
    }
  });

  test(
    'with the server stopped the till keeps selling; after the restart each sale lands exactly once, a refused one waits for the manager',
    { timeout: 300_000 },
    async () => {
      const [x] = await stocked((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')), 5, 1);
      const [w] = await stocked((p) => p.unit_kind === 'weight' && p.plu != null && p.id !== x.id, 2000, 1);
      const template = catalog.scale_templates.find((t) => t.value_kind === 'weight_g');
      const ean = x.gtins.find((g) => g.startsWith('069')).slice(1);
      const grams = 733;
      const label = scaleCode(template, w.plu, grams);
      const before = { x: await saleMovements(x.id), w: await saleMovements(w.id), xStock: await floorStock(x.id), wStock: await floorStock(w.id) };

      const { page, watch } = await openTill(cashier);
      try {
        await freshTill(page);
        // The service worker holds the page before the server goes away.
        await page.waitForSelector('body[data-sw="ready"]', { timeout: 30_000 });
        await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
        assert.equal(await textOf(page.locator('#net-badge')), '在线');

        // Stop the real server.
        const port = server.port;
        await server.stop();
        assert.equal(server.alive(), false);

        // The page still opens (from the service worker) and finds its catalog in IndexedDB.
        await page.reload({ waitUntil: 'load' });
        await page.waitForSelector('body[data-catalog="ready"]', { timeout: 30_000 });
        await page.waitForSelector('body[data-net="offline"]', { timeout: 30_000 });
        assert.equal(await textOf(page.locator('#net-badge')), '离线');

        // Sale 1 offline: one x by its barcode, paid in cash exactly.
        await scan(page, ean);
        await linesAre(page, 1);
        await page.keyboard.press('F8');
        await page.waitForSelector('#pay-dialog[open]');
        await page.keyboard.press('Enter'); // cash for what is due
        await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
        await page.keyboard.press('Enter'); // complete
        await page.waitForSelector('#receipt-dialog[open]', { timeout: 30_000 });
        assert.equal(await page.locator('#receipt').getAttribute('data-offline'), '1');
        assert.match(await textOf(page.locator('#receipt')), /离线待同步/);
        assert.ok((await textOf(page.locator('#receipt'))).includes(`应付 ${yuan(x.price_fen)}`));
        await page.keyboard.press('Enter');
        await page.waitForSelector('body[data-queue="1"]');
        assert.equal(await textOf(page.locator('#queue-count')), '1');

        // A record the server will refuse (no such product) sits between the good ones.
        const tillId = await page.evaluate(() => document.body.dataset.tillId);
        await enqueue(page, [
          {
            key: 'refused-' + Date.now(),
            body: JSON.stringify({
              location_id: FLOOR(),
              lines: [{ product_id: 987654321, qty: 1 }],
              payments: [{ tender: 'cash', amount_fen: 100 }],
              rounding: 'none',
            }),
            first_body: null,
            staff: 'cashier',
            till_id: tillId,
            local_number: 'bad-0001',
            created_at: Date.now(),
            total_fen: 100,
            status: 'pending',
            attempts: 0,
            error: null,
          },
        ]);

        // Sale 2 offline: x again and a scale label decoded on the till; ¥100 cash with change.
        await scan(page, ean);
        await scan(page, label);
        await linesAre(page, 2);
        const total2 = x.price_fen + forWeight(w.price_fen, grams);
        assert.equal(await textOf(page.locator('#total')), yuan(total2));
        // Shelf prices, and the till says so.
        await page.waitForSelector('body[data-pricing="offline"]');
        assert.ok(await page.locator('#price-note').isVisible(), 'the offline mark is on screen');
        assert.match(await textOf(page.locator('#price-note')), /离线价格/);
        await page.keyboard.press('F8');
        await page.waitForSelector('#pay-dialog[open]');
        assert.match(await textOf(page.locator('#pay-price-note')), /离线价格/);
        await page.keyboard.type('100');
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => !document.getElementById('pay-finish').disabled);
        assert.match(await textOf(page.locator('#pay-status')), new RegExp(`找零 ${yuan(10000 - total2).replace('.', '\\.')}`));
        await page.keyboard.press('F8');
        await page.waitForSelector('#receipt-dialog[open]', { timeout: 30_000 });
        assert.equal(await page.locator('#receipt').getAttribute('data-offline'), '1');
        await page.keyboard.press('Enter');
        await page.reload({ waitUntil: 'load' }); // the queue outlives the page
        await page.waitForSelector('body[data-queue="3"]', { timeout: 30_000 });
        const held = await queued(page);
        assert.equal(held.length, 3);
        const good = held.filter((r) => !r.key.startsWith('refused-'));
        assert.equal(good.length, 2);
        for (const r of good) {
          const body = JSON.parse(r.body);
          assert.equal(r.staff, 'cashier');
          assert.match(r.key, /^[0-9a-f-]{36}$/);
          if (body.offline) {
            assert.equal(body.offline.till_id, tillId);
            assert.ok(body.offline.sold_at > 0);
          }
        }
        // Still nothing on the server side (it is not even running).
        assert.equal(server.alive(), false);

        // Start the server again on the same data and port: the till notices and syncs in order.
        server = await serveAgain(dataDir, port);
        await page.waitForSelector('body[data-queue="0"]', { timeout: SYNC_TIMEOUT_MS });
        await page.waitForSelector('body[data-flagged="1"]', { timeout: SYNC_TIMEOUT_MS });
        await page.waitForSelector('body[data-net="online"]');
        const left = await queued(page);
        assert.equal(left.length, 1, 'only the refused record stays');
        assert.equal(left[0].status, 'flagged');
        assert.equal(left[0].error.status, 422);
        assert.match(left[0].error.field, /lines\[0\]/);
        assert.ok(await page.locator('#flagged-badge').isVisible(), 'the manager is told');

        // Each sale exists exactly once.
        const after1 = { x: await saleMovements(x.id), w: await saleMovements(w.id) };
        assert.equal(after1.x.total, before.x.total + 2, 'x was sold twice: once in each sale');
        const newX = fresh(before.x, after1.x);
        const newW = fresh(before.w, after1.w);
        assert.equal(newX.length, 2);
        // The weighed item may come from more than one lot (FEFO), all in one order.
        assert.equal(after1.w.total, before.w.total + newW.length);
        assert.ok(newW.length >= 1);
        assert.equal(newW.reduce((s, m) => s + m.qty_delta, 0), -grams);
        assert.ok([...newX, ...newW].every((m) => m.kind === 'sale' && m.ref_id != null));
        assert.notEqual(newX[0].ref_id, newX[1].ref_id, 'two different orders');
        assert.equal(new Set(newW.map((m) => m.ref_id)).size, 1);
        assert.ok(newX.some((m) => m.ref_id === newW[0].ref_id), 'w is in one of them');
        assert.equal((await floorStock(x.id)).total, before.xStock.total - 2);
        assert.equal((await floorStock(w.id)).total, before.wStock.total - grams);

        // Sync again with the same records (a till that never heard the answers): replays, nothing new.
        await enqueue(
          page,
          good.map(({ seq, ...r }) => ({ ...r, status: 'pending', attempts: 0, error: null })),
        );
        await page.reload({ waitUntil: 'load' });
        await page.waitForSelector('body[data-catalog="ready"]');
        await page.waitForFunction(() => document.body.dataset.queue === '0', null, { timeout: SYNC_TIMEOUT_MS });
        const after2 = { x: await saleMovements(x.id), w: await saleMovements(w.id) };
        assert.equal(after2.x.total, after1.x.total, 'replaying the queue adds no sale');
        assert.equal(after2.w.total, after1.w.total);
        assert.equal((await queued(page)).length, 1, 'the refused record is still kept');

        // The queue list shows the refused record with the server's reason.
        await page.locator('#flagged-badge').click();
        await page.waitForSelector('#queue-dialog[open]');
        assert.match(await textOf(page.locator('#queue-list')), /需店长处理/);
        await page.keyboard.press('Escape');
        // The page asked for a favicon and some calls failed while the server was down.
        watch.problems.splice(0, watch.problems.length, ...watch.problems.filter((p) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(p)));
        watch.check();
      } finally {
        await page.close();
      }
    },
  );
});
