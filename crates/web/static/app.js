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

  function lookUp(input) {
    var row = line(input);
    var code = input.value.trim();
    if (!row || !code) { return; }
    showError(row, "");
    fetch("/api/v1/scan?code=" + encodeURIComponent(code), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      var zh = document.documentElement.lang !== "en";
      if (!r.ok) {
        var e = r.body && r.body.error;
        showError(row, e ? (zh ? e.message_zh : e.message_en) : "");
        return;
      }
      var p = r.body.product;
      if (!p) {
        showError(row, zh ? "未找到该条码对应的商品（也可输入商品编码或名称）" : "No product has this code (a SKU or name also works)");
        return;
      }
      var name = zh || !p.name_en ? p.name_zh : p.name_en;
      setText(row, "[data-name]", name);
      setText(row, "[data-unit]", "(" + p.unit + ")");
      setValue(row, "[data-name-field]", name);
      setValue(row, "[data-unit-field]", p.unit);
      setValue(row, "[data-product-id]", String(p.id));
      setValue(row, "[data-lot]", r.body.lot, true);
      setValue(row, "[data-expiry]", r.body.expiry, true);
      var qty = row.querySelector("[data-qty]");
      if (qty) {
        if (!qty.value && r.body.weight_g) { qty.value = (r.body.weight_g / 1000).toFixed(3); }
        qty.focus();
        qty.select();
      }
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
