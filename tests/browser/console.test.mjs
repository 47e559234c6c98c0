// The staff console (/, /products, /purchase-orders, /receive, /stock, …) driven in
// headless Chromium against the real binary with the demo data.
//
// Run from the repo root after `cargo build -p linli-cli`:
//   LINLI_BIN="$PWD/target/debug/linli" node --test tests/browser/
//
// One server and one browser serve the whole file. The manager signs in once; the
// tests that need another account or screen size open their own browser context.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  apiGet,
  apiToken,
  clickAndWait,
  launchBrowser,
  PASSWORD,
  signIn,
  startServer,
  storeDate,
  textOf,
  watchPage,
} from './harness.mjs';

// The README's screenshots are refreshed only when asked (LINLI_SCREENSHOTS=1), so a
// test run leaves the work tree clean.
const SCREENSHOTS = process.env.LINLI_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'linli-screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** A generous bound so that a hang fails the test instead of the whole run. */
const TEST_TIMEOUT_MS = 120_000;

let server;
let browser;
/** A browser context where the manager is signed in (desktop size). */
let manager;
/** The manager's API token, for looking up demo data. */
let token;

describe('the staff console in a browser', { concurrency: false }, () => {
  before(async () => {
    // Both start at once: the server seeds its demo while the browser starts.
    const [s, b] = await Promise.allSettled([startServer({ demoDays: 7 }), launchBrowser()]);
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

  /** A new page in the manager's context with its problems watched. */
  async function managerPage() {
    const page = await manager.newPage();
    return { page, watch: watchPage(page) };
  }

  async function go(page, path, status = 200) {
    const res = await page.goto(`${server.baseURL}${path}`, { waitUntil: 'load' });
    assert.ok(res, `no response for ${path}`);
    assert.equal(res.status(), status, `GET ${path} answered ${res.status()}`);
    return res;
  }

  async function assertNoFormError(page, what) {
    const errors = page.locator('.alert.error, .field-error:not([hidden])');
    const n = await errors.count();
    if (n > 0) {
      const texts = await errors.allTextContents();
      assert.fail(`${what}: the page shows errors: ${texts.map((t) => t.trim()).join(' | ')}`);
    }
  }

  test('manager signs in, finds milk by pinyin initials, receives a lot with an expiry against a purchase order and sees it in stock by lot', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Its own context: this test signs in through the form itself.
    const desk = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await desk.newPage();
    const watch = watchPage(page);
    try {
      // Signing in: a signed-out visitor of /products is sent to the form, which lists
      // the demo accounts and afterwards goes back to /products.
      await go(page, '/products');
      assert.equal(new URL(page.url()).pathname, '/login', 'a signed-out visitor is sent to sign in');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/products');
      assert.match(await textOf(page.locator('.demo-list')), /manager/);
      const login = page.locator('form[action="/login"]');
      await login.locator('input[name="username"]').fill('manager');
      await login.locator('input[name="password"]').fill(PASSWORD);
      await clickAndWait(page, login.locator('button[type="submit"]'));
      assert.equal(new URL(page.url()).pathname, '/products');
      assert.match(await textOf(page.locator('header.top .user')), /店长/);

      // Products: search "nn" (niú nǎi) and find milk among the results.
      const search = page.locator('form[action="/products"]');
      await search.locator('input[name="q"]').fill('nn');
      await clickAndWait(page, search.locator('button[type="submit"]'));
      assert.equal(new URL(page.url()).searchParams.get('q'), 'nn');
      const milkRows = page.locator('table.data tbody tr', { hasText: '牛奶' });
      assert.ok((await milkRows.count()) > 0, 'a product row with 牛奶 among the results for "nn"');
      const row = milkRows.first();
      const link = row.locator('td').nth(1).locator('a');
      const milk = {
        sku: await textOf(row.locator('td').nth(0)),
        name: await textOf(link),
        id: Number((await link.getAttribute('href')).split('/').pop()),
      };
      assert.match(milk.sku, /^\S+$/);
      assert.match(milk.name, /牛奶/);
      assert.ok(milk.id > 0);

      // A new purchase order for 12 of it, from the first supplier.
      await go(page, '/purchase-orders/new');
      const po = page.locator('form[action="/purchase-orders/new"]');
      const supplier = po.locator('select[name="supplier_id"]');
      await supplier.selectOption({ index: 1 });
      const supplierName = (await textOf(supplier.locator('option:checked'))).split(' · ')[0];
      assert.ok(supplierName, 'the first supplier has a name');
      await po.locator('input[name="lines[0][code]"]').fill(milk.sku);
      await po.locator('input[name="lines[0][qty]"]').fill('12');
      await clickAndWait(page, po.locator('button[type="submit"]'));
      await assertNoFormError(page, 'creating the purchase order');
      const m = /\/purchase-orders\/(\d+)$/.exec(new URL(page.url()).pathname);
      assert.ok(m, `saving the order leads to its page, not ${page.url()}`);
      const poId = m[1];
      const badge = page.locator('dl.facts .badge');
      assert.equal(await textOf(badge), '草稿');
      assert.ok((await textOf(page.locator('dl.facts'))).includes(supplierName), `the order names ${supplierName}`);
      const poLine = page.locator('table.data tbody tr', { hasText: milk.name });
      assert.equal(await poLine.count(), 1, 'the order has the milk line');
      assert.match(await textOf(poLine.locator('td').nth(1)), /^12\b/);

      // Send it (下单); then it can be received.
      await clickAndWait(page, page.locator('form:has(input[name="action"][value="send"]) button[type="submit"]'));
      await assertNoFormError(page, 'sending the purchase order');
      assert.equal(new URL(page.url()).pathname, `/purchase-orders/${poId}`);
      assert.equal(await textOf(badge), '已下单');
      await clickAndWait(page, page.locator(`a[href="/receive?po_id=${poId}"]`));

      // Receiving against the order: the line is prefilled with the product and the open quantity.
      assert.equal(new URL(page.url()).searchParams.get('po_id'), poId);
      assert.match(await textOf(page.locator('.po-note')), /已下单/);
      const form = page.locator('form.receive');
      assert.equal(await form.locator('input[name="po_id"]').inputValue(), poId);
      assert.equal(await form.locator('input[name="lines[0][product_id]"]').inputValue(), String(milk.id));
      assert.equal(await form.locator('input[name="lines[0][qty]"]').inputValue(), '12');
      assert.equal(await textOf(form.locator('tr[data-line]').first().locator('[data-name]')), milk.name);
      const location = form.locator('select[name="location_id"]');
      const locationName = await textOf(location.locator('option:checked'));
      assert.ok(locationName, 'a location is chosen');
      const expiry = storeDate(5);
      const today = storeDate(0);
      await form.locator('input[name="lines[0][lot]"]').fill('BROWSER-LOT-1');
      await form.locator('input[name="lines[0][expiry]"]').fill(expiry);
      await form.locator('input[name="lines[0][qty]"]').fill('12');
      await clickAndWait(page, form.locator('.actions button[type="submit"]'));
      await assertNoFormError(page, 'receiving');
      const done = page.locator('.alert.ok[role="status"]');
      assert.equal(await done.count(), 1, 'the receipt page confirms');
      assert.match(await textOf(done), /收货成功/);
      assert.match(await textOf(done), /已到货/, 'the order is now fully received');
      const receiptLine = page.locator('table.data tbody tr', { hasText: 'BROWSER-LOT-1' });
      assert.equal(await receiptLine.count(), 1);
      assert.equal(await textOf(receiptLine.locator('td').nth(0)), milk.name);
      assert.match(await textOf(receiptLine.locator('td').nth(2)), /^12 /);
      assert.equal(await textOf(receiptLine.locator('td').nth(3)), '', 'no discrepancy against the order');

      // Stock, searched by SKU: the lot with its quantity and expiry.
      await go(page, '/stock');
      const stockSearch = page.locator('form[action="/stock"]');
      await stockSearch.locator('input[name="q"]').fill(milk.sku);
      await clickAndWait(page, stockSearch.locator('button[type="submit"]'));
      const lot = page.locator('table.data tbody tr').filter({
        has: page.locator('td.mono', { hasText: /^BROWSER-LOT-1$/ }),
      });
      assert.equal(await lot.count(), 1, 'one stock row for lot BROWSER-LOT-1');
      const cells = lot.locator('td');
      assert.equal(await textOf(cells.nth(0)), locationName);
      assert.equal(await textOf(cells.nth(1)), milk.name);
      assert.equal(await textOf(cells.nth(2)), milk.sku);
      assert.equal(await textOf(cells.nth(3)), 'BROWSER-LOT-1');
      assert.match(await textOf(cells.nth(4)), new RegExp(`^${expiry}\\b`));
      const received = await textOf(cells.nth(5));
      assert.ok([today, storeDate(0)].includes(received), `received today (${today}), not ${received}`);
      assert.match(await textOf(cells.nth(6)), /^12 /);
      // The row's colour class and the badge in the expiry cell agree: 5 days ahead is
      // never expired; it is "soon" when the product's alert window reaches it.
      const cls = await lot.getAttribute('class');
      assert.match(cls, /\bexp-(ok|soon)\b/);
      const soonBadges = await cells.nth(4).locator('.badge.warn').count();
      assert.equal(soonBadges, /\bexp-soon\b/.test(cls) ? 1 : 0, `expiry badge matches row class ${cls}`);
      assert.equal(await cells.nth(4).locator('.badge.bad').count(), 0);

      // The order says received, with nothing open.
      await go(page, `/purchase-orders/${poId}`);
      assert.equal(await textOf(page.locator('dl.facts .badge')), '已到货');
      assert.match(await page.locator('dl.facts .badge').getAttribute('class'), /\bpo-received\b/);
      const after = page.locator('table.data tbody tr', { hasText: milk.name });
      assert.match(await textOf(after.locator('td').nth(2)), /^12$/, 'received 12');
      assert.match(await textOf(after.locator('td').nth(3)), /^0$/, 'none open');
      assert.equal(await page.locator(`a[href="/receive?po_id=${poId}"]`).count(), 0, 'no more receiving');
      watch.check();
    } finally {
      await desk.close();
    }
  });

  test('receiving by scanning a GS1 code fills product, lot and expiry', { timeout: TEST_TIMEOUT_MS }, async () => {
    // A demo product with a barcode, counted in pieces, from the API.
    const found = await apiGet(server.baseURL, token, `/api/v1/products?q=${encodeURIComponent('酸奶')}`);
    const product = found.items.find((p) => p.gtins.length > 0 && p.unit_kind === 'piece');
    assert.ok(product, 'a yoghurt with a barcode in the demo');
    const gtin = product.gtins[0];
    assert.match(gtin, /^\d{14}$/);
    const expiry = storeDate(10);
    const yymmdd = expiry.slice(2).replaceAll('-', '');
    const code = `(01)${gtin}(17)${yymmdd}(10)GS1LOT7`;

    const { page, watch } = await managerPage();
    try {
      await go(page, '/receive');
      const form = page.locator('form.receive');
      const line = form.locator('tr[data-line]').first();
      const scan = line.locator('input[name="lines[0][code]"]');
      await scan.fill(code);
      const lookup = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/scan');
      await scan.press('Enter');
      const res = await lookup;
      assert.equal(res.status(), 200, `the scan lookup answered ${res.status()}`);
      // Enter looks the code up instead of submitting the form.
      assert.equal(new URL(page.url()).pathname, '/receive');
      await page.waitForFunction(
        () => document.querySelector('input[name="lines[0][lot]"]').value !== '',
        null,
        { timeout: 30_000, polling: 50 },
      );
      assert.equal(await line.locator('input[name="lines[0][lot]"]').inputValue(), 'GS1LOT7');
      assert.equal(await line.locator('input[name="lines[0][expiry]"]').inputValue(), expiry);
      assert.equal(await line.locator('input[name="lines[0][product_id]"]').inputValue(), String(product.id));
      assert.equal(await textOf(line.locator('[data-name]')), product.name_zh);
      assert.equal(await textOf(line.locator('[data-unit]')), `(${product.unit})`);
      assert.equal(await line.locator('[data-scan-error]').isHidden(), true);
      // The cursor waits in the quantity field.
      assert.equal(
        await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('name')),
        'lines[0][qty]',
      );

      await page.keyboard.type('6');
      await clickAndWait(page, form.locator('.actions button[type="submit"]'));
      await assertNoFormError(page, 'receiving the scanned line');
      const done = page.locator('.alert.ok[role="status"]');
      assert.equal(await done.count(), 1, 'the receipt page confirms');
      assert.match(await textOf(done), /收货成功/);
      const receiptLine = page.locator('table.data tbody tr', { hasText: 'GS1LOT7' });
      assert.equal(await receiptLine.count(), 1);
      assert.equal(await textOf(receiptLine.locator('td').nth(0)), product.name_zh);
      assert.equal(await textOf(receiptLine.locator('td').nth(2)), `6 ${product.unit}`);

      // In stock with the lot and expiry the code carried.
      await go(page, `/stock?q=${encodeURIComponent(product.sku)}`);
      const lot = page.locator('table.data tbody tr').filter({
        has: page.locator('td.mono', { hasText: /^GS1LOT7$/ }),
      });
      assert.equal(await lot.count(), 1, 'one stock row for lot GS1LOT7');
      assert.match(await textOf(lot.locator('td').nth(4)), new RegExp(`^${expiry}\\b`));
      assert.equal(await textOf(lot.locator('td').nth(6)), `6 ${product.unit}`);
      watch.check();
    } finally {
      await page.close();
    }
  });

  test('the console works on a phone-sized screen and in English', { timeout: TEST_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true, locale: 'zh-CN' });
    try {
      const page = await phone.newPage();
      const watch = watchPage(page);
      await signIn(page, server.baseURL, 'cashier');
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');

      // The language link is on screen and switches to English, staying on the page.
      const lang = page.locator('header.top a.lang');
      assert.equal(await textOf(lang), 'English');
      assert.ok(await lang.isVisible(), 'the language link is visible on a phone');
      await clickAndWait(page, lang);
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      const nav = page.locator('nav.nav');
      assert.ok(await nav.isVisible(), 'the navigation is visible on a phone');
      const navText = await textOf(nav);
      assert.match(navText, /Products/);
      assert.match(navText, /Stock/);
      assert.match(navText, /Receive goods/);
      assert.doesNotMatch(navText, /Staff/, 'a cashier is not offered staff management');
      assert.doesNotMatch(navText, /[商品库存]/, 'no Chinese labels left in the navigation');
      assert.equal(await textOf(page.locator('header.top h1')), 'Overview');
      await assertFitsWidth(page, 'the overview');

      // The stock list scrolls inside its box, not the whole page.
      await go(page, '/stock');
      assert.equal(await textOf(page.locator('header.top h1')), 'Stock');
      await assertFitsWidth(page, 'the stock list');

      // A cashier asking for /staff gets the friendly 403 page, in English.
      await go(page, '/staff', 403);
      assert.equal(await textOf(page.locator('.status-page .status-code')), '403');
      assert.equal(await textOf(page.locator('.status-page h2')), 'Not allowed');
      assert.ok((await textOf(page.locator('.status-page p').first())).length > 0, 'the page says why');
      const home = page.locator('.status-page a.btn.primary');
      assert.equal(await textOf(home), 'Back to overview');
      await assertFitsWidth(page, 'the 403 page');
      await clickAndWait(page, home);
      assert.equal(new URL(page.url()).pathname, '/');
      // Errors of the forbidden page itself (a 403 in the console) are expected.
      watch.problems.splice(
        0,
        watch.problems.length,
        ...watch.problems.filter((p) => !/status of 403/.test(p)),
      );
      watch.check();
    } finally {
      await phone.close();
    }
  });

  test(
    'typing a SKU and pressing Enter in a receiving line fills the product',
    {
      timeout: TEST_TIMEOUT_MS,
    },
    async () => {
      const found = await apiGet(server.baseURL, token, `/api/v1/products?q=${encodeURIComponent('酸奶')}`);
      const product = found.items[0];
      const { page } = await managerPage();
      try {
        await go(page, '/receive');
        const line = page.locator('form.receive tr[data-line]').first();
        const lookup = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/scan');
        await line.locator('input[name="lines[0][code]"]').fill(product.sku);
        await line.locator('input[name="lines[0][code]"]').press('Enter');
        await lookup;
        await page.waitForFunction(
          () => {
            const row = document.querySelector('form.receive tr[data-line]');
            return row.querySelector('[data-name]').textContent !== '' || !row.querySelector('[data-scan-error]').hidden;
          },
          null,
          { timeout: 30_000, polling: 50 },
        );
        const error = line.locator('[data-scan-error]');
        assert.equal(await error.isHidden(), true, `the line shows: ${await textOf(error)}`);
        assert.equal(await textOf(line.locator('[data-name]')), product.name_zh);
      } finally {
        await page.close();
      }
    },
  );

  test(
    'the receiving form fits a phone-sized screen',
    {
      timeout: TEST_TIMEOUT_MS,
    },
    async () => {
      const phone = await browser.newContext({
        viewport: PHONE,
        hasTouch: true,
        isMobile: true,
        locale: 'zh-CN',
        storageState: await manager.storageState(),
      });
      try {
        const page = await phone.newPage();
        await go(page, '/receive');
        await assertFitsWidth(page, 'the receiving form');
      } finally {
        await phone.close();
      }
    },
  );

  test('the data centre shows when the store sells and runs the bought-together job now', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page, watch } = await managerPage();
    try {
      await go(page, '/data');
      // Seven days of demo sales: the weekday × hour map has busy cells, and the
      // category × week map has rows.
      const maps = page.locator('svg.heat');
      assert.equal(await maps.count(), 2, 'two heat maps');
      const busy = await page.locator('svg.heat rect[data-orders]').evaluateAll(
        (rects) => rects.filter((r) => Number(r.dataset.orders) > 0).length,
      );
      assert.ok(busy >= 7 * 8, `the store sells most hours of every day: ${busy} busy cells`);
      const card = page.locator('#job-bought_together');
      assert.match(await textOf(card), /常一起买/);
      await card.locator('button[type="submit"]').click();
      await page.waitForURL(/\/data\?done=bought_together$/);
      assert.match(await textOf(page.locator('.notice')), /常一起买 · 已运行/);
      const first = page.locator('#runs tbody tr').first();
      assert.match(await textOf(first), /常一起买.*完成.*个购物篮.*组常一起买/);
      // The demo's members in segments, and the returning ones likeliest to lapse.
      const segments = page.locator('section.card', { hasText: '会员客群' }).locator('.badge');
      assert.ok((await segments.count()) > 0, 'member segments with their sizes');
      assert.ok((await page.locator('#lapsing tbody tr').count()) > 0, 'a likely-to-lapse list');
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'data-centre.png'), fullPage: true });
      watch.check();
    } finally {
      await page.close();
    }
  });

  test('demand planning: the forecast chart draws, a replenishment becomes a sent PO, a markdown is accepted and undone', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page, watch } = await managerPage();
    page.on('dialog', (d) => d.accept());
    try {
      await go(page, '/data/forecast');
      assert.match(await textOf(page.locator('#demand-alerts')), /需求预警/);
      // The best seller's forecast: 14 days ahead as points, with the 80% band.
      const points = page.locator('#forecast-chart svg.chart circle.outlook');
      assert.equal(await points.count(), 14, 'fourteen days ahead');
      assert.equal(await page.locator('#forecast-chart polygon.band').count(), 1);
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'demand-forecast.png'), fullPage: true });

      await go(page, '/replenishment');
      const order = page.locator('section.card[id^="supplier-"]').first();
      const supplier = (await textOf(order.locator('h3'))).split(' ')[0];
      await order.locator('button[type="submit"]').click();
      await page.waitForURL(/\/purchase-orders\/\d+$/);
      assert.match(await textOf(page.locator('.badge.po-sent')), /已下单/);
      assert.ok((await textOf(page.locator('dl.facts'))).includes(supplier), supplier);

      await go(page, '/markdowns');
      const row = page.locator('#markdown-suggestions tbody tr').first();
      const name = await textOf(row.locator('td').nth(1));
      await row.locator('button[type="submit"]').click();
      await page.waitForURL(/\/markdowns\?done=accepted$/);
      assert.match(await textOf(page.locator('.notice')), /已降价/);
      const done = page.locator('#markdowns tbody tr').first();
      assert.ok((await textOf(done)).includes(name), name);
      await done.locator('button[type="submit"]').click();
      await page.waitForURL(/\/markdowns\?done=ended$/);
      assert.match(await textOf(page.locator('#markdowns tbody tr').first()), /已结束/);

      // Site selection: the example candidates around the store, ranked on a map.
      await go(page, '/data/sites');
      await page.locator('form[action="/data/sites"] button[type="submit"]').click();
      await page.waitForSelector('#sites tbody tr');
      assert.equal(await page.locator('#sites tbody tr').count(), 4, 'four example candidates');
      assert.equal(await page.locator('#site-results svg.map g.candidate').count(), 4);
      assert.equal(await textOf(page.locator('#sites tbody tr').first().locator('td').first()), '1');
      watch.check();
    } finally {
      await page.close();
    }
    // The same pages on a phone: wide tables and charts scroll in their own boxes.
    const phone = await browser.newContext({
      viewport: PHONE,
      hasTouch: true,
      isMobile: true,
      locale: 'zh-CN',
      storageState: await manager.storageState(),
    });
    try {
      const page = await phone.newPage();
      const watch = watchPage(page);
      for (const path of ['/data/forecast', '/replenishment', '/markdowns', '/data/sites', '/data']) {
        await go(page, path);
        await assertFitsWidth(page, path);
      }
      watch.check();
    } finally {
      await phone.close();
    }
  });

  test('screenshots of the console for the README are saved', { timeout: TEST_TIMEOUT_MS }, async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    const { page, watch } = await managerPage();
    try {
      await go(page, '/stock');
      assert.ok((await page.locator('table.data tbody tr').count()) > 0, 'the stock list has rows');
      await page.screenshot({ path: join(SCREENSHOTS, 'console-stock.png') });
      await go(page, '/products?q=nn');
      assert.ok((await page.locator('table.data tbody tr', { hasText: '牛奶' }).count()) > 0);
      await page.screenshot({ path: join(SCREENSHOTS, 'console-products.png') });
      watch.check();
    } finally {
      await page.close();
    }
    // The phone overview as the manager, sharing the desktop sign-in.
    const phone = await browser.newContext({
      viewport: PHONE,
      hasTouch: true,
      isMobile: true,
      locale: 'zh-CN',
      storageState: await manager.storageState(),
    });
    try {
      const page = await phone.newPage();
      const watch = watchPage(page);
      await go(page, '/');
      assert.ok((await page.locator('.cards .stat').count()) > 0, 'the overview shows its cards');
      await page.screenshot({ path: join(SCREENSHOTS, 'console-phone.png') });
      watch.check();
    } finally {
      await phone.close();
    }
  });
});

/**
 * Nothing makes the page wider than the screen (wide tables scroll in their own box).
 * Compared with the viewport, not window.innerWidth: an emulated phone widens its layout
 * viewport to fit content that overflows.
 */
async function assertFitsWidth(page, what) {
  const view = page.viewportSize().width;
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= view, `${what} is ${scroll}px wide on a ${view}px screen`);
}
