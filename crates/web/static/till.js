// Linli till (收银台): keyboard and scanner first, and it keeps selling offline.
//
// One input is always focused. Enter submits it: digits are a barcode (EAN/UPC, a
// scale label with its weight or price, a GS1 element string) or a PLU, resolved by
// GET /api/v1/scan; letters are pinyin initials (or a name or SKU), matched by
// GET /api/v1/products and picked with the arrow keys. F8 opens the payment panel
// (cash with change and 抹零, the QR payment simulator, card, stored value and points
// for a member, split across tenders); the sale is POSTed to /api/v1/sales with an
// Idempotency-Key made here, and the receipt is shown for printing on 58 mm paper.
//
// Prices: the server prices every sale with its one engine (promotions, the member's
// tier, coupons), so whenever the cart, the member or the chosen coupons change the
// till asks POST /api/v1/pricing/quote (debounced) and shows the server's line totals,
// each discount and the total; the payment panel collects that total (抹零 applies to
// the cash part). The member's usable coupons (GET /api/v1/members/{id}/coupons) can be
// ticked; the quote says which it used and why it refused the others, and the sale
// sends only the used ones. Points pay at most the share of the server total the
// member rules allow (GET /api/v1/loyalty/settings, /api/v1/members/{id}/loyalty). If
// the sale is still refused because the price moved between quote and sale (a flash
// sale sold out), the till asks again and shows the new total. Offline the till prices
// with shelf prices and says so ("离线价格").
//
// Offline: the catalog is copied into IndexedDB (/till/catalog.json) and refreshed
// while the server answers. When a sale cannot reach the server it is priced here
// with shelf prices, queued in IndexedDB with its key (and `offline: {till_id,
// sold_at}` once the server accepts it), and a sync loop posts the queue in order
// when the server is back: a 2xx (or a replay of one) removes the entry, a 4xx marks
// it for the manager (never dropped) and the loop carries on with the next one.
// Features other parts of the server add later (member lookup, points, coupons, the
// offline field) are detected from the OpenAPI document and light up when present.
// Returns (退货, F9, managers and owners): a sale is found by its receipt number or id,
// the lines and quantities to take back are chosen, and POST /api/v1/sales/{id}/refunds
// puts the goods back and says where the money goes (the original tenders, cash last).
(function () {
  "use strict";

  const cfgEl = document.getElementById("till-config");
  if (!cfgEl) return;
  const cfg = JSON.parse(cfgEl.textContent);
  const T = cfg.texts || {};
  const zh = cfg.lang !== "en";
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  const $ = (id) => document.getElementById(id);

  // Limits (the server's: store::SALE_LINES_MAX, domain::till::PAYMENTS_MAX, AMOUNT_FEN_MAX).
  const LINES_MAX = 200;
  const PAYMENTS_MAX = 6;
  const AMOUNT_FEN_MAX = 1_000_000_000;
  const PIECES_MAX = 9999;
  const GRAMS_MAX = 999_999;
  const SUSPENDED_MAX = 20;
  const SUGGEST_MAX = 8;
  // Timing.
  const POST_TIMEOUT_MS = 10_000;
  const GET_TIMEOUT_MS = 5_000;
  const CATALOG_REFRESH_MS = 5 * 60_000;
  const SYNC_EVERY_MS = 15_000;
  const PROBE_MIN_MS = 1_000;
  const PROBE_MAX_MS = 15_000;
  const SEARCH_DEBOUNCE_MS = 120;
  const QUOTE_DEBOUNCE_MS = 150;
  // The server's: domain::pricing::COUPONS_MAX, loyalty BP_ONE.
  const COUPONS_MAX = 10;
  const BP_ONE = 10_000;

  const KEY = {
    tillId: "linli.till.id",
    suspended: "linli.till.suspended." + cfg.user.username,
    current: "linli.till.current." + cfg.user.username,
    rounding: "linli.till.rounding",
    features: "linli.till.features",
    offlineSeq: "linli.till.offline_seq",
  };
  const BASE_SALE_FIELDS = ["location_id", "lines", "payments", "rounding"];

  // The texts of the server-priced parts (prices, discounts, coupons, points), in the page's language.
  const PT = zh
    ? {
        offline_prices: "离线价格：按货架价计，未含促销和会员优惠",
        pricing: "正在按服务器计价…",
        quote_failed: "未能按服务器计价（{reason}），暂按货架价",
        subtotal: "原价",
        saved: "已优惠 {amount}",
        payable: "应收",
        coupons: "可用优惠券",
        coupons_none: "没有可用的优惠券",
        coupons_offline: "离线时不能用券",
        coupon_used: "已用",
        coupon_rejected: "不可用：{reason}",
        coupons_max: "每单最多选 {n} 张优惠券",
        price_changed: "价格已变化：应收由 {old} 变为 {new}，请按新金额收款。",
        price_check: "价格已按服务器重新计算，请核对后再收款。",
        points_max: "最多可用 {n} 积分（抵 {amount}）",
        points_none: "本单不能使用积分",
        points_clamped: "积分已调整为本单上限 {n}",
      }
    : {
        offline_prices: "Offline prices: shelf prices, without promotions or member discounts",
        pricing: "Pricing on the server…",
        quote_failed: "Could not price on the server ({reason}); shelf prices for now",
        subtotal: "Before discounts",
        saved: "Saved {amount}",
        payable: "To pay",
        coupons: "Usable coupons",
        coupons_none: "No usable coupons",
        coupons_offline: "Coupons need the server",
        coupon_used: "applied",
        coupon_rejected: "Not applied: {reason}",
        coupons_max: "At most {n} coupons per sale",
        price_changed: "The price changed: {old} is now {new}. Collect the new amount.",
        price_check: "The price was checked with the server again; look it over before collecting.",
        points_max: "Up to {n} points ({amount})",
        points_none: "Points cannot pay for this sale",
        points_clamped: "Points lowered to this sale's limit of {n}",
      };

  function pt(key, vars) {
    let s = PT[key] || key;
    if (vars) for (const k of Object.keys(vars)) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  }

  // ---------------------------------------------------------------------------
  // Small helpers

  function t(key, vars) {
    let s = T[key] || key;
    if (vars) {
      for (const k of Object.keys(vars)) s = s.split("{" + k + "}").join(String(vars[k]));
    }
    return s;
  }

  function yuan(fen) {
    const a = Math.abs(fen);
    return (fen < 0 ? "-" : "") + "¥" + Math.floor(a / 100) + "." + String(a % 100).padStart(2, "0");
  }

  /** "12.5" → 1250 fen; null when it is not an amount. */
  function parseYuan(text) {
    const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(String(text).trim());
    if (!m) return null;
    const fen = Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
    return fen > AMOUNT_FEN_MAX ? null : fen;
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Not a secure context (a till on a LAN address over http): same format from random bytes.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function nameOf(p) {
    return !zh && p.name_en ? p.name_en : p.name_zh;
  }

  function isWeighed(p) {
    return p.unit_kind === "weight";
  }

  /** Weight × price per kg, half-up to the fen (domain::money::Money::for_weight). */
  function forWeight(perKgFen, grams) {
    const n = BigInt(perKgFen) * BigInt(grams);
    return Number((n + 500n) / 1000n);
  }

  function lineTotal(l) {
    return isWeighed(l) ? forWeight(l.unit_price_fen, l.qty) : l.qty * l.unit_price_fen;
  }

  function qtyText(l) {
    return isWeighed(l) ? (l.qty / 1000).toFixed(3) + " kg" : String(l.qty);
  }

  function priceText(l) {
    return yuan(l.unit_price_fen) + "/" + (isWeighed(l) ? "kg" : l.unit || "");
  }

  /** "2026-03-01 10:22" in the store's time zone. */
  function shanghaiTime(ms) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Shanghai",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(ms));
    const p = {};
    for (const x of parts) p[x.type] = x.value;
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  }

  function loadJson(key, fallback) {
    try {
      const v = JSON.parse(localStorage.getItem(key));
      return v == null ? fallback : v;
    } catch (_) {
      return fallback;
    }
  }

  function saveJson(key, v) {
    try {
      localStorage.setItem(key, JSON.stringify(v));
    } catch (_) {
      // Storage full or disabled: the till keeps working, only without this memory.
    }
  }

  function tillId() {
    let id = localStorage.getItem(KEY.tillId);
    if (!id) {
      const b = crypto.getRandomValues(new Uint8Array(4));
      id = "till-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      localStorage.setItem(KEY.tillId, id);
    }
    return id;
  }

  function errorText(body, fallback) {
    const e = body && body.error;
    if (!e) return fallback;
    return zh ? e.message_zh || e.message_en : e.message_en || e.message_zh;
  }

  // ---------------------------------------------------------------------------
  // Network

  /** A JSON request that never throws: {status, body, replayed} or {network: true}. */
  async function request(method, url, { body, headers, timeout } = {}) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeout || GET_TIMEOUT_MS);
    try {
      const h = Object.assign({ accept: "application/json" }, headers || {});
      if (body !== undefined) {
        h["content-type"] = "application/json";
        h["x-csrf-token"] = csrf;
      }
      const res = await fetch(url, { method, credentials: "same-origin", headers: h, body, signal: ctl.signal, cache: "no-store" });
      let json = null;
      try {
        json = await res.json();
      } catch (_) {
        json = null;
      }
      // A lapsed session on a console URL is sent to the sign-in page.
      if (res.redirected && new URL(res.url).pathname === "/login") return { status: 401, body: null };
      setOnline(true);
      return { status: res.status, body: json, replayed: res.headers.get("idempotent-replayed") === "true" };
    } catch (_) {
      setOnline(false);
      return { network: true };
    } finally {
      clearTimeout(timer);
    }
  }

  function postSale(text, key) {
    return request("POST", "/api/v1/sales", { body: text, headers: { "idempotency-key": key }, timeout: POST_TIMEOUT_MS });
  }

  // ---------------------------------------------------------------------------
  // IndexedDB: the catalog copy ("kv") and the queue of offline sales ("queue", in order)

  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const open = indexedDB.open("linli-till", 1);
        open.onupgradeneeded = () => {
          const d = open.result;
          if (!d.objectStoreNames.contains("kv")) d.createObjectStore("kv");
          if (!d.objectStoreNames.contains("queue")) d.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
    }
    return dbPromise;
  }

  async function idb(store, mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(store, mode);
      const req = fn(tx.objectStore(store));
      tx.oncomplete = () => resolve(req && req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const kvGet = (k) => idb("kv", "readonly", (s) => s.get(k));
  const kvPut = (k, v) => idb("kv", "readwrite", (s) => s.put(v, k));
  const queueAll = () => idb("queue", "readonly", (s) => s.getAll());
  const queueAdd = (rec) => idb("queue", "readwrite", (s) => s.add(rec));
  const queuePut = (rec) => idb("queue", "readwrite", (s) => s.put(rec));
  const queueDelete = (seq) => idb("queue", "readwrite", (s) => s.delete(seq));

  // ---------------------------------------------------------------------------
  // State

  const state = {
    lines: [],
    selected: -1,
    member: null,
    couponIds: [],
    redeemPoints: 0,
    mode: "scan", // scan | qty | weight
    pending: null, // the weighed product waiting for its grams
    suggestions: [],
    suggestIndex: 0,
    searchSeq: 0,
    searchTimer: 0,
    searching: null,
    online: true,
    catalog: null,
    byId: new Map(),
    byGtin: new Map(),
    byPlu: new Map(),
    features: loadJson(KEY.features, { memberLookup: false, saleFields: BASE_SALE_FIELDS }),
    // The server's price of the cart: {key, body} where key names the cart, member and
    // coupons it priced; only used while the key matches what is on screen.
    quote: null,
    quoteSeq: 0,
    quoteTimer: 0,
    quoteInflight: null, // {key, promise}
    quoteError: "",
    pricing: "shelf", // shelf (no lines or no quote endpoint) | pending | server | offline | error
    redeemRule: undefined, // {points_per_yuan, order_share_max_bp}, null when unknown
    opening: false,
    pay: null,
    lastPost: null,
    paying: false,
    syncing: false,
    syncTimer: 0,
    probeTimer: 0,
    probeDelay: PROBE_MIN_MS,
    counts: { pending: 0, flagged: 0, other: 0 },
  };

  const el = {
    scan: $("scan"),
    scanLabel: $("scan-label"),
    suggest: $("suggest"),
    message: $("till-message"),
    tbody: document.querySelector("#lines tbody"),
    empty: $("lines-empty"),
    total: $("total"),
    count: $("count"),
    priceNote: $("price-note"),
    together: $("together"),
    togetherList: $("together-list"),
    priceBox: $("price-box"),
    discounts: $("discounts"),
    memberCoupons: $("member-coupons"),
    net: $("net-badge"),
    queueBadge: $("queue-badge"),
    queueCount: $("queue-count"),
    flaggedBadge: $("flagged-badge"),
    flaggedCount: $("flagged-count"),
    suspendedCount: $("suspended-count"),
    catalogInfo: $("catalog-info"),
    memberBox: $("member-box"),
    memberCard: $("member-card"),
    memberForm: $("member-form"),
    memberQ: $("member-q"),
    memberNote: $("member-note"),
    payDialog: $("pay-dialog"),
    qrDialog: $("qr-dialog"),
    resumeDialog: $("resume-dialog"),
    receiptDialog: $("receipt-dialog"),
    queueDialog: $("queue-dialog"),
    returnDialog: $("return-dialog"),
    printArea: $("print-area"),
  };

  function message(text, kind) {
    el.message.textContent = text || "";
    el.message.className = "till-message" + (kind ? " " + kind : "");
  }

  /** The dialog on top (the QR simulator opens over the payment panel, later in the page). */
  function openDialog() {
    const open = document.querySelectorAll("dialog[open]");
    return open.length ? open[open.length - 1] : null;
  }

  function focusScan() {
    if (openDialog()) return;
    if (document.activeElement === el.memberQ) return;
    el.scan.focus();
  }

  // ---------------------------------------------------------------------------
  // Catalog copy and local decoding

  function useCatalog(snap) {
    state.catalog = snap;
    state.byId = new Map();
    state.byGtin = new Map();
    state.byPlu = new Map();
    for (const p of snap.products || []) {
      state.byId.set(p.id, p);
      for (const g of p.gtins || []) state.byGtin.set(g, p);
      if (p.plu != null) state.byPlu.set(Number(p.plu), p);
    }
    el.catalogInfo.textContent = t("till.catalog_info", {
      n: (snap.products || []).length,
      at: shanghaiTime(snap.fetched_at || snap.generated_at).slice(11, 16),
    });
    document.body.dataset.catalog = "ready";
  }

  function catalogKey() {
    return "catalog:" + cfg.store.id;
  }

  async function loadCatalog() {
    try {
      const snap = await kvGet(catalogKey());
      if (snap) useCatalog(snap);
      else el.catalogInfo.textContent = t("till.catalog_none");
    } catch (_) {
      el.catalogInfo.textContent = t("till.catalog_none");
    }
    await refreshCatalog();
  }

  async function refreshCatalog() {
    const r = await request("GET", cfg.catalog_url, { timeout: 20_000 });
    if (r.status !== 200 || !r.body || !Array.isArray(r.body.products)) return;
    const snap = r.body;
    snap.fetched_at = Date.now();
    try {
      await kvPut(catalogKey(), snap);
    } catch (_) {
      // Without IndexedDB the copy lives only as long as the page.
    }
    useCatalog(snap);
  }

  /** EAN/GTIN check digit over the digits before it (domain::barcode::gtin::check_digit_of). */
  function checkDigit(body) {
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
      const d = body.charCodeAt(body.length - 1 - i) - 48;
      sum += d * (i % 2 === 0 ? 3 : 1);
    }
    return (10 - (sum % 10)) % 10;
  }

  // The GS1 price/weight verifier digit (domain::barcode::scale::value_check_of).
  const TWO_MINUS = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
  const THREE = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
  const FIVE_PLUS = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
  const FIVE_MINUS = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
  function valueCheck(value) {
    const w = value.length === 4 ? [TWO_MINUS, TWO_MINUS, THREE, FIVE_MINUS] : [FIVE_PLUS, TWO_MINUS, FIVE_MINUS, FIVE_PLUS, TWO_MINUS];
    let sum = 0;
    for (let i = 0; i < value.length; i++) sum += w[i][value.charCodeAt(i) - 48];
    if (value.length === 4) return (sum * 3) % 10;
    return FIVE_MINUS.indexOf((10 - (sum % 10)) % 10);
  }

  /** A 13-digit in-store scale label read with the store's templates (domain::barcode::scale). */
  function decodeScale(code, templates) {
    if (!/^\d{13}$/.test(code)) return null;
    const tpl = (templates || []).find((x) => code.startsWith(x.prefix));
    if (!tpl) return null;
    if (checkDigit(code.slice(0, 12)) !== Number(code[12])) return { error: "check" };
    let i = tpl.prefix.length;
    const plu = Number(code.slice(i, i + tpl.plu_digits));
    i += tpl.plu_digits;
    const hasCheck = tpl.has_value_check || tpl.prefix.length + tpl.plu_digits + tpl.value_digits === 11;
    const value = code.slice(i + (hasCheck ? 1 : 0), i + (hasCheck ? 1 : 0) + tpl.value_digits);
    if (hasCheck && valueCheck(value) !== Number(code[i])) return { error: "check" };
    const n = Number(value);
    return { plu, weight_g: tpl.value_kind === "weight_g" ? n : null, price_fen: tpl.value_kind === "price_fen" ? n : null };
  }

  function looksGs1(code) {
    return /^\]/.test(code) || /^\(\d{2,4}\)/.test(code) || code.includes("\u001d") || (/^\d{15,}$/.test(code) && /^(01|02|10|11|15|17|21|31|32)/.test(code));
  }

  /** The GTIN-14 of a GS1 element string, when it carries one. */
  function gs1Gtin(code) {
    let c = code.replace(/^\][A-Za-z]\d/, "");
    const bracket = /\(01\)(\d{14})/.exec(c);
    if (bracket) return bracket[1];
    if (/^01\d{14}/.test(c)) return c.slice(2, 16);
    return null;
  }

  /** What a code means, from the catalog copy (offline). */
  function resolveLocally(code) {
    if (!state.catalog) return { error: t("till.catalog_none") };
    if (looksGs1(code)) {
      const g = gs1Gtin(code);
      const p = g && state.byGtin.get(g);
      return p ? { product: p } : { error: t("till.not_found", { code }) };
    }
    if (!/^\d+$/.test(code)) return { error: t("till.unknown_code") };
    const scale = decodeScale(code, state.catalog.scale_templates);
    if (scale) {
      if (scale.error) return { error: t("till.bad_check_digit") };
      const p = state.byPlu.get(scale.plu);
      return p ? { product: p, weight_g: scale.weight_g, price_fen: scale.price_fen, scale: true } : { error: t("till.not_found", { code }) };
    }
    if ([8, 12, 13, 14].includes(code.length)) {
      if (checkDigit(code.slice(0, -1)) !== Number(code[code.length - 1])) return { error: t("till.bad_check_digit") };
      const p = state.byGtin.get(code.padStart(14, "0"));
      if (p) return { product: p };
    } else if (code.length <= 5) {
      const p = state.byPlu.get(Number(code));
      if (p) return { product: p };
    }
    const bySku = (state.catalog.products || []).find((p) => p.sku === code);
    return bySku ? { product: bySku } : { error: t("till.not_found", { code }) };
  }

  /** Products matching pinyin initials, a name or a SKU, best first (offline search). */
  function searchLocally(q) {
    const s = q.toLowerCase();
    const scored = [];
    for (const p of (state.catalog && state.catalog.products) || []) {
      const ini = (p.pinyin_initials || "").toLowerCase();
      const full = (p.pinyin || "").toLowerCase();
      const zhName = p.name_zh || "";
      const en = (p.name_en || "").toLowerCase();
      let score = -1;
      if ((p.sku || "").toLowerCase() === s) score = 0;
      else if (ini.startsWith(s)) score = 1;
      else if (zhName.startsWith(q)) score = 2;
      else if (ini.includes(s) || zhName.includes(q)) score = 3;
      else if (full.includes(s) || en.includes(s)) score = 4;
      if (score >= 0) scored.push([score, ini.length, p.id, p]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return scored.slice(0, SUGGEST_MAX).map((x) => x[3]);
  }

  /** A product as the API sends it, in the catalog copy's shape. */
  function fromApi(p) {
    return {
      id: p.id,
      sku: p.sku,
      name_zh: p.name_zh,
      name_en: p.name_en,
      pinyin: p.pinyin,
      pinyin_initials: p.pinyin_initials,
      unit_kind: p.unit_kind,
      unit: p.unit,
      price_fen: p.price_fen,
      plu: p.plu,
      gtins: p.gtins || [],
    };
  }

  async function resolve(code) {
    if (state.online) {
      const r = await request("GET", "/api/v1/scan?code=" + encodeURIComponent(code));
      if (!r.network) {
        if (r.status === 200 && r.body && r.body.product) {
          return {
            product: fromApi(r.body.product),
            weight_g: r.body.weight_g,
            price_fen: r.body.kind === "scale" ? r.body.price_fen : null,
            scale: r.body.kind === "scale",
          };
        }
        if (r.status === 200) {
          // Not a barcode of ours: perhaps a SKU made of digits.
          const found = await searchRemote(code);
          const p = found && found.find((x) => x.sku === code);
          return p ? { product: p } : { error: t("till.not_found", { code }) };
        }
        if (r.status === 401) return { error: t("till.session_expired") };
        const found = /^\d+$/.test(code) ? await searchRemote(code) : null;
        const p = found && found.find((x) => x.sku === code);
        return p ? { product: p } : { error: errorText(r.body, t("till.unknown_code")) };
      }
    }
    return resolveLocally(code);
  }

  async function searchRemote(q) {
    const r = await request("GET", "/api/v1/products?page_size=" + SUGGEST_MAX + "&q=" + encodeURIComponent(q));
    if (r.status === 200 && r.body && Array.isArray(r.body.items)) return r.body.items.map(fromApi);
    return null;
  }

  async function search(q) {
    if (state.online) {
      const found = await searchRemote(q);
      if (found) return found;
    }
    return searchLocally(q);
  }

  // ---------------------------------------------------------------------------
  // Lines

  function addProduct(p, { qty, weight_g, price_fen, scale, code } = {}) {
    if (isWeighed(p)) {
      let grams = weight_g;
      if (!grams && price_fen && p.price_fen > 0) grams = Math.max(1, Math.round((price_fen * 1000) / p.price_fen));
      if (!grams) {
        state.mode = "weight";
        state.pending = p;
        updatePrompt();
        message(t("till.weighed_needs_grams", { name: nameOf(p) }), "warn");
        return;
      }
      pushLine(p, grams, scale ? code : null);
      return;
    }
    const n = qty || 1;
    const same = state.lines.findIndex((l) => l.product_id === p.id && !isWeighed(l));
    if (same >= 0) {
      state.lines[same].qty = Math.min(PIECES_MAX, state.lines[same].qty + n);
      state.selected = same;
      changed();
      message(nameOf(p) + " × " + state.lines[same].qty, "ok");
      return;
    }
    pushLine(p, n, null);
  }

  function pushLine(p, qty, code) {
    if (state.lines.length >= LINES_MAX) {
      message(t("till.qty_bad"), "bad");
      return;
    }
    state.lines.push({
      product_id: p.id,
      sku: p.sku,
      name_zh: p.name_zh,
      name_en: p.name_en,
      unit: p.unit,
      unit_kind: p.unit_kind,
      unit_price_fen: p.price_fen,
      qty,
      code: code || null,
    });
    state.selected = state.lines.length - 1;
    changed();
    const l = state.lines[state.selected];
    message(nameOf(l) + " · " + qtyText(l) + " · " + yuan(lineTotal(l)), "ok");
    showTogether(p.id);
  }

  /** 常一起买: what the data centre found bought with the product just added, to offer
   * at the counter. Online only; a click adds one from the catalog copy. */
  let togetherFor = null;
  async function showTogether(id) {
    togetherFor = id;
    const r = await request("GET", `/api/v1/products/${id}/bought-together?limit=3`);
    if (togetherFor !== id) return;
    const inSale = new Set(state.lines.map((l) => l.product_id));
    const items = r.status === 200 && r.body ? r.body.items.filter((x) => !inSale.has(x.product_id)) : [];
    el.together.hidden = items.length === 0;
    el.togetherList.innerHTML = items
      .map((x) => `<li><button type="button" class="linkish" data-together="${x.product_id}">${esc(nameOf(x))}</button> <span class="sub">${esc(yuan(x.price_fen))}</span></li>`)
      .join("");
  }

  /** The sale at shelf prices (what the till charges offline). */
  function total() {
    return state.lines.reduce((s, l) => s + lineTotal(l), 0);
  }

  /** What the sale comes to: the server's price when it is known for this cart, else shelf prices. */
  function saleTotal() {
    const q = currentQuote();
    return q ? q.total_fen : total();
  }

  function changed() {
    if (state.selected >= state.lines.length) state.selected = state.lines.length - 1;
    if (state.lines.length === 0 && el.together) {
      togetherFor = null;
      el.together.hidden = true;
    }
    saveJson(KEY.current, { lines: state.lines, member: state.member, couponIds: state.couponIds });
    scheduleQuote();
    render();
  }

  // ---------------------------------------------------------------------------
  // The server's price (POST /api/v1/pricing/quote)

  function quoteOn() {
    return state.features.quote !== false;
  }

  function quoteBody() {
    const body = { lines: state.lines.map((l) => ({ product_id: l.product_id, qty: l.qty })) };
    if (state.member) {
      body.member_id = state.member.id;
      if (state.couponIds.length) body.coupon_ids = state.couponIds.slice();
    }
    return body;
  }

  /** The server's quote of exactly what is on screen (lines, member, coupons), or null. */
  function currentQuote() {
    if (!state.quote || !state.lines.length) return null;
    return state.quote.key === JSON.stringify(quoteBody()) ? state.quote.body : null;
  }

  /** Asks for a new price shortly (a scanner adds lines faster than a round trip). */
  function scheduleQuote() {
    clearTimeout(state.quoteTimer);
    if (!state.lines.length || !quoteOn()) {
      state.pricing = "shelf";
      state.quoteError = "";
      return;
    }
    if (currentQuote()) {
      state.pricing = "server";
      return;
    }
    if (!state.online) {
      state.pricing = "offline";
      return;
    }
    state.pricing = "pending";
    state.quoteTimer = setTimeout(() => {
      runQuote();
    }, QUOTE_DEBOUNCE_MS);
  }

  /** Prices what is on screen now; resolves when the answer (or its absence) is shown. */
  function runQuote() {
    clearTimeout(state.quoteTimer);
    const body = quoteBody();
    const key = JSON.stringify(body);
    if (state.quoteInflight && state.quoteInflight.key === key) return state.quoteInflight.promise;
    const seq = ++state.quoteSeq;
    const promise = (async () => {
      const r = await request("POST", "/api/v1/pricing/quote", { body: key });
      // A newer question is on its way: its answer is the one to show.
      if (seq !== state.quoteSeq) return;
      state.quoteInflight = null;
      if (r.network) {
        state.pricing = "offline";
        state.quoteError = "";
      } else if (r.status === 200 && r.body && Array.isArray(r.body.lines) && r.body.lines.length === body.lines.length) {
        state.quote = { key, body: r.body };
        state.pricing = "server";
        state.quoteError = "";
      } else {
        state.pricing = "error";
        state.quoteError = r.status === 401 ? t("till.session_expired") : errorText(r.body, String(r.status));
      }
      pricesChanged();
    })();
    state.quoteInflight = { key, promise };
    return promise;
  }

  /** Waits for the server's price of what is on screen, when the server can give one. */
  async function ensureQuote() {
    for (let i = 0; i < 3; i++) {
      if (!state.lines.length || !quoteOn() || !state.online || currentQuote()) break;
      await runQuote();
      if (state.pricing === "error" || state.pricing === "offline") break;
    }
    if (!currentQuote() && state.pricing === "pending") state.pricing = state.online ? "error" : "offline";
  }

  function pricesChanged() {
    render();
    if (el.payDialog.open && state.pay) {
      clampPoints();
      renderPay();
    }
  }

  /** 9500 → "95折", 9000 → "9折", 8850 → "8.85折"; in English "5% off". */
  function tierRate(bp) {
    if (!zh) return String((BP_ONE - bp) / 100) + "% off";
    if (bp % 1000 === 0) return bp / 1000 + "折";
    if (bp % 100 === 0) return bp / 100 + "折";
    return bp / 1000 + "折";
  }

  function discountLabel(d) {
    // The member discount says which tier and how much: "金卡会员 95折".
    const m = state.member;
    if (d.source === "member_tier" && m && m.tier && m.tier_bp > 0 && m.tier_bp < BP_ONE) return m.tier + " " + tierRate(m.tier_bp);
    return (zh ? d.label_zh || d.label_en : d.label_en || d.label_zh) || "";
  }

  /** The discounts that fell on line `lineNo` (1-based), with the part of each it took. */
  function lineDiscounts(q, lineNo) {
    const out = [];
    for (const d of q.discounts || []) {
      const share = (d.lines || []).find((x) => x.line_no === lineNo);
      if (share && share.amount_fen > 0) out.push({ label: discountLabel(d), amount_fen: share.amount_fen });
    }
    return out;
  }

  /** Subtotal, each discount and the total, as list items (main screen and payment panel). */
  function discountRows(q) {
    const row = (cls, label, value, source) =>
      `<li class="${cls}"${source ? ` data-source="${esc(source)}"` : ""}><span>${esc(label)}</span> <strong>${esc(value)}</strong></li>`;
    const out = [row("d-subtotal", pt("subtotal"), yuan(q.subtotal_fen))];
    for (const d of q.discounts || []) out.push(row("d-line", discountLabel(d), "−" + yuan(d.amount_fen), d.source));
    out.push(row("d-total", pt("payable"), yuan(q.total_fen)));
    return out.join("");
  }

  function priceNoteText() {
    if (state.pricing === "offline") return pt("offline_prices");
    if (state.pricing === "error") return pt("quote_failed", { reason: state.quoteError });
    return "";
  }

  function renderPrices() {
    const q = currentQuote();
    document.body.dataset.pricing = state.pricing;
    const note = priceNoteText();
    el.priceNote.textContent = note;
    el.priceNote.hidden = !note;
    el.priceNote.dataset.kind = state.pricing;
    el.total.parentElement.classList.toggle("pending", state.pricing === "pending");
    if (q && q.discounts && q.discounts.length) {
      el.discounts.innerHTML = discountRows(q);
      el.priceBox.hidden = false;
    } else {
      el.discounts.innerHTML = "";
      el.priceBox.hidden = true;
    }
  }

  function render() {
    const q = currentQuote();
    const rows = state.lines.map((l, i) => {
      const sel = i === state.selected ? ' class="selected" aria-selected="true"' : "";
      const fixed = l.code ? ` <span class="chip">${esc(t("till.scale_label"))}</span>` : "";
      const ql = q && q.lines[i];
      const amount = ql ? ql.total_fen : lineTotal(l);
      let disc = "";
      if (ql && ql.discount_fen > 0) {
        const parts = lineDiscounts(q, i + 1).map((d) => d.label + " −" + yuan(d.amount_fen));
        disc = `<div class="line-disc"><s>${esc(yuan(ql.base_fen))}</s> ${esc(parts.join(" · "))}</div>`;
      }
      return (
        `<tr data-i="${i}"${sel}${ql && ql.discount_fen > 0 ? ' data-discounted="1"' : ""}>` +
        `<td class="n">${i + 1}</td>` +
        `<td class="name">${esc(nameOf(l))}${fixed}<div class="sub mono">${esc(l.sku || "")}</div>${disc}</td>` +
        `<td class="num">${esc(priceText(l))}</td>` +
        `<td class="num qty">${esc(qtyText(l))}</td>` +
        `<td class="num amount">${esc(yuan(amount))}</td>` +
        `<td class="ops"><button type="button" class="op" data-act="dec" aria-label="−">−</button>` +
        `<button type="button" class="op" data-act="inc" aria-label="+">+</button>` +
        `<button type="button" class="op void" data-act="void" aria-label="${esc(t("till.key.void"))}">×</button></td>` +
        `</tr>`
      );
    });
    el.tbody.innerHTML = rows.join("");
    el.empty.hidden = state.lines.length > 0;
    el.total.textContent = yuan(saleTotal());
    const pieces = state.lines.reduce((s, l) => s + (isWeighed(l) ? 1 : l.qty), 0);
    let count = state.lines.length ? t("till.items", { n: pieces }) : "";
    if (q && q.discount_fen > 0) count += " · " + pt("saved", { amount: yuan(q.discount_fen) });
    el.count.textContent = count;
    renderPrices();
    const sel = el.tbody.querySelector("tr.selected");
    if (sel && sel.scrollIntoView) sel.scrollIntoView({ block: "nearest" });
    renderMember();
    renderSuspendedCount();
  }

  function updatePrompt() {
    const l = state.lines[state.selected];
    if (state.mode === "qty" && l) {
      el.scanLabel.textContent = t("till.qty_prompt", { name: nameOf(l), unit: isWeighed(l) ? "g" : l.unit });
    } else if (state.mode === "weight" && state.pending) {
      el.scanLabel.textContent = t("till.weight_prompt", { name: nameOf(state.pending) });
    } else {
      state.mode = "scan";
      el.scanLabel.textContent = t("till.scan_hint");
    }
    el.scan.classList.toggle("asking", state.mode !== "scan");
    el.scan.value = "";
    focusScan();
  }

  function startQty() {
    if (state.selected < 0) {
      message(t("till.no_lines"), "warn");
      return;
    }
    state.mode = "qty";
    updatePrompt();
  }

  function setQty(i, qty) {
    const l = state.lines[i];
    if (!l) return;
    const max = isWeighed(l) ? GRAMS_MAX : PIECES_MAX;
    if (!Number.isInteger(qty) || qty <= 0 || qty > max) {
      message(isWeighed(l) ? t("till.grams_bad") : t("till.qty_bad"), "bad");
      return;
    }
    l.qty = qty;
    state.selected = i;
    changed();
    message(nameOf(l) + " · " + qtyText(l), "ok");
  }

  function bump(delta) {
    const l = state.lines[state.selected];
    if (!l) {
      message(t("till.no_lines"), "warn");
      return;
    }
    if (isWeighed(l)) {
      startQty();
      return;
    }
    if (l.qty + delta <= 0) {
      voidLine(state.selected);
      return;
    }
    setQty(state.selected, l.qty + delta);
  }

  function voidLine(i) {
    const l = state.lines[i];
    if (!l) {
      message(t("till.no_lines"), "warn");
      return;
    }
    state.lines.splice(i, 1);
    state.selected = Math.min(i, state.lines.length - 1);
    changed();
    message(t("till.line_voided", { name: nameOf(l) }), "ok");
  }

  function clearSale(silent) {
    state.lines = [];
    state.selected = -1;
    state.member = null;
    state.couponIds = [];
    state.redeemPoints = 0;
    state.mode = "scan";
    state.pending = null;
    state.lastPost = null;
    state.quote = null;
    closeSuggestions();
    changed();
    updatePrompt();
    if (!silent) message(t("till.cleared"), "ok");
  }

  // ---------------------------------------------------------------------------
  // The input: codes, searches, quantities

  function closeSuggestions() {
    state.suggestions = [];
    state.suggestIndex = 0;
    el.suggest.hidden = true;
    el.suggest.innerHTML = "";
  }

  function showSuggestions(items) {
    state.suggestions = items;
    state.suggestIndex = 0;
    if (!items.length) {
      closeSuggestions();
      message(t("till.no_match"), "warn");
      return;
    }
    renderSuggestions();
  }

  function renderSuggestions() {
    el.suggest.innerHTML = state.suggestions
      .map((p, i) => {
        const sel = i === state.suggestIndex;
        const unit = isWeighed(p) ? "kg" : p.unit;
        return (
          `<li role="option" data-i="${i}"${sel ? ' class="active" aria-selected="true"' : ""}>` +
          `<span class="s-name">${esc(nameOf(p))}</span> ` +
          `<span class="s-py mono">${esc(p.pinyin_initials || "")}</span> ` +
          `<span class="s-price">${esc(yuan(p.price_fen))}/${esc(unit)}</span></li>`
        );
      })
      .join("");
    el.suggest.hidden = false;
  }

  function pickSuggestion(i) {
    const p = state.suggestions[i];
    closeSuggestions();
    el.scan.value = "";
    if (p) addProduct(p, { qty: state.pendingMult || null });
    state.pendingMult = null;
  }

  function isCodeLike(text) {
    return /^[\d\s]+$/.test(text) || looksGs1(text);
  }

  function onInput() {
    if (state.mode !== "scan") return;
    const text = el.scan.value.trim();
    clearTimeout(state.searchTimer);
    const m = /^(\d{1,4})\*(.*)$/.exec(text);
    const q = m ? m[2].trim() : text;
    if (!q || isCodeLike(q)) {
      closeSuggestions();
      return;
    }
    state.searchTimer = setTimeout(() => runSearch(q), SEARCH_DEBOUNCE_MS);
  }

  function runSearch(q) {
    const seq = ++state.searchSeq;
    message(t("till.searching"), "");
    state.searching = search(q).then((items) => {
      if (seq !== state.searchSeq) return;
      message("", "");
      showSuggestions(items);
    });
    return state.searching;
  }

  async function submit() {
    const raw = el.scan.value.trim();
    if (state.mode === "qty") {
      const l = state.lines[state.selected];
      if (!l || !raw) {
        updatePrompt();
        return;
      }
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      setQty(state.selected, n);
      state.mode = "scan";
      updatePrompt();
      return;
    }
    if (state.mode === "weight") {
      const p = state.pending;
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!p || !Number.isInteger(n) || n <= 0 || n > GRAMS_MAX) {
        message(t("till.grams_bad"), "bad");
        el.scan.value = "";
        return;
      }
      state.mode = "scan";
      state.pending = null;
      updatePrompt();
      pushLine(p, n, null);
      return;
    }
    if (!el.suggest.hidden && state.suggestions.length) {
      pickSuggestion(state.suggestIndex);
      return;
    }
    if (!raw) return;
    el.scan.value = "";
    closeSuggestions();
    // A scanner may send the next code before this one is looked up: keep their order.
    state.chain = (state.chain || Promise.resolve()).then(() => handle(raw)).catch(() => {});
    return state.chain;
  }

  /** One typed or scanned entry: a search, or a code to resolve and add. */
  async function handle(raw) {
    const m = /^(\d{1,4})\*(.+)$/.exec(raw);
    const mult = m ? Number(m[1]) : null;
    const code = (m ? m[2] : raw).trim();
    if (!isCodeLike(code)) {
      clearTimeout(state.searchTimer);
      const seq = ++state.searchSeq;
      const items = await search(code);
      if (seq !== state.searchSeq) return;
      const exact = items.filter((p) => (p.sku || "").toLowerCase() === code.toLowerCase());
      if (exact.length === 1 || items.length === 1) {
        addProduct(exact[0] || items[0], { qty: mult });
        return;
      }
      state.pendingMult = mult;
      el.scan.value = raw;
      showSuggestions(items);
      return;
    }
    const r = await resolve(code.replace(/\s+/g, ""));
    if (r.error) {
      message(r.error, "bad");
      return;
    }
    addProduct(r.product, { qty: mult, weight_g: r.weight_g, price_fen: r.price_fen, scale: r.scale, code });
  }

  // ---------------------------------------------------------------------------
  // Suspend and resume (挂单 / 取单), kept in localStorage per cashier

  function suspended() {
    const list = loadJson(KEY.suspended, []);
    return Array.isArray(list) ? list : [];
  }

  function renderSuspendedCount() {
    const n = suspended().length;
    el.suspendedCount.textContent = n ? String(n) : "";
  }

  function suspend() {
    if (!state.lines.length) {
      message(t("till.no_lines"), "warn");
      return;
    }
    const list = suspended();
    if (list.length >= SUSPENDED_MAX) {
      message(t("till.suspend_full", { n: SUSPENDED_MAX }), "bad");
      return;
    }
    list.push({ id: uuid(), at: Date.now(), lines: state.lines, member: state.member, couponIds: state.couponIds, total_fen: saleTotal() });
    saveJson(KEY.suspended, list);
    clearSale(true);
    message(t("till.suspended", { n: list.length }), "ok");
  }

  let resumeIndex = 0;
  function openResume() {
    const list = suspended();
    if (!list.length) {
      message(t("till.nothing_suspended"), "warn");
      return;
    }
    resumeIndex = list.length - 1;
    renderResume();
    el.resumeDialog.showModal();
  }

  function renderResume() {
    const list = suspended();
    $("resume-list").innerHTML = list
      .map((s, i) => {
        const names = s.lines.slice(0, 3).map(nameOf).join("、") + (s.lines.length > 3 ? "…" : "");
        const sel = i === resumeIndex ? ' class="active" aria-selected="true"' : "";
        return (
          `<li role="option" data-i="${i}"${sel}><span class="r-time">${esc(shanghaiTime(s.at).slice(11, 16))}</span> ` +
          `<span class="r-names">${esc(names)}</span> <span class="r-count">${esc(t("till.items", { n: s.lines.length }))}</span> ` +
          `<strong class="r-total">${esc(yuan(s.total_fen))}</strong> ` +
          `<button type="button" class="btn small" data-act="resume">${esc(t("till.resume.pick"))}</button> ` +
          `<button type="button" class="btn small danger" data-act="drop">${esc(t("till.resume.delete"))}</button></li>`
        );
      })
      .join("");
  }

  function resumeAt(i) {
    const list = suspended();
    const s = list[i];
    if (!s) return;
    list.splice(i, 1);
    // The sale on screen is parked in its place rather than lost.
    if (state.lines.length) {
      list.push({ id: uuid(), at: Date.now(), lines: state.lines, member: state.member, couponIds: state.couponIds, total_fen: saleTotal() });
    }
    saveJson(KEY.suspended, list);
    el.resumeDialog.close();
    state.lines = s.lines;
    state.member = s.member || null;
    state.couponIds = state.member && Array.isArray(s.couponIds) ? s.couponIds : [];
    state.redeemPoints = 0;
    state.selected = state.lines.length - 1;
    state.lastPost = null;
    changed();
    message(t("till.resumed", { total: yuan(s.total_fen != null ? s.total_fen : total()) }), "ok");
    if (state.member) refreshMember(state.member);
  }

  function dropSuspended(i) {
    const list = suspended();
    list.splice(i, 1);
    saveJson(KEY.suspended, list);
    if (!list.length) {
      el.resumeDialog.close();
      renderSuspendedCount();
      return;
    }
    resumeIndex = Math.min(resumeIndex, list.length - 1);
    renderResume();
    renderSuspendedCount();
  }

  // ---------------------------------------------------------------------------
  // Members (when the server has the lookup)

  function memberOf(body) {
    const m = body && (body.member || (Array.isArray(body.items) ? body.items[0] : body));
    if (!m || m.id == null) return null;
    const num = (...xs) => {
      for (const x of xs) if (typeof x === "number") return x;
      return null;
    };
    return {
      id: m.id,
      name: m.name || m.display_name || "",
      phone: m.phone_masked || m.phone || "",
      tier: tierName(m.tier) || (zh ? m.tier_name_zh || m.tier_name : m.tier_name_en || m.tier_name) || "",
      tier_bp: m.tier && typeof m.tier.discount_bp === "number" ? m.tier.discount_bp : null,
      points: num(m.points_available, m.points_balance, m.points),
      stored_fen: num(m.stored_value_fen, m.stored_value_balance_fen, m.balance_fen),
      points_per_yuan: num(m.points_per_yuan, body.points_per_yuan),
      coupons: Array.isArray(m.coupons) ? m.coupons : Array.isArray(body.coupons) ? body.coupons : [],
    };
  }

  function tierName(tier) {
    if (!tier) return "";
    if (typeof tier === "string") return tier;
    return (zh ? tier.name_zh || tier.name_en : tier.name_en || tier.name_zh) || tier.code || "";
  }

  function renderMember() {
    renderCoupons();
    if (!state.features.memberLookup) {
      el.memberForm.hidden = true;
      el.memberCard.hidden = true;
      el.memberNote.textContent = t("till.member_unavailable");
      el.memberNote.dataset.kind = "unavailable";
      el.memberBox.classList.add("off");
      return;
    }
    el.memberBox.classList.remove("off");
    const m = state.member;
    el.memberForm.hidden = !!m;
    el.memberCard.hidden = !m;
    if (m) {
      const bits = [];
      if (m.points != null) bits.push(t("till.member_points", { n: m.points }));
      if (m.stored_fen != null) bits.push(t("till.member_stored", { amount: yuan(m.stored_fen) }));
      el.memberCard.innerHTML =
        `<div class="m-name">${esc(m.name)} <span class="mono">${esc(m.phone)}</span>${m.tier ? ` <span class="badge ok">${esc(m.tier)}</span>` : ""}</div>` +
        `<div class="sub">${esc(bits.join(" · "))}</div>` +
        `<button type="button" class="linkish" id="member-remove">${esc(t("till.member.remove"))}</button>`;
      el.memberNote.textContent = "";
    } else if (!el.memberNote.textContent || el.memberNote.dataset.kind !== "error") {
      el.memberNote.textContent = t("till.member_none");
      el.memberNote.dataset.kind = "info";
    }
  }

  function couponName(c) {
    return (zh ? c.name_zh || c.name_en : c.name_en || c.name_zh) || "#" + c.id;
  }

  /** The member's usable coupons with a tick box each, and what the quote did with the ticked ones. */
  function renderCoupons() {
    const m = state.member;
    const list = m && state.features.memberLookup && Array.isArray(m.coupons) ? m.coupons : null;
    el.memberCoupons.hidden = !list;
    if (!list) {
      el.memberCoupons.innerHTML = "";
      return;
    }
    const q = currentQuote();
    const items = list.map((c) => {
      const on = state.couponIds.includes(c.id);
      let status = "";
      let kind = "";
      if (on && q) {
        const rejected = (q.coupons_rejected || []).find((x) => x.coupon_id === c.id);
        if ((q.coupons_used || []).includes(c.id)) {
          status = pt("coupon_used");
          kind = "used";
        } else if (rejected) {
          status = pt("coupon_rejected", { reason: (zh ? rejected.message_zh : rejected.message_en) || rejected.code });
          kind = "rejected";
        }
      }
      const disabled = !state.online ? " disabled" : "";
      return (
        `<li data-coupon-id="${esc(c.id)}"${kind ? ` data-state="${kind}"` : ""}><label class="check">` +
        `<input type="checkbox" data-coupon="${esc(c.id)}"${on ? " checked" : ""}${disabled}> ${esc(couponName(c))}</label>` +
        (status ? ` <span class="c-state ${kind}">${esc(status)}</span>` : "") +
        `</li>`
      );
    });
    const note = !list.length ? pt("coupons_none") : !state.online ? pt("coupons_offline") : "";
    el.memberCoupons.innerHTML =
      `<div class="member-head">${esc(pt("coupons"))}</div>` +
      (items.length ? `<ul class="coupon-list">${items.join("")}</ul>` : "") +
      (note ? `<div class="sub">${esc(note)}</div>` : "");
  }

  /** Ticks or unticks one of the member's coupons; the quote then says whether it applies. */
  function toggleCoupon(id, on) {
    if (on && !state.couponIds.includes(id)) {
      if (state.couponIds.length >= COUPONS_MAX) {
        message(pt("coupons_max", { n: COUPONS_MAX }), "warn");
        renderCoupons();
        return;
      }
      state.couponIds = state.couponIds.concat([id]);
    } else if (!on) {
      state.couponIds = state.couponIds.filter((x) => x !== id);
    }
    changed();
  }

  /** The member rules for paying with points (points per yuan, the share of a sale), once per page. */
  async function redeemRule() {
    if (state.redeemRule !== undefined) return state.redeemRule;
    const r = await request("GET", "/api/v1/loyalty/settings");
    const b = r.status === 200 ? r.body : null;
    const v =
      b && typeof b.points_per_yuan === "number" && b.points_per_yuan > 0 && typeof b.order_share_max_bp === "number"
        ? { points_per_yuan: b.points_per_yuan, order_share_max_bp: b.order_share_max_bp }
        : null;
    if (!r.network) state.redeemRule = v;
    return v;
  }

  /** The member's available points and usable coupons, read again from the server. */
  async function memberExtras(m) {
    const [loyalty, coupons] = await Promise.all([
      request("GET", "/api/v1/members/" + m.id + "/loyalty"),
      state.features.memberCoupons === false ? null : request("GET", "/api/v1/members/" + m.id + "/coupons?usable=true"),
      redeemRule(),
    ]);
    const p = loyalty.status === 200 && loyalty.body && loyalty.body.points;
    if (p && typeof p.available === "number") m.points = p.available;
    if (coupons && coupons.status === 200 && Array.isArray(coupons.body)) {
      m.coupons = coupons.body.filter((c) => c.status === "issued" || c.status == null);
    }
    const rule = state.redeemRule;
    if (rule) m.points_per_yuan = rule.points_per_yuan;
  }

  /** Reads the member's points and coupons again; coupons no longer usable are unticked. */
  async function refreshMember(m) {
    if (!state.online || !state.features.memberLookup) return;
    await memberExtras(m);
    if (state.member !== m) return;
    if (Array.isArray(m.coupons)) state.couponIds = state.couponIds.filter((id) => m.coupons.some((c) => c.id === id));
    changed();
  }

  async function lookupMember() {
    const q = el.memberQ.value.trim();
    if (!q) return;
    if (!state.online) {
      el.memberNote.textContent = t("till.member_offline");
      el.memberNote.dataset.kind = "error";
      return;
    }
    const r = await request("GET", "/api/v1/members/lookup?q=" + encodeURIComponent(q));
    if (r.network) {
      el.memberNote.textContent = t("till.member_offline");
      el.memberNote.dataset.kind = "error";
      return;
    }
    const m = r.status === 200 ? memberOf(r.body) : null;
    if (!m) {
      el.memberNote.textContent = r.status === 404 || r.status === 200 ? t("till.member_not_found") : errorText(r.body, t("till.member_not_found"));
      el.memberNote.dataset.kind = "error";
      return;
    }
    await memberExtras(m);
    state.member = m;
    state.couponIds = [];
    state.redeemPoints = 0;
    el.memberQ.value = "";
    el.memberNote.dataset.kind = "info";
    // The member box is hidden now: give the focus back to the scanner input.
    el.memberQ.blur();
    changed();
    focusScan();
  }

  // ---------------------------------------------------------------------------
  // Payment

  /** 抹零 of what is paid in cash (domain::till::cash_due). */
  function cashDue(amount, rule) {
    let due = amount;
    if (rule === "drop_fen") due = Math.floor(amount / 10) * 10;
    else if (rule === "drop_jiao") due = Math.floor(amount / 100) * 100;
    else if (rule === "half_up_jiao") due = Math.floor((amount + 5) / 10) * 10;
    return [due, due - amount];
  }

  /** What a split payment comes to (domain::till::settle, checked the same way). */
  function settle(totalFen, tenders, rule) {
    let nonCash = 0;
    let cash = 0;
    for (const p of tenders) {
      if (p.tender === "cash") cash += p.amount_fen;
      else {
        if (p.amount_fen > totalFen - nonCash) return { error: t("till.pay_non_cash_over", { tender: t("till.tender." + p.tender) }) };
        nonCash += p.amount_fen;
      }
    }
    const rest = totalFen - nonCash;
    const [restDue, rounding] = cashDue(rest, rule);
    if (cash > 0) {
      if (restDue === 0) return { error: t("till.pay_cash_not_needed", { amount: yuan(cash) }) };
      if (cash < restDue) return { short: restDue - cash, exactShort: restDue - cash, rounding, nonCash, cash };
      return { ok: true, due: nonCash + restDue, rounding, paid: nonCash + cash, change: cash - restDue };
    }
    if (rest === 0) return { ok: true, due: totalFen, rounding: 0, paid: nonCash, change: 0 };
    return { short: restDue, exactShort: rest, rounding, nonCash, cash };
  }

  function pointsPerYuan() {
    const r = state.redeemRule;
    const m = state.member;
    return r ? r.points_per_yuan : m && m.points_per_yuan ? m.points_per_yuan : null;
  }

  /** What the chosen points pay, rounded down (domain::loyalty::points_value_fen). */
  function pointsValue() {
    const m = state.member;
    const perYuan = pointsPerYuan();
    if (!m || !state.redeemPoints || !perYuan) return 0;
    return Math.floor((state.redeemPoints * 100) / perYuan);
  }

  /**
   * The most points this sale may take (domain::loyalty::RedeemRule::max_points): the
   * rules' share of the sale's total, within what the member's available points pay,
   * in whole points. Null when the rules are unknown.
   */
  function maxPoints() {
    const m = state.member;
    const r = state.redeemRule;
    if (!m || !r || m.points == null) return null;
    const share = Math.floor((saleTotal() * r.order_share_max_bp) / BP_ONE);
    const own = Math.floor((Math.max(0, m.points) * 100) / r.points_per_yuan);
    return Math.ceil((Math.min(share, own) * r.points_per_yuan) / 100);
  }

  /** "最多可用 300 积分（抵 ¥3.00）", or that points cannot pay this sale. */
  function pointsLimitText(max) {
    if (!max) return pt("points_none");
    return pt("points_max", { n: max, amount: yuan(Math.floor((max * 100) / state.redeemRule.points_per_yuan)) });
  }

  /** Lowers the chosen points to the sale's limit when the price fell; true if it did. */
  function clampPoints() {
    const max = maxPoints();
    if (max == null || state.redeemPoints <= max) return false;
    state.redeemPoints = max;
    $("pay-points").value = max ? String(max) : "";
    $("pay-points-note").dataset.clamped = "1";
    return true;
  }

  /** What is left to pay after points: the server's total when known, shelf prices offline. */
  function payTotal() {
    return Math.max(0, saleTotal() - pointsValue());
  }

  function hasField(f) {
    return (state.features.saleFields || BASE_SALE_FIELDS).includes(f);
  }

  async function openPay() {
    if (state.opening || el.payDialog.open) return;
    if (!state.lines.length) {
      message(t("till.no_lines"), "warn");
      return;
    }
    if (!cfg.location) {
      message(t("till.no_location"), "bad");
      return;
    }
    closeSuggestions();
    state.mode = "scan";
    updatePrompt();
    // The panel collects the server's price of this very cart: wait for it (a scan a
    // moment ago may still be on its way).
    state.opening = true;
    try {
      await ensureQuote();
    } finally {
      state.opening = false;
    }
    render();
    if (openDialog() || !state.lines.length) return;
    const saved = localStorage.getItem(KEY.rounding);
    state.pay = { tenders: [], rule: cfg.rounding.some((r) => r.code === saved) ? saved : "none" };
    const sel = $("pay-rounding");
    sel.innerHTML = cfg.rounding.map((r) => `<option value="${esc(r.code)}">${esc(r.name)}</option>`).join("");
    sel.value = state.pay.rule;
    const m = state.member;
    const pointsOn = !!(m && hasField("redeem_points") && m.points);
    $("pay-points-row").hidden = !pointsOn;
    $("pay-points").value = state.redeemPoints ? String(state.redeemPoints) : "";
    delete $("pay-points-note").dataset.clamped;
    $("pay-stored").hidden = !(m && m.stored_fen > 0 && state.features.storedValue);
    $("pay-error").hidden = true;
    clampPoints();
    renderPay();
    el.payDialog.showModal();
    $("pay-amount").focus();
  }

  /** The price part of the payment panel: where the total comes from, its discounts, the points limit. */
  function renderPayPrice() {
    const q = currentQuote();
    const note = $("pay-price-note");
    const text = priceNoteText();
    note.textContent = text;
    note.hidden = !text;
    note.dataset.kind = state.pricing;
    const list = $("pay-discounts");
    list.innerHTML = q && q.discounts && q.discounts.length ? discountRows(q) : "";
    list.hidden = !list.innerHTML;
    const max = maxPoints();
    const input = $("pay-points");
    if (max != null) input.max = String(max);
    else input.removeAttribute("max");
    const bits = [];
    if (pointsValue()) bits.push("−" + yuan(pointsValue()));
    else if (state.redeemPoints) bits.push(t("till.points_value_unknown"));
    if (max != null) bits.push(pointsLimitText(max));
    const pn = $("pay-points-note");
    if (pn.dataset.clamped) bits.push(pt("points_clamped", { n: state.redeemPoints }));
    pn.textContent = bits.join(" · ");
  }

  function renderPay() {
    const p = state.pay;
    const totalFen = payTotal();
    $("pay-total").textContent = yuan(totalFen);
    renderPayPrice();
    $("pay-tenders").innerHTML = p.tenders
      .map(
        (x, i) =>
          `<li data-i="${i}"><span>${esc(t("till.tender." + x.tender))}</span><strong>${esc(yuan(x.amount_fen))}</strong>` +
          `<button type="button" class="op void" data-act="drop" aria-label="×">×</button></li>`,
      )
      .join("");
    const s = settle(totalFen, p.tenders, p.rule);
    const status = $("pay-status");
    const notes = [];
    if (state.redeemPoints && !pointsValue()) notes.push(t("till.points_value_unknown"));
    if (s.error) {
      status.textContent = s.error;
      status.className = "pay-status bad";
    } else if (s.ok) {
      status.textContent = t("till.pay_done", { change: yuan(s.change) }) + (s.rounding ? " · " + t("till.pay_cash_due", { rounding: yuan(s.rounding) }) : "");
      status.className = "pay-status ok";
    } else {
      let text = t("till.pay_remaining", { amount: yuan(s.exactShort) });
      if (s.short !== s.exactShort) text += " · " + t("till.pay_cash_due", { rounding: yuan(s.short - s.exactShort) }) + " " + yuan(s.short);
      status.textContent = text;
      status.className = "pay-status";
    }
    if (notes.length) status.textContent += " · " + notes.join(" ");
    $("pay-finish").disabled = !s.ok || state.paying || state.pricing === "pending";
    $("pay-amount").placeholder = s.ok ? "" : yuan(s.short || 0).slice(1);
    return s;
  }

  /** Adds a tender: the typed amount, or what is still due (after 抹零 for cash). */
  function addTender(tender, amountText) {
    const p = state.pay;
    const errBox = $("pay-error");
    errBox.hidden = true;
    if (p.tenders.length >= PAYMENTS_MAX) {
      errBox.textContent = t("till.pay_amount_bad");
      errBox.hidden = false;
      return false;
    }
    const s = settle(payTotal(), p.tenders, p.rule);
    let amount;
    const typed = (amountText == null ? $("pay-amount").value : amountText).trim();
    if (typed) {
      amount = parseYuan(typed);
      if (!amount) {
        errBox.textContent = t("till.pay_amount_bad");
        errBox.hidden = false;
        return false;
      }
    } else {
      if (s.ok || s.error) return false;
      amount = tender === "cash" ? s.short : s.exactShort;
    }
    if (tender === "stored_value" && state.member && state.member.stored_fen != null && amount > state.member.stored_fen) {
      errBox.textContent = t("till.stored_over", { amount: yuan(state.member.stored_fen) });
      errBox.hidden = false;
      return false;
    }
    const next = p.tenders.concat([{ tender, amount_fen: amount }]);
    const after = settle(payTotal(), next, p.rule);
    if (after.error) {
      errBox.textContent = after.error;
      errBox.hidden = false;
      return false;
    }
    p.tenders = next;
    $("pay-amount").value = "";
    renderPay();
    return true;
  }

  function qrAmount() {
    const typed = $("pay-amount").value.trim();
    if (typed) return parseYuan(typed);
    const s = settle(payTotal(), state.pay.tenders, state.pay.rule);
    return s.ok || s.error ? null : s.exactShort;
  }

  function openQr() {
    const amount = qrAmount();
    if (!amount) return;
    state.qrAmount = amount;
    $("qr-amount").textContent = yuan(amount);
    $("qr-code").innerHTML = fakeQr(uuid());
    el.qrDialog.showModal();
    $("qr-confirm").focus();
  }

  /** A picture that looks like a QR code; the simulator pays without it. */
  function fakeQr(seed) {
    let h = 0;
    for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const cells = [];
    for (let y = 0; y < 21; y++) {
      for (let x = 0; x < 21; x++) {
        const finder = (x < 7 && y < 7) || (x > 13 && y < 7) || (x < 7 && y > 13);
        let on;
        if (finder) {
          const fx = x > 13 ? x - 14 : x;
          const fy = y > 13 ? y - 14 : y;
          on = fx === 0 || fx === 6 || fy === 0 || fy === 6 || (fx >= 2 && fx <= 4 && fy >= 2 && fy <= 4);
        } else {
          h = (h * 1103515245 + 12345) >>> 0;
          on = (h >>> 16) % 2 === 1;
        }
        cells.push(`<i${on ? ' class="on"' : ""}></i>`);
      }
    }
    return cells.join("");
  }

  function confirmQr() {
    const wallet = document.querySelector('input[name="qr-wallet"]:checked');
    el.qrDialog.close();
    addTender(wallet ? wallet.value : "wechat_qr", yuan(state.qrAmount).slice(1));
    $("pay-amount").focus();
  }

  function saleBody() {
    const body = {
      location_id: cfg.location.id,
      lines: state.lines.map((l) => ({ product_id: l.product_id, qty: l.qty })),
      payments: state.pay.tenders.map((p) => ({ tender: p.tender, amount_fen: p.amount_fen })),
      rounding: state.pay.rule,
    };
    if (state.member && hasField("member_id")) body.member_id = state.member.id;
    if (state.member && state.redeemPoints > 0 && hasField("redeem_points")) body.redeem_points = state.redeemPoints;
    // Only the coupons the server's price used: a coupon it refused would refuse the sale.
    // Without a quote (offline) the shelf price has no coupon in it, so none is sent.
    const q = currentQuote();
    const used = q && state.member ? state.couponIds.filter((id) => (q.coupons_used || []).includes(id)) : [];
    if (used.length && hasField("coupon_ids")) body.coupon_ids = used;
    return body;
  }

  /** A refusal that means the price moved between the quote and the sale. */
  function priceRefusal(r) {
    const e = r.body && r.body.error;
    if (!e) return false;
    if (r.status === 409 && e.code === "flash_sale_sold_out") return true;
    return r.status === 422 && /^(payments|coupon_ids|redeem_points)\b/.test(e.field || "");
  }

  /**
   * The server refused the sale over its price: ask for the price again, show the new
   * total in the panel with the reason, and let the cashier collect it.
   */
  async function repriceAfterRefusal(r) {
    const before = payTotal();
    const reason = errorText(r.body, t("till.pay_failed"));
    const field = (r.body && r.body.error && r.body.error.field) || "";
    const errBox = $("pay-error");
    // A coupon used up meanwhile (at another till): read the member's coupons again.
    if (/^coupon_ids/.test(field) && state.member) {
      await memberExtras(state.member);
      const m = state.member;
      if (m && Array.isArray(m.coupons)) state.couponIds = state.couponIds.filter((id) => m.coupons.some((c) => c.id === id));
      saveJson(KEY.current, { lines: state.lines, member: state.member, couponIds: state.couponIds });
    }
    state.quote = null;
    state.pricing = "pending";
    renderPay();
    await ensureQuote();
    clampPoints();
    render();
    const after = payTotal();
    renderPay();
    errBox.textContent = after !== before ? pt("price_changed", { old: yuan(before), new: yuan(after) }) + " " + reason : reason;
    errBox.dataset.kind = after !== before ? "price_changed" : "refused";
    errBox.hidden = false;
    $("pay-amount").focus();
  }

  async function finish() {
    if (state.paying) return;
    let s = renderPay();
    if (!s.ok) return;
    // The panel was opened without the server's price (it did not answer then): ask again
    // now, and collect nothing until the cashier has seen a changed total.
    if (state.online && quoteOn() && !currentQuote()) {
      const before = payTotal();
      state.paying = true;
      try {
        await ensureQuote();
      } finally {
        state.paying = false;
      }
      clampPoints();
      render();
      s = renderPay();
      if (payTotal() !== before) {
        const errBox = $("pay-error");
        errBox.textContent = pt("price_changed", { old: yuan(before), new: yuan(payTotal()) });
        errBox.dataset.kind = "price_changed";
        errBox.hidden = false;
        return;
      }
      if (!s.ok) return;
    }
    const body = saleBody();
    const text = JSON.stringify(body);
    // The same sale sent again (after a lost answer) keeps its key, so it is recorded once.
    const key = state.lastPost && state.lastPost.text === text ? state.lastPost.key : uuid();
    state.lastPost = { text, key };
    state.paying = true;
    const status = $("pay-status");
    status.textContent = t("till.pay_sending");
    $("pay-finish").disabled = true;
    const local = localSale(s);
    let r;
    try {
      r = navigator.onLine === false ? { network: true } : await postSale(text, key);
    } finally {
      state.paying = false;
    }
    if (r.network || r.status >= 500) {
      // The request may have reached the server: keep what was sent with the key.
      await queueSale(body, key, text, local);
      return;
    }
    if (r.status >= 200 && r.status < 300) {
      done(receiptFromServer(r.body, local));
      return;
    }
    if (!(r.status === 409 && r.body && r.body.error && r.body.error.code === "idempotency_in_progress")) state.lastPost = null;
    if (priceRefusal(r)) {
      await repriceAfterRefusal(r);
      return;
    }
    const errBox = $("pay-error");
    errBox.textContent = r.status === 401 ? t("till.session_expired") : errorText(r.body, t("till.pay_failed"));
    errBox.dataset.kind = "refused";
    errBox.hidden = false;
    renderPay();
  }

  /** The sale as priced on the till, for the receipt when the server cannot answer. */
  function localSale(s) {
    const m = state.member;
    const q = currentQuote();
    const discounts = q ? (q.discounts || []).map((d) => ({ label: discountLabel(d), amount_fen: d.amount_fen })) : [];
    if (pointsValue()) discounts.push({ label: t("till.tender.points"), amount_fen: pointsValue() });
    return {
      at: Date.now(),
      cashier: cfg.user.name,
      member: m ? m.name + " " + m.phone : "",
      lines: state.lines.map((l, i) => ({
        name: nameOf(l),
        qty: qtyText(l),
        price: priceText(l),
        total_fen: q ? q.lines[i].total_fen : lineTotal(l),
        product_id: l.product_id,
      })),
      subtotal_fen: q ? q.subtotal_fen : total(),
      discounts,
      rounding_fen: s.rounding,
      due_fen: s.due,
      payments: state.pay.tenders.slice(),
      paid_fen: s.paid,
      change_fen: s.change,
    };
  }

  function receiptFromServer(b, local) {
    b = b || {};
    const lines = Array.isArray(b.lines)
      ? b.lines.map((x, i) => {
          const mine = local.lines[i] && local.lines[i].product_id === x.product_id ? local.lines[i] : local.lines.find((l) => l.product_id === x.product_id);
          const name = zh ? x.name_zh || (mine && mine.name) : x.name_en || (mine && mine.name) || x.name_zh;
          const l = state.lines[i];
          const qty = l && l.product_id === x.product_id ? qtyText(Object.assign({}, l, { qty: x.qty })) : String(x.qty);
          const price = x.unit_price_fen != null && l ? yuan(x.unit_price_fen) + "/" + (isWeighed(l) ? "kg" : l.unit) : mine ? mine.price : "";
          return { name: name || "#" + x.product_id, qty, price, total_fen: x.total_fen };
        })
      : local.lines;
    const discounts = Array.isArray(b.discounts)
      ? b.discounts.map((d) => ({ label: zh ? d.label_zh || d.label_en : d.label_en || d.label_zh, amount_fen: d.amount_fen }))
      : b.discount_fen
        ? [{ label: t("till.receipt_discount"), amount_fen: b.discount_fen }]
        : [];
    return {
      number: b.number || (b.order_id != null ? String(b.order_id) : ""),
      order_id: b.order_id,
      at: b.created_at || b.sold_at || local.at,
      cashier: local.cashier,
      member: local.member,
      lines,
      subtotal_fen: b.subtotal_fen != null ? b.subtotal_fen : local.subtotal_fen,
      discounts,
      rounding_fen: b.rounding_fen != null ? b.rounding_fen : local.rounding_fen,
      due_fen: b.due_fen != null ? b.due_fen : local.due_fen,
      payments: Array.isArray(b.payments) ? b.payments : local.payments,
      paid_fen: b.paid_fen != null ? b.paid_fen : local.paid_fen,
      change_fen: b.change_fen != null ? b.change_fen : local.change_fen,
      points_earned: b.points_earned,
      points_redeemed: b.points_redeemed,
      flagged: !!b.flagged,
      offline: false,
    };
  }

  function done(receipt) {
    el.payDialog.close();
    renderReceipt(receipt);
    clearSale(true);
    message("", "");
    el.receiptDialog.showModal();
    $("receipt-next").focus();
  }

  function renderReceipt(r) {
    // Spaces between the parts read well in the text and take no room in the flex rows.
    const row = (label, value, cls) => `<div class="r-row${cls ? " " + cls : ""}"><span>${esc(label)}</span> <span>${esc(value)}</span></div>`;
    const parts = [];
    parts.push(`<div class="r-store">${esc(cfg.store.name)}</div>`);
    if (r.offline) parts.push(`<div class="r-offline">${esc(t("till.receipt_offline"))}</div>`);
    if (r.flagged) parts.push(`<div class="r-offline">${esc(t("till.receipt_flagged"))}</div>`);
    parts.push(row(t("till.receipt_no"), r.number, "r-number"));
    parts.push(row(t("till.receipt_time"), shanghaiTime(r.at)));
    parts.push(row(t("till.receipt_cashier"), r.cashier));
    if (r.member) parts.push(row(t("till.receipt_member"), r.member));
    parts.push('<div class="r-rule"></div>');
    for (const l of r.lines) {
      parts.push(`<div class="r-line"><div class="r-name">${esc(l.name)}</div> ` + row(l.qty + " × " + l.price, yuan(l.total_fen)) + "</div>");
    }
    parts.push('<div class="r-rule"></div>');
    parts.push(row(t("till.receipt_subtotal"), yuan(r.subtotal_fen)));
    for (const d of r.discounts) parts.push(row(d.label, "-" + yuan(Math.abs(d.amount_fen))));
    if (r.rounding_fen) parts.push(row(t("till.receipt_rounding"), yuan(r.rounding_fen)));
    parts.push(row(t("till.receipt_due"), yuan(r.due_fen), "r-due"));
    for (const p of r.payments) parts.push(row(t("till.tender." + p.tender), yuan(p.amount_fen), "r-tender"));
    parts.push(row(t("till.receipt_change"), yuan(r.change_fen), "r-change"));
    if (r.points_redeemed) parts.push(row(t("till.receipt_points_used"), String(r.points_redeemed)));
    if (r.points_earned) parts.push(row(t("till.receipt_points_earned"), String(r.points_earned)));
    parts.push('<div class="r-rule"></div>');
    parts.push(`<div class="r-thanks">${esc(t("till.receipt_thanks"))}</div>`);
    const html = parts.join("\n");
    $("receipt").innerHTML = html;
    $("receipt").dataset.number = r.number;
    $("receipt").dataset.dueFen = String(r.due_fen);
    $("receipt").dataset.offline = r.offline ? "1" : "0";
    el.printArea.innerHTML = `<div class="receipt">${html}</div>`;
  }

  // ---------------------------------------------------------------------------
  // Offline queue and sync

  async function queueSale(body, key, firstText, local) {
    const queued = Object.assign({}, body);
    if (hasField("offline")) queued.offline = { till_id: tillId(), sold_at: local.at };
    const text = JSON.stringify(queued);
    const seq = Number(localStorage.getItem(KEY.offlineSeq) || "0") + 1;
    localStorage.setItem(KEY.offlineSeq, String(seq));
    const number = tillId().slice(5) + "-" + String(seq).padStart(4, "0");
    const rec = {
      key,
      body: text,
      // The request that may have reached the server before the connection dropped:
      // asked again if the server says the key was used for another body.
      first_body: firstText && firstText !== text ? firstText : null,
      staff: cfg.user.username,
      till_id: tillId(),
      local_number: number,
      created_at: local.at,
      total_fen: local.due_fen,
      status: "pending",
      attempts: 0,
      error: null,
    };
    try {
      await queueAdd(rec);
    } catch (e) {
      const errBox = $("pay-error");
      errBox.textContent = t("till.queue_error");
      errBox.hidden = false;
      return;
    }
    state.lastPost = null;
    done(Object.assign({}, local, { number, offline: true, flagged: false }));
    message(t("till.pay_offline_saved"), "warn");
    await refreshQueue();
    scheduleSync(state.probeDelay);
  }

  async function refreshQueue() {
    let all = [];
    try {
      all = await queueAll();
    } catch (_) {
      all = [];
    }
    const mine = all.filter((r) => r.staff === cfg.user.username);
    state.counts = {
      pending: all.filter((r) => r.status === "pending").length,
      flagged: all.filter((r) => r.status === "flagged").length,
      other: all.filter((r) => r.status === "pending" && r.staff !== cfg.user.username).length,
      mine: mine.length,
    };
    el.queueCount.textContent = String(state.counts.pending);
    el.queueBadge.hidden = state.counts.pending === 0;
    el.flaggedCount.textContent = String(state.counts.flagged);
    el.flaggedBadge.hidden = state.counts.flagged === 0;
    document.body.dataset.queue = String(state.counts.pending);
    document.body.dataset.flagged = String(state.counts.flagged);
    if (el.queueDialog.open) renderQueue(all);
    return all;
  }

  function renderQueue(all) {
    const list = $("queue-list");
    if (!all.length) {
      list.innerHTML = `<li class="muted">${esc(t("till.queue_empty"))}</li>`;
      return;
    }
    list.innerHTML = all
      .map((r) => {
        let state_;
        if (r.status === "flagged") {
          const e = r.error || {};
          state_ = `<span class="badge bad">${esc(t("till.queue_flagged"))}</span> <span class="q-error">${esc((zh ? e.message_zh : e.message_en) || e.code || "")}</span>`;
        } else if (r.staff !== cfg.user.username) {
          state_ = `<span class="badge">${esc(t("till.queue_other_staff", { name: r.staff }))}</span>`;
        } else {
          state_ = `<span class="badge warn">${esc(t("till.queue_pending"))}</span>` + (r.error ? ` <span class="q-error">${esc(r.error.message || "")}</span>` : "");
        }
        const retry = r.status === "flagged" ? ` <button type="button" class="btn small" data-retry="${r.seq}">${esc(t("till.queue_retry"))}</button>` : "";
        return `<li data-seq="${r.seq}"><span class="mono">${esc(r.local_number)}</span> <span>${esc(shanghaiTime(r.created_at).slice(5, 16))}</span> <strong>${esc(yuan(r.total_fen || 0))}</strong> ${state_}${retry}</li>`;
      })
      .join("");
  }

  async function openQueue() {
    const all = await refreshQueue();
    renderQueue(all);
    el.queueDialog.showModal();
  }

  function scheduleSync(ms) {
    clearTimeout(state.syncTimer);
    state.syncTimer = setTimeout(() => {
      syncQueue();
    }, ms);
  }

  async function withLock(fn) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("linli-till-sync", { ifAvailable: true }, (lock) => (lock ? fn() : null));
    }
    return fn();
  }

  /** Posts the queue in order. Returns when it is empty, the server is gone, or each was tried. */
  async function syncQueue() {
    if (state.syncing) return;
    state.syncing = true;
    let again = false;
    try {
      await withLock(async () => {
        const all = await queueAll();
        for (const rec of all) {
          if (rec.status !== "pending" || rec.staff !== cfg.user.username) continue;
          const out = await send(rec);
          if (out === "network" || out === "auth") {
            again = out === "network";
            return;
          }
          if (out === "later") again = true;
        }
      });
    } catch (_) {
      again = true;
    } finally {
      state.syncing = false;
    }
    const all = await refreshQueue();
    const left = all.some((r) => r.status === "pending" && r.staff === cfg.user.username);
    if (left && (again || !state.online)) {
      state.probeDelay = Math.min(PROBE_MAX_MS, Math.max(PROBE_MIN_MS, state.probeDelay * 2));
      scheduleSync(state.probeDelay);
    } else if (left) {
      scheduleSync(SYNC_EVERY_MS);
    } else {
      state.probeDelay = PROBE_MIN_MS;
    }
  }

  /** One queued sale to the server: done, flagged for the manager, or left for later. */
  async function send(rec) {
    let r = await postSale(rec.body, rec.key);
    if (r.network) return "network";
    const code = (x) => x && x.body && x.body.error && x.body.error.code;
    const keyReused = (x) =>
      x.status === 422 && (code(x) === "idempotency_key_reused" || /^idempotency-key$/i.test((x.body && x.body.error && x.body.error.field) || ""));
    // The first attempt did reach the server (with the body it had then): ask again with
    // that body, and the server replays its answer.
    if (keyReused(r) && rec.first_body) {
      r = await postSale(rec.first_body, rec.key);
      if (r.network) return "network";
    }
    rec.attempts += 1;
    rec.last_try_at = Date.now();
    if (r.status >= 200 && r.status < 300) {
      await queueDelete(rec.seq);
      return "done";
    }
    if (r.status === 401 || (r.status === 403 && code(r) === "csrf")) {
      message(t("till.session_expired"), "bad");
      return "auth";
    }
    if (r.status >= 500 || (r.status === 409 && code(r) === "idempotency_in_progress")) {
      rec.error = { message: errorText(r.body, String(r.status)) };
      await queuePut(rec);
      return "later";
    }
    // Refused as sent: kept for the manager, never dropped; the queue moves on.
    const e = (r.body && r.body.error) || {};
    rec.status = "flagged";
    rec.error = { status: r.status, code: e.code || "", field: e.field || "", message_zh: e.message_zh || "", message_en: e.message_en || "" };
    await queuePut(rec);
    return "flagged";
  }

  async function retryFlagged(seq) {
    const all = await queueAll();
    const rec = all.find((r) => r.seq === seq);
    if (!rec || rec.status !== "flagged") return;
    // Its key holds the refusal; a new key asks again.
    rec.key = uuid();
    rec.first_body = null;
    rec.status = "pending";
    rec.error = null;
    await queuePut(rec);
    await refreshQueue();
    syncQueue();
  }

  // ---------------------------------------------------------------------------
  // Returns (退货 / 退款): managers and owners refund against a receipt

  // The few texts of this panel, in the page's language.
  const RT = zh
    ? {
        not_found: "没有找到这张小票",
        bad_q: "请输入小票号（如 S00000042）或单号",
        head: "小票 {number} · {time} · 应付 {due}{refunded}",
        refunded: " · 已退 {amount}",
        member: " · 会员",
        none_left: "这张小票已全部退完",
        choose: "请填写要退的数量",
        qty_bad: "第 {n} 行：退货数量须在 0 到 {max} 之间",
        done: "已退款 {amount}，商品已退回库存。",
        whole: "整单已退完。",
        to_cash: "请从钱箱退还现金",
        to_qr: "原路退回顾客的付款账户",
        to_card: "原路退回银行卡",
        to_stored: "退回会员储值卡",
        to_points: "{points} 积分退回会员账户",
        forbidden: "退款需要店长或店主权限",
        sending: "正在退款…",
      }
    : {
        not_found: "No sale has this receipt number",
        bad_q: "Type a receipt number (such as S00000042) or a sale id",
        head: "Receipt {number} · {time} · due {due}{refunded}",
        refunded: " · refunded {amount}",
        member: " · member",
        none_left: "Everything on this receipt is refunded already",
        choose: "Type the quantities to take back",
        qty_bad: "Line {n}: the quantity to return is between 0 and {max}",
        done: "Refunded {amount}; the goods are back in stock.",
        whole: "The whole sale is refunded.",
        to_cash: "pay it back from the drawer",
        to_qr: "back to the customer's wallet",
        to_card: "back to the card",
        to_stored: "back onto the member's stored value",
        to_points: "{points} points back to the member",
        forbidden: "Refunds need a manager or the owner",
        sending: "Refunding…",
      };

  function rt(key, vars) {
    let s = RT[key] || key;
    if (vars) for (const k of Object.keys(vars)) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  }

  const canRefund = ["owner", "manager"].includes(cfg.user.role);
  const ret = { sale: null, lastPost: null, sending: false };

  function openReturn() {
    if (!canRefund) {
      message(rt("forbidden"), "warn");
      return;
    }
    closeSuggestions();
    $("return-error").hidden = true;
    $("return-result").hidden = true;
    el.returnDialog.showModal();
    $("return-q").focus();
    $("return-q").select();
  }

  function returnError(text) {
    $("return-error").textContent = text;
    $("return-error").hidden = !text;
  }

  /** "S00000042", "s42" or "42" → 42 (a till sale's number is its id, see store::sale_number). */
  function saleIdOf(q) {
    const m = /^[Ss]?0*(\d{1,15})$/.exec(q.trim());
    return m ? Number(m[1]) : null;
  }

  async function findReturn() {
    returnError("");
    $("return-result").hidden = true;
    const id = saleIdOf($("return-q").value);
    if (!id) {
      returnError(rt("bad_q"));
      return;
    }
    const r = await request("GET", "/api/v1/sales/" + id);
    if (r.status !== 200 || !r.body) {
      ret.sale = null;
      $("return-sale").hidden = true;
      returnError(r.network ? t("till.member_offline") : r.status === 404 ? rt("not_found") : errorText(r.body, rt("not_found")));
      return;
    }
    showReturn(r.body);
  }

  function showReturn(sale) {
    ret.sale = sale;
    ret.lastPost = null;
    const refunded = sale.refunded_fen ? rt("refunded", { amount: yuan(sale.refunded_fen) }) : "";
    $("return-head").textContent =
      rt("head", { number: sale.number, time: shanghaiTime(sale.created_at).slice(0, 16), due: yuan(sale.due_fen), refunded }) + (sale.member_id ? rt("member") : "");
    $("return-lines").innerHTML = sale.lines
      .map((l) => {
        const weighed = !!(state.byId.get(l.product_id) && isWeighed(state.byId.get(l.product_id)));
        const left = l.qty - l.refunded_qty;
        const show = (q) => (weighed ? (q / 1000).toFixed(3) + " kg" : String(q));
        const name = !zh && l.name_en ? l.name_en : l.name_zh;
        return (
          `<tr data-line="${l.line_no}" data-left="${left}">` +
          `<td class="n">${l.line_no}</td><td class="name">${esc(name)}</td>` +
          `<td class="num">${esc(show(l.qty))}</td><td class="num">${esc(show(left))}</td>` +
          `<td class="num"><input class="return-qty" type="text" inputmode="numeric" autocomplete="off" value="0" ${left > 0 ? "" : "disabled"}` +
          ` aria-label="${esc(name)}">${weighed ? " g" : ""}</td></tr>`
        );
      })
      .join("");
    $("return-sale").hidden = false;
    const any = sale.lines.some((l) => l.qty > l.refunded_qty);
    $("return-submit").disabled = !any;
    $("return-all").disabled = !any;
    if (!any) returnError(rt("none_left"));
    const first = document.querySelector("#return-lines input:not([disabled])");
    if (first) first.focus();
  }

  function returnAll() {
    for (const tr of document.querySelectorAll("#return-lines tr[data-line]")) {
      const input = tr.querySelector("input");
      if (!input.disabled) input.value = tr.dataset.left;
    }
  }

  async function submitReturn() {
    if (!ret.sale || ret.sending) return;
    returnError("");
    const lines = [];
    for (const tr of document.querySelectorAll("#return-lines tr[data-line]")) {
      const input = tr.querySelector("input");
      const raw = input.value.trim();
      const n = raw === "" ? 0 : /^\d+$/.test(raw) ? Number(raw) : NaN;
      const max = Number(tr.dataset.left);
      if (!Number.isInteger(n) || n < 0 || n > max) {
        returnError(rt("qty_bad", { n: tr.dataset.line, max }));
        input.focus();
        return;
      }
      if (n > 0) lines.push({ line_no: Number(tr.dataset.line), qty: n });
    }
    if (!lines.length) {
      returnError(rt("choose"));
      return;
    }
    const body = JSON.stringify({ lines, reason: $("return-reason").value.trim() });
    // The same refund sent again (a lost answer) keeps its key: money goes back once.
    const key = ret.lastPost && ret.lastPost.body === body ? ret.lastPost.key : uuid();
    ret.lastPost = { body, key };
    ret.sending = true;
    $("return-submit").disabled = true;
    $("return-result").hidden = false;
    $("return-result").textContent = rt("sending");
    const r = await request("POST", "/api/v1/sales/" + ret.sale.order_id + "/refunds", {
      body,
      headers: { "idempotency-key": key },
      timeout: POST_TIMEOUT_MS,
    });
    ret.sending = false;
    $("return-submit").disabled = false;
    if (r.status !== 201 || !r.body) {
      $("return-result").hidden = true;
      returnError(r.network ? t("till.member_offline") : r.status === 403 ? rt("forbidden") : errorText(r.body, t("till.pay_failed")));
      return;
    }
    const where = (p) => {
      if (p.tender === "points") return rt("to_points", { points: p.points });
      const to = p.tender === "cash" ? "to_cash" : p.tender === "card" ? "to_card" : p.tender === "stored_value" ? "to_stored" : "to_qr";
      return rt(to);
    };
    const rows = r.body.payments
      .map(
        (p) =>
          `<li data-tender="${esc(p.tender)}"><span>${esc(t("till.tender." + p.tender))}</span> <strong>${esc(yuan(p.amount_fen))}</strong> <span class="sub">${esc(where(p))}</span></li>`,
      )
      .join("");
    $("return-result").innerHTML =
      `<p><strong>${esc(rt("done", { amount: yuan(r.body.amount_fen) }))}</strong>${r.body.whole ? " " + esc(rt("whole")) : ""}</p>` +
      `<ul class="return-payments">${rows}</ul>`;
    $("return-result").dataset.amountFen = String(r.body.amount_fen);
    $("return-result").hidden = false;
    // Show what is left to return on this receipt.
    const again = await request("GET", "/api/v1/sales/" + ret.sale.order_id);
    if (again.status === 200 && again.body) {
      const result = $("return-result").innerHTML;
      showReturn(again.body);
      $("return-error").hidden = true;
      $("return-result").innerHTML = result;
      $("return-result").hidden = false;
    }
  }

  // ---------------------------------------------------------------------------
  // Online state, probing, features

  function setOnline(on) {
    if (on === state.online) return;
    state.online = on;
    el.net.textContent = on ? t("till.online") : t("till.offline");
    el.net.className = "badge " + (on ? "ok" : "bad");
    el.net.dataset.state = on ? "online" : "offline";
    document.body.dataset.net = on ? "online" : "offline";
    if (on) {
      state.probeDelay = PROBE_MIN_MS;
      clearTimeout(state.probeTimer);
      scheduleSync(0);
      refreshCatalog();
    } else {
      probe();
    }
    // Server prices again when it answers; shelf prices, marked, while it does not.
    if (state.pricing !== "pending") {
      scheduleQuote();
      render();
    }
  }

  function probe() {
    clearTimeout(state.probeTimer);
    state.probeTimer = setTimeout(async () => {
      if (state.online) return;
      try {
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), 3000);
        const res = await fetch("/healthz", { cache: "no-store", signal: ctl.signal });
        clearTimeout(timer);
        if (res.ok) {
          setOnline(true);
          return;
        }
      } catch (_) {
        // Still unreachable.
      }
      state.probeDelay = Math.min(PROBE_MAX_MS, state.probeDelay * 2);
      probe();
    }, state.probeDelay);
  }

  async function detectFeatures() {
    const r = await request("GET", "/api/openapi.json", { timeout: 10_000 });
    if (r.status !== 200 || !r.body || !r.body.paths) return;
    const doc = r.body;
    const paths = doc.paths;
    let schema = null;
    try {
      schema = paths["/api/v1/sales"].post.requestBody.content["application/json"].schema;
      if (schema && schema.$ref) schema = doc.components.schemas[schema.$ref.split("/").pop()];
    } catch (_) {
      schema = null;
    }
    const fields = schema && schema.properties ? Object.keys(schema.properties) : BASE_SALE_FIELDS;
    // Stored value is a tender, not a field: the payment schema names the tenders it takes.
    let payment = schema && schema.properties && schema.properties.payments && schema.properties.payments.items;
    if (payment && payment.$ref) payment = doc.components.schemas[payment.$ref.split("/").pop()];
    const storedValue = !!payment && JSON.stringify(payment).includes("stored_value");
    state.features = {
      memberLookup: !!paths["/api/v1/members/lookup"],
      saleFields: fields,
      storedValue,
      quote: !!paths["/api/v1/pricing/quote"],
      memberCoupons: !!paths["/api/v1/members/{id}/coupons"],
    };
    saveJson(KEY.features, state.features);
    scheduleQuote();
    render();
  }

  // ---------------------------------------------------------------------------
  // Keys and clicks

  function moveSelection(delta) {
    if (!state.lines.length) return;
    state.selected = Math.max(0, Math.min(state.lines.length - 1, (state.selected < 0 ? 0 : state.selected) + delta));
    render();
  }

  const SHORTCUTS = {
    F2: startQty,
    F3: () => {
      if (state.features.memberLookup && !state.member) el.memberQ.focus();
      else message(t("till.member_unavailable"), "warn");
    },
    F4: suspend,
    F6: openResume,
    F8: openPay,
    F9: openReturn,
  };

  function onKey(e) {
    const dlg = openDialog();
    if (dlg) {
      dialogKey(dlg, e);
      return;
    }
    const k = e.key;
    if (SHORTCUTS[k]) {
      e.preventDefault();
      SHORTCUTS[k]();
      return;
    }
    if (e.target === el.memberQ) {
      if (k === "Enter") {
        e.preventDefault();
        lookupMember();
      } else if (k === "Escape") {
        e.preventDefault();
        el.memberQ.value = "";
        el.scan.focus();
      }
      return;
    }
    if (e.target !== el.scan) {
      // Typing anywhere on the page goes to the input.
      const typing = k.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
      const tag = e.target && e.target.tagName;
      if ((typing || k === "Enter") && tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA" && tag !== "BUTTON") el.scan.focus();
      if (k !== "Enter") return;
      if (tag === "BUTTON") return;
    }
    const empty = el.scan.value === "";
    if (k === "Enter") {
      e.preventDefault();
      submit();
    } else if (k === "Escape") {
      e.preventDefault();
      if (!el.suggest.hidden) closeSuggestions();
      else if (state.mode !== "scan") {
        state.mode = "scan";
        state.pending = null;
        updatePrompt();
        message("", "");
      } else el.scan.value = "";
    } else if (k === "ArrowDown" || k === "ArrowUp") {
      e.preventDefault();
      const d = k === "ArrowDown" ? 1 : -1;
      if (!el.suggest.hidden && state.suggestions.length) {
        state.suggestIndex = (state.suggestIndex + d + state.suggestions.length) % state.suggestions.length;
        renderSuggestions();
      } else moveSelection(d);
    } else if (k === "Delete" && (empty || e.ctrlKey)) {
      e.preventDefault();
      if (e.ctrlKey) {
        if (state.lines.length && window.confirm(t("till.confirm_clear"))) clearSale();
      } else voidLine(state.selected);
    } else if ((k === "+" || k === "-") && empty && state.mode === "scan") {
      e.preventDefault();
      bump(k === "+" ? 1 : -1);
    }
  }

  function dialogKey(dlg, e) {
    const k = e.key;
    if (dlg === el.payDialog) {
      const inAmount = e.target === $("pay-amount");
      if (k === "Escape") {
        e.preventDefault();
        el.payDialog.close();
      } else if (k === "F8") {
        e.preventDefault();
        finish();
      } else if (k === "Enter" && inAmount) {
        e.preventDefault();
        const s = settle(payTotal(), state.pay.tenders, state.pay.rule);
        if (!$("pay-amount").value.trim() && s.ok) finish();
        else addTender("cash");
      } else if (k === "Enter" && e.target === $("pay-points")) {
        e.preventDefault();
        applyPoints();
        $("pay-amount").focus();
      } else if (inAmount && !e.ctrlKey && !e.metaKey && !e.altKey && k.length === 1 && /[a-z]/i.test(k)) {
        e.preventDefault();
        const c = k.toLowerCase();
        if (c === "q") openQr();
        else if (c === "k") addTender("card");
        else if (c === "s" && !$("pay-stored").hidden) addTender("stored_value");
      } else if (k === "F2" || k === "F4" || k === "F6") {
        e.preventDefault();
      }
    } else if (dlg === el.qrDialog) {
      if (k === "Enter") {
        e.preventDefault();
        confirmQr();
      } else if (k === "Escape") {
        e.preventDefault();
        el.qrDialog.close();
        $("pay-amount").focus();
      } else if (k === "w" || k === "a") {
        const r = document.querySelector(`input[name="qr-wallet"][value="${k === "w" ? "wechat_qr" : "alipay_qr"}"]`);
        if (r) r.checked = true;
      }
    } else if (dlg === el.resumeDialog) {
      const n = suspended().length;
      if (k === "Escape") {
        e.preventDefault();
        el.resumeDialog.close();
      } else if (k === "ArrowDown" || k === "ArrowUp") {
        e.preventDefault();
        resumeIndex = (resumeIndex + (k === "ArrowDown" ? 1 : -1) + n) % n;
        renderResume();
      } else if (k === "Enter" && e.target.tagName !== "BUTTON") {
        e.preventDefault();
        resumeAt(resumeIndex);
      } else if (k === "Delete") {
        e.preventDefault();
        dropSuspended(resumeIndex);
      }
    } else if (dlg === el.receiptDialog) {
      if (k === "Escape" || (k === "Enter" && e.target.id !== "receipt-print")) {
        e.preventDefault();
        el.receiptDialog.close();
      }
    } else if (dlg === el.queueDialog) {
      if (k === "Escape") {
        e.preventDefault();
        el.queueDialog.close();
      }
    } else if (dlg === el.returnDialog) {
      if (k === "Escape") {
        e.preventDefault();
        el.returnDialog.close();
      } else if (k === "Enter" && e.target === $("return-q")) {
        e.preventDefault();
        findReturn();
      } else if (k === "Enter" && e.target.classList && e.target.classList.contains("return-qty")) {
        e.preventDefault();
        submitReturn();
      }
    }
  }

  function applyPoints() {
    const raw = $("pay-points").value.trim();
    const n = raw ? Number(raw) : 0;
    const m = state.member;
    const max = maxPoints();
    const limit = max != null ? max : m && m.points != null ? m.points : null;
    if (!Number.isInteger(n) || n < 0 || (limit != null && n > limit)) {
      $("pay-error").textContent = max != null ? pointsLimitText(max) : t("till.points_over", { n: limit != null ? limit : 0 });
      $("pay-error").hidden = false;
      return;
    }
    $("pay-error").hidden = true;
    delete $("pay-points-note").dataset.clamped;
    state.redeemPoints = n;
    renderPay();
  }

  function wire() {
    document.addEventListener("keydown", onKey);
    el.scan.addEventListener("input", onInput);
    $("scan-go").addEventListener("click", () => {
      submit();
      el.scan.focus();
    });
    el.suggest.addEventListener("mousedown", (e) => e.preventDefault());
    el.togetherList.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-together]");
      if (!b) return;
      const id = Number(b.dataset.together);
      const p = ((state.catalog && state.catalog.products) || []).find((x) => x.id === id);
      if (p) addProduct(p);
      el.scan.focus();
    });
    el.suggest.addEventListener("click", (e) => {
      const li = e.target.closest("li[data-i]");
      if (li) pickSuggestion(Number(li.dataset.i));
    });
    el.tbody.addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-i]");
      if (!tr) return;
      const i = Number(tr.dataset.i);
      const act = e.target.closest("[data-act]");
      state.selected = i;
      if (!act) render();
      else if (act.dataset.act === "inc") bump(1);
      else if (act.dataset.act === "dec") bump(-1);
      else if (act.dataset.act === "void") voidLine(i);
      focusScan();
    });
    $("keys").addEventListener("click", (e) => {
      const b = e.target.closest("[data-key]");
      if (!b) return;
      const k = b.dataset.key;
      if (SHORTCUTS[k]) SHORTCUTS[k]();
      else if (k === "+") bump(1);
      else if (k === "Delete") voidLine(state.selected);
      else if (k === "Escape") {
        closeSuggestions();
        state.mode = "scan";
        state.pending = null;
        updatePrompt();
      }
      focusScan();
    });
    $("btn-suspend").addEventListener("click", () => suspend());
    $("btn-resume").addEventListener("click", () => openResume());
    $("btn-pay").addEventListener("click", () => openPay());
    $("btn-clear").addEventListener("click", () => {
      if (state.lines.length && window.confirm(t("till.confirm_clear"))) clearSale();
      focusScan();
    });
    $("member-find").addEventListener("click", () => lookupMember());
    el.memberCoupons.addEventListener("change", (e) => {
      const id = e.target.dataset && e.target.dataset.coupon;
      if (id == null) return;
      toggleCoupon(Number(id), e.target.checked);
      focusScan();
    });
    el.memberCard.addEventListener("click", (e) => {
      if (e.target.id === "member-remove") {
        state.member = null;
        state.couponIds = [];
        state.redeemPoints = 0;
        changed();
        focusScan();
      }
    });
    // Payment panel.
    $("pay-rounding").addEventListener("change", (e) => {
      state.pay.rule = e.target.value;
      localStorage.setItem(KEY.rounding, state.pay.rule);
      renderPay();
      $("pay-amount").focus();
    });
    $("pay-cash").addEventListener("click", () => {
      addTender("cash");
      $("pay-amount").focus();
    });
    $("pay-qr").addEventListener("click", () => openQr());
    $("pay-card").addEventListener("click", () => {
      addTender("card");
      $("pay-amount").focus();
    });
    $("pay-stored").addEventListener("click", () => {
      addTender("stored_value");
      $("pay-amount").focus();
    });
    $("pay-finish").addEventListener("click", () => finish());
    $("pay-back").addEventListener("click", () => el.payDialog.close());
    $("pay-points").addEventListener("change", () => applyPoints());
    $("pay-tenders").addEventListener("click", (e) => {
      const li = e.target.closest("li[data-i]");
      if (li && e.target.closest("[data-act=drop]")) {
        state.pay.tenders.splice(Number(li.dataset.i), 1);
        renderPay();
        $("pay-amount").focus();
      }
    });
    $("qr-confirm").addEventListener("click", () => confirmQr());
    $("qr-cancel").addEventListener("click", () => {
      el.qrDialog.close();
      $("pay-amount").focus();
    });
    // Resume list.
    $("resume-list").addEventListener("click", (e) => {
      const li = e.target.closest("li[data-i]");
      if (!li) return;
      const i = Number(li.dataset.i);
      const act = e.target.closest("[data-act]");
      if (act && act.dataset.act === "drop") dropSuspended(i);
      else resumeAt(i);
    });
    $("resume-close").addEventListener("click", () => el.resumeDialog.close());
    // Receipt.
    $("receipt-print").addEventListener("click", () => window.print());
    $("receipt-next").addEventListener("click", () => el.receiptDialog.close());
    // Queue.
    el.queueBadge.addEventListener("click", () => openQueue());
    el.flaggedBadge.addEventListener("click", () => openQueue());
    $("queue-sync").addEventListener("click", () => {
      state.probeDelay = PROBE_MIN_MS;
      syncQueue();
    });
    $("queue-close").addEventListener("click", () => el.queueDialog.close());
    $("queue-list").addEventListener("click", (e) => {
      const b = e.target.closest("[data-retry]");
      if (b) retryFlagged(Number(b.dataset.retry));
    });
    // Returns.
    $("btn-return").hidden = !canRefund;
    $("btn-return").addEventListener("click", () => openReturn());
    $("return-find").addEventListener("click", () => findReturn());
    $("return-all").addEventListener("click", () => returnAll());
    $("return-submit").addEventListener("click", () => submitReturn());
    $("return-close").addEventListener("click", () => el.returnDialog.close());
    for (const d of [el.payDialog, el.qrDialog, el.resumeDialog, el.receiptDialog, el.queueDialog, el.returnDialog]) {
      d.addEventListener("close", () => setTimeout(focusScan, 0));
    }
    el.qrDialog.addEventListener("close", () => {
      if (el.payDialog.open) $("pay-amount").focus();
    });
    // Keep the input focused: a click on nothing in particular gives it back.
    document.addEventListener("click", (e) => {
      if (!e.target.closest("input, select, textarea, button, a, dialog, label")) focusScan();
    });
    window.addEventListener("online", () => {
      state.probeDelay = PROBE_MIN_MS;
      setOnline(true);
      scheduleSync(0);
    });
    window.addEventListener("offline", () => setOnline(false));
    // Another tab may have queued or synced.
    window.addEventListener("storage", (e) => {
      if (e.key === KEY.suspended) renderSuspendedCount();
    });
    setInterval(() => {
      if (state.online) refreshCatalog();
    }, CATALOG_REFRESH_MS);
    setInterval(() => {
      if (state.online && state.counts.pending > 0 && !state.syncing) syncQueue();
    }, SYNC_EVERY_MS);
  }

  // ---------------------------------------------------------------------------
  // Start

  function start() {
    const current = loadJson(KEY.current, null);
    if (current && Array.isArray(current.lines)) {
      state.lines = current.lines;
      state.member = current.member || null;
      state.couponIds = state.member && Array.isArray(current.couponIds) ? current.couponIds : [];
      state.selected = state.lines.length - 1;
    }
    document.body.dataset.net = "online";
    document.body.dataset.tillId = tillId();
    wire();
    render();
    updatePrompt();
    if (navigator.onLine === false) setOnline(false);
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker
        .register(cfg.sw_url, { scope: cfg.sw_scope })
        .then(() => navigator.serviceWorker.ready)
        .then(() => {
          document.body.dataset.sw = "ready";
        })
        .catch(() => {
          document.body.dataset.sw = "failed";
        });
    }
    loadCatalog();
    detectFeatures();
    refreshQueue().then(() => scheduleSync(0));
    scheduleQuote();
    render();
    if (state.member) refreshMember(state.member);
  }

  start();
})();
