// Linli self-checkout kiosk (自助结账): a touch page for a kiosk signed in with a staff
// account. Steps: 欢迎 → 会员识别 (phone + texted code, or skip) → 扫码 (a barcode
// scanner types into the focused input and presses Enter) → 使用积分 → 支付 (a QR
// payment through the payment port; its simulator is labelled and approved on screen)
// → 小票 → back to the welcome screen after 30 s.
//
// Every price comes from the server: after each change the cart is priced by
// POST /api/v1/kiosk/quote (the same engine the sale uses), which also flags restricted
// goods. Weighed goods (label or not) and restricted goods block payment until a staff
// member confirms with their password (POST /api/v1/kiosk/staff-confirm); a weighed
// item without a scale label gets its weight typed by staff. After the QR payment is
// approved the sale is POSTed to /api/v1/sales with tender wechat_qr and an
// Idempotency-Key made here, and the receipt is the server's (GET …/receipt).
(function () {
  "use strict";

  const cfgEl = document.getElementById("kiosk-config");
  if (!cfgEl) return;
  const cfg = JSON.parse(cfgEl.textContent);
  const T = cfg.texts || {};
  const zh = cfg.lang !== "en";
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  const $ = (id) => document.getElementById(id);

  // Limits (the server's: store::SALE_LINES_MAX) and timing.
  const LINES_MAX = 200;
  const PIECES_MAX = 99;
  const GRAMS_MAX = 999_999;
  const TIMEOUT_MS = 10_000;
  const RECEIPT_BACK_S = 30;
  const IDLE_RESET_MS = 120_000;
  const PAY_IDLE_RESET_MS = 300_000;
  const PAY_POLL_MS = 2_000;

  // ---------------------------------------------------------------------------
  // Helpers

  function t(key, vars) {
    let s = T[key] || key;
    if (vars) for (const k of Object.keys(vars)) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  }

  function yuan(fen) {
    const a = Math.abs(fen);
    return (fen < 0 ? "-" : "") + "¥" + Math.floor(a / 100) + "." + String(a % 100).padStart(2, "0");
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function nameOf(p) {
    return !zh && p.name_en ? p.name_en : p.name_zh;
  }

  function qtyText(l) {
    return l.weighed ? (l.qty ? (l.qty / 1000).toFixed(3) + " kg" : t("kiosk.scan.no_weight")) : "× " + l.qty;
  }

  /** Weight × price per kg, half-up to the fen (domain::money::Money::for_weight). */
  function forWeight(perKgFen, grams) {
    return Number((BigInt(perKgFen) * BigInt(grams) + 500n) / 1000n);
  }

  function errorText(body, fallback) {
    const e = body && body.error;
    if (!e) return fallback;
    return zh ? e.message_zh || e.message_en : e.message_en || e.message_zh;
  }

  /** A JSON request that never throws: {status, body} or {network: true}. */
  async function request(method, url, { json, headers } = {}) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    try {
      const h = Object.assign({ accept: "application/json" }, headers || {});
      let body;
      if (json !== undefined) {
        h["content-type"] = "application/json";
        h["x-csrf-token"] = csrf;
        body = JSON.stringify(json);
      }
      const res = await fetch(url, { method, credentials: "same-origin", headers: h, body, signal: ctl.signal, cache: "no-store" });
      if (res.redirected && new URL(res.url).pathname === "/login") return { status: 401, body: null, session: true };
      const type = res.headers.get("content-type") || "";
      let out = null;
      if (type.includes("json")) {
        try {
          out = await res.json();
        } catch (_) {
          out = null;
        }
      } else {
        out = await res.text();
      }
      const session = res.status === 401 && out && out.error && out.error.code === "unauthenticated";
      return { status: res.status, body: out, session };
    } catch (_) {
      return { network: true };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The message for a failed request. */
  function failure(r, fallback) {
    if (r.network) return t("kiosk.error.network");
    if (r.session) return t("kiosk.error.session");
    return errorText(r.body, fallback || t("kiosk.error.network"));
  }

  function say(el, text, kind) {
    el.textContent = text || "";
    el.className = "k-msg" + (kind ? " " + kind : "") + (el.id === "k-pay-status" ? " k-pay-status" : "");
  }

  /** A picture that looks like a QR code (the simulator pays without it). */
  function fakeQr(seed) {
    let h = 0;
    for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const cells = [];
    for (let y = 0; y < 25; y++) {
      for (let x = 0; x < 25; x++) {
        const finder = (x < 7 && y < 7) || (x > 17 && y < 7) || (x < 7 && y > 17);
        let on;
        if (finder) {
          const fx = x > 17 ? x - 18 : x;
          const fy = y > 17 ? y - 18 : y;
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

  // ---------------------------------------------------------------------------
  // State

  const STEPS = ["welcome", "member", "scan", "points", "pay", "receipt"];

  function fresh() {
    return {
      step: "welcome",
      member: null, // {id, code, name, phone, tier, points_available, points_per_yuan}
      phone: "",
      codeSent: null, // {phone, resend_after}
      lines: [], // {key, product, qty, weighed, label, restricted, confirmed, total_fen}
      quote: null,
      quoteSeq: 0,
      quoting: null,
      quoteError: null,
      redeem: 0,
      payment: null, // {ref, amount_fen, status, simulator}
      saleKey: null,
      sale: null,
      pollTimer: 0,
      countdownTimer: 0,
      lastActivity: Date.now(),
      busy: false,
    };
  }

  let state = fresh();
  let lineSeq = 0;

  // ---------------------------------------------------------------------------
  // Steps

  function show(step) {
    state.step = step;
    for (const s of STEPS) $("step-" + s).hidden = s !== step;
    document.body.dataset.step = step;
    const order = ["member", "scan", "points", "pay", "receipt"];
    const at = order.indexOf(step);
    for (const li of document.querySelectorAll("#k-steps li")) {
      const i = order.indexOf(li.dataset.for);
      li.className = i === at ? "now" : i < at && at >= 0 ? "done" : "";
    }
    touch();
    if (step === "scan") focusScan();
    if (step === "member") {
      renderMember();
      $(state.codeSent ? "k-code" : "k-phone").focus();
    }
  }

  function reset() {
    clearTimeout(state.pollTimer);
    clearInterval(state.countdownTimer);
    state = fresh();
    $("k-phone").value = "";
    $("k-code").value = "";
    $("k-sms-sim").hidden = true;
    $("k-scan").value = "";
    say($("k-member-msg"), "");
    say($("k-scan-msg"), "");
    if ($("k-staff-dialog").open) $("k-staff-dialog").close();
    renderLines();
    show("welcome");
  }

  function touch() {
    state.lastActivity = Date.now();
  }

  function focusScan() {
    if (state.step !== "scan" || $("k-staff-dialog").open) return;
    $("k-scan").focus();
  }

  // ---------------------------------------------------------------------------
  // Member: phone and code

  let keypadTarget = "k-phone";

  function renderMember() {
    const s = state.codeSent;
    const send = $("k-send");
    if (s && s.resend_after > Date.now()) {
      send.disabled = true;
      send.textContent = t("kiosk.member.resend", { n: Math.ceil((s.resend_after - Date.now()) / 1000) });
    } else {
      send.disabled = false;
      send.textContent = t("kiosk.member.send");
    }
  }

  async function sendCode() {
    const phone = $("k-phone").value.replace(/\D/g, "");
    if (!/^1\d{10}$/.test(phone)) {
      say($("k-member-msg"), t("kiosk.member.phone_bad"), "bad");
      return;
    }
    touch();
    $("k-send").disabled = true;
    const r = await request("POST", "/api/v1/kiosk/otp", { json: { phone } });
    if (r.status !== 200) {
      say($("k-member-msg"), failure(r), "bad");
      renderMember();
      return;
    }
    state.phone = phone;
    state.codeSent = { phone: r.body.phone, resend_after: Date.now() + Math.max(0, r.body.resend_after - r.body.expires_at + 5 * 60_000) };
    say($("k-member-msg"), t("kiosk.member.sent", { phone: r.body.phone }), "ok");
    const sim = r.body.simulator_code;
    $("k-sms-sim").hidden = !sim;
    $("k-sms-code").textContent = sim || "";
    keypadTarget = "k-code";
    $("k-code").value = "";
    $("k-code").focus();
    renderMember();
  }

  async function verifyCode() {
    const code = $("k-code").value.replace(/\D/g, "");
    const phone = state.phone || $("k-phone").value.replace(/\D/g, "");
    if (!/^\d{6}$/.test(code)) {
      say($("k-member-msg"), t("kiosk.member.code_bad"), "bad");
      return;
    }
    touch();
    const r = await request("POST", "/api/v1/kiosk/verify", { json: { phone, code } });
    if (r.status !== 200) {
      say($("k-member-msg"), failure(r), "bad");
      $("k-code").value = "";
      return;
    }
    state.member = r.body;
    state.redeem = 0;
    say($("k-member-msg"), t("kiosk.member.welcome", { name: r.body.name || r.body.phone }), "ok");
    renderMemberChip();
    show("scan");
    if (state.lines.length) requote();
  }

  function renderMemberChip() {
    const m = state.member;
    const chip = $("k-member-chip");
    if (!m) {
      chip.innerHTML = `<span class="k-chip muted">${esc(t("kiosk.member.none"))}</span>`;
      return;
    }
    const tier = m.tier ? m.tier.name_zh : "";
    chip.innerHTML =
      `<span class="k-chip"><b>${esc(m.name || m.code)}</b> <span class="mono">${esc(m.phone)}</span>` +
      (tier ? ` <span class="k-tier">${esc(tier)}</span>` : "") +
      ` · ${esc(t("kiosk.member.points", { n: m.points_available }))}</span>`;
  }

  function keypad(key) {
    const input = $(keypadTarget);
    const max = Number(input.getAttribute("maxlength")) || 11;
    if (key === "clear") input.value = "";
    else if (key === "back") input.value = input.value.slice(0, -1);
    else if (input.value.length < max) input.value += key;
    touch();
  }

  // ---------------------------------------------------------------------------
  // Scanning and the cart

  async function scanned(raw) {
    const code = raw.replace(/\s+/g, "");
    if (!code) return;
    touch();
    const r = await request("GET", "/api/v1/scan?code=" + encodeURIComponent(code));
    if (r.status !== 200 || !r.body || !r.body.product) {
      say($("k-scan-msg"), r.status === 200 || r.status === 422 ? t("kiosk.scan.not_found", { code }) : failure(r), "bad");
      return;
    }
    const p = r.body.product;
    if (p.unit_kind === "weight") {
      let grams = r.body.weight_g || null;
      if (!grams && r.body.price_fen && p.price_fen > 0) grams = Math.max(1, Math.round((r.body.price_fen * 1000) / p.price_fen));
      addLine({ product: p, qty: grams || 0, weighed: true, label: r.body.kind === "scale" ? code : null });
    } else {
      const same = state.lines.find((l) => l.product.id === p.id && !l.weighed);
      if (same) {
        if (same.qty < PIECES_MAX) same.qty += 1;
        // More of a restricted item is checked again.
        if (same.restricted) same.confirmed = false;
        say($("k-scan-msg"), t("kiosk.scan.added", { name: nameOf(p) }) + " × " + same.qty, "ok");
        renderLines();
        requote();
        return;
      }
      addLine({ product: p, qty: 1, weighed: false, label: null });
    }
  }

  function addLine(l) {
    if (state.lines.length >= LINES_MAX) return;
    state.lines.push(Object.assign({ key: ++lineSeq, restricted: false, confirmed: false, total_fen: null }, l));
    say($("k-scan-msg"), t("kiosk.scan.added", { name: nameOf(l.product) }), "ok");
    renderLines();
    requote();
  }

  function needsStaff(l) {
    return (l.weighed || l.restricted) && !l.confirmed;
  }

  function blocked() {
    return state.lines.some(needsStaff);
  }

  function priced() {
    return state.lines.filter((l) => l.qty > 0);
  }

  /** Prices the cart on the server; the answer of the latest change wins. */
  function requote() {
    const lines = priced();
    const seq = ++state.quoteSeq;
    if (!lines.length) {
      state.quote = null;
      state.quoteError = null;
      state.quoting = null;
      renderLines();
      return Promise.resolve();
    }
    const body = { lines: lines.map((l) => ({ product_id: l.product.id, qty: l.qty })) };
    if (state.member) body.member_id = state.member.id;
    renderLines();
    state.quoting = request("POST", "/api/v1/kiosk/quote", { json: body }).then((r) => {
      if (seq !== state.quoteSeq) return;
      state.quoting = null;
      if (r.status !== 200) {
        state.quote = null;
        state.quoteError = failure(r);
        say($("k-scan-msg"), state.quoteError, "bad");
        renderLines();
        return;
      }
      state.quoteError = null;
      state.quote = r.body;
      r.body.lines.forEach((q, i) => {
        const l = lines[i];
        if (!l || l.product.id !== q.product_id) return;
        l.total_fen = q.total_fen;
        if (q.restricted && !l.restricted) {
          l.restricted = true;
          l.confirmed = false;
        }
      });
      renderLines();
    });
    return state.quoting;
  }

  function renderLines() {
    const ul = $("k-lines");
    ul.innerHTML = state.lines
      .map((l) => {
        const chips = [];
        if (l.weighed) chips.push(`<span class="k-flag">${esc(t("kiosk.scan.weighed"))}</span>`);
        if (l.restricted) chips.push(`<span class="k-flag k-flag-bad">${esc(t("kiosk.scan.restricted"))}</span>`);
        if ((l.weighed || l.restricted) && l.confirmed) chips.push(`<span class="k-flag k-flag-ok">${esc(t("kiosk.scan.confirmed"))}</span>`);
        const amount = l.total_fen != null ? yuan(l.total_fen) : l.weighed && l.qty ? yuan(forWeight(l.product.price_fen, l.qty)) : l.weighed ? "—" : yuan(l.product.price_fen * l.qty);
        const ops = l.weighed
          ? ""
          : `<button type="button" class="k-op" data-act="dec" aria-label="−">−</button><button type="button" class="k-op" data-act="inc" aria-label="+">+</button>`;
        return (
          `<li class="k-line${needsStaff(l) ? " k-line-staff" : ""}" data-key="${l.key}">` +
          `<div class="k-line-name">${esc(nameOf(l.product))} ${chips.join(" ")}</div>` +
          `<div class="k-line-qty">${esc(qtyText(l))}</div>` +
          `<div class="k-line-amount">${esc(amount)}</div>` +
          `<div class="k-line-ops">${ops}<button type="button" class="k-op k-op-void" data-act="void" aria-label="${esc(t("kiosk.scan.remove"))}">×</button></div>` +
          `</li>`
        );
      })
      .join("");
    $("k-empty").hidden = state.lines.length > 0;
    const q = state.quote;
    const pieces = state.lines.reduce((s, l) => s + (l.weighed ? 1 : l.qty), 0);
    $("k-count").textContent = state.lines.length ? t("kiosk.scan.items", { n: pieces }) : "";
    $("k-total").textContent = q ? yuan(q.total_fen) : "¥0.00";
    $("k-discount").textContent = q && q.discount_fen ? t("kiosk.scan.discount") + " −" + yuan(q.discount_fen) : "";
    $("k-staff-banner").hidden = !blocked();
    const ready = state.lines.length > 0 && !blocked() && q && !state.quoting && !state.quoteError && priced().length === state.lines.length;
    $("k-next").disabled = !ready;
    document.body.dataset.blocked = blocked() ? "1" : "0";
    document.body.dataset.quote = state.quoting ? "pending" : q ? "ready" : "none";
  }

  function lineAction(key, act) {
    const i = state.lines.findIndex((l) => l.key === key);
    const l = state.lines[i];
    if (!l) return;
    touch();
    if (act === "void" || (act === "dec" && l.qty <= 1)) {
      state.lines.splice(i, 1);
      say($("k-scan-msg"), t("kiosk.scan.removed", { name: nameOf(l.product) }), "ok");
    } else if (act === "dec") {
      l.qty -= 1;
    } else if (act === "inc" && l.qty < PIECES_MAX) {
      l.qty += 1;
      if (l.restricted) l.confirmed = false;
    }
    renderLines();
    requote();
  }

  // ---------------------------------------------------------------------------
  // Staff confirmation

  function openStaff() {
    const items = state.lines.filter(needsStaff);
    if (!items.length) return;
    $("k-staff-items").innerHTML = items
      .map((l) => {
        const why = [l.weighed ? t("kiosk.scan.weighed") : "", l.restricted ? t("kiosk.scan.restricted") : ""].filter(Boolean).join(" · ");
        const grams = l.weighed
          ? `<label class="k-grams">${esc(t("kiosk.staff.grams"))} <input type="text" inputmode="numeric" data-grams="${l.key}" value="${l.qty || ""}"></label>`
          : `<span class="k-line-qty">${esc(qtyText(l))}</span>`;
        return `<li><span><b>${esc(nameOf(l.product))}</b> <small>${esc(why)}</small></span> ${grams}</li>`;
      })
      .join("");
    $("k-staff-user").value = cfg.user.username;
    $("k-staff-pass").value = "";
    $("k-staff-error").hidden = true;
    $("k-staff-dialog").showModal();
    $("k-staff-pass").focus();
  }

  async function confirmStaff() {
    const err = $("k-staff-error");
    err.hidden = true;
    const items = state.lines.filter(needsStaff);
    const grams = new Map();
    for (const input of document.querySelectorAll("#k-staff-items input[data-grams]")) {
      const n = /^\d+$/.test(input.value.trim()) ? Number(input.value.trim()) : NaN;
      if (!Number.isInteger(n) || n <= 0 || n > GRAMS_MAX) {
        err.textContent = t("kiosk.staff.grams_bad");
        err.hidden = false;
        input.focus();
        return;
      }
      grams.set(Number(input.dataset.grams), n);
    }
    const note = items
      .map((l) => {
        const g = grams.get(l.key);
        return l.product.name_zh + " " + (l.weighed ? (g / 1000).toFixed(3) + "kg" : "×" + l.qty) + (l.restricted ? " 限售" : "");
      })
      .join("; ")
      .slice(0, 200);
    const r = await request("POST", "/api/v1/kiosk/staff-confirm", {
      json: { username: $("k-staff-user").value.trim(), password: $("k-staff-pass").value, note },
    });
    $("k-staff-pass").value = "";
    if (r.status !== 200) {
      err.textContent = r.status === 401 && !r.session ? t("kiosk.staff.wrong") : failure(r);
      err.hidden = false;
      return;
    }
    for (const l of items) {
      if (grams.has(l.key)) l.qty = grams.get(l.key);
      l.confirmed = true;
    }
    $("k-staff-dialog").close();
    say($("k-scan-msg"), t("kiosk.staff.done", { name: r.body.display_name }), "ok");
    renderLines();
    requote();
  }

  // ---------------------------------------------------------------------------
  // Points

  function pointsValue(points) {
    const m = state.member;
    if (!m || !points) return 0;
    const ppy = (state.quote && state.quote.points && state.quote.points.points_per_yuan) || m.points_per_yuan || 100;
    return Math.floor((points * 100) / ppy);
  }

  function maxPoints() {
    const q = state.quote;
    return q && q.points ? q.points.max_redeemable : 0;
  }

  function due() {
    const q = state.quote;
    return q ? q.total_fen - pointsValue(state.redeem) : 0;
  }

  function renderPoints() {
    const q = state.quote;
    const max = maxPoints();
    $("k-points-available").textContent = t("kiosk.points.available", {
      n: q.points.available,
      max,
      value: yuan(q.points.max_value_fen),
    });
    const range = $("k-points-range");
    range.max = String(max);
    range.value = String(state.redeem);
    $("k-points-using").textContent = t("kiosk.points.using", { n: state.redeem, value: yuan(pointsValue(state.redeem)) });
    $("k-points-due").textContent = yuan(due());
  }

  function setPoints(n) {
    state.redeem = Math.max(0, Math.min(maxPoints(), Math.floor(n) || 0));
    touch();
    renderPoints();
  }

  async function toPayment() {
    if ($("k-next").disabled) return;
    if (state.quoting) await state.quoting;
    if (blocked() || !state.quote) return;
    state.redeem = Math.min(state.redeem, maxPoints());
    if (state.member && maxPoints() > 0) {
      renderPoints();
      show("points");
      return;
    }
    state.redeem = 0;
    startPayment();
  }

  // ---------------------------------------------------------------------------
  // Paying

  async function startPayment() {
    clearTimeout(state.pollTimer);
    show("pay");
    const amount = due();
    $("k-pay-amount").textContent = yuan(amount);
    $("k-pay-retry").hidden = true;
    $("k-pay-back").hidden = false;
    $("k-sim-buttons").hidden = true;
    $("k-pay-sim").hidden = true;
    $("k-pay-real").hidden = true;
    $("k-qr").innerHTML = "";
    state.saleKey = uuid();
    if (amount <= 0) {
      say($("k-pay-status"), t("kiosk.pay.nothing_due"), "ok");
      state.payment = { ref: null, amount_fen: 0, status: "approved", simulator: false };
      await recordSale();
      return;
    }
    say($("k-pay-status"), t("kiosk.pay.waiting"));
    const r = await request("POST", "/api/v1/kiosk/payments", { json: { amount_fen: amount } });
    if (r.status !== 201) {
      say($("k-pay-status"), failure(r), "bad");
      $("k-pay-retry").hidden = false;
      return;
    }
    state.payment = { ref: r.body.payment_ref, amount_fen: r.body.amount_fen, status: r.body.status, simulator: r.body.simulator };
    document.body.dataset.payment = "pending";
    $("k-qr").innerHTML = fakeQr(r.body.qr_payload || r.body.payment_ref);
    $("k-pay-sim").hidden = !r.body.simulator;
    $("k-sim-buttons").hidden = !r.body.simulator;
    $("k-pay-real").hidden = !!r.body.simulator;
    poll();
  }

  function poll() {
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(async () => {
      const p = state.payment;
      if (state.step !== "pay" || !p || !p.ref || p.status !== "pending") return;
      const r = await request("GET", "/api/v1/kiosk/payments/" + encodeURIComponent(p.ref));
      if (state.payment !== p) return;
      if (r.status === 200) settled(r.body.status);
      if (p.status === "pending") poll();
    }, PAY_POLL_MS);
  }

  async function simulate(outcome) {
    const p = state.payment;
    if (!p || !p.ref || p.status !== "pending" || state.busy) return;
    touch();
    state.busy = true;
    const r = await request("POST", "/api/v1/kiosk/payments/" + encodeURIComponent(p.ref) + "/simulate", { json: { outcome } });
    state.busy = false;
    if (r.status !== 200) {
      say($("k-pay-status"), failure(r), "bad");
      return;
    }
    settled(r.body.status);
  }

  function settled(status) {
    const p = state.payment;
    if (!p || p.status !== "pending" || status === "pending") return;
    p.status = status;
    document.body.dataset.payment = status;
    $("k-sim-buttons").hidden = true;
    if (status === "approved") {
      recordSale();
    } else {
      say($("k-pay-status"), t("kiosk.pay.declined"), "bad");
      $("k-pay-retry").hidden = false;
    }
  }

  function saleBody() {
    const body = {
      location_id: cfg.location.id,
      lines: state.lines.map((l) => ({ product_id: l.product.id, qty: l.qty })),
      payments: state.payment.amount_fen > 0 ? [{ tender: "wechat_qr", amount_fen: state.payment.amount_fen }] : [],
    };
    if (state.member) body.member_id = state.member.id;
    if (state.member && state.redeem > 0) body.redeem_points = state.redeem;
    return body;
  }

  async function recordSale() {
    say($("k-pay-status"), t("kiosk.pay.recording"), "ok");
    $("k-pay-back").hidden = true;
    const r = await request("POST", "/api/v1/sales", { json: saleBody(), headers: { "idempotency-key": state.saleKey } });
    if (r.status !== 201) {
      // Paid but not recorded: the same key may be sent again (a lost answer records once).
      say($("k-pay-status"), t("kiosk.pay.sale_failed", { ref: state.payment.ref || "—", reason: failure(r) }), "bad");
      $("k-pay-retry").hidden = !(r.network || r.status >= 500);
      $("k-pay-retry").dataset.mode = "sale";
      document.body.dataset.payment = "sale_failed";
      return;
    }
    state.sale = r.body;
    await showReceipt();
  }

  async function showReceipt() {
    const sale = state.sale;
    const r = await request("GET", "/api/v1/sales/" + sale.order_id + "/receipt", { headers: { accept: "text/html" } });
    let text = "";
    if (r.status === 200 && typeof r.body === "string") {
      const doc = new DOMParser().parseFromString(r.body, "text/html");
      const pre = doc.querySelector("pre");
      text = pre ? pre.textContent : "";
    }
    $("k-receipt").textContent = text || sale.number + "  " + yuan(sale.due_fen);
    $("k-receipt").dataset.number = sale.number;
    $("k-receipt-points").textContent = state.member ? t("kiosk.receipt.points", { used: sale.points_redeemed, earned: sale.points_earned }) : "";
    show("receipt");
    let left = RECEIPT_BACK_S;
    const tick = () => {
      $("k-countdown").textContent = t("kiosk.receipt.back_in", { n: left });
    };
    tick();
    clearInterval(state.countdownTimer);
    state.countdownTimer = setInterval(() => {
      left -= 1;
      if (left <= 0) reset();
      else tick();
    }, 1000);
  }

  // ---------------------------------------------------------------------------
  // Wiring

  function wire() {
    $("k-start").addEventListener("click", () => show("member"));
    $("k-member-back").addEventListener("click", () => reset());
    $("k-skip").addEventListener("click", () => {
      renderMemberChip();
      show("scan");
    });
    $("k-send").addEventListener("click", () => sendCode());
    $("k-verify").addEventListener("click", () => verifyCode());
    $("k-phone").addEventListener("focus", () => (keypadTarget = "k-phone"));
    $("k-code").addEventListener("focus", () => (keypadTarget = "k-code"));
    $("k-keypad").addEventListener("click", (e) => {
      const b = e.target.closest("[data-key]");
      if (b) keypad(b.dataset.key);
    });
    $("k-lines").addEventListener("click", (e) => {
      const li = e.target.closest("li[data-key]");
      const act = e.target.closest("[data-act]");
      if (li && act) lineAction(Number(li.dataset.key), act.dataset.act);
      focusScan();
    });
    $("k-cancel").addEventListener("click", () => {
      if (!state.lines.length || window.confirm(t("kiosk.scan.confirm_cancel"))) reset();
    });
    $("k-next").addEventListener("click", () => toPayment());
    $("k-staff-open").addEventListener("click", () => openStaff());
    $("k-staff-ok").addEventListener("click", () => confirmStaff());
    $("k-staff-cancel").addEventListener("click", () => $("k-staff-dialog").close());
    $("k-staff-dialog").addEventListener("close", () => setTimeout(focusScan, 0));
    $("k-points-range").addEventListener("input", (e) => setPoints(Number(e.target.value)));
    for (const b of document.querySelectorAll("[data-points]")) {
      b.addEventListener("click", () => {
        const k = b.dataset.points;
        setPoints(k === "max" ? maxPoints() : k === "half" ? Math.floor(maxPoints() / 2) : 0);
      });
    }
    $("k-points-back").addEventListener("click", () => show("scan"));
    $("k-points-next").addEventListener("click", () => startPayment());
    $("k-approve").addEventListener("click", () => simulate("approve"));
    $("k-decline").addEventListener("click", () => simulate("decline"));
    $("k-pay-back").addEventListener("click", () => {
      clearTimeout(state.pollTimer);
      state.payment = null;
      show("scan");
    });
    $("k-pay-retry").addEventListener("click", () => {
      if ($("k-pay-retry").dataset.mode === "sale") {
        $("k-pay-retry").dataset.mode = "";
        recordSale();
      } else startPayment();
    });
    $("k-done").addEventListener("click", () => reset());

    $("k-scan").addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      const v = $("k-scan").value;
      $("k-scan").value = "";
      state.chain = (state.chain || Promise.resolve()).then(() => scanned(v)).catch(() => {});
    });
    document.addEventListener("keydown", (e) => {
      touch();
      if ($("k-staff-dialog").open) {
        if (e.key === "Enter") {
          e.preventDefault();
          confirmStaff();
        }
        return;
      }
      const typing = e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
      const tag = e.target && e.target.tagName;
      // A scan on the welcome screen starts a checkout without a member.
      if (state.step === "welcome" && typing && /\d/.test(e.key)) {
        renderMemberChip();
        show("scan");
        return;
      }
      if (state.step === "member" && e.key === "Enter") {
        e.preventDefault();
        if (e.target === $("k-phone")) sendCode();
        else verifyCode();
        return;
      }
      if (state.step === "scan" && tag !== "INPUT" && (typing || e.key === "Enter")) focusScan();
    });
    document.addEventListener("click", (e) => {
      touch();
      if (!e.target.closest("input, button, a, dialog, label")) focusScan();
    });
    document.addEventListener("touchstart", touch, { passive: true });
    setInterval(() => {
      if (state.step === "member") renderMember();
      const idle = Date.now() - state.lastActivity;
      if (["member", "scan", "points"].includes(state.step) && idle > IDLE_RESET_MS) reset();
      if (state.step === "pay" && idle > PAY_IDLE_RESET_MS && !(state.payment && state.payment.status === "approved")) reset();
    }, 1000);
  }

  function start() {
    if (!cfg.location) $("k-start").disabled = true;
    wire();
    renderLines();
    renderMemberChip();
    show("welcome");
    document.body.dataset.ready = "1";
  }

  start();
})();
