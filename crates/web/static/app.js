// Linli console: small conveniences on top of plain HTML forms. Every page works
// without this file; it only saves keystrokes.
(function () {
  "use strict";

  // A scanner types the code and presses Enter: look the code up and fill the line
  // (product name, lot and expiry from a GS1 code) instead of submitting the form.
  function line(el) { return el.closest("[data-line]"); }

  function setText(row, sel, text) {
    var el = row.querySelector(sel);
    if (el) { el.textContent = text; }
  }

  function setValue(row, sel, value, onlyIfEmpty) {
    var el = row.querySelector(sel);
    if (el && value != null && (!onlyIfEmpty || !el.value)) { el.value = value; }
  }

  function showError(row, message) {
    var box = row.querySelector("[data-scan-error]");
    if (!box) { return; }
    box.textContent = message || "";
    box.hidden = !message;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      });
  }

  function fill(row, p, scan) {
    var zh = document.documentElement.lang !== "en";
    var name = zh || !p.name_en ? p.name_zh : p.name_en;
    setText(row, "[data-name]", name);
    setText(row, "[data-unit]", "(" + p.unit + ")");
    setValue(row, "[data-name-field]", name);
    setValue(row, "[data-unit-field]", p.unit);
    setValue(row, "[data-product-id]", String(p.id));
    setValue(row, "[data-lot]", scan.lot, true);
    setValue(row, "[data-expiry]", scan.expiry, true);
    var qty = row.querySelector("[data-qty]");
    if (qty) {
      if (!qty.value && scan.weight_g) { qty.value = (scan.weight_g / 1000).toFixed(3); }
      qty.focus();
      qty.select();
    }
  }

  // Not a barcode: a SKU or a name that matches exactly one product (or one SKU exactly).
  function search(row, code, zh, scanError) {
    return getJson("/api/v1/products?page_size=5&q=" + encodeURIComponent(code)).then(function (r) {
      var items = (r.ok && r.body.items) || [];
      var exact = items.filter(function (p) { return p.sku.toLowerCase() === code.toLowerCase(); });
      var p = exact.length === 1 ? exact[0] : (items.length === 1 ? items[0] : null);
      if (p) { fill(row, p, {}); return; }
      showError(row, scanError || (zh ? "未找到该条码对应的商品（也可输入商品编码或名称）" : "No product has this code (a SKU or name also works)"));
    });
  }

  function lookUp(input) {
    var row = line(input);
    var code = input.value.trim();
    if (!row || !code) { return; }
    showError(row, "");
    var zh = document.documentElement.lang !== "en";
    getJson("/api/v1/scan?code=" + encodeURIComponent(code)).then(function (r) {
      if (r.ok && r.body.product) { fill(row, r.body.product, r.body); return; }
      var e = !r.ok && r.body && r.body.error;
      // A code with letters is not a barcode: try it as a SKU or name before showing the scan error.
      var digitsOnly = /^[0-9]+$/.test(code);
      var scanError = e ? (zh ? e.message_zh : e.message_en) : "";
      if (!digitsOnly || !e) { return search(row, code, zh, digitsOnly ? scanError : ""); }
      showError(row, scanError);
    }).catch(function () {
      showError(row, "");
    });
  }

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key === "Enter" && t && t.matches && t.matches("[data-scan]")) {
      ev.preventDefault();
      lookUp(t);
    }
  });

  // A changed code clears what an earlier lookup filled in, so the server resolves the new one.
  document.addEventListener("input", function (ev) {
    var t = ev.target;
    if (t && t.matches && t.matches("[data-scan]")) {
      var row = line(t);
      if (row) { setValue(row, "[data-product-id]", ""); }
    }
  });

  // Filters that apply as soon as they change.
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t && t.matches && t.matches("select[data-autosubmit]") && t.form) { t.form.submit(); }
  });

  // Irreversible actions ask first.
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    var msg = f && f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
})();
