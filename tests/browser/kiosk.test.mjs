// The self-checkout kiosk (自助结账, /kiosk) in headless Chromium against the real binary
// with the demo data, on a 1080×1920 portrait screen: a member identifies with the code
// the SMS simulator shows, scans a barcoded item and a scale label (weighed goods call
// staff; a staff member confirms with the kiosk account's password), uses points, pays
// through the QR payment simulator and gets the receipt; then the screen goes back to
// the welcome step. The member's points and the stock are checked through the API.
//
// Run from the repo root after `cargo build -p linli-cli`:
//   LINLI_BIN="$PWD/target/debug/linli" node --test tests/browser/kiosk.test.mjs
// LINLI_SCREENSHOTS=1 writes docs/screenshots/kiosk.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PASSWORD, apiToken, launchBrowser, signIn, startServer, textOf, watchPage } from './harness.mjs';

const SCREENSHOTS = process.env.LINLI_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'linli-screenshots');
/** The kiosk's screen: 1080×1920 portrait. */
const KIOSK_SCREEN = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1024, height: 768 };
const TEST_TIMEOUT_MS = 180_000;
/** A phone no demo resident has (demo phones are random; a clash would only reuse them). */
const PHONE = '13912340017';

let server;
let browser;
/** A manager's bearer token. */
let token;
let catalog;

