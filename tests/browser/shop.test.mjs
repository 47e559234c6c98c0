// The resident shop (居民商城, /shop) on a phone-sized screen, driven in headless
// Chromium against the real binary with the demo data, with the counter (线上订单,
// /orders) in another browser context:
//   1. a resident signs in with the SMS simulator's code, searches by pinyin initials,
//      orders two products for pickup, pays with the payment simulator and sees the
//      pickup code; the manager prepares, marks ready and verifies that code, and the
//      resident's page shows the order completed;
//   2. a resident orders for delivery in a slot, pays, cancels before preparation, and
//      the stock comes back;
//   3. a resident picks one of their coupons at checkout, pays that much less, cancels,
//      and the coupon is theirs to use again.
//
// Run from the repo root after `cargo build -p linli-cli`:
//   LINLI_BIN="$PWD/target/debug/linli" node --test tests/browser/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { apiGet, apiPost, apiToken, clickAndWait, launchBrowser, signIn, startServer, textOf, watchPage } from './harness.mjs';

// Screenshots go to docs/screenshots only when asked (LINLI_SCREENSHOTS=1).
const SCREENSHOTS = process.env.LINLI_SCREENSHOTS
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'linli-screenshots');
/** The shop's target screen: a small phone. */
const PHONE = { width: 375, height: 667 };
const DESKTOP = { width: 1280, height: 800 };
const TEST_TIMEOUT_MS = 180_000;
/** The resident's order page asks for news every few seconds. */
const ORDER_UPDATE_MS = 20_000;

let server;
let browser;
/** The manager's API token, to check orders and stock from outside the pages. */
let managerToken;

/** A phone-sized browser context for a resident. */
function phoneContext() {
  return browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN', deviceScaleFactor: 2 });
}

/** Signs a resident in on /shop with the code the labelled SMS simulator box shows. */
async function signInResident(page, phone) {
  await page.goto(`${server.baseURL}/shop`);
  const form = page.locator('#login-form');
  await form.waitFor();
  await form.locator('input[name="phone"]').fill(phone);
  await page.locator('#get-code').click();
  const box = page.locator('#sms-sim');
  await box.locator('[data-sim-code]').waitFor();
  assert.match(await textOf(box), /短信模拟器/, 'the simulator is labelled');
  const code = (await textOf(box.locator('[data-sim-code]'))).replace(/\s/g, '');
  assert.match(code, /^\d{6}$/);
  await form.locator('input[name="code"]').fill(code);
  await page.locator('#sign-in').click();
  await page.locator('#search-form').waitFor();
  await page.locator('.card.product').first().waitFor();
}

/** The resident's token, as the page keeps it. */
function residentToken(page) {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('linli.shop.') && k.endsWith('.token'));
    return key ? JSON.parse(localStorage.getItem(key)) : null;
  });
}

/** Searches from the home page and waits for the results. */
async function search(page, q) {
  await page.locator('#search-form input[name="q"]').fill(q);
  await page.locator('#search-form input[name="q"]').press('Enter');
  await page.locator('.results-head').waitFor();
  await page.locator('#grid .card.product, #grid .empty').first().waitFor();
}

/** Pays the order on the payment page with the simulator's approve button. */
async function payWithSimulator(page) {
  const sim = page.locator('.pay-sim');
  await sim.waitFor();
  assert.match(await textOf(sim), /模拟支付/, 'the payment simulator is labelled');
  await sim.locator('[data-outcome="approve"]').click();
  await page.locator('section.order').waitFor();
}

