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
            var msg = data && data.error ? data.error.message : 'Something went wrong (' + r.status + ').';
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
          email: email, name: name || null, locale: navigator.language || null,
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
        flash(status, 'Added to your cart.', true);
      }).catch(function (err) { if (err.message !== 'cancelled') flash(status, err.message, false); });
    };
  }

  function renderCart(cart) {
    var root = $('#cart');
    root.textContent = '';
    if (!cart || !cart.items.length) {
      root.appendChild(el('p', 'empty', 'Your cart is empty.'));
      updateBadge(cart);
      return;
    }
    var table = el('div', 'cart-lines');
    cart.items.forEach(function (item) {
      var row = el('div', 'cart-line');
      var name = el('div', 'name', item.product_title + (item.variant_title && item.variant_title !== 'Default Title' ? ' — ' + item.variant_title : ''));
      var qty = el('div', 'qty', '× ' + item.quantity);
      var total = el('div', 'total', item.line_total + ' ' + cart.currency);
      var remove = el('button', 'link', 'Remove');
      remove.type = 'button';
      remove.setAttribute('aria-label', 'Remove ' + item.product_title);
      remove.onclick = function () {
        call('POST', '/storefront/cart/events', { action: 'remove', variant_id: item.variant_id, quantity: item.quantity })
          .then(renderCart).catch(function (err) { flash($('#cart-flash'), err.message, false); });
      };
      row.appendChild(name); row.appendChild(qty); row.appendChild(total); row.appendChild(remove);
      table.appendChild(row);
    });
    root.appendChild(table);
    var sum = el('p', 'subtotal', 'Subtotal: ' + cart.subtotal + ' ' + cart.currency);
    root.appendChild(sum);
    if (cart.discount_code) root.appendChild(el('p', 'code', 'Discount code ' + cart.discount_code + ' will be applied at checkout.'));
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
        .then(function (cart) { renderCart(cart); flash($('#cart-flash'), 'Code ' + cart.discount_code + ' applied.', true); })
        .catch(function (err) { if (err.message !== 'cancelled') flash($('#cart-flash'), err.message, false); });
    };
    $('#checkout').onclick = function () {
      if (!session()) { flash($('#cart-flash'), 'Your cart is empty.', false); return; }
      call('POST', '/storefront/checkout', {}).then(function (order) {
        renderCart(null);
        flash($('#cart-flash'), 'Thank you! Order #' + order.order_number + ' is placed: ' + order.total + ' ' +
          order.currency + (order.discount_code ? ' (with ' + order.discount_code + ')' : '') + '.', true);
      }).catch(function (err) { flash($('#cart-flash'), err.message, false); });
    };
  }

  window.addEventListener('inbox:cart-changed', refreshBadge);
  window.addEventListener('storage', function (e) { if (e.key === KEY) refreshBadge(); });
  setupProductPage();
  setupCartPage();
  refreshBadge();
})();