/** One JSON request with a bearer token; resolves to {status, body}. */
function call(method, path, json) {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { accept: 'application/json', authorization: `Bearer ${token}` };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, server.baseURL), { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null });
        } catch {
          resolve({ status: res.statusCode, body: text });
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function get(path) {
  const r = await call('GET', path);
  assert.equal(r.status, 200, `GET ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

function ean13(body12) {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body12[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return body12 + ((10 - (sum % 10)) % 10);
}

function scaleCode(template, plu, grams) {
  const body = template.prefix + String(plu).padStart(template.plu_digits, '0') + String(grams).padStart(template.value_digits, '0');
  assert.equal(body.length, 12, `template ${JSON.stringify(template)} fills 12 digits`);
  return ean13(body);
}

function forWeight(perKg, grams) {
  return Math.floor((perKg * grams + 500) / 1000);
}

function yuan(fen) {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

async function floorStock(productId) {
  const page = await get(`/api/v1/stock?location_id=${catalog.location.id}&product_id=${productId}&page_size=200`);
  let total = 0;
  let sellable = 0;
  for (const b of page.items) {
    total += b.qty_on_hand;
    if (b.expiry_status !== 'expired') sellable += b.qty_on_hand;
  }
  return { total, sellable };
}

async function points(memberId) {
  return (await get(`/api/v1/members/${memberId}/loyalty`)).points.balance;
}

/** The member with PHONE: made by the resident sign-in (as a resident joins on their phone). */
async function demoMember() {
  const me = await get('/api/v1/me');
  const sent = await call('POST', '/api/v1/resident/otp', { org_id: me.org_id, phone: PHONE });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const login = await call('POST', '/api/v1/resident/login', { org_id: me.org_id, phone: PHONE, code: sent.body.simulator_code });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const found = await get(`/api/v1/members/lookup?q=${PHONE}`);
  return found;
}

describe('the self-checkout kiosk in a browser', { concurrency: false }, () => {
  before(
    async () => {
      const [s, b] = await Promise.allSettled([startServer(), launchBrowser()]);
      if (s.status === 'fulfilled') server = s.value;
      if (b.status === 'fulfilled') browser = b.value;
      if (s.status === 'rejected') throw s.reason;
      if (b.status === 'rejected') throw b.reason;
      token = await apiToken(server.baseURL, 'manager');
      catalog = await get('/till/catalog.json');
      assert.ok(catalog.location, 'the demo store has a sales floor');
    },
    { timeout: 240_000 },
  );

  after(
    async () => {
      try {
        if (browser) await browser.close();
      } finally {
        if (server) {
          if (!server.alive()) console.error(`linli stopped during the tests:\n${server.output()}`);
          await server.stop();
        }
      }
    },
    { timeout: 30_000 },
  );

  test(
    'a member identifies with the simulated code, scans an EAN and a scale label, staff confirm, points and the QR simulator pay, the receipt shows',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      // What to buy: a barcoded item outside the restricted categories, and a weighed item with a PLU.
      const categories = await get('/api/v1/categories');
      const list = Array.isArray(categories) ? categories : categories.items;
      const restricted = new Set(list.filter((c) => ['C3002', 'jiu', 'yan'].includes(c.code)).map((c) => c.id));
      const products = new Map();
      for (let page = 1; page <= 3; page++) {
        const got = await get(`/api/v1/products?page_size=200&page=${page}`);
        for (const p of got.items) products.set(p.id, p);
      }
      let boxed = null;
      for (const p of catalog.products) {
        const full = products.get(p.id);
        if (p.unit_kind !== 'piece' || !p.gtins.some((g) => g.startsWith('069')) || !full || restricted.has(full.category_id)) continue;
        if ((await floorStock(p.id)).sellable >= 2) {
          boxed = p;
          break;
        }
      }
      assert.ok(boxed, 'the demo has a barcoded item with stock');
      let weighed = null;
      for (const p of catalog.products.filter((x) => x.unit_kind === 'weight' && x.plu != null)) {
        if ((await floorStock(p.id)).sellable >= 2000) {
          weighed = p;
          break;
        }
      }
      assert.ok(weighed, 'the demo has a weighed item with stock');
      const template = catalog.scale_templates.find((t) => t.value_kind === 'weight_g');
      const grams = 612;
      const label = scaleCode(template, weighed.plu, grams);
      const ean = boxed.gtins.find((g) => g.startsWith('069')).slice(1);

      // The member, with 500 points from the manager.
      const member = await demoMember();
      const adj = await call('POST', `/api/v1/members/${member.id}/points/adjustments`, { points: 500, reason: '自助结账测试' });
      assert.equal(adj.status, 201, JSON.stringify(adj.body));
      const pointsBefore = await points(member.id);
      assert.ok(pointsBefore >= 500);
      const stockBefore = { boxed: await floorStock(boxed.id), weighed: await floorStock(weighed.id) };

      const ctx = await browser.newContext({ viewport: KIOSK_SCREEN, locale: 'zh-CN', hasTouch: true });
      try {
        const page = await ctx.newPage();
        const watch = watchPage(page);
        await signIn(page, server.baseURL, 'cashier');
        const res = await page.goto(`${server.baseURL}/kiosk`);
        assert.equal(res.status(), 200);
        await page.waitForSelector('body[data-ready="1"]');
        assert.equal(await textOf(page.locator('.k-title')), '自助结账');

        // 欢迎 → 会员识别: the phone on the keypad, the code from the labelled SMS simulator.
        await page.locator('#k-start').click();
        await page.waitForSelector('#step-member:not([hidden])');
        for (const d of PHONE) await page.locator(`#k-keypad [data-key="${d}"]`).click();
        assert.equal(await page.locator('#k-phone').inputValue(), PHONE);
        await page.locator('#k-send').click();
        await page.waitForSelector('#k-sms-sim:not([hidden])');
        assert.match(await textOf(page.locator('#k-sms-sim')), /短信模拟器 \/ SMS simulator/);
        assert.match(await textOf(page.locator('#k-member-msg')), /139\*\*\*\*0017/);
        const code = await textOf(page.locator('#k-sms-code'));
        assert.match(code, /^\d{6}$/);
        // A wrong code first: refused and counted.
        await page.locator('#k-code').fill(code === '000000' ? '000001' : '000000');
        await page.locator('#k-verify').click();
        await page.waitForFunction(() => /还可尝试 4 次/.test(document.getElementById('k-member-msg').textContent));
        for (const d of code) await page.locator(`#k-keypad [data-key="${d}"]`).click();
        await page.locator('#k-verify').click();
        await page.waitForSelector('#step-scan:not([hidden])');
        const chip = await textOf(page.locator('#k-member-chip'));
        assert.ok(chip.includes('139****0017') && chip.includes(`可用积分 ${pointsBefore}`), chip);

        // 扫码: the scanner types into the focused input and presses Enter.
        assert.equal(await page.evaluate(() => document.activeElement.id), 'k-scan');
        await page.keyboard.type(ean);
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelectorAll('#k-lines li').length === 1);
        await page.waitForSelector('body[data-quote="ready"]');
        assert.equal(await page.locator('#k-next').isEnabled(), true, 'a barcoded item alone may be paid');
        const quoted = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/kiosk/quote');
        await page.keyboard.type(label);
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.querySelectorAll('#k-lines li').length === 2);
        const quote = await (await quoted).json();
        assert.equal(quote.subtotal_fen, boxed.price_fen + forWeight(weighed.price_fen, grams));
        await page.waitForSelector('body[data-quote="ready"]');
        // The weighed item calls staff and blocks paying.
        await page.waitForSelector('#k-staff-banner:not([hidden])');
        assert.match(await textOf(page.locator('#k-staff-banner')), /请呼叫店员 \/ please call staff/);
        assert.equal(await page.locator('#k-next').isEnabled(), false, 'payment waits for staff');
        const lines = await page.locator('#k-lines li').allTextContents();
        assert.ok(lines[1].includes(weighed.name_zh) && lines[1].includes('0.612 kg'), lines[1]);
        assert.equal(await textOf(page.locator('#k-total')), yuan(quote.total_fen));

        // Staff confirm: a wrong password is refused, the kiosk account's own password works.
        await page.locator('#k-staff-open').click();
        await page.waitForSelector('#k-staff-dialog[open]');
        assert.equal(await page.locator('#k-staff-user').inputValue(), 'cashier');
        assert.equal(await page.locator('#k-staff-items input[data-grams]').inputValue(), String(grams));
        await page.locator('#k-staff-pass').fill('not-the-password');
        await page.locator('#k-staff-ok').click();
        await page.waitForSelector('#k-staff-error:not([hidden])');
        assert.match(await textOf(page.locator('#k-staff-error')), /用户名或密码错误/);
        await page.locator('#k-staff-pass').fill(PASSWORD);
        await page.locator('#k-staff-ok').click();
        await page.waitForSelector('#k-staff-dialog:not([open])', { state: 'attached' });
        await page.waitForSelector('#k-staff-banner[hidden]', { state: 'attached' });
        await page.waitForSelector('body[data-quote="ready"][data-blocked="0"]');
        assert.equal(await page.locator('#k-next').isEnabled(), true);
        assert.match(await textOf(page.locator('#k-lines')), /店员已确认/);
        await mkdir(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'kiosk.png') });

        // 使用积分: the most allowed, within the order-share cap.
        await page.locator('#k-next').click();
        await page.waitForSelector('#step-points:not([hidden])');
        const max = quote.points.max_redeemable;
        assert.ok(max > 0 && max <= pointsBefore, JSON.stringify(quote.points));
        await page.locator('[data-points="max"]').click();
        const value = Math.floor((max * 100) / quote.points.points_per_yuan);
        const due = quote.total_fen - value;
        assert.equal(await page.locator('#k-points-range').inputValue(), String(max));
        assert.equal(await textOf(page.locator('#k-points-due')), yuan(due));

        // 支付: the labelled payment simulator approves the QR payment.
        await page.locator('#k-points-next').click();
        await page.waitForSelector('#step-pay:not([hidden])');
        await page.waitForSelector('#k-sim-buttons:not([hidden])');
        assert.match(await textOf(page.locator('#k-pay-sim')), /模拟支付 \/ payment simulator/);
        assert.equal(await textOf(page.locator('#k-pay-amount')), yuan(due));
        const saleAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sales' && r.request().method() === 'POST');
        await page.locator('#k-approve').click();
        const saleRes = await saleAnswer;
        assert.equal(saleRes.status(), 201, await saleRes.text());
        const posted = JSON.parse(saleRes.request().postData());
        assert.deepEqual(posted.payments, [{ tender: 'wechat_qr', amount_fen: due }]);
        assert.equal(posted.member_id, member.id);
        assert.equal(posted.redeem_points, max);
        assert.match(saleRes.request().headers()['idempotency-key'], /^[0-9a-f-]{36}$/);
        const sale = await saleRes.json();
        assert.equal(sale.total_fen, quote.total_fen);
        assert.equal(sale.points_redeemed, max);

        // 小票: the server's receipt, and the way back to the start.
        await page.waitForSelector('#step-receipt:not([hidden])');
        const receipt = await textOf(page.locator('#k-receipt'));
        for (const name of [boxed.name_zh, weighed.name_zh, sale.number]) assert.ok(receipt.includes(name), `the receipt shows ${name}: ${receipt}`);
        assert.ok(receipt.includes('积分抵扣') && receipt.includes('微信'), receipt);
        assert.match(await textOf(page.locator('#k-receipt-points')), new RegExp(`本单使用积分 ${max}，获得积分 ${sale.points_earned}`));
        assert.match(await textOf(page.locator('#k-countdown')), /(30|29) 秒后返回首页/);

        // The ledgers agree: points redeemed and earned, stock down by what was sold.
        assert.equal(await points(member.id), pointsBefore - max + sale.points_earned);
        assert.equal((await floorStock(boxed.id)).total, stockBefore.boxed.total - 1);
        assert.equal((await floorStock(weighed.id)).total, stockBefore.weighed.total - grams);

        // After 30 s the kiosk is back at the welcome screen, with nothing of this customer left.
        await page.waitForSelector('#step-welcome:not([hidden])', { timeout: 40_000 });
        assert.equal(await page.locator('#k-lines li').count(), 0);
        assert.equal(await page.locator('#k-phone').inputValue(), '');
        // The wrong code and the wrong password were refused on purpose.
        const expected = /Failed to load resource: .* (422|401) .*\/api\/v1\/kiosk\/(verify|staff-confirm)/;
        watch.problems.splice(0, watch.problems.length, ...watch.problems.filter((p) => !expected.test(p)));
        watch.check();
      } finally {
        await ctx.close();
      }
    },
  );

  test('the kiosk fits 1024×768, a scan on the welcome screen starts without a member, and a rider may not open it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [boxed] = catalog.products.filter((p) => p.unit_kind === 'piece' && p.gtins.some((g) => g.startsWith('069')));
    const ctx = await browser.newContext({ viewport: LANDSCAPE, locale: 'zh-CN' });
    try {
      const page = await ctx.newPage();
      const watch = watchPage(page);
      await signIn(page, server.baseURL, 'cashier');
      await page.goto(`${server.baseURL}/kiosk`);
      await page.waitForSelector('body[data-ready="1"]');
      await page.keyboard.type(boxed.gtins.find((g) => g.startsWith('069')).slice(1));
      await page.keyboard.press('Enter');
      await page.waitForSelector('#step-scan:not([hidden])');
      await page.waitForFunction(() => document.querySelectorAll('#k-lines li').length === 1);
      assert.match(await textOf(page.locator('#k-member-chip')), /未使用会员/);
      for (const id of ['#k-next', '#k-total', '#k-cancel']) {
        const box = await page.locator(id).boundingBox();
        assert.ok(box && box.y + box.height <= LANDSCAPE.height && box.x + box.width <= LANDSCAPE.width, `${id} is on screen: ${JSON.stringify(box)}`);
        if (id !== '#k-total') assert.ok(box.height >= 60, `${id} is a large touch target`);
      }
      const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
      assert.ok(scroll[0] <= LANDSCAPE.width && scroll[1] <= LANDSCAPE.height, `the kiosk does not scroll: ${scroll}`);
      // Removing the only item empties the cart again.
      await page.locator('#k-lines [data-act="void"]').click();
      await page.waitForFunction(() => document.querySelectorAll('#k-lines li').length === 0);
      assert.equal(await page.locator('#k-next').isEnabled(), false);
      watch.check();
    } finally {
      await ctx.close();
    }
    const riderCtx = await browser.newContext({ viewport: LANDSCAPE });
    try {
      const page = await riderCtx.newPage();
      await signIn(page, server.baseURL, 'rider');
      const res = await page.goto(`${server.baseURL}/kiosk`);
      assert.equal(res.status(), 403, 'a rider may not sell');
    } finally {
      await riderCtx.close();
    }
  });
});