describe('the resident shop in a browser', { concurrency: false }, () => {
  before(async () => {
    const [s, b] = await Promise.allSettled([startServer({ demoDays: 7 }), launchBrowser()]);
    if (s.status === 'fulfilled') server = s.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;
    managerToken = await apiToken(server.baseURL, 'manager');
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a resident orders for pickup on a phone and the counter verifies the pickup code', { timeout: TEST_TIMEOUT_MS }, async () => {
    const resident = await phoneContext();
    const counter = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    try {
      const page = await resident.newPage();
      const watch = watchPage(page);
      await signInResident(page, '13912340001');
      // Nothing spills sideways on a 375-px screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);

      // Pinyin initials: "nn" finds 牛奶.
      await search(page, 'nn');
      const cards = page.locator('#grid .card.product');
      const names = await cards.locator('.pname').allTextContents();
      assert.ok(names.some((n) => n.includes('牛奶')), `"nn" finds milk: ${names.join(', ')}`);
      const addable = page.locator('#grid .card.product:has(button[data-action="add"]:not([disabled]))');
      assert.ok((await addable.count()) >= 2, 'two products in stock');
      const picked = [];
      for (let i = 0; i < 2; i += 1) {
        const card = addable.first();
        const id = await card.getAttribute('data-product');
        picked.push({ id: Number(id), name: (await textOf(card.locator('.pname'))) });
        await card.locator('button[data-action="add"]').click();
        // The card now holds a stepper instead of the add button.
        await page.locator(`.card.product[data-product="${id}"] .stepper`).waitFor();
      }
      assert.equal(await textOf(page.locator('#cart-badge')), '2');

      await page.locator('a[data-tab="cart"]').click();
      await page.locator('.cart').waitFor();
      assert.equal(await page.locator('.cart .line').count(), 2);
      const cartText = await textOf(page.locator('.cart'));
      for (const p of picked) assert.ok(cartText.includes(p.name), `${p.name} in the cart: ${cartText}`);
      await page.locator('[data-action="to-checkout"]').click();
      await page.locator('#checkout-form').waitFor();
      assert.ok(await page.locator('input[name="mode"][value="pickup"]').isChecked(), 'pickup is the default');
      await page.locator('#place').click();
      await payWithSimulator(page);

      const order = page.locator('section.order');
      const orderId = Number(await order.getAttribute('data-order'));
      const code = await page.locator('[data-pickup-code]').getAttribute('data-pickup-code');
      assert.match(code, /^\d{6}$/, 'a big 6-digit pickup code');
      assert.equal(await textOf(page.locator('[data-order-status]')), '已支付');
      assert.equal(await textOf(page.locator('#cart-badge')), '0', 'the cart is emptied');
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.locator('#toast').waitFor({ state: 'hidden' });
      await page.screenshot({ path: join(SCREENSHOTS, 'shop.png') });
      const staffView = await apiGet(server.baseURL, managerToken, `/api/v1/orders/${orderId}`);
      assert.equal(staffView.status, 'paid');
      assert.equal(staffView.pickup_code, null, 'staff never see the code');
      assert.deepEqual(staffView.lines.map((l) => l.product_id).sort(), picked.map((p) => p.id).sort());

      // The counter: prepare, ready, then type the code the resident shows (核销).
      const desk = await counter.newPage();
      const deskWatch = watchPage(desk);
      await signIn(desk, server.baseURL, 'manager');
      await desk.goto(`${server.baseURL}/orders`);
      const row = desk.locator(`tr[data-order="${orderId}"]`);
      await row.waitFor();
      assert.ok((await textOf(row)).includes(staffView.number));
      await clickAndWait(desk, row.locator('button[value="prepare"]'));
      assert.match(await textOf(desk.locator('.alert.ok')), /开始备货/);
      assert.ok((await textOf(desk.locator('#pick-list'))).includes(staffView.number), 'on the pick list');
      await clickAndWait(desk, desk.locator(`tr[data-order="${orderId}"] button[value="ready"]`));
      const ready = desk.locator(`tr[data-order="${orderId}"]`);
      assert.equal(await ready.getAttribute('data-status'), 'ready');
      await ready.locator('input[name="code"]').fill(code);
      await clickAndWait(desk, ready.locator('.ord-verify button[type="submit"]'));
      assert.match(await textOf(desk.locator('.alert.ok')), /已核销完成/);
      assert.equal(await desk.locator(`tr[data-order="${orderId}"]`).getAttribute('data-status'), 'completed');
      deskWatch.check();

      // The resident's open order page follows on its own.
      await page.locator('[data-order-status]', { hasText: '已完成' }).waitFor({ timeout: ORDER_UPDATE_MS });
      assert.equal(await page.locator('[data-pickup-code]').count(), 0, 'a used code is no longer shown');
      assert.equal(await page.locator('.timeline li.done').count(), 5, 'every step done');
      const done = await apiGet(server.baseURL, managerToken, `/api/v1/orders/${orderId}`);
      assert.equal(done.status, 'completed');

      // 我的: the new member's code and balances.
      await page.locator('a[data-tab="me"]').click();
      await page.locator('[data-member-code]').waitFor();
      assert.match(await textOf(page.locator('[data-member-code]')), /^M\d{6}$/);
      await page.locator('[data-points]').waitFor();
      watch.check();
    } finally {
      await resident.close();
      await counter.close();
    }
  });

  test('a delivery order in a slot is cancelled before preparation and the stock comes back', { timeout: TEST_TIMEOUT_MS }, async () => {
    const resident = await phoneContext();
    try {
      const page = await resident.newPage();
      const watch = watchPage(page);
      page.on('dialog', (d) => d.accept());
      await signInResident(page, '13912340002');
      const token = await residentToken(page);
      assert.ok(token && token.startsWith('res_'), 'the resident token is kept on the phone');

      await search(page, 'nn');
      const card = page.locator('#grid .card.product:has(button[data-action="add"]:not([disabled]))').first();
      const productId = Number(await card.getAttribute('data-product'));
      const before = await apiGet(server.baseURL, token, `/api/v1/resident/products/${productId}`);
      assert.ok(before.available > 0);
      await card.locator('button[data-action="add"]').click();
      await page.locator(`.card.product[data-product="${productId}"] .stepper`).waitFor();

      await page.locator('a[data-tab="cart"]').click();
      await page.locator('[data-action="to-checkout"]').click();
      await page.locator('#checkout-form').waitFor();
      await page.locator('label.option:has(input[value="delivery"])').click();
      await page.locator('#delivery-panel').waitFor();
      const building = page.locator('select[name="building_id"]');
      const firstBuilding = await building.locator('option[value]:not([value=""])').first().getAttribute('value');
      await building.selectOption(firstBuilding);
      await page.locator('input[name="unit"]').fill('2');
      await page.locator('input[name="room"]').fill('301');
      // Tomorrow always has bookable slots, whatever the hour now.
      await page.locator('button[data-action="day"]').nth(1).click();
      const slot = page.locator('#slots label.slot:not(.off)').first();
      await slot.waitFor();
      const slotText = await textOf(slot.locator('.slot-time'));
      await slot.click();
      assert.ok((await textOf(page.locator('#slots label.slot.on'))).includes(slotText), 'the chosen slot is marked');
      // The address survives re-rendering the form.
      assert.equal(await page.locator('input[name="room"]').inputValue(), '301');
      await page.locator('#place').click();
      await payWithSimulator(page);

      const orderId = Number(await page.locator('section.order').getAttribute('data-order'));
      const mine = await apiGet(server.baseURL, token, `/api/v1/resident/orders/${orderId}`);
      assert.equal(mine.fulfilment, 'delivery');
      assert.equal(mine.status, 'paid');
      assert.equal(mine.room, '301');
      assert.ok(mine.slot_start && mine.slot_end - mine.slot_start === 2 * 3_600_000, 'a 2-hour slot');
      assert.match(await textOf(page.locator('section.order')), /送至/);
      const held = await apiGet(server.baseURL, token, `/api/v1/resident/products/${productId}`);
      assert.equal(held.available, before.available - 1, 'the order holds one unit');

      // Cancel before preparation: the page confirms, the money goes back, the unit too.
      await page.locator('button[data-action="cancel"]').click();
      await page.locator('[data-order-status]', { hasText: '已取消' }).waitFor();
      await page.locator('.alert', { hasText: /退款/ }).waitFor();
      const after = await apiGet(server.baseURL, token, `/api/v1/resident/products/${productId}`);
      assert.equal(after.available, before.available, 'the stock is back');
      const cancelled = await apiGet(server.baseURL, managerToken, `/api/v1/orders/${orderId}`);
      assert.equal(cancelled.status, 'cancelled');
      assert.ok(['refunded', 'refund_pending'].includes(cancelled.payment_status), cancelled.payment_status);
      assert.equal(await page.locator('button[data-action="cancel"]').count(), 0, 'nothing left to cancel');

      // The order list shows it; English is one tap away.
      await page.locator('a[data-tab="orders"]').click();
      await page.locator(`[data-order-link="${orderId}"]`).waitFor();
      await page.locator('#lang-toggle').click();
      await page.locator('a[data-tab="orders"]', { hasText: 'Orders' }).waitFor();
      assert.match(await textOf(page.locator(`[data-order-link="${orderId}"]`)), /Cancelled/);
      watch.check();
    } finally {
      await resident.close();
    }
  });

  test('a resident picks a coupon at checkout, pays less, and gets it back by cancelling', { timeout: TEST_TIMEOUT_MS }, async () => {
    const resident = await phoneContext();
    try {
      const page = await resident.newPage();
      const watch = watchPage(page);
      page.on('dialog', (d) => d.accept());
      await signInResident(page, '13912340003');
      const token = await residentToken(page);
      const me = await apiGet(server.baseURL, token, '/api/v1/resident/me');
      const coupon = await apiPost(server.baseURL, managerToken, '/api/v1/coupons', {
        name_zh: '满1元减5角', kind: 'fixed', amount_fen: 50, threshold_fen: 100,
        ends_at: Date.now() + 7 * 86_400_000, total_limit: 10,
      });
      await apiPost(server.baseURL, managerToken, `/api/v1/coupons/${coupon.id}/issues`, { member_ids: [me.member_id] });
      const mine = async () => (await apiGet(server.baseURL, token, '/api/v1/resident/coupons'))
        .filter((c) => c.coupon_id === coupon.id).map((c) => c.status);

      await search(page, 'nn');
      const card = page.locator('#grid .card.product:has(button[data-action="add"]:not([disabled]))').first();
      await card.locator('button[data-action="add"]').click();
      await page.locator('a[data-tab="cart"]').click();
      await page.locator('[data-action="to-checkout"]').click();
      const offered = page.locator('#coupon-panel label.option', { hasText: '满1元减5角' });
      await offered.waitFor();
      await offered.click();
      await page.locator('#coupon-panel label.option.on', { hasText: '满1元减5角' }).waitFor();
      await page.locator('#place').click();
      await payWithSimulator(page);

      const orderId = Number(await page.locator('section.order').getAttribute('data-order'));
      const order = await apiGet(server.baseURL, token, `/api/v1/resident/orders/${orderId}`);
      assert.ok(order.subtotal_fen - order.total_fen >= 50, `¥0.50 off at least: ${JSON.stringify(order)}`);
      assert.deepEqual(await mine(), ['used']);

      await page.locator('button[data-action="cancel"]').click();
      await page.locator('[data-order-status]', { hasText: '已取消' }).waitFor();
      assert.deepEqual(await mine(), ['issued'], 'the coupon came back');
      // And the next checkout offers it again.
      await page.locator('a[data-tab="home"]').click();
      await search(page, 'nn');
      await page.locator('#grid .card.product:has(button[data-action="add"]:not([disabled]))').first()
        .locator('button[data-action="add"]').click();
      await page.locator('a[data-tab="cart"]').click();
      await page.locator('[data-action="to-checkout"]').click();
      await page.locator('#coupon-panel label.option', { hasText: '满1元减5角' }).waitFor();
      watch.check();
    } finally {
      await resident.close();
    }
  });

  test('a product page shows what is often bought with it (常一起买)', { timeout: TEST_TIMEOUT_MS }, async () => {
    // The demo runs the bought-together job over its history: find a product it paired.
    const list = await apiGet(server.baseURL, managerToken, '/api/v1/products?page_size=100');
    let product = null;
    let suggestions = [];
    for (const p of list.items) {
      suggestions = (await apiGet(server.baseURL, managerToken, `/api/v1/products/${p.id}/bought-together?limit=4`)).items;
      if (suggestions.length > 0) {
        product = p;
        break;
      }
    }
    assert.ok(product, 'the demo history pairs some products');
    const resident = await phoneContext();
    try {
      const page = await resident.newPage();
      const watch = watchPage(page);
      await signInResident(page, '13912340004');
      // What the resident's own API answers is what the page shows.
      const token = await residentToken(page);
      suggestions = (await apiGet(server.baseURL, token, `/api/v1/resident/products/${product.id}/bought-together?limit=4`)).items;
      assert.ok(suggestions.length > 0, 'the resident sees the suggestions too');
      await page.evaluate((id) => { window.location.hash = `#/p/${id}`; }, product.id);
      const section = page.locator('.product-page .together');
      await section.waitFor();
      assert.match(await textOf(section.locator('h3')), /常一起买/);
      const shown = await section.locator('li a').allTextContents();
      assert.ok(shown.includes(suggestions[0].name_zh), `${suggestions[0].name_zh} among ${shown.join(', ')}`);
      // A suggestion is a link to its own page.
      await section.locator('li a').first().click();
      await page.locator(`.product-page[data-product="${suggestions[0].product_id}"]`).waitFor();
      watch.check();
    } finally {
      await resident.close();
    }
  });
});
