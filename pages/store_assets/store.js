/* Demo storefront: add to cart, the cart page and checkout, through the public API only (API.md),
 * the way a merchant's own storefront would. The chat session lives in localStorage["inbox.session"],
 * shared with the chat page (same origin here), so the cart and the chat belong to one shopper. */
(function () {
  'use strict';
  var KEY = 'inbox.session';
  var API = '/api/v1';

  function session() {
    try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (e) { return null; }
  }
  function saveSession(s) { localStorage.setItem(KEY, JSON.stringify(s)); }
  function clearSession() { localStorage.removeItem(KEY); }
  function $(sel, root) { return (root || document).querySelector(sel); }

  // Texts in the page's language (the server puts them in #store-strings); English when missing.
  var STRINGS = {
    added: 'Added to your cart.', cart_empty: 'Your cart is empty.', remove: 'Remove', remove_label: 'Remove {product}',
    subtotal: 'Subtotal: {amount}', code_on_cart: 'Discount code {code} will be applied at checkout.',
    code_applied: 'Code {code} applied.', order_placed: 'Thank you! Order #{number} is placed: {total}.',
    order_placed_code: 'Thank you! Order #{number} is placed: {total} (with {code}).',
    error_status: 'Something went wrong ({status}).'
  };
  try {
    var given = JSON.parse(($('#store-strings') || {}).textContent || '{}');
    Object.keys(given).forEach(function (k) { if (typeof given[k] === 'string' && given[k]) STRINGS[k] = given[k]; });
  } catch (e) { /* keep English */ }
  function t(key, values) {
    return STRINGS[key].replace(/\{(\w+)\}/g, function (m, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  }
  var LANG = document.documentElement.lang || 'en';
  // "12.50 EUR" in English (as the server writes it), the language's own way elsewhere ("12,50 €").
  function money(amount, currency) {
    var n = Number(amount);
    if (LANG !== 'en' && isFinite(n) && currency) {
      try { return new Intl.NumberFormat(LANG, { style: 'currency', currency: currency }).format(n); } catch (e) { /* below */ }
    }
    return amount + ' ' + currency;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function call(method, path, body) {
    var s = session();
    var headers = { 'Content-Type': 'application/json' };
    if (s && s.token) headers.Authorization = 'Bearer ' + s.token;
    return fetch(API + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.text().then(function (t) {
          var data = null;
          try { data = t ? JSON.parse(t) : null; } catch (e) { data = null; }
          if (r.status === 401) clearSession();
          if (!r.ok) {
            var msg = data && data.error ? data.error.message : t('error_status', { status: r.status });
            var err = new Error(msg); err.status = r.status; throw err;
          }
          return data;
        });
      });
  }

  function ensureSession() {
    if (session()) return Promise.resolve(session());
    var dialog = $('#start-shopping');
    return new Promise(function (resolve, reject) {
      var form = $('form', dialog);
      var error = $('.form-error', dialog);
      error.textContent = '';
      form.onsubmit = function (e) {
        e.preventDefault();
        var email = form.email.value.trim();
        var name = form.name.value.trim();
        call('POST', '/chat/sessions', {
          email: email, name: name || null, locale: document.documentElement.lang || navigator.language || null,
          timezone: (Intl.DateTimeFormat().resolvedOptions().timeZone) || null
        }).then(function (data) {
          var s = { token: data.session_token, conversation_id: data.conversation_id, email: email, name: name };
          saveSession(s);
          dialog.close();
          resolve(s);
        }).catch(function (err) { error.textContent = err.message; });
      };
      $('.cancel', dialog).onclick = function () { dialog.close(); reject(new Error('cancelled')); };
      dialog.showModal();
      form.email.focus();
    });
  }

  function updateBadge(cart) {
    var badge = $('#cart-count');
    if (!badge) return;
    var count = cart ? cart.items.reduce(function (n, i) { return n + i.quantity; }, 0) : 0;
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  function refreshBadge() {
    if (!session()) { updateBadge(null); return Promise.resolve(null); }
    return call('GET', '/storefront/cart').then(function (cart) { updateBadge(cart); return cart; })
      .catch(function () { updateBadge(null); return null; });
  }

  function flash(node, text, ok) {
    node.textContent = text;
    node.className = 'flash ' + (ok ? 'ok' : 'bad');
  }

  function setupProductPage() {
    var form = $('#add-to-cart');
    if (!form) return;
    var status = $('.flash', form.parentNode);
    form.onsubmit = function (e) {
      e.preventDefault();
      var variant = parseInt(form.variant.value, 10);
      var quantity = parseInt(form.quantity.value, 10) || 1;
      ensureSession().then(function () {
        return call('POST', '/storefront/cart/events', { action: 'add', variant_id: variant, quantity: quantity });
      }).then(function (cart) {
        updateBadge(cart);
        flash(status, t('added'), true);
      }).catch(function (err) { if (err.message !== 'cancelled') flash(status, err.message, false); });
    };
  }

  function renderCart(cart) {
    var root = $('#cart');
    root.textContent = '';
    if (!cart || !cart.items.length) {
      root.appendChild(el('p', 'empty', t('cart_empty')));
      updateBadge(cart);
      return;
    }
    var table = el('div', 'cart-lines');
    cart.items.forEach(function (item) {
      var row = el('div', 'cart-line');
      var name = el('div', 'name', item.product_title + (item.variant_title && item.variant_title !== 'Default Title' ? ' — ' + item.variant_title : ''));
      var qty = el('div', 'qty', '× ' + item.quantity);
      var total = el('div', 'total', money(item.line_total, cart.currency));
      var remove = el('button', 'link', t('remove'));
      remove.type = 'button';
      remove.setAttribute('aria-label', t('remove_label', { product: item.product_title }));
      remove.onclick = function () {
        call('POST', '/storefront/cart/events', { action: 'remove', variant_id: item.variant_id, quantity: item.quantity })
          .then(renderCart).catch(function (err) { flash($('#cart-flash'), err.message, false); });
      };
      row.appendChild(name); row.appendChild(qty); row.appendChild(total); row.appendChild(remove);
      table.appendChild(row);
    });
    root.appendChild(table);
    var sum = el('p', 'subtotal', t('subtotal', { amount: money(cart.subtotal, cart.currency) }));
    root.appendChild(sum);
    if (cart.discount_code) root.appendChild(el('p', 'code', t('code_on_cart', { code: cart.discount_code })));
    updateBadge(cart);
  }

  function setupCartPage() {
    if (!$('#cart')) return;
    var load = function () {
      if (!session()) { renderCart(null); return; }
      call('GET', '/storefront/cart').then(renderCart).catch(function () { renderCart(null); });
    };
    load();
    window.addEventListener('inbox:cart-changed', load);
    $('#discount-form').onsubmit = function (e) {
      e.preventDefault();
      var code = this.code.value.trim();
      if (!code) return;
      ensureSession().then(function () { return call('POST', '/storefront/cart/discount', { code: code }); })
        .then(function (cart) { renderCart(cart); flash($('#cart-flash'), t('code_applied', { code: cart.discount_code }), true); })
        .catch(function (err) { if (err.message !== 'cancelled') flash($('#cart-flash'), err.message, false); });
    };
    $('#checkout').onclick = function () {
      if (!session()) { flash($('#cart-flash'), t('cart_empty'), false); return; }
      call('POST', '/storefront/checkout', {}).then(function (order) {
        renderCart(null);
        var placed = { number: order.order_number, total: money(order.total, order.currency), code: order.discount_code };
        flash($('#cart-flash'), t(order.discount_code ? 'order_placed_code' : 'order_placed', placed), true);
      }).catch(function (err) { flash($('#cart-flash'), err.message, false); });
    };
  }

  window.addEventListener('inbox:cart-changed', refreshBadge);
  window.addEventListener('storage', function (e) { if (e.key === KEY) refreshBadge(); });
  setupProductPage();
  setupCartPage();
  refreshBadge();
})();
