// 居民商城 The resident shop: a phone-first single page over the JSON API.
//
// Views are hash routes (#/, #/p/ID, #/cart, #/checkout, #/pay/ID, #/o/ID, #/orders,
// #/me, #/login). The resident token and the cart live in localStorage per
// organisation; every API call sends `Authorization: Bearer <token>`, and state-changing
// ones an Idempotency-Key made for that press of the button. Texts are zh-CN first with
// an English toggle. The SMS and payment simulators are labelled wherever they appear.
'use strict';

(() => {
  const cfg = JSON.parse(document.getElementById('shop-config').textContent);
  const ORG = cfg.org_id;
  /** The most of one product a cart line holds (pieces; grams for weighed goods). */
  const LINE_QTY_MAX = 99;
  const WEIGHT_STEP_G = 500;
  const CART_LINES_MAX = 50;
  const PAGE_SIZE = 20;
  /** How often an open order page asks for news. */
  const ORDER_POLL_MS = 4000;
  const FINAL = ['completed', 'cancelled', 'refunded', 'partly_refunded'];

  // ---------------------------------------------------------------------------
  // Texts

  const TEXTS = {
    'tab.home': ['首页', 'Home'],
    'tab.cart': ['购物车', 'Cart'],
    'tab.orders': ['订单', 'Orders'],
    'tab.me': ['我的', 'Me'],
    loading: ['加载中…', 'Loading…'],
    retry: ['重试', 'Retry'],
    working: ['处理中…', 'Working…'],
    back: ['返回', 'Back'],
    'login.title': ['手机号登录', 'Sign in with your phone'],
    'login.lead': ['用手机号接收验证码登录，新号码将自动成为会员。', 'We text you a code. A new number becomes a member.'],
    'login.phone': ['手机号', 'Mobile number'],
    'login.get_code': ['获取验证码', 'Send code'],
    'login.resend': ['{s} 秒后可重新获取', 'Resend in {s} s'],
    'login.code': ['验证码', 'Code'],
    'login.submit': ['登录', 'Sign in'],
    'login.sent': ['验证码已发送', 'Code sent'],
    'login.sms_sim_title': ['短信模拟器', 'SMS simulator'],
    'login.sms_sim_note': ['演示环境不会真的发送短信，验证码显示在这里。', 'Nothing is really texted here: the code is shown in this box.'],
    'login.sms_sim_to': ['发给 {p} 的验证码', 'Code for {p}'],
    'login.phone_bad': ['请输入 11 位手机号', 'Enter an 11-digit mobile number'],
    'login.code_bad': ['请输入 6 位验证码', 'Enter the 6-digit code'],
    'login.welcome': ['欢迎成为会员！', 'Welcome, new member!'],
    'home.search': ['搜索商品，拼音首字母如 nn', 'Search, e.g. pinyin initials nn'],
    'home.search_btn': ['搜索', 'Search'],
    'home.all': ['全部', 'All'],
    'home.zones': ['场景专区', 'Scene zones'],
    'home.presale': ['预售', 'Presale'],
    'home.results': ['“{q}”的搜索结果', 'Results for “{q}”'],
    'home.clear': ['清除', 'Clear'],
    'home.empty': ['没有找到商品', 'No products found'],
    'home.empty_hint': ['换个关键词试试，如拼音首字母', 'Try another word, or pinyin initials'],
    'home.more': ['加载更多', 'Load more'],
    'home.count': ['共 {n} 件商品', '{n} products'],
    'stock.in_stock': ['有货', 'In stock'],
    'stock.low': ['仅剩{n}', 'Only {n} left'],
    'stock.sold_out': ['售罄', 'Sold out'],
    'fresh.today': ['今日到货', 'Arrived today'],
    'fresh.near': ['临期', 'Near expiry'],
    'fresh.best_before': ['保质期至 {d}', 'Best before {d}'],
    'fresh.days_left': ['还剩 {n} 天', '{n} days left'],
    'fresh.day_left': ['还剩 1 天', '1 day left'],
    'fresh.last_day': ['今天是最后销售日', 'Last day of sale'],
    add: ['加入购物车', 'Add to cart'],
    added: ['已加入购物车', 'Added to cart'],
    'add.short': ['加入', 'Add'],
    'cart.title': ['购物车', 'Cart'],
    'cart.empty': ['购物车是空的', 'Your cart is empty'],
    'cart.go_shop': ['去逛逛', 'Start shopping'],
    'cart.remove': ['删除', 'Remove'],
    'cart.total': ['合计', 'Total'],
    'cart.estimate': ['称重商品按实际重量计价', 'Weighed items are charged by weight'],
    'cart.checkout': ['去结算', 'Checkout'],
    'cart.full': ['购物车最多 {n} 种商品', 'At most {n} products in the cart'],
    'cart.presale_replace': ['预售商品需单独下单。清空购物车后加入？', 'Presale items are ordered on their own. Empty the cart and add this?'],
    'cart.regular_replace': ['购物车里是预售商品，需单独下单。清空后加入？', 'The cart holds presale items, ordered on their own. Empty it and add this?'],
    'cart.presale_of': ['预售 · {d} 到货', 'Presale · ships {d}'],
    'cart.max': ['最多 {n}', 'At most {n}'],
    'checkout.title': ['确认订单', 'Confirm order'],
    'checkout.how': ['取货方式', 'How to get it'],
    'checkout.pickup': ['到店自提', 'Pick up at the store'],
    'checkout.pickup_hint': ['凭提货码到店取货', 'Show your pickup code at the counter'],
    'checkout.delivery': ['送货上门', 'Delivery'],
    'checkout.delivery_hint': ['3 公里内，选择 2 小时送达时段', 'Within 3 km, in a 2-hour slot'],
    'checkout.presale': ['预售', 'Presale'],
    'checkout.presale_hint': ['{d} 到货后凭提货码到店取货', 'Collect with your pickup code from {d}'],
    'checkout.address': ['送货地址', 'Address'],
    'checkout.building': ['楼栋', 'Building'],
    'checkout.unit': ['单元', 'Unit'],
    'checkout.room': ['房号', 'Room'],
    'checkout.choose_building': ['请选择楼栋', 'Choose a building'],
    'checkout.date': ['送达日期', 'Day'],
    'checkout.slot': ['配送时段', 'Delivery slot'],
    'checkout.slot_left': ['剩 {n}', '{n} left'],
    'checkout.slot_full': ['已约满', 'Full'],
    'checkout.no_slots': ['当天没有可预约的时段，请换一天', 'No slots left that day; try another'],
    'checkout.choose_slot': ['请选择配送时段', 'Choose a delivery slot'],
    'checkout.note': ['备注（选填）', 'Note (optional)'],
    'checkout.lines': ['商品清单', 'Items'],
    'checkout.submit': ['提交订单', 'Place order'],
    'checkout.store': ['门店', 'Store'],
    'checkout.coupon_hint': ['满足使用条件的券在下单时抵扣，取消订单后退回', 'Coupons that apply are taken off when you place the order, and come back if you cancel it'],
    today: ['今天', 'Today'],
    tomorrow: ['明天', 'Tomorrow'],
    'pay.title': ['支付订单', 'Pay'],
    'pay.sim_title': ['模拟支付', 'Payment simulator'],
    'pay.sim_note': ['这是演示用的模拟支付，不会产生真实扣款。', 'A demo payment simulator: no real money moves.'],
    'pay.amount': ['应付金额', 'Amount due'],
    'pay.approve': ['模拟支付成功', 'Simulate: pay'],
    'pay.decline': ['模拟支付失败', 'Simulate: decline'],
    'pay.declined': ['支付未成功，可以重新支付。', 'The payment was declined. You can pay again.'],
    'pay.retry': ['重新支付', 'Pay again'],
    'pay.done': ['支付成功', 'Paid'],
    'pay.pay_by': ['请在 {t} 前支付，超时订单自动取消', 'Pay by {t}, or the order is closed'],
    'pay.not_sim': ['请用微信或支付宝扫码支付，完成后点“我已支付”。', 'Scan with WeChat Pay or Alipay, then tap “I have paid”.'],
    'pay.refresh': ['我已支付', 'I have paid'],
    'pay.qr': ['付款码内容', 'QR payload'],
    'order.title': ['订单详情', 'Order'],
    'order.number': ['订单号', 'Order no.'],
    'order.pickup_code': ['提货码', 'Pickup code'],
    'order.pickup_hint': ['到店出示提货码，由店员核销', 'Show this code at the counter'],
    'order.pickup_after_pay': ['支付后显示提货码', 'The pickup code shows once paid'],
    'order.pay': ['去支付', 'Pay now'],
    'order.cancel': ['取消订单', 'Cancel order'],
    'order.cancel_confirm': ['确定取消这个订单吗？已支付的金额会原路退回。', 'Cancel this order? A payment is refunded.'],
    'order.cancelled': ['订单已取消', 'Order cancelled'],
    'order.reorder': ['再来一单', 'Order again'],
    'order.reorder_confirm': ['按今天的价格再下一单（到店自提）？', 'Order the same again at today’s prices, for pickup?'],
    'order.timeline': ['订单进度', 'Progress'],
    'order.lines': ['商品', 'Items'],
    'order.total': ['合计', 'Total'],
    'order.discount': ['优惠', 'Discount'],
    'order.delivery_to': ['送至', 'Deliver to'],
    'order.slot': ['送达时段', 'Slot'],
    'order.presale_date': ['到货日', 'Ships on'],
    'order.note': ['备注', 'Note'],
    'order.placed_at': ['下单时间', 'Placed'],
    'order.refund_pending': ['退款处理中', 'Refund in progress'],
    'order.refunded': ['已原路退款', 'Refunded'],
    'order.locked': ['提货码错误次数过多，请到柜台核对身份', 'Too many wrong codes: the counter will check your identity'],
    'status.created': ['待支付', 'Awaiting payment'],
    'status.paid': ['已支付', 'Paid'],
    'status.preparing': ['备货中', 'Preparing'],
    'status.ready': ['待提货', 'Ready for pickup'],
    'status.out_for_delivery': ['配送中', 'Out for delivery'],
    'status.completed': ['已完成', 'Completed'],
    'status.cancelled': ['已取消', 'Cancelled'],
    'status.refunded': ['已退款', 'Refunded'],
    'status.partly_refunded': ['部分退款', 'Partly refunded'],
    'step.created': ['下单', 'Placed'],
    'step.paid': ['支付', 'Paid'],
    'step.preparing': ['备货', 'Preparing'],
    'step.ready': ['待提货', 'Ready'],
    'step.out_for_delivery': ['配送', 'On the way'],
    'step.completed': ['完成', 'Done'],
    'step.cancelled': ['已取消', 'Cancelled'],
    'fulfil.pickup': ['到店自提', 'Pickup'],
    'fulfil.delivery': ['送货上门', 'Delivery'],
    'fulfil.presale': ['预售', 'Presale'],
    'orders.title': ['我的订单', 'My orders'],
    'orders.empty': ['还没有订单', 'No orders yet'],
    'orders.items': ['{n} 件商品', '{n} items'],
    'me.title': ['我的', 'Me'],
    'me.member_code': ['会员码', 'Member code'],
    'me.tier': ['会员等级', 'Tier'],
    'me.discount': ['{d} 折', '{p}% off'],
    'me.points': ['积分', 'Points'],
    'me.points_value': ['可抵 {v}', 'Worth {v}'],
    'me.stored': ['储值余额', 'Stored value'],
    'me.principal_bonus': ['本金 {p} · 赠送 {b}', 'Principal {p} · bonus {b}'],
    'me.coupons': ['优惠券', 'Coupons'],
    'me.no_coupons': ['暂无优惠券', 'No coupons'],
    'me.points_history': ['积分明细', 'Points history'],
    'me.stored_history': ['储值明细', 'Stored-value history'],
    'me.no_history': ['暂无记录', 'Nothing yet'],
    'me.orders': ['我的订单', 'My orders'],
    'me.logout': ['退出登录', 'Sign out'],
    'me.next_tier': ['再消费 {v} 可升级为{t}', 'Spend {v} more to reach {t}'],
    'me.top_tier': ['已是最高等级', 'Top tier'],
    'me.expiring': ['{n} 积分将在 30 天内过期', '{n} points lapse within 30 days'],
    'me.address': ['收货地址', 'Address'],
    'me.no_address': ['未登记地址，下单时填写', 'No address on file; give it when ordering'],
    'me.language': ['语言 / Language', 'Language / 语言'],
    'coupon.status.issued': ['可用', 'Usable'],
    'coupon.status.used': ['已使用', 'Used'],
    'coupon.status.expired': ['已过期', 'Expired'],
    'coupon.status.voided': ['已作废', 'Voided'],
    'coupon.until': ['有效期至 {d}', 'Valid until {d}'],
    'coupon.threshold': ['满 {t} 可用', 'Min. spend {t}'],
    'coupon.percent': ['{d} 折', '{p}% off'],
    'coupon.free_item': ['免单商品', 'Free item'],
    'kind.earn': ['消费积分', 'Earned'],
    'kind.redeem': ['积分抵现', 'Redeemed'],
    'kind.reverse': ['退款冲回', 'Reversed'],
    'kind.expire': ['过期', 'Lapsed'],
    'kind.adjust': ['调整', 'Adjusted'],
    'kind.top_up': ['充值', 'Top-up'],
    'kind.spend': ['消费', 'Spent'],
    'kind.refund': ['退回', 'Refunded'],
    'kind.withdraw': ['退卡', 'Withdrawn'],
    'kind.birthday': ['生日礼', 'Birthday gift'],
    'error.network': ['网络连接失败，请重试', 'Network error; try again'],
    'error.session': ['请重新登录', 'Please sign in again'],
    'error.not_found': ['没有找到', 'Not found'],
    'product.qty': ['数量', 'Quantity'],
    'product.brand': ['品牌', 'Brand'],
    'together.title': ['常一起买', 'Often bought together'],
    'product.in_cart': ['购物车中已有 {q}', '{q} in your cart'],
    'product.go_cart': ['去购物车', 'Go to cart'],
    'presale.ship': ['{d} 到货', 'Ships {d}'],
    'presale.left': ['剩 {n}', '{n} left'],
    'presale.limit': ['每单限 {n}', 'Max {n} per order'],
    'presale.order': ['预订', 'Reserve'],
  };

  let lang = localStorage.getItem('linli.shop.lang') || (cfg.lang === 'en' ? 'en' : 'zh');

  function t(key, vars) {
    const pair = TEXTS[key];
    let s = pair ? pair[lang === 'en' ? 1 : 0] : key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
    return s;
  }

  function esc(v) {
    return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  }

  // ---------------------------------------------------------------------------
  // Formats

  function money(fen) {
    const sign = fen < 0 ? '-' : '';
    const a = Math.abs(fen);
    return `${sign}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
  }

  function isWeighed(p) {
    return p.unit_kind === 'weight';
  }

  /** A quantity as a person reads it: "2 瓶", "1.5 kg". */
  function qtyText(q, p) {
    if (isWeighed(p)) return `${+(q / 1000).toFixed(3)} kg`;
    return `${q} ${p.unit_label || ''}`.trim();
  }

  /** A line's total as the pricing engine makes it: weight × price per kg rounds half up. */
  function lineTotal(price, q, p) {
    return isWeighed(p) ? Math.floor((price * q + 500) / 1000) : price * q;
  }

  function perUnit(p) {
    return isWeighed(p) ? '/kg' : `/${p.unit_label || ''}`;
  }

  function name(p) {
    return lang === 'en' && p.name_en ? p.name_en : p.name_zh;
  }

  const tz = 'Asia/Shanghai';
  function dateTime(ms) {
    return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: tz, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
    }).format(new Date(ms));
  }
  function hm(ms) {
    return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(ms));
  }
  /** The store's calendar day `days` from now, YYYY-MM-DD. */
  function storeDate(days) {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date(Date.now() + days * 86_400_000));
  }
  function shortDate(iso) {
    const [, m, d] = iso.split('-');
    return lang === 'en' ? `${d}/${m}` : `${+m}月${+d}日`;
  }

  // ---------------------------------------------------------------------------
  // Local state: token, cart, cached shop info

  const KEY = (k) => `linli.shop.${ORG}.${k}`;
  const saved = {
    get(k, d) {
      try {
        const v = localStorage.getItem(KEY(k));
        return v === null ? d : JSON.parse(v);
      } catch {
        return d;
      }
    },
    set(k, v) {
      localStorage.setItem(KEY(k), JSON.stringify(v));
    },
    del(k) {
      localStorage.removeItem(KEY(k));
    },
  };

  let shop = null; // GET /api/v1/resident/shop, once signed in
  let pollTimer = null;
  let renderSeq = 0;

  function token() {
    return saved.get('token', null);
  }

  function cart() {
    const c = saved.get('cart', []);
    return Array.isArray(c) ? c : [];
  }

  function saveCart(c) {
    saved.set('cart', c);
    updateBadge();
  }

  function updateBadge() {
    const n = cart().length;
    const b = document.getElementById('cart-badge');
    b.hidden = n === 0;
    b.textContent = String(n);
  }

  function cartQty(id) {
    const line = cart().find((l) => l.product_id === id);
    return line ? line.qty : 0;
  }

  function stepOf(p) {
    return isWeighed(p) ? WEIGHT_STEP_G : 1;
  }

  /** The most a cart line of `p` may hold: what the store can promise, within limits. */
  function maxOf(p) {
    const cap = isWeighed(p) ? LINE_QTY_MAX * WEIGHT_STEP_G : LINE_QTY_MAX;
    const limit = p.per_order_max ?? p.available ?? cap;
    return Math.max(0, Math.min(cap, limit));
  }

  /** Adds `step` units of a product to the cart (a presale product with its ship date). */
  function addToCart(p, presaleDate) {
    let c = cart();
    const presale = presaleDate || null;
    // A presale is ordered on its own (one ship date per order): never mix carts.
    const mixed = c.some((l) => (l.presale_date || null) !== presale);
    if (mixed) {
      if (!window.confirm(t(presale ? 'cart.presale_replace' : 'cart.regular_replace'))) return false;
      c = [];
    }
    const line = c.find((l) => l.product_id === p.id);
    const max = maxOf(p);
    if (line) {
      if (line.qty + stepOf(p) > max) {
        toast(t('cart.max', { n: qtyText(max, p) }));
        return false;
      }
      line.qty += stepOf(p);
    } else {
      if (c.length >= CART_LINES_MAX) {
        toast(t('cart.full', { n: CART_LINES_MAX }));
        return false;
      }
      if (max < stepOf(p)) {
        toast(t('stock.sold_out'));
        return false;
      }
      c.push({
        product_id: p.id,
        name_zh: p.name_zh,
        name_en: p.name_en || '',
        unit_kind: p.unit_kind,
        unit_label: p.unit_label,
        price_fen: p.price_fen,
        qty: stepOf(p),
        available: p.available ?? null,
        per_order_max: p.per_order_max ?? null,
        presale_date: presale,
      });
    }
    saveCart(c);
    return true;
  }

  function changeQty(id, dir) {
    const c = cart();
    const line = c.find((l) => l.product_id === id);
    if (!line) return;
    const step = stepOf(line);
    const next = line.qty + dir * step;
    if (next <= 0) {
      saveCart(c.filter((l) => l.product_id !== id));
      return;
    }
    const max = maxOf(line);
    if (dir > 0 && next > max) {
      toast(t('cart.max', { n: qtyText(max, line) }));
      return;
    }
    line.qty = next;
    saveCart(c);
  }

  // ---------------------------------------------------------------------------
  // The API

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return `shop-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
  }

  async function api(method, path, body, { key } = {}) {
    const headers = { accept: 'application/json' };
    const tok = token();
    if (tok) headers.authorization = `Bearer ${tok}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && tok) headers['idempotency-key'] = key || newKey();
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'network', t('error.network'), null);
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (res.status === 401 && tok) {
      forgetSession();
      go('#/login', true);
      throw new ApiError(401, 'unauthenticated', t('error.session'), null);
    }
    if (!res.ok) {
      const e = data && data.error;
      const msg = e ? (lang === 'en' ? e.message_en : e.message_zh) : `HTTP ${res.status}`;
      throw new ApiError(res.status, e ? e.code : 'http', msg, e ? e.field : null);
    }
    return data;
  }

  function forgetSession() {
    saved.del('token');
    shop = null;
  }

  async function ensureShop() {
    if (!shop) shop = await api('GET', '/api/v1/resident/shop');
    return shop;
  }

  // ---------------------------------------------------------------------------
  // Page chrome

  const view = document.getElementById('view');
  const backBtn = document.getElementById('back');
  const titleEl = document.getElementById('title');
  let toastTimer = null;

  function toast(msg, kind) {
    const el = document.getElementById('toast');
    el.textContent = msg;
    el.className = `toast${kind ? ` ${kind}` : ''}`;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.hidden = true;
    }, 2400);
  }

  function setChrome(title, { back = false, tab = null } = {}) {
    titleEl.textContent = title || cfg.org_name;
    backBtn.hidden = !back;
    document.querySelectorAll('#tabs a').forEach((a) => {
      a.classList.toggle('active', a.dataset.tab === tab);
      if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    document.querySelectorAll('#tabs [data-t]').forEach((s) => {
      s.textContent = t(s.dataset.t);
    });
    document.getElementById('lang-toggle').textContent = lang === 'en' ? '中文' : 'EN';
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.getElementById('tabs').hidden = !token();
  }

  function loadingHtml() {
    return `<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span><span>${esc(t('loading'))}</span></div>`;
  }

  function errorHtml(e) {
    return `<div class="empty"><p>${esc(e.message || String(e))}</p><button type="button" class="btn" data-action="reload">${esc(t('retry'))}</button></div>`;
  }

  function go(hash, replace) {
    if (replace) history.replaceState(null, '', hash);
    else if (location.hash !== hash) {
      location.hash = hash;
      return;
    }
    render();
  }

  function busy(btn, on) {
    if (!btn) return;
    if (on) {
      btn.dataset.label = btn.textContent;
      btn.textContent = t('working');
      btn.disabled = true;
    } else {
      btn.textContent = btn.dataset.label || btn.textContent;
      btn.disabled = false;
    }
  }

  // ---------------------------------------------------------------------------
  // Badges shared by cards and the product page

  function stockBadge(p) {
    if (p.stock_status === 'sold_out') return `<span class="badge sold-out">${esc(t('stock.sold_out'))}</span>`;
    if (p.stock_status === 'low') {
      const n = isWeighed(p) ? qtyText(p.available, p) : `${p.available}${p.unit_label || ''}`;
      return `<span class="badge low">${esc(t('stock.low', { n }))}</span>`;
    }
    return `<span class="badge ok">${esc(t('stock.in_stock'))}</span>`;
  }

  function freshBadges(p) {
    let s = '';
    if (p.arrived_today) s += `<span class="badge fresh">${esc(t('fresh.today'))}</span>`;
    if (p.near_expiry) s += `<span class="badge near">${esc(t('fresh.near'))}</span>`;
    return s;
  }

  function stepper(p, qty) {
    return `<div class="stepper" data-id="${p.id}">
      <button type="button" class="step" data-action="dec" data-id="${p.id}" aria-label="−">−</button>
      <span class="step-qty" data-qty="${p.id}">${esc(qtyText(qty, p))}</span>
      <button type="button" class="step" data-action="inc" data-id="${p.id}" aria-label="+">+</button>
    </div>`;
  }

  function cardHtml(p) {
    const q = cartQty(p.id);
    const sold = p.stock_status === 'sold_out';
    const control = q > 0
      ? stepper(p, q)
      : `<button type="button" class="btn add" data-action="add" data-id="${p.id}"${sold ? ' disabled' : ''}>${esc(sold ? t('stock.sold_out') : t('add.short'))}</button>`;
    return `<article class="card product${sold ? ' is-sold-out' : ''}" data-product="${p.id}">
      <a class="card-link" href="#/p/${p.id}">
        <div class="thumb" aria-hidden="true">${esc((p.name_zh || '?').slice(0, 1))}</div>
        <h3 class="pname">${esc(name(p))}</h3>
      </a>
      <div class="badges">${stockBadge(p)}${freshBadges(p)}</div>
      <div class="card-foot">
        <span class="price">${esc(money(p.price_fen))}<small>${esc(perUnit(p))}</small></span>
        ${control}
      </div>
    </article>`;
  }

  // ---------------------------------------------------------------------------
  // Views

  const products = new Map(); // id → last seen product, for the cart buttons on cards

  async function viewLogin() {
    setChrome(t('login.title'));
    view.innerHTML = `<section class="panel login">
      <div class="login-brand"><span class="logo big" aria-hidden="true">邻</span><div><strong>${esc(cfg.org_name)}</strong><p class="muted">${esc(t('login.lead'))}</p></div></div>
      <form id="login-form" class="form" novalidate>
        <label>${esc(t('login.phone'))}
          <input name="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="11" placeholder="13800000000" required>
        </label>
        <button type="button" class="btn block" id="get-code" data-action="get-code">${esc(t('login.get_code'))}</button>
        <div id="sms-sim" class="sim-box" hidden role="status" aria-live="polite"></div>
        <label>${esc(t('login.code'))}
          <input name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" placeholder="6 位数字 / 6 digits" required>
        </label>
        <button type="submit" class="btn primary block" id="sign-in">${esc(t('login.submit'))}</button>
      </form>
    </section>`;
    view.querySelector('input[name=phone]').value = saved.get('phone', '');
  }

  function phoneOk(p) {
    return /^1\d{10}$/.test(p);
  }

  let resendTimer = null;
  async function requestCode(btn) {
    const form = document.getElementById('login-form');
    const phone = form.phone.value.replace(/\s+/g, '');
    if (!phoneOk(phone)) {
      toast(t('login.phone_bad'), 'bad');
      form.phone.focus();
      return;
    }
    busy(btn, true);
    try {
      const sent = await api('POST', '/api/v1/resident/otp', { org_id: ORG, phone });
      saved.set('phone', phone);
      toast(t('login.sent'), 'ok');
      const box = document.getElementById('sms-sim');
      if (sent.simulator_code) {
        box.hidden = false;
        box.innerHTML = `<div class="sim-label">${esc(sent.sender || t('login.sms_sim_title'))}</div>
          <div class="sim-note">${esc(t('login.sms_sim_note'))}</div>
          <div class="sim-to">${esc(t('login.sms_sim_to', { p: phone }))}</div>
          <div class="sim-code" data-sim-code>${esc(sent.simulator_code)}</div>`;
      } else {
        box.hidden = true;
      }
      form.code.focus();
      const until = sent.resend_after;
      clearInterval(resendTimer);
      const tick = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        if (left <= 0 || !document.body.contains(btn)) {
          clearInterval(resendTimer);
          btn.disabled = false;
          btn.textContent = t('login.get_code');
          return;
        }
        btn.disabled = true;
        btn.textContent = t('login.resend', { s: left });
      };
      busy(btn, false);
      tick();
      resendTimer = setInterval(tick, 1000);
    } catch (e) {
      busy(btn, false);
      toast(e.message, 'bad');
    }
  }

  async function signIn(form) {
    const phone = form.phone.value.replace(/\s+/g, '');
    const code = form.code.value.trim();
    if (!phoneOk(phone)) return toast(t('login.phone_bad'), 'bad');
    if (!/^\d{6}$/.test(code)) return toast(t('login.code_bad'), 'bad');
    const btn = document.getElementById('sign-in');
    busy(btn, true);
    try {
      const r = await api('POST', '/api/v1/resident/login', { org_id: ORG, phone, code });
      saved.set('token', r.token);
      shop = null;
      if (r.new_member) toast(t('login.welcome'), 'ok');
      const next = saved.get('next', '#/');
      saved.del('next');
      go(next && next !== '#/login' ? next : '#/', true);
    } catch (e) {
      busy(btn, false);
      toast(e.message, 'bad');
    }
  }

  /** Home: search, categories, zones, presales, products. */
  async function viewHome(params, seq) {
    const q = params.get('q') || '';
    const cat = params.get('cat') || '';
    const zone = params.get('zone') || '';
    setChrome(cfg.org_name, { tab: 'home' });
    view.innerHTML = loadingHtml();
    const [info, cats, zones, presales] = await Promise.all([
      ensureShop(),
      api('GET', '/api/v1/resident/categories'),
      api('GET', '/api/v1/resident/zones'),
      api('GET', '/api/v1/resident/presales').catch(() => []),
    ]);
    if (seq !== renderSeq) return;
    const chip = (label, href, on) => `<a class="chip${on ? ' on' : ''}" href="${esc(href)}"${on ? ' aria-current="true"' : ''}>${esc(label)}</a>`;
    const catChips = [chip(t('home.all'), '#/', !cat && !zone)]
      .concat(cats.map((c) => chip(lang === 'en' && c.name_en ? c.name_en : c.name_zh, `#/?cat=${c.id}`, String(c.id) === cat)))
      .join('');
    const zoneChips = zones
      .map((z) => `<a class="zone${String(z.id) === zone ? ' on' : ''}" href="#/?zone=${z.id}">${esc(lang === 'en' && z.name_en ? z.name_en : z.name_zh)}</a>`)
      .join('');
    const showPresale = presales.length > 0 && !q && !cat && !zone;
    view.innerHTML = `
      <form class="search" id="search-form" role="search">
        <input type="search" name="q" value="${esc(q)}" placeholder="${esc(t('home.search'))}" aria-label="${esc(t('home.search'))}" enterkeyhint="search" autocomplete="off">
        <button type="submit" class="btn primary">${esc(t('home.search_btn'))}</button>
      </form>
      <div class="store-line muted">${esc(info.store_name)}${info.store_address ? ` · ${esc(info.store_address)}` : ''}</div>
      <nav class="chips" aria-label="${esc(t('home.all'))}">${catChips}</nav>
      ${zones.length ? `<section class="zones"><h2>${esc(t('home.zones'))}</h2><div class="zone-row">${zoneChips}</div></section>` : ''}
      ${showPresale ? `<section class="presales"><h2>${esc(t('home.presale'))}</h2><div class="presale-row">${presales.map(presaleHtml).join('')}</div></section>` : ''}
      ${q ? `<div class="results-head"><span>${esc(t('home.results', { q }))}</span><a href="#/" class="linkish">${esc(t('home.clear'))}</a></div>` : ''}
      <div class="grid" id="grid">${loadingHtml()}</div>
      <div class="more-wrap" id="more-wrap"></div>`;
    for (const p of presales) products.set(`presale-${p.id}`, p);
    await loadProducts({ q, cat, zone, page: 1 }, seq);
  }

  function presaleHtml(p) {
    return `<article class="card presale">
      <div class="thumb" aria-hidden="true">${esc((p.name_zh || '?').slice(0, 1))}</div>
      <h3 class="pname">${esc(p.name_zh)}</h3>
      <div class="badges"><span class="badge presale-badge">${esc(t('presale.ship', { d: shortDate(p.ship_date) }))}</span><span class="badge">${esc(t('presale.left', { n: p.remaining }))}</span></div>
      <div class="muted small">${esc(t('presale.limit', { n: p.per_order_max }))}</div>
      <div class="card-foot"><span class="price">${esc(money(p.price_fen))}</span>
        <button type="button" class="btn add" data-action="add-presale" data-presale="${p.id}"${p.remaining > 0 ? '' : ' disabled'}>${esc(t('presale.order'))}</button></div>
    </article>`;
  }

  async function loadProducts(f, seq) {
    const qs = new URLSearchParams({ page: String(f.page), page_size: String(PAGE_SIZE) });
    if (f.q) qs.set('q', f.q);
    if (f.cat) qs.set('category_id', f.cat);
    if (f.zone) qs.set('zone_id', f.zone);
    const grid = document.getElementById('grid');
    const more = document.getElementById('more-wrap');
    let list;
    try {
      list = await api('GET', `/api/v1/resident/products?${qs}`);
    } catch (e) {
      if (seq === renderSeq && grid) grid.innerHTML = errorHtml(e);
      return;
    }
    if (seq !== renderSeq || !grid) return;
    if (f.page === 1) grid.innerHTML = '';
    for (const p of list.items) products.set(p.id, p);
    if (list.total === 0) {
      grid.innerHTML = `<div class="empty"><p>${esc(t('home.empty'))}</p><p class="muted">${esc(t('home.empty_hint'))}</p></div>`;
    } else {
      grid.insertAdjacentHTML('beforeend', list.items.map(cardHtml).join(''));
    }
    const shown = (f.page - 1) * PAGE_SIZE + list.items.length;
    more.innerHTML = shown < list.total
      ? `<button type="button" class="btn block" data-action="more" data-page="${f.page + 1}">${esc(t('home.more'))} (${shown}/${list.total})</button>`
      : (list.total > 0 ? `<p class="muted center">${esc(t('home.count', { n: list.total }))}</p>` : '');
    more.dataset.q = f.q || '';
    more.dataset.cat = f.cat || '';
    more.dataset.zone = f.zone || '';
  }

  /** Products often bought with a product (常一起买), by product id; none on failure. */
  const together = new Map();

  async function viewProduct(id, seq) {
    setChrome(t('loading'), { back: true, tab: 'home' });
    view.innerHTML = loadingHtml();
    const [p, with_] = await Promise.all([
      api('GET', `/api/v1/resident/products/${id}`),
      api('GET', `/api/v1/resident/products/${id}/bought-together?limit=4`).catch(() => ({ items: [] })),
    ]);
    if (seq !== renderSeq) return;
    products.set(p.id, p);
    together.set(p.id, with_.items || []);
    setChrome(name(p), { back: true, tab: 'home' });
    renderProduct(p);
  }

  function togetherHtml(p) {
    const items = together.get(p.id) || [];
    if (items.length === 0) return '';
    return `<section class="together" aria-label="${esc(t('together.title'))}">
      <h3>${esc(t('together.title'))}</h3>
      <ul>${items.map((x) => `<li><a href="#/p/${x.product_id}">${esc(name(x))}</a><span class="muted">${esc(money(x.price_fen))}</span></li>`).join('')}</ul>
    </section>`;
  }

  function renderProduct(p) {
    const q = cartQty(p.id);
    const sold = p.stock_status === 'sold_out';
    let fresh = '';
    if (p.best_before) {
      const left = p.days_left === 0 ? t('fresh.last_day')
        : p.days_left === 1 ? t('fresh.day_left') : t('fresh.days_left', { n: p.days_left });
      fresh = `<p class="fresh-line">${esc(t('fresh.best_before', { d: p.best_before }))} · ${esc(left)}</p>`;
    }
    view.innerHTML = `<section class="panel product-page" data-product="${p.id}">
      <div class="hero" aria-hidden="true">${esc((p.name_zh || '?').slice(0, 1))}</div>
      <h2 class="pd-name">${esc(name(p))}</h2>
      ${lang === 'en' && p.name_en ? `<p class="muted">${esc(p.name_zh)}</p>` : ''}
      <div class="pd-price">${esc(money(p.price_fen))}<small>${esc(perUnit(p))}</small></div>
      <div class="badges">${stockBadge(p)}${freshBadges(p)}</div>
      ${fresh}
      ${p.brand ? `<p class="muted">${esc(t('product.brand'))}：${esc(p.brand)}</p>` : ''}
      ${isWeighed(p) ? `<p class="muted small">${esc(t('cart.estimate'))}</p>` : ''}
      <div class="pd-actions">
        ${q > 0 ? `${stepper(p, q)}<a class="btn" href="#/cart">${esc(t('product.go_cart'))}</a>`
          : `<button type="button" class="btn primary block big" data-action="add" data-id="${p.id}"${sold ? ' disabled' : ''}>${esc(sold ? t('stock.sold_out') : t('add'))}</button>`}
      </div>
      ${togetherHtml(p)}
    </section>`;
  }

  function viewCart() {
    setChrome(t('cart.title'), { tab: 'cart' });
    const c = cart();
    if (c.length === 0) {
      view.innerHTML = `<div class="empty big-empty"><div class="empty-icon" aria-hidden="true"><svg viewBox="0 0 24 24"><path d="M3 4h2l2.4 11h10.2L20 8H6.2"/><circle cx="9" cy="19.5" r="1.5"/><circle cx="17" cy="19.5" r="1.5"/></svg></div><p>${esc(t('cart.empty'))}</p><a class="btn primary" href="#/">${esc(t('cart.go_shop'))}</a></div>`;
      return;
    }
    const total = c.reduce((s, l) => s + lineTotal(l.price_fen, l.qty, l), 0);
    const weighed = c.some(isWeighed);
    view.innerHTML = `<section class="cart">
      <ul class="lines">${c.map((l) => `<li class="line" data-line="${l.product_id}">
        <div class="line-main">
          <div class="line-name">${esc(name(l))}</div>
          <div class="muted small">${esc(money(l.price_fen))}${esc(perUnit(l))}${l.presale_date ? ` · ${esc(t('cart.presale_of', { d: shortDate(l.presale_date) }))}` : ''}</div>
        </div>
        <div class="line-side">
          ${stepper({ ...l, id: l.product_id }, l.qty)}
          <div class="line-total">${esc(money(lineTotal(l.price_fen, l.qty, l)))}</div>
          <button type="button" class="linkish danger" data-action="remove" data-id="${l.product_id}">${esc(t('cart.remove'))}</button>
        </div>
      </li>`).join('')}</ul>
      ${weighed ? `<p class="muted small">${esc(t('cart.estimate'))}</p>` : ''}
    </section>
    <div class="sticky-foot"><div class="sum"><span>${esc(t('cart.total'))}</span><strong data-cart-total>${esc(money(total))}</strong></div>
      <a class="btn primary big" href="#/checkout" data-action="to-checkout">${esc(t('cart.checkout'))}</a></div>`;
  }

  /** What the checkout form holds between renders. */
  const checkout = { mode: 'pickup', date: null, slot: null, building: null, unit: '', room: '', note: '', coupons: [] };

  /** What a coupon takes off, as its face shows it. */
  function couponValue(c) {
    if (c.amount_fen != null) return money(c.amount_fen);
    if (c.percent_off_bp != null) return t('coupon.percent', { d: +((10000 - c.percent_off_bp) / 1000).toFixed(1), p: +(c.percent_off_bp / 100).toFixed(1) });
    return t('coupon.free_item');
  }

  async function viewCheckout(seq) {
    setChrome(t('checkout.title'), { back: true, tab: 'cart' });
    const c = cart();
    if (c.length === 0) return go('#/cart', true);
    view.innerHTML = loadingHtml();
    const [info, usable] = await Promise.all([
      ensureShop(),
      api('GET', '/api/v1/resident/coupons?usable=true').catch(() => []),
    ]);
    if (seq !== renderSeq) return;
    checkout.coupons = checkout.coupons.filter((id) => usable.some((u) => u.id === id));
    const presaleDate = c[0].presale_date || null;
    if (presaleDate) checkout.mode = 'presale';
    else if (checkout.mode === 'presale') checkout.mode = 'pickup';
    if (checkout.building === null) {
      checkout.building = info.home.building_id;
      checkout.unit = info.home.unit || '';
      checkout.room = info.home.room || '';
    }
    if (!checkout.date) checkout.date = storeDate(0);
    const total = c.reduce((s, l) => s + lineTotal(l.price_fen, l.qty, l), 0);
    const option = (mode, title, hint, disabled) => `<label class="option${checkout.mode === mode ? ' on' : ''}${disabled ? ' off' : ''}">
        <input type="radio" name="mode" value="${mode}"${checkout.mode === mode ? ' checked' : ''}${disabled ? ' disabled' : ''}>
        <span><strong>${esc(title)}</strong><small>${esc(hint)}</small></span></label>`;
    const modes = presaleDate
      ? option('presale', t('checkout.presale'), t('checkout.presale_hint', { d: presaleDate }), false)
      : option('pickup', t('checkout.pickup'), `${t('checkout.pickup_hint')} · ${info.store_name}`, false)
        + option('delivery', t('checkout.delivery'), t('checkout.delivery_hint'), info.buildings.length === 0);
    const days = [0, 1, 2].map((d) => storeDate(d));
    const dayLabel = (iso, i) => (i === 0 ? t('today') : i === 1 ? t('tomorrow') : shortDate(iso));
    view.innerHTML = `<form id="checkout-form" class="checkout" novalidate>
      <section class="panel"><h2>${esc(t('checkout.how'))}</h2><div class="options">${modes}</div></section>
      ${checkout.mode === 'delivery' ? `<section class="panel" id="delivery-panel">
        <h2>${esc(t('checkout.address'))}</h2>
        <label>${esc(t('checkout.building'))}
          <select name="building_id" required>
            <option value="">${esc(t('checkout.choose_building'))}</option>
            ${info.buildings.map((b) => `<option value="${b.id}"${b.id === checkout.building ? ' selected' : ''}>${esc(b.compound_zh ? `${b.compound_zh} ${b.name_zh}` : b.name_zh)}</option>`).join('')}
          </select></label>
        <div class="two"><label>${esc(t('checkout.unit'))}<input name="unit" maxlength="20" value="${esc(checkout.unit)}"></label>
        <label>${esc(t('checkout.room'))}<input name="room" maxlength="20" value="${esc(checkout.room)}"></label></div>
        <h2>${esc(t('checkout.date'))}</h2>
        <div class="day-row">${days.map((d, i) => `<button type="button" class="chip${d === checkout.date ? ' on' : ''}" data-action="day" data-date="${d}">${esc(dayLabel(d, i))}</button>`).join('')}</div>
        <h2>${esc(t('checkout.slot'))}</h2>
        <div class="slots" id="slots">${loadingHtml()}</div>
      </section>` : ''}
      ${usable.length ? `<section class="panel" id="coupon-panel"><h2>${esc(t('me.coupons'))}</h2>
        <div class="options">${usable.map((u) => `<label class="option${checkout.coupons.includes(u.id) ? ' on' : ''}">
          <input type="checkbox" name="coupon" value="${u.id}"${checkout.coupons.includes(u.id) ? ' checked' : ''}>
          <span><strong>${esc(couponValue(u))} · ${esc(lang === 'en' ? u.name_en || u.name_zh : u.name_zh)}</strong>
          <small>${u.threshold_fen ? `${esc(t('coupon.threshold', { t: money(u.threshold_fen) }))} · ` : ''}${esc(t('coupon.until', { d: dateTime(u.expires_at) }))}</small></span></label>`).join('')}</div>
        <p class="muted small">${esc(t('checkout.coupon_hint'))}</p></section>` : ''}
      <section class="panel"><h2>${esc(t('checkout.lines'))}</h2>
        <ul class="mini-lines">${c.map((l) => `<li><span>${esc(name(l))} × ${esc(qtyText(l.qty, l))}</span><span>${esc(money(lineTotal(l.price_fen, l.qty, l)))}</span></li>`).join('')}</ul>
        <label>${esc(t('checkout.note'))}<textarea name="note" maxlength="200" rows="2">${esc(checkout.note)}</textarea></label>
      </section>
      <div class="sticky-foot"><div class="sum"><span>${esc(t('cart.total'))}</span><strong>${esc(money(total))}</strong></div>
        <button type="submit" class="btn primary big" id="place">${esc(t('checkout.submit'))}</button></div>
    </form>`;
    if (checkout.mode === 'delivery') await loadSlots(info, seq);
  }

  async function loadSlots(info, seq) {
    const el = document.getElementById('slots');
    let slots;
    try {
      slots = await api('GET', `/api/v1/resident/delivery-slots?location_id=${info.location_id}&date=${checkout.date}`);
    } catch (e) {
      if (el && seq === renderSeq) el.innerHTML = errorHtml(e);
      return;
    }
    if (!el || seq !== renderSeq) return;
    if (!slots.some((s) => s.start === checkout.slot)) checkout.slot = null;
    el.innerHTML = slots.length === 0
      ? `<p class="muted">${esc(t('checkout.no_slots'))}</p>`
      : slots.map((s) => {
        const full = s.remaining <= 0;
        return `<label class="slot${checkout.slot === s.start ? ' on' : ''}${full ? ' off' : ''}">
          <input type="radio" name="slot" value="${s.start}"${checkout.slot === s.start ? ' checked' : ''}${full ? ' disabled' : ''}>
          <span class="slot-time">${esc(hm(s.start))}–${esc(hm(s.end))}</span>
          <span class="slot-left">${esc(full ? t('checkout.slot_full') : t('checkout.slot_left', { n: s.remaining }))}</span></label>`;
      }).join('');
  }

  function readCheckoutForm(form) {
    if (!form) return;
    if (form.building_id) checkout.building = form.building_id.value ? Number(form.building_id.value) : null;
    if (form.unit) checkout.unit = form.unit.value;
    if (form.room) checkout.room = form.room.value;
    if (form.note) checkout.note = form.note.value;
    checkout.coupons = [...form.querySelectorAll('input[name=coupon]:checked')].map((i) => Number(i.value));
  }

  async function placeOrder(form) {
    readCheckoutForm(form);
    const info = await ensureShop();
    const c = cart();
    const body = {
      location_id: info.location_id,
      lines: c.map((l) => ({ product_id: l.product_id, qty: l.qty })),
      fulfilment: checkout.mode,
    };
    if (checkout.note.trim()) body.note = checkout.note.trim();
    if (checkout.coupons.length) body.coupon_ids = checkout.coupons;
    if (checkout.mode === 'delivery') {
      if (!checkout.building) return toast(t('checkout.choose_building'), 'bad');
      if (!checkout.slot) return toast(t('checkout.choose_slot'), 'bad');
      body.slot_start = checkout.slot;
      body.building_id = checkout.building;
      body.unit = checkout.unit.trim();
      body.room = checkout.room.trim();
    }
    if (checkout.mode === 'presale') body.presale_date = c[0].presale_date;
    const btn = document.getElementById('place');
    busy(btn, true);
    try {
      const order = await api('POST', '/api/v1/resident/orders', body);
      saveCart([]);
      checkout.slot = null;
      checkout.note = '';
      checkout.coupons = [];
      go(`#/pay/${order.id}`);
    } catch (e) {
      busy(btn, false);
      toast(e.message, 'bad');
    }
  }

  /** The payment page: starts a QR intent and, with the simulator, approves or declines it. */
  async function viewPay(id, seq) {
    setChrome(t('pay.title'), { back: true, tab: 'orders' });
    view.innerHTML = loadingHtml();
    const order = await api('GET', `/api/v1/resident/orders/${id}`);
    if (seq !== renderSeq) return;
    if (order.status !== 'created') return go(`#/o/${id}`, true);
    const intent = await api('POST', `/api/v1/resident/orders/${id}/pay`);
    if (seq !== renderSeq) return;
    renderPay(order, intent, false);
  }

  function renderPay(order, intent, declined) {
    const sim = intent.simulator;
    view.innerHTML = `<section class="panel pay" data-intent="${esc(intent.intent)}" data-order="${order.id}">
      <p class="muted">${esc(t('order.number'))} ${esc(order.number)}</p>
      <div class="pay-amount"><span>${esc(t('pay.amount'))}</span><strong>${esc(money(intent.amount_fen))}</strong></div>
      ${order.pay_by ? `<p class="muted small">${esc(t('pay.pay_by', { t: hm(order.pay_by) }))}</p>` : ''}
      ${declined ? `<div class="alert bad" role="alert">${esc(t('pay.declined'))}</div>` : ''}
      ${sim ? `<div class="sim-box pay-sim">
          <div class="sim-label">${esc(intent.provider_label || t('pay.sim_title'))}</div>
          <div class="sim-note">${esc(t('pay.sim_note'))}</div>
          ${intent.qr_payload ? `<div class="qr" aria-label="${esc(t('pay.qr'))}"><code>${esc(intent.qr_payload)}</code></div>` : ''}
          ${declined
            ? `<button type="button" class="btn primary block big" data-action="pay-again">${esc(t('pay.retry'))}</button>`
            : `<button type="button" class="btn primary block big" data-action="simulate" data-outcome="approve">${esc(t('pay.approve'))}</button>
               <button type="button" class="btn block" data-action="simulate" data-outcome="decline">${esc(t('pay.decline'))}</button>`}
        </div>`
        : `<div class="qr"><code>${esc(intent.qr_payload)}</code></div><p>${esc(t('pay.not_sim'))}</p>
           <a class="btn primary block big" href="#/o/${order.id}">${esc(t('pay.refresh'))}</a>`}
    </section>`;
  }

  async function simulate(btn) {
    const box = btn.closest('[data-intent]');
    const intent = box.dataset.intent;
    const orderId = box.dataset.order;
    const outcome = btn.dataset.outcome;
    box.querySelectorAll('button').forEach((b) => {
      b.disabled = true;
    });
    busy(btn, true);
    try {
      const done = await api('POST', `/api/v1/payments/${encodeURIComponent(intent)}/simulate`, { outcome });
      if (done.order.status === 'created') {
        renderPay(done.order, { intent, amount_fen: done.order.total_fen, simulator: true, provider_label: done.provider_label, qr_payload: '' }, true);
        return;
      }
      toast(t('pay.done'), 'ok');
      go(`#/o/${orderId}`);
    } catch (e) {
      box.querySelectorAll('button').forEach((b) => {
        b.disabled = false;
      });
      busy(btn, false);
      toast(e.message, 'bad');
    }
  }

  function stepsOf(o) {
    if (o.fulfilment === 'delivery') return ['created', 'paid', 'preparing', 'out_for_delivery', 'completed'];
    return ['created', 'paid', 'preparing', 'ready', 'completed'];
  }

  function timelineHtml(o) {
    const steps = stepsOf(o);
    const when = {};
    for (const e of o.events || []) if (!(e.to_status in when)) when[e.to_status] = e.at;
    when.created = when.created || o.created_at;
    if (o.status === 'cancelled' || o.status === 'refunded') {
      const reached = steps.filter((s) => s in when && s !== 'completed');
      return `<ol class="timeline">${reached.map((s) => `<li class="done"><span>${esc(t(`step.${s}`))}</span><time>${esc(dateTime(when[s]))}</time></li>`).join('')}
        <li class="done stop"><span>${esc(t('step.cancelled'))}</span><time>${esc(dateTime(o.cancelled_at || when.cancelled || o.created_at))}</time></li></ol>`;
    }
    const at = steps.indexOf(o.status);
    return `<ol class="timeline">${steps.map((s, i) => {
      // Steps reached are done; the one the order is at is also marked current.
      const cls = i < at ? 'done' : i === at ? 'done current' : '';
      return `<li class="${cls}"${i === at ? ' aria-current="step"' : ''}><span>${esc(t(`step.${s}`))}</span><time>${when[s] ? esc(dateTime(when[s])) : ''}</time></li>`;
    }).join('')}</ol>`;
  }

  async function viewOrder(id, seq, quiet) {
    setChrome(t('order.title'), { back: true, tab: 'orders' });
    if (!quiet) view.innerHTML = loadingHtml();
    const o = await api('GET', `/api/v1/resident/orders/${id}`);
    if (seq !== renderSeq) return;
    const showCode = o.pickup_code && ['paid', 'preparing', 'ready'].includes(o.status);
    const code = o.pickup_code ? `${o.pickup_code.slice(0, 3)} ${o.pickup_code.slice(3)}` : '';
    const cancellable = ['created', 'paid'].includes(o.status);
    const slot = o.slot_start ? `${dateTime(o.slot_start)}–${hm(o.slot_end)}` : '';
    view.innerHTML = `<section class="panel order" data-order="${o.id}" data-status="${esc(o.status)}">
      <div class="order-head">
        <span class="status-pill s-${esc(o.status)}" data-order-status>${esc(t(`status.${o.status}`))}</span>
        <span class="muted">${esc(t(`fulfil.${o.fulfilment}`))}</span>
      </div>
      <p class="muted small">${esc(t('order.number'))} <span class="mono">${esc(o.number)}</span> · ${esc(t('order.placed_at'))} ${esc(dateTime(o.created_at))}</p>
      ${showCode ? `<div class="pickup"><div class="pickup-label">${esc(t('order.pickup_code'))}</div>
        <div class="pickup-code" data-pickup-code="${esc(o.pickup_code)}">${esc(code)}</div>
        <div class="muted small">${esc(t('order.pickup_hint'))}</div>
        ${o.pickup_locked ? `<div class="alert bad">${esc(t('order.locked'))}</div>` : ''}</div>` : ''}
      ${o.status === 'created' ? `<div class="pay-now">${o.pickup_code !== undefined && o.fulfilment !== 'delivery' ? `<p class="muted small">${esc(t('order.pickup_after_pay'))}</p>` : ''}
        ${o.pay_by ? `<p class="muted small">${esc(t('pay.pay_by', { t: hm(o.pay_by) }))}</p>` : ''}
        <a class="btn primary block big" href="#/pay/${o.id}">${esc(t('order.pay'))} ${esc(money(o.total_fen))}</a></div>` : ''}
      ${o.payment_status === 'refund_pending' ? `<div class="alert">${esc(t('order.refund_pending'))}</div>` : ''}
      ${o.payment_status === 'refunded' ? `<div class="alert ok">${esc(t('order.refunded'))}</div>` : ''}
      <h2>${esc(t('order.timeline'))}</h2>
      ${timelineHtml(o)}
      ${o.fulfilment === 'delivery' ? `<dl class="facts"><dt>${esc(t('order.delivery_to'))}</dt><dd>${esc([o.building_name, o.unit && `${o.unit}${lang === 'en' ? '' : '单元'}`, o.room].filter(Boolean).join(' '))}</dd>
        <dt>${esc(t('order.slot'))}</dt><dd>${esc(slot)}</dd></dl>` : ''}
      ${o.presale_date ? `<dl class="facts"><dt>${esc(t('order.presale_date'))}</dt><dd>${esc(o.presale_date)}</dd></dl>` : ''}
      <h2>${esc(t('order.lines'))}</h2>
      <ul class="mini-lines">${o.lines.map((l) => `<li><span>${esc(l.name_zh)} × ${esc(l.unit_label === 'kg' ? `${+(l.qty / 1000).toFixed(3)} kg` : `${l.qty} ${l.unit_label}`)}</span><span>${esc(money(l.total_fen))}</span></li>`).join('')}
        ${o.discount_fen ? `<li><span>${esc(t('order.discount'))}</span><span>-${esc(money(o.discount_fen))}</span></li>` : ''}
        <li class="sum-line"><span>${esc(t('order.total'))}</span><strong>${esc(money(o.total_fen))}</strong></li></ul>
      ${o.note ? `<p class="muted small">${esc(t('order.note'))}：${esc(o.note)}</p>` : ''}
      <div class="order-actions">
        ${cancellable ? `<button type="button" class="btn danger" data-action="cancel" data-id="${o.id}">${esc(t('order.cancel'))}</button>` : ''}
        ${o.channel !== 'presale' ? `<button type="button" class="btn" data-action="reorder" data-id="${o.id}">${esc(t('order.reorder'))}</button>` : ''}
      </div>
    </section>`;
    clearInterval(pollTimer);
    if (!FINAL.includes(o.status)) {
      pollTimer = setInterval(() => {
        if (document.hidden || seq !== renderSeq) return;
        const mine = renderSeq;
        viewOrder(id, mine, true).catch(() => {});
      }, ORDER_POLL_MS);
    }
  }

  async function cancelOrder(btn) {
    if (!window.confirm(t('order.cancel_confirm'))) return;
    busy(btn, true);
    try {
      await api('POST', `/api/v1/resident/orders/${btn.dataset.id}/cancel`);
      toast(t('order.cancelled'), 'ok');
      render();
    } catch (e) {
      busy(btn, false);
      toast(e.message, 'bad');
    }
  }

  async function reorder(btn) {
    if (!window.confirm(t('order.reorder_confirm'))) return;
    busy(btn, true);
    try {
      const o = await api('POST', `/api/v1/resident/orders/${btn.dataset.id}/reorder`, {});
      go(`#/pay/${o.id}`);
    } catch (e) {
      busy(btn, false);
      toast(e.message, 'bad');
    }
  }

  async function viewOrders(seq) {
    setChrome(t('orders.title'), { tab: 'orders' });
    view.innerHTML = loadingHtml();
    const list = await api('GET', '/api/v1/resident/orders?page_size=50');
    if (seq !== renderSeq) return;
    if (list.items.length === 0) {
      view.innerHTML = `<div class="empty big-empty"><div class="empty-icon" aria-hidden="true"><svg viewBox="0 0 24 24"><rect x="5" y="3" width="14" height="18" rx="2"/><path d="M9 8h6M9 12h6M9 16h4"/></svg></div><p>${esc(t('orders.empty'))}</p><a class="btn primary" href="#/">${esc(t('cart.go_shop'))}</a></div>`;
      return;
    }
    view.innerHTML = `<ul class="order-list">${list.items.map((o) => `<li><a class="card order-card" href="#/o/${o.id}" data-order-link="${o.id}">
      <div class="order-head"><span class="status-pill s-${esc(o.status)}">${esc(t(`status.${o.status}`))}</span><span class="muted small">${esc(t(`fulfil.${o.fulfilment}`))}</span></div>
      <div class="order-row"><span class="mono small">${esc(o.number)}</span><strong>${esc(money(o.total_fen))}</strong></div>
      <div class="muted small">${esc(dateTime(o.created_at))}</div></a></li>`).join('')}</ul>`;
  }

  async function viewMe(seq) {
    setChrome(t('me.title'), { tab: 'me' });
    view.innerHTML = loadingHtml();
    const [info, l, coupons, points, stored] = await Promise.all([
      ensureShop(),
      api('GET', '/api/v1/resident/loyalty'),
      api('GET', '/api/v1/resident/coupons'),
      api('GET', '/api/v1/resident/points?page_size=10'),
      api('GET', '/api/v1/resident/stored-value?page_size=10'),
    ]);
    if (seq !== renderSeq) return;
    const discount = l.tier.discount_bp < 10000
      ? ` · ${t('me.discount', { d: +(l.tier.discount_bp / 1000).toFixed(1), p: +((10000 - l.tier.discount_bp) / 100).toFixed(1) })}`
      : '';
    const next = l.next_tier
      ? t('me.next_tier', { v: money(l.next_tier.spend_needed_fen), t: l.next_tier.tier.name_zh })
      : t('me.top_tier');
    const home = info.home.building_name
      ? [info.home.building_name, info.home.unit && `${info.home.unit}${lang === 'en' ? '' : '单元'}`, info.home.room].filter(Boolean).join(' ')
      : t('me.no_address');
    const couponHtml = coupons.length === 0
      ? `<p class="muted">${esc(t('me.no_coupons'))}</p>`
      : `<ul class="coupons">${coupons.map((c) => {
        const value = couponValue(c);
        return `<li class="coupon${c.status === 'issued' ? '' : ' used'}"><div class="coupon-value">${esc(value)}</div>
          <div class="coupon-body"><strong>${esc(lang === 'en' ? c.name_en || c.name_zh : c.name_zh)}</strong>
          <span class="muted small">${c.threshold_fen ? `${esc(t('coupon.threshold', { t: money(c.threshold_fen) }))} · ` : ''}${esc(t('coupon.until', { d: dateTime(c.expires_at) }))}</span></div>
          <span class="coupon-status">${esc(t(`coupon.status.${c.status}`))}</span></li>`;
      }).join('')}</ul>`;
    const history = (rows, kind) => rows.length === 0
      ? `<p class="muted">${esc(t('me.no_history'))}</p>`
      : `<ul class="history">${rows.map((r) => {
        const amount = kind === 'points' ? (r.points > 0 ? `+${r.points}` : String(r.points)) : (r.amount_fen > 0 ? `+${money(r.amount_fen)}` : money(r.amount_fen));
        return `<li><span>${esc(TEXTS[`kind.${r.kind}`] ? t(`kind.${r.kind}`) : r.kind)}${r.order_number ? ` <span class="muted small mono">${esc(r.order_number)}</span>` : ''}<br><span class="muted small">${esc(dateTime(r.at))}</span></span><strong class="${amount.startsWith('+') ? 'plus' : 'minus'}">${esc(amount)}</strong></li>`;
      }).join('')}</ul>`;
    view.innerHTML = `<section class="member-card">
        <div class="member-top"><div><div class="member-name">${esc(l.name || l.phone)}</div>${l.name ? `<div class="small">${esc(l.phone)}</div>` : ''}</div>
          <div class="tier">${esc(l.tier.name_zh)}${esc(discount)}</div></div>
        <div class="member-code"><span class="small">${esc(t('me.member_code'))}</span><span class="code mono" data-member-code>${esc(l.code)}</span></div>
        <div class="small">${esc(next)}</div>
      </section>
      <section class="balances">
        <div class="balance"><span class="small muted">${esc(t('me.points'))}</span><strong data-points>${esc(l.points.available)}</strong><span class="small muted">${esc(t('me.points_value', { v: money(l.points.value_fen) }))}</span>
          ${l.points.expiring_soon ? `<span class="small warn">${esc(t('me.expiring', { n: l.points.expiring_soon }))}</span>` : ''}</div>
        <div class="balance"><span class="small muted">${esc(t('me.stored'))}</span><strong data-stored>${esc(money(l.stored_value.balance_fen))}</strong><span class="small muted">${esc(t('me.principal_bonus', { p: money(l.stored_value.principal_fen), b: money(l.stored_value.bonus_fen) }))}</span></div>
      </section>
      <section class="panel"><h2>${esc(t('me.coupons'))}</h2>${couponHtml}</section>
      <section class="panel"><a class="row-link" href="#/orders">${esc(t('me.orders'))}<span aria-hidden="true">›</span></a>
        <div class="row-link static">${esc(t('me.address'))}<span class="muted small">${esc(home)}</span></div></section>
      <section class="panel"><h2>${esc(t('me.points_history'))}</h2>${history(points.items, 'points')}</section>
      <section class="panel"><h2>${esc(t('me.stored_history'))}</h2>${history(stored.items, 'stored')}</section>
      <section class="panel"><button type="button" class="btn block" data-action="lang">${esc(t('me.language'))}: ${lang === 'en' ? 'English' : '中文'}</button>
        <button type="button" class="btn block danger" data-action="logout">${esc(t('me.logout'))}</button></section>`;
  }

  // ---------------------------------------------------------------------------
  // Routing

  async function render() {
    const seq = ++renderSeq;
    clearInterval(pollTimer);
    updateBadge();
    const hash = location.hash || '#/';
    const [path, query = ''] = hash.slice(1).split('?');
    const params = new URLSearchParams(query);
    const parts = path.split('/').filter(Boolean);
    if (!token() && parts[0] !== 'login') {
      saved.set('next', hash);
      go('#/login', true);
      return;
    }
    window.scrollTo(0, 0);
    try {
      switch (parts[0] || '') {
        case 'login':
          if (token()) return go('#/', true);
          return await viewLogin();
        case '':
          return await viewHome(params, seq);
        case 'p':
          return await viewProduct(Number(parts[1]), seq);
        case 'cart':
          return viewCart();
        case 'checkout':
          return await viewCheckout(seq);
        case 'pay':
          return await viewPay(Number(parts[1]), seq);
        case 'o':
          return await viewOrder(Number(parts[1]), seq);
        case 'orders':
          return await viewOrders(seq);
        case 'me':
          return await viewMe(seq);
        default:
          return go('#/', true);
      }
    } catch (e) {
      if (seq !== renderSeq) return;
      if (e && e.status === 401) return;
      setChrome(t(e && e.status === 404 ? 'error.not_found' : 'tab.home'), { back: true });
      view.innerHTML = errorHtml(e);
    }
  }

  function refreshProductControls(id) {
    const p = products.get(id);
    const card = view.querySelector(`.card.product[data-product="${id}"]`);
    if (card && p) card.outerHTML = cardHtml(p);
    const page = view.querySelector(`.product-page[data-product="${id}"]`);
    if (page && p) renderProduct(p);
    if (view.querySelector('.cart')) viewCart();
  }

  view.addEventListener('click', (ev) => {
    const el = ev.target.closest('[data-action]');
    if (!el) return;
    const id = Number(el.dataset.id);
    switch (el.dataset.action) {
      case 'reload':
        render();
        break;
      case 'get-code':
        requestCode(el);
        break;
      case 'add': {
        const p = products.get(id);
        if (p && addToCart(p, null)) {
          toast(t('added'), 'ok');
          refreshProductControls(id);
        }
        break;
      }
      case 'add-presale': {
        const p = products.get(`presale-${el.dataset.presale}`);
        if (!p) break;
        const item = { id: p.product_id, name_zh: p.name_zh, name_en: '', unit_kind: 'piece', unit_label: '', price_fen: p.price_fen, available: p.remaining, per_order_max: Math.min(p.per_order_max, p.remaining) };
        if (addToCart(item, p.ship_date)) toast(t('added'), 'ok');
        break;
      }
      case 'inc':
      case 'dec':
        changeQty(id, el.dataset.action === 'inc' ? 1 : -1);
        refreshProductControls(id);
        break;
      case 'remove':
        saveCart(cart().filter((l) => l.product_id !== id));
        viewCart();
        break;
      case 'more': {
        const wrap = document.getElementById('more-wrap');
        busy(el, true);
        loadProducts({ q: wrap.dataset.q, cat: wrap.dataset.cat, zone: wrap.dataset.zone, page: Number(el.dataset.page) }, renderSeq);
        break;
      }
      case 'day':
        readCheckoutForm(document.getElementById('checkout-form'));
        checkout.date = el.dataset.date;
        checkout.slot = null;
        render();
        break;
      case 'simulate':
        simulate(el);
        break;
      case 'pay-again':
        render();
        break;
      case 'cancel':
        cancelOrder(el);
        break;
      case 'reorder':
        reorder(el);
        break;
      case 'lang':
        toggleLang();
        break;
      case 'logout':
        api('POST', '/api/v1/resident/logout').catch(() => {}).finally(() => {
          forgetSession();
          go('#/login', true);
        });
        break;
      default:
        break;
    }
  });

  view.addEventListener('change', (ev) => {
    const form = ev.target.form;
    if (!form || form.id !== 'checkout-form') return;
    if (ev.target.name === 'mode') {
      readCheckoutForm(form);
      checkout.mode = ev.target.value;
      render();
    } else if (ev.target.name === 'coupon') {
      ev.target.closest('label').classList.toggle('on', ev.target.checked);
      readCheckoutForm(form);
    } else if (ev.target.name === 'slot') {
      checkout.slot = Number(ev.target.value);
      form.querySelectorAll('.slot').forEach((s) => s.classList.toggle('on', s.contains(ev.target)));
    }
  });

  view.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    if (form.id === 'search-form') {
      const q = form.q.value.trim();
      go(q ? `#/?q=${encodeURIComponent(q)}` : '#/');
    } else if (form.id === 'login-form') {
      signIn(form);
    } else if (form.id === 'checkout-form') {
      placeOrder(form);
    }
  });

  function toggleLang() {
    lang = lang === 'en' ? 'zh' : 'en';
    localStorage.setItem('linli.shop.lang', lang);
    render();
  }

  document.getElementById('lang-toggle').addEventListener('click', toggleLang);
  backBtn.addEventListener('click', () => {
    if (history.length > 1) history.back();
    else go('#/');
  });
  window.addEventListener('hashchange', render);
  window.addEventListener('storage', (e) => {
    if (e.key === KEY('cart')) updateBadge();
  });
  render();
})();
