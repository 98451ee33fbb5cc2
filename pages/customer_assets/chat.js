/*
 * Customer chat page: /chat, and /chat?embed=1 inside the widget iframe (widget.js).
 * Plain browser JavaScript (ES2017), no build step, no external resources. Talks to the server only
 * through API.md: /api/v1/chat/... and /api/v1/storefront/cart/discount.
 *
 * UI strings come from <script type="application/json" id="strings"> (the server fills {{STRINGS_JSON}});
 * every key missing there falls back to DEFAULT_STRINGS below. {name} marks a value this script fills in.
 *   title              page subtitle and document title ("Chat with us")
 *   start_intro        text above the start form
 *   email_label        label of the e-mail field
 *   email_placeholder  placeholder of the e-mail field
 *   name_label         label of the optional name field
 *   start_button       start-form submit button
 *   starting           start button while the session is being created
 *   email_invalid      shown when the e-mail address is missing or not valid
 *   placeholder        composer placeholder
 *   message_label      accessible label of the composer
 *   send               Send button
 *   sending            status under a message that is on its way
 *   not_sent_retrying  status under a message whose send failed and is being retried
 *   reconnecting       connection status line
 *   empty_state        shown while the conversation has no messages
 *   conversation       accessible label of the message list
 *   new_messages       "jump to latest" button shown when a reply arrives while scrolled up
 *   apply_code         discount card button
 *   applying           discount card button while applying
 *   code_applied       discount card once the code is on the cart
 *   discount_label     small heading on a discount card
 *   view_product       call to action on a product card
 *   image              alt text of an image sent by staff
 *   open_image         tooltip of an image (opens full size in a new tab)
 *   image_unavailable  shown when an image cannot be loaded
 *   close              close button (embedded only)
 *   staff              author line of staff messages without a name
 *   you                screen-reader author of the customer's own messages
 *   too_long           message over the limit; {max} = 5000
 *   counter            character counter near the limit; {count}, {max}
 *   network_error      the server cannot be reached
 *   error_generic      an error without a message from the server
 *   verify_intro       V1 bar above the conversation of an unverified session
 *   verify_send        its button that mails a code
 *   verify_dismiss     its button that hides the bar
 *   verify_sent        shown once the code was mailed; {email}
 *   verify_code_label  label and placeholder of the code field
 *   verify_confirm     button that checks the code
 *   verify_done        shown when the session is verified
 *   rating_legend      K2 survey (kind "survey"): heading of the five stars
 *   rating_star        accessible name of one star; {rating}
 *   rating_comment     label of the optional comment
 *   rating_send        the survey's Send button
 *   rating_pick        shown when Send is pressed without a star chosen
 *   rating_thanks      replaces the survey once rated
 *   rating_closed      the conversation no longer waits for a rating (409)
 *   instant_answers_label  accessible label of the instant-answer buttons (A2)
 *   instant_answer     author line of the store's automatic answer (kind "auto")
 *
 * Local storage: inbox.session = {token, conversation_id, email, name}; inbox.outbox = messages not yet
 * confirmed (survive a reload; resent with the same client_msg_id); inbox.seen = last staff message seen.
 *
 * postMessage (embedded only; parent = the storefront page running widget.js):
 *   to parent:   {type:"inbox:ready"}  {type:"inbox:close"}  {type:"inbox:unread", count}
 *                {type:"inbox:cart-changed"}
 *   from parent: {type:"inbox:panel", open: true|false}
 */
(function () {
  'use strict';

  var DEFAULT_STRINGS = {
    title: 'Chat with us',
    start_intro: 'Leave your e-mail so we can reply even if you leave the store.',
    email_label: 'E-mail',
    email_placeholder: 'you@example.com',
    name_label: 'Name (optional)',
    start_button: 'Start chat',
    starting: 'Starting…',
    email_invalid: 'Please enter a valid e-mail address, like name@example.com.',
    placeholder: 'Write a message…',
    message_label: 'Message',
    send: 'Send',
    sending: 'Sending…',
    not_sent_retrying: 'Not sent — retrying',
    reconnecting: 'Reconnecting…',
    empty_state: 'Send us a message — we usually reply within minutes',
    conversation: 'Conversation',
    new_messages: 'New messages',
    apply_code: 'Apply to cart',
    applying: 'Applying…',
    code_applied: 'Applied to your cart',
    discount_label: 'Discount code',
    view_product: 'View product',
    image: 'Image',
    open_image: 'Open full size in a new tab',
    image_unavailable: 'Image unavailable',
    close: 'Close chat',
    staff: 'Staff',
    you: 'You',
    too_long: 'Messages can be at most {max} characters.',
    counter: '{count} / {max}',
    network_error: 'Can’t reach the server. Check your connection and try again.',
    error_generic: 'Something went wrong. Please try again.',
    verify_intro: 'Chatted with us before? Confirm your e-mail to see your earlier messages here.',
    verify_send: 'Send me a code',
    verify_dismiss: 'Not now',
    verify_sent: 'We sent a 6-digit code to {email}.',
    verify_code_label: 'Code',
    verify_confirm: 'Confirm',
    verify_done: 'Thanks, your e-mail is confirmed.',
    rating_legend: 'Your rating',
    rating_star: '{rating} out of 5',
    rating_comment: 'Comment (optional)',
    rating_send: 'Send rating',
    rating_pick: 'Please choose from 1 to 5 stars.',
    rating_thanks: 'Thank you for your rating!',
    rating_closed: 'This conversation was already rated, or it is open again. Thank you!',
    typing: '{name} is typing…',
    online: 'Online',
    away: 'Away',
    back_at: 'Back {when}',
    auto_author: 'Automatic reply',
    instant_answers_label: 'Common questions',
    instant_answer: 'Instant answer'
  };
  var MAX_COMMENT = 1000;

  var API = '/api/v1';
  var MAX_CHARS = 5000;
  var COUNTER_FROM = 4500;
  var PAGE = 200;
  var PING_MS = 20000;
  var PONG_WAIT_MS = 10000;
  var PRESENCE_MS = 10000;
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var STABLE_MS = 10000;
  var FETCH_TIMEOUT_MS = 20000;
  var TYPING_SEND_MS = 1000;  // R3: at most one typing frame a second while the shopper types
  var TYPING_SHOW_MS = 4000;  // R3: staff "typing…" goes this long after their last frame
  var LS_SESSION = 'inbox.session';
  var LS_OUTBOX = 'inbox.outbox';
  var LS_SEEN = 'inbox.seen';
  var EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var CONFIG_MS = 60000; // A1: how often the greeting, away state and reply time are read again

  function noop() {}

  /* ---------- strings ---------- */

  var S = (function () {
    var out = {}, k, parsed = null;
    for (k in DEFAULT_STRINGS) out[k] = DEFAULT_STRINGS[k];
    try {
      var node = document.getElementById('strings');
      parsed = node ? JSON.parse(node.textContent) : null;
    } catch (e) { parsed = null; }
    if (parsed && typeof parsed === 'object') {
      for (k in parsed) {
        if (Object.prototype.hasOwnProperty.call(parsed, k) && typeof parsed[k] === 'string' && parsed[k]) out[k] = parsed[k];
      }
    }
    return out;
  })();

  function t(key, values) {
    var text = S[key] || '';
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  }

  /* ---------- environment ---------- */

  var inFrame;
  try { inFrame = window.self !== window.top; } catch (e) { inFrame = true; }
  var EMBED = new URLSearchParams(location.search).get('embed') === '1' && inFrame;
  var reducedMotion = window.matchMedia ? window.matchMedia('(prefers-reduced-motion: reduce)') : { matches: false };

  var memoryStore = {};
  function lsGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return memoryStore[key] === undefined ? null : memoryStore[key]; }
  }
  function lsSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { memoryStore[key] = value; }
  }
  function lsDel(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage blocked */ }
    delete memoryStore[key];
  }
  function readJSON(key) {
    var raw = lsGet(key);
    if (!raw) return null;
    try { return JSON.parse(raw); } catch (e) { return null; }
  }
  function writeJSON(key, value) { lsSet(key, JSON.stringify(value)); }

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    }
    var b = new Uint8Array(16), i;
    if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b);
    else for (i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = [];
    for (i = 0; i < 16; i++) h.push((b[i] + 0x100).toString(16).slice(1));
    return h.slice(0, 4).join('') + '-' + h.slice(4, 6).join('') + '-' + h.slice(6, 8).join('') + '-' +
      h.slice(8, 10).join('') + '-' + h.slice(10).join('');
  }

  function backoff(attempt) {
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, Math.min(attempt, 10)));
    return Math.min(BACKOFF_MAX_MS, Math.round(base * (0.75 + Math.random() * 0.5)));
  }

  /* Sleeps that a regained connection can cut short (wakeAll). */
  var wakers = [];
  function sleep(ms, wakeable) {
    return new Promise(function (resolve) {
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        var i = wakers.indexOf(done);
        if (i >= 0) wakers.splice(i, 1);
        resolve();
      }
      if (wakeable) wakers.push(done);
    });
  }
  function wakeAll() { wakers.slice().forEach(function (f) { f(); }); }

  function codePoints(text) {
    return Array.from(text).length;
  }

  function timezone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined; } catch (e) { return undefined; }
  }

  /* ---------- API ---------- */

  var session = null; // {token, conversation_id, email, name}

  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var token = opts.noAuth ? null : (session && session.token);
    if (token) headers['Authorization'] = 'Bearer ' + token;
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = ctrl && !opts.keepalive ? setTimeout(function () { ctrl.abort(); }, FETCH_TIMEOUT_MS) : 0;
    var init = {
      method: method,
      headers: headers,
      credentials: 'same-origin',
      cache: 'no-store'
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (ctrl && !opts.keepalive) init.signal = ctrl.signal;
    if (opts.keepalive) init.keepalive = true;
    return fetch(API + path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
        clearTimeout(timer);
        return { status: res.status, ok: res.ok, data: data, headers: res.headers };
      });
    }, function (err) {
      clearTimeout(timer);
      throw err;
    });
  }

  function isGone(res) { return res.status === 401 || res.status === 404; }

  function errorMessage(res) {
    var e = res && res.data && res.data.error;
    if (e && typeof e.message === 'string' && e.message) return e.message;
    return S.error_generic;
  }

  function retryAfterMs(res) {
    var raw = res.headers && res.headers.get('Retry-After');
    var secs = raw ? Number(raw) : NaN;
    if (raw && !isFinite(secs)) {
      var when = Date.parse(raw);
      if (!isNaN(when)) secs = (when - Date.now()) / 1000;
    }
    if (!isFinite(secs)) secs = 5;
    return Math.round(Math.min(120, Math.max(1, secs)) * 1000);
  }

  /* ---------- safe links ---------- */

  function safeUrl(raw) {
    if (typeof raw !== 'string') return null;
    raw = raw.trim();
    if (!raw) return null;
    var u;
    try { u = new URL(raw, location.href); } catch (e) { return null; }
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  }

  function makeLink(href, cls) {
    var a = document.createElement('a');
    if (cls) a.className = cls;
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    return a;
  }

  /* ---------- time ---------- */

  // The page's language (<html lang>, chosen by the server); the browser's own tag when it is the same language,
  // so its region's conventions (en-GB dates, de-AT) still apply. Used for dates, prices and the session's locale.
  var LOCALE = (function () {
    var page = (document.documentElement.lang || '').toLowerCase();
    var browser = navigator.language || '';
    if (page && browser.toLowerCase().split('-')[0] === page) return browser;
    return page || browser || undefined;
  })();

  function makeFormat(options) {
    try { return new Intl.DateTimeFormat(LOCALE, options); } catch (e) { return null; }
  }
  var timeFormat = makeFormat({ hour: '2-digit', minute: '2-digit' });
  var dayFormat = makeFormat({ day: 'numeric', month: 'short' });
  var fullFormat = makeFormat({ weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });

  function parseTime(iso) {
    if (typeof iso !== 'string' || !iso) return null;
    var s = iso.trim().replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T').replace(/(\.\d{3})\d+/, '$1');
    if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z'; // no offset: the server keeps UTC
    var d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }

  function timeElement(iso) {
    var node = document.createElement('time');
    var d = parseTime(iso);
    if (!d) return node;
    node.dateTime = d.toISOString();
    var text = timeFormat ? timeFormat.format(d) : d.toTimeString().slice(0, 5);
    if (d.toDateString() !== new Date().toDateString() && dayFormat) text = dayFormat.format(d) + ', ' + text;
    node.textContent = text;
    if (fullFormat) node.title = fullFormat.format(d);
    return node;
  }

  /* ---------- DOM ---------- */

  function $(id) { return document.getElementById(id); }
  var root = document.documentElement;
  var startView = $('start-view');
  var startForm = $('start-form');
  var emailInput = $('email');
  var emailError = $('email-error');
  var nameInput = $('name');
  var startError = $('start-error');
  var startButton = $('start-btn');
  var chatView = $('chat-view');
  var log = $('log');
  var list = $('messages');
  var empty = $('empty');
  var jump = $('jump');
  var conn = $('conn');
  var connText = $('conn-text');
  var composer = $('composer');
  var input = $('input');
  var sendButton = $('send-btn');
  var composerError = $('composer-error');
  var counter = $('composer-hint');
  var closeButton = $('close-btn');
  var verifyBar = $('verify');
  var verifyAsk = $('verify-ask');
  var verifySend = $('verify-send');
  var verifyForm = $('verify-form');
  var verifyCode = $('verify-code');
  var verifyStatus = $('verify-status');
  var typingNote = $('typing');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function applyStrings() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-s]'), function (node) {
      node.textContent = S[node.getAttribute('data-s')] || '';
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-s-aria]'), function (node) {
      var text = S[node.getAttribute('data-s-aria')] || '';
      node.setAttribute('aria-label', text);
      if (node.tagName === 'BUTTON') node.title = text;
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-s-placeholder]'), function (node) {
      node.placeholder = S[node.getAttribute('data-s-placeholder')] || '';
    });
    connText.textContent = S.reconnecting;
  }

  /* Text with http(s) links made clickable; everything is a text node or an <a> built here. */
  var URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
  function appendText(parent, text) {
    var last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      var raw = m[0].replace(/[.,!?;:'")\]}]+$/, '');
      var u = safeUrl(raw);
      if (!u) continue;
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = makeLink(u.href);
      a.textContent = raw;
      parent.appendChild(a);
      last = m.index + raw.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function bubble(text) {
    var b = el('div', 'bubble');
    appendText(b, text);
    return b;
  }

  function authorKey(m) {
    if (m.author === 'customer') return 'c';
    if (m.kind === 'auto') return 'a';
    return m.author === 'system' ? 'sys' : 's:' + (m.author_name || '');
  }

  function formatPrice(price, currency) {
    if (price === undefined || price === null || price === '') return '';
    var n = Number(price);
    if (typeof currency === 'string' && currency && isFinite(n)) {
      try { return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: currency }).format(n); } catch (e) { /* unknown currency */ }
    }
    return String(price) + (typeof currency === 'string' && currency ? ' ' + currency : '');
  }

  function placeholderImage() {
    var ph = el('span', 'product__ph');
    ph.setAttribute('aria-hidden', 'true');
    return ph;
  }

  function renderProducts(products) {
    if (!Array.isArray(products) || !products.length) return null;
    var wrap = el('div', 'products');
    products.forEach(function (p) {
      if (!p || typeof p !== 'object') return;
      var href = safeUrl(p.url);
      var card = href ? makeLink(href.href, 'product') : el('div', 'product');
      if (href) card.rel = 'noopener noreferrer';
      var src = safeUrl(p.image_url);
      if (src) {
        var img = el('img', 'product__img');
        img.alt = '';
        img.loading = 'lazy';
        img.decoding = 'async';
        img.addEventListener('error', function () { img.replaceWith(placeholderImage()); });
        img.src = src.href;
        card.appendChild(img);
      } else {
        card.appendChild(placeholderImage());
      }
      var info = el('span', 'product__info');
      info.appendChild(el('span', 'product__title', typeof p.title === 'string' ? p.title : ''));
      var price = formatPrice(p.price, p.currency);
      if (price) info.appendChild(el('span', 'product__price', price));
      if (href) info.appendChild(el('span', 'product__cta', S.view_product));
      card.appendChild(info);
      wrap.appendChild(card);
    });
    return wrap.firstChild ? wrap : null;
  }

  /* ----- discount cards ----- */

  var appliedCode = null;

  function sameCode(a, b) { return String(a).trim().toUpperCase() === String(b).trim().toUpperCase(); }

  function renderDiscount(code) {
    var card = el('div', 'discount');
    card.setAttribute('data-code', code);
    card.appendChild(el('p', 'discount__label', S.discount_label));
    card.appendChild(el('code', 'discount__code', code));
    var button = el('button', 'btn btn--primary', S.apply_code);
    button.type = 'button';
    button.addEventListener('click', function () { applyCode(code, card); });
    card.appendChild(button);
    var status = el('p', 'discount__status');
    status.setAttribute('role', 'status');
    status.tabIndex = -1;
    card.appendChild(status);
    paintDiscount(card);
    return card;
  }

  function paintDiscount(card) {
    var applied = appliedCode !== null && sameCode(card.getAttribute('data-code'), appliedCode);
    var button = card.querySelector('button');
    var status = card.querySelector('.discount__status');
    card.classList.toggle('discount--applied', applied);
    button.hidden = applied;
    status.textContent = '';
    if (applied) {
      var mark = el('span', '', '✓');
      mark.setAttribute('aria-hidden', 'true');
      status.appendChild(mark);
      status.appendChild(document.createTextNode(S.code_applied));
    } else {
      status.textContent = card.getAttribute('data-error') || '';
    }
  }

  function paintAllDiscounts() {
    Array.prototype.forEach.call(list.querySelectorAll('.discount'), paintDiscount);
  }

  function applyCode(code, card) {
    if (card.getAttribute('data-busy')) return;
    var my = epoch;
    var button = card.querySelector('button');
    card.setAttribute('data-busy', '1');
    card.removeAttribute('data-error');
    button.setAttribute('aria-disabled', 'true');
    button.textContent = S.applying;
    paintDiscount(card);
    var hadFocus = document.activeElement === button;
    api('POST', '/storefront/cart/discount', { code: code }).then(function (res) { return { res: res }; },
      function () { return { res: null }; }).then(function (r) {
      if (my !== epoch) return;
      var res = r.res;
      card.removeAttribute('data-busy');
      button.removeAttribute('aria-disabled');
      button.textContent = S.apply_code;
      if (res && isGone(res)) { resetSession(false, res); return; }
      if (res && res.ok) {
        var stored = res.data && typeof res.data.discount_code === 'string' && res.data.discount_code;
        appliedCode = stored || code;
        paintAllDiscounts();
        if (hadFocus) card.querySelector('.discount__status').focus();
        toParent({ type: 'inbox:cart-changed' });
      } else {
        card.setAttribute('data-error', res ? errorMessage(res) : S.network_error);
        paintDiscount(card);
      }
    });
  }

  function loadCartState() {
    if (!list.querySelector('.discount')) return;
    var my = epoch;
    api('GET', '/storefront/cart').then(function (res) {
      if (my !== epoch || !res.ok || !res.data) return;
      var code = res.data.discount_code;
      appliedCode = typeof code === 'string' && code ? code : null;
      paintAllDiscounts();
    }, noop);
  }

  /* ----- images ----- */

  function renderImage(url, caption) {
    var u = safeUrl(url);
    if (!u) return null;
    // <img> cannot send the Authorization header: the server accepts ?token= on our own image URLs.
    // Never hand the token to another origin.
    if (u.origin === location.origin && session) u.searchParams.set('token', session.token);
    var link = makeLink(u.href, 'image-link');
    link.title = S.open_image;
    var img = document.createElement('img');
    img.alt = caption || S.image;
    img.decoding = 'async';
    img.addEventListener('load', keepPinned);
    img.addEventListener('error', function () {
      if (link.parentNode) link.parentNode.replaceChild(el('p', 'image-missing', S.image_unavailable), link);
    });
    img.src = u.href;
    link.appendChild(img);
    return link;
  }

  /* ----- satisfaction survey (K2) ----- */

  function storeName() {
    var node = document.getElementById('store-name');
    return node ? node.textContent.trim() : '';
  }

  function surveyDone(card, text) {
    while (card.firstChild) card.removeChild(card.firstChild);
    var done = el('p', 'survey__done', text);
    done.setAttribute('role', 'status');
    card.appendChild(done);
  }

  /* Five radio buttons (Tab into the group, arrow keys choose), an optional comment and Send. */
  function renderSurvey(m) {
    var card = el('form', 'survey');
    card.setAttribute('novalidate', '');
    if (m.answered) { surveyDone(card, S.rating_thanks); return card; }
    if (typeof m.body === 'string' && m.body) card.appendChild(el('p', 'survey__prompt', m.body));
    var group = el('fieldset', 'survey__stars');
    group.appendChild(el('legend', 'survey__legend', S.rating_legend));
    var name = 'rating-' + m.id;
    for (var n = 1; n <= 5; n++) {
      var label = el('label', 'survey__star');
      var input = el('input');
      input.type = 'radio';
      input.name = name;
      input.value = String(n);
      input.setAttribute('aria-label', t('rating_star', { rating: n }));
      label.appendChild(input);
      var face = el('span', 'survey__face', '★');
      face.setAttribute('aria-hidden', 'true');
      label.appendChild(face);
      group.appendChild(label);
    }
    card.appendChild(group);
    var commentId = 'survey-comment-' + m.id;
    var commentLabel = el('label', 'field__label', S.rating_comment);
    commentLabel.setAttribute('for', commentId);
    card.appendChild(commentLabel);
    var comment = el('textarea', 'field__input survey__comment');
    comment.id = commentId;
    comment.rows = 2;
    comment.maxLength = MAX_COMMENT;
    card.appendChild(comment);
    var error = el('p', 'form-error survey__error');
    error.setAttribute('role', 'alert');
    card.appendChild(error);
    var send = el('button', 'btn btn--primary survey__send', S.rating_send);
    send.type = 'submit';
    card.appendChild(send);
    card.addEventListener('submit', function (event) {
      event.preventDefault();
      var chosen = card.querySelector('input[name="' + name + '"]:checked');
      if (!chosen) { error.textContent = S.rating_pick; group.querySelector('input').focus(); return; }
      error.textContent = '';
      send.disabled = true;
      send.textContent = S.sending;
      var body = { rating: Number(chosen.value) };
      if (comment.value.trim()) body.comment = comment.value;
      api('POST', '/chat/rating', body).then(function (res) {
        if (res.status === 201) { surveyDone(card, S.rating_thanks); return; }
        if (res.status === 409) { surveyDone(card, S.rating_closed); return; }
        error.textContent = errorMessage(res);
        send.disabled = false;
        send.textContent = S.rating_send;
      }, function () {
        error.textContent = S.network_error;
        send.disabled = false;
        send.textContent = S.rating_send;
      });
    });
    return card;
  }

  /* ----- messages ----- */

  function renderMessage(m) {
    var customer = m.author === 'customer';
    var body = typeof m.body === 'string' ? m.body : '';
    var auto = m.kind === 'auto';
    var li = el('li', 'msg ' + (customer ? 'msg--customer' : auto ? 'msg--staff msg--auto' : 'msg--staff'));
    li.setAttribute('data-author', authorKey(m));
    var parts = [];
    if (m.kind === 'products') {
      if (body) parts.push(bubble(body));
      parts.push(renderProducts(m.products));
    } else if (m.kind === 'discount') {
      if (body) parts.push(bubble(body));
      if (typeof m.code === 'string' && m.code) parts.push(renderDiscount(m.code));
    } else if (m.kind === 'image') {
      parts.push(renderImage(m.url, body));
      if (body) parts.push(bubble(body));
    } else if (m.kind === 'survey') {
      parts.push(renderSurvey(m));
    } else if (m.author === 'system' && !auto) {
      return null;  // other system lines are for staff (the server never sends them; kept out should one come)
    } else if (body) {
      parts.push(bubble(body));
    }
    parts = parts.filter(Boolean);
    if (!parts.length) return null;
    if (customer) li.appendChild(el('span', 'sr-only', S.you + ':'));
    else if (auto) li.appendChild(el('span', 'msg__author', m.instant_answer_id ? S.instant_answer : S.auto_author));
    else if (m.author === 'system') li.appendChild(el('span', 'msg__author', storeName() || S.staff));
    else li.appendChild(el('span', 'msg__author', typeof m.author_name === 'string' && m.author_name ? m.author_name : S.staff));
    parts.forEach(function (p) { li.appendChild(p); });
    var meta = el('div', 'msg__meta');
    var time = timeElement(m.created_at);
    li.setAttribute('data-time', time.textContent);
    meta.appendChild(time);
    li.appendChild(meta);
    return li;
  }

  /* Consecutive messages of one author form a group (one author line); within a group, a message
     followed by another of the same minute drops its timestamp. */
  function regroup(node) {
    [node, node && node.nextElementSibling].forEach(function (n) {
      if (!n) return;
      var prev = n.previousElementSibling;
      var same = !!prev && prev.getAttribute('data-author') === n.getAttribute('data-author');
      n.classList.toggle('msg--cont', same);
      if (prev) {
        prev.classList.toggle('msg--tight', same && prev.hasAttribute('data-id') && n.hasAttribute('data-id') &&
          prev.getAttribute('data-time') === n.getAttribute('data-time'));
      }
    });
  }

  function removeNode(node) {
    if (!node || !node.parentNode) return;
    var prev = node.previousElementSibling;
    var next = node.nextElementSibling;
    node.parentNode.removeChild(node);
    if (next) regroup(next);
    else if (prev) prev.classList.remove('msg--tight');
  }

  /* Server messages are kept in id order; messages still being sent stay at the end. */
  function insertServer(li, id) {
    li.setAttribute('data-id', String(id));
    var node = list.lastElementChild;
    while (node && (node.hasAttribute('data-cid') || Number(node.getAttribute('data-id')) > id)) node = node.previousElementSibling;
    list.insertBefore(li, node ? node.nextSibling : list.firstChild);
    regroup(li);
  }

  var epoch = 0;          // bumped when the session goes away; async work of an older epoch stops
  var cursor = 0;         // highest id received from GET or the socket: the ?after= of the next fetch
  var shown = new Map();  // message id -> <li> (or null for a message with nothing to show)
  var pending = [];       // outgoing, oldest first: {cid, body, el, statusEl, state, claimed}
  var initialDone = false;

  function ingest(m, source) {
    if (!m || typeof m !== 'object') return;
    var id = Number(m.id);
    if (!isFinite(id) || id <= 0) return;
    // Our own POST answers do not move the cursor: a staff message with a lower id may still be in flight.
    if (source !== 'post' && id > cursor) cursor = id;
    if (shown.has(id)) return;
    if (source !== 'post' && m.author === 'customer') claimPending(m);
    var li = renderMessage(m);
    shown.set(id, li);
    if (li) insertServer(li, id);
    updateEmpty();
    if (m.author !== 'customer') {
      if (source === 'live') showStaffTyping(false);
      noteStaff(id);
      if (li && initialDone && !stick) jump.hidden = false;
    }
    keepPinned();
  }

  /* A customer message arriving on the socket (or in a fetch) before our POST returned replaces its
     "sending" bubble; when the POST then answers with the same id, nothing more is shown. */
  function claimPending(m) {
    var i, p;
    if (typeof m.client_msg_id === 'string') {
      for (i = 0; i < pending.length; i++) {
        p = pending[i];
        if (!p.claimed && p.cid === m.client_msg_id) { p.claimed = true; removeNode(p.el); return; }
      }
    }
    for (i = 0; i < pending.length; i++) {
      p = pending[i];
      if (!p.claimed && p.body === m.body) { p.claimed = true; removeNode(p.el); return; }
    }
  }

  function updateEmpty() { empty.hidden = list.children.length > 0; }

  /* ---------- scrolling ---------- */

  var stick = true;  // keep the newest message in view
  var lastTop = 0;

  function scrollToBottom() {
    stick = true;
    jump.hidden = true;
    keepPinned();
  }

  function keepPinned() {
    if (!stick) return;
    log.scrollTop = log.scrollHeight;
    lastTop = log.scrollTop;
  }

  // Only the shopper scrolling up unpins; content growing (an image loading) between our scroll and
  // this event must not.
  log.addEventListener('scroll', function () {
    var top = log.scrollTop;
    if (log.scrollHeight - top - log.clientHeight < 60) {
      stick = true;
      jump.hidden = true;
    } else if (top < lastTop - 1) {
      stick = false;
    }
    lastTop = top;
  }, { passive: true });

  jump.addEventListener('click', function () {
    stick = true;
    jump.hidden = true;
    if (log.scrollTo) log.scrollTo({ top: log.scrollHeight, behavior: reducedMotion.matches ? 'auto' : 'smooth' });
    else log.scrollTop = log.scrollHeight;
    input.focus();
  });

  if (typeof ResizeObserver === 'function') {
    var resizeObserver = new ResizeObserver(function () { keepPinned(); });
    resizeObserver.observe(list);
    resizeObserver.observe(log);
  }

  /* ---------- sending ---------- */

  function renderPending(p) {
    var li = el('li', 'msg msg--customer msg--pending');
    li.setAttribute('data-cid', p.cid);
    li.setAttribute('data-author', 'c');
    li.appendChild(el('span', 'sr-only', S.you + ':'));
    li.appendChild(bubble(p.body));
    var meta = el('div', 'msg__meta');
    p.statusEl = el('span', 'msg__status', S.sending);
    meta.appendChild(p.statusEl);
    li.appendChild(meta);
    p.el = li;
    return li;
  }

  function setPendingState(p, state) {
    p.state = state;
    if (p.statusEl) p.statusEl.textContent = state === 'retrying' ? S.not_sent_retrying : S.sending;
    if (p.el) p.el.classList.toggle('msg--retrying', state === 'retrying');
  }

  function addPending(cid, body) {
    var p = { cid: cid, body: body, el: null, statusEl: null, state: 'sending', claimed: false };
    pending.push(p);
    list.appendChild(renderPending(p));
    regroup(p.el);
    updateEmpty();
    return p;
  }

  function saveOutbox() {
    if (!session) return;
    var items = pending.map(function (p) { return { cid: p.cid, body: p.body }; });
    if (items.length) writeJSON(LS_OUTBOX, { conversation_id: session.conversation_id, items: items });
    else lsDel(LS_OUTBOX);
  }

  function restoreOutbox() {
    var box = readJSON(LS_OUTBOX);
    if (!box || box.conversation_id !== session.conversation_id || !Array.isArray(box.items)) return;
    box.items.forEach(function (it) {
      if (it && typeof it.cid === 'string' && it.cid && typeof it.body === 'string' && it.body) addPending(it.cid, it.body);
    });
  }

  function dropPending(p) {
    var i = pending.indexOf(p);
    if (i >= 0) pending.splice(i, 1);
    if (!p.claimed) { p.claimed = true; removeNode(p.el); }
    saveOutbox();
    updateEmpty();
  }

  function sendMessage() {
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    if (codePoints(text) > MAX_CHARS) {
      showComposerError(t('too_long', { max: MAX_CHARS }));
      input.focus();
      return;
    }
    input.value = '';
    stopTyping();
    autoGrow();
    updateCounter();
    showComposerError('');
    addPending(uuid(), text);
    saveOutbox();
    scrollToBottom();
    pump();
  }

  var pumpEpoch = -1;
  /* One message in flight at a time, oldest first, so the conversation keeps the order it was typed in. */
  async function pump() {
    if (pumpEpoch === epoch || !session) return;
    var my = pumpEpoch = epoch;
    try {
      while (my === epoch && pending.length) await sendOne(pending[0], my);
    } finally {
      if (pumpEpoch === my) pumpEpoch = -1;
    }
  }

  async function sendOne(p, my) {
    var attempt = 0;
    for (;;) {
      var res = null;
      try {
        res = await api('POST', '/chat/messages', { body: p.body, client_msg_id: p.cid });
      } catch (e) {
        res = null;
      }
      if (my !== epoch) return;
      if (res && (res.status === 200 || res.status === 201)) {
        dropPending(p);
        ingest(res.data, 'post');
        return;
      }
      if (res && isGone(res)) { resetSession(false, res); return; }
      if (res && res.status === 429) {
        setPendingState(p, 'retrying');
        await sleep(retryAfterMs(res), false);
      } else if (!res || res.status >= 500 || res.status === 408) {
        // Network failure or a proxy hiccup: the same client_msg_id makes the retry safe.
        setPendingState(p, 'retrying');
        await sleep(backoff(attempt++), true);
      } else {
        // 413, 422 or another refusal: this text will never be taken; give it back to the shopper.
        dropPending(p);
        input.value = p.body + (input.value.trim() ? '\n' + input.value : '');
        autoGrow();
        updateCounter();
        showComposerError(errorMessage(res));
        return;
      }
      if (my !== epoch) return;
      if (pending.indexOf(p) < 0) return;
    }
  }

  /* ---------- composer ---------- */

  function showComposerError(text) {
    composerError.textContent = text || '';
  }

  function autoGrow() {
    input.style.height = 'auto';
    if (input.value) input.style.height = Math.min(input.scrollHeight + 2, 160) + 'px';
    else input.style.height = '';
  }

  function updateCounter() {
    var text = input.value;
    var n = text.length > COUNTER_FROM ? codePoints(text.trim()) : 0;
    var over = n > MAX_CHARS;
    counter.textContent = n > COUNTER_FROM ? t('counter', { count: n, max: MAX_CHARS }) : '';
    counter.classList.toggle('is-over', over);
    if (over) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    if (over) showComposerError(t('too_long', { max: MAX_CHARS }));
    else if (composerError.textContent === t('too_long', { max: MAX_CHARS })) showComposerError('');
    var blocked = !text.trim() || over;
    if (blocked) sendButton.setAttribute('aria-disabled', 'true');
    else sendButton.removeAttribute('aria-disabled');
  }

  composer.addEventListener('submit', function (e) {
    e.preventDefault();
    sendMessage();
  });

  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendMessage();
    }
  });

  /* ---------- typing (R3) ---------- */

  var typingSentAt = 0;
  var typingOn = false;
  var staffTypingTimer = 0;

  function sendTyping(typing) {
    if (!session) return;
    if (ws && wsOpen) {
      try { ws.send(JSON.stringify({ type: 'typing', typing: typing })); return; } catch (e) { /* use HTTP */ }
    }
    api('POST', '/chat/typing', { typing: typing }).then(noop, noop);
  }

  function shopperTyped() {
    if (!input.value.trim()) { stopTyping(); return; }
    var now = Date.now();
    if (typingOn && now - typingSentAt < TYPING_SEND_MS) return;
    typingOn = true;
    typingSentAt = now;
    sendTyping(true);
  }

  function stopTyping() {
    if (!typingOn) return;
    typingOn = false;
    sendTyping(false);
  }

  function showStaffTyping(on) {
    clearTimeout(staffTypingTimer);
    staffTypingTimer = 0;
    if (on) {
      typingNote.textContent = t('typing', { name: $('store-name').textContent || S.staff });
      staffTypingTimer = setTimeout(function () { showStaffTyping(false); }, TYPING_SHOW_MS);
    }
    typingNote.hidden = !on;
  }

  input.addEventListener('blur', stopTyping);

  input.addEventListener('input', function () {
    shopperTyped();
    autoGrow();
    if (composerError.textContent && composerError.textContent !== t('too_long', { max: MAX_CHARS })) showComposerError('');
    updateCounter();
  });

  /* ---------- history and live updates ---------- */

  var syncPromise = null;
  var syncToken = null;
  var syncAgain = false;
  var apiOk = true;

  /* Fetch everything after the cursor (page by page). Resolves true when the API answered. */
  function sync() {
    if (!session) return Promise.resolve(false);
    if (syncPromise) { syncAgain = true; return syncPromise; }
    var my = epoch;
    var token = {};
    syncToken = token;
    syncPromise = (async function () {
      var ok = false;
      try {
        do {
          syncAgain = false;
          for (var page = 0; page < 100; page++) {
            var res = await api('GET', '/chat/messages?after=' + cursor + '&limit=' + PAGE);
            if (my !== epoch) return false;
            if (isGone(res)) { resetSession(false, res); return false; }
            if (!res.ok || !res.data || !Array.isArray(res.data.messages)) { ok = res.status < 500; break; }
            ok = true;
            var before = cursor;
            res.data.messages.forEach(function (m) { ingest(m, 'sync'); });
            if (res.data.messages.length < PAGE || cursor === before) break;
          }
        } while (syncAgain && ok && my === epoch);
      } catch (e) {
        ok = false;
      } finally {
        if (syncToken === token) { syncToken = null; syncPromise = null; }
      }
      if (my === epoch) { apiOk = ok; updateConn(); }
      return ok;
    })();
    return syncPromise;
  }

  var ws = null;
  var wsOpen = false;
  var wsAttempts = 0;
  var reconnectTimer = 0;
  var pingTimer = 0;
  var pongTimer = 0;
  var stableTimer = 0;
  var gotPong = false;
  var presenceTimer = 0;

  function wsUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + API +
      '/chat/ws?token=' + encodeURIComponent(session.token);
  }

  function clearSocketTimers() {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    clearTimeout(stableTimer);
    pingTimer = pongTimer = stableTimer = 0;
  }

  function closeSocket() {
    var sock = ws;
    ws = null;
    wsOpen = false;
    clearSocketTimers();
    if (!sock) return;
    sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
    try { sock.close(1000); } catch (e) { /* already closed */ }
  }

  function connect() {
    if (!session || ws) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    var my = epoch;
    var opened = false;
    var sock;
    try { sock = new WebSocket(wsUrl()); } catch (e) { socketDown(my, false, 0); return; }
    ws = sock;
    sock.onopen = function () {
      if (ws !== sock) return;
      opened = true;
      wsOpen = true;
      gotPong = false;
      stopPresenceFallback();
      updateConn();
      stableTimer = setTimeout(function () { wsAttempts = 0; }, STABLE_MS);
      pingTimer = setInterval(ping, PING_MS);
      wakeAll();
      sync(); // whatever arrived while we were away
    };
    sock.onmessage = function (e) {
      if (ws !== sock) return;
      var data;
      try { data = JSON.parse(e.data); } catch (x) { return; }
      if (!data || typeof data !== 'object') return;
      if (data.type === 'message') ingest(data.message, 'live');
      else if (data.type === 'typing') showStaffTyping(data.typing === true);
      else if (data.type === 'pong') { gotPong = true; clearTimeout(pongTimer); pongTimer = 0; }
    };
    sock.onerror = noop; // a close event follows
    sock.onclose = function (e) {
      if (ws !== sock) return;
      ws = null;
      wsOpen = false;
      clearSocketTimers();
      socketDown(my, opened, e.code);
    };
  }

  function ping() {
    if (!ws || !wsOpen) return;
    try { ws.send('{"type":"ping"}'); } catch (e) { return; }
    // Only a server that has answered pings before is expected to answer this one.
    if (gotPong && !pongTimer) {
      pongTimer = setTimeout(function () {
        pongTimer = 0;
        if (!ws) return;
        var my = epoch;
        closeSocket();
        socketDown(my, true, 0);
      }, PONG_WAIT_MS);
    }
  }

  function socketDown(my, wasOpen, code) {
    if (my !== epoch || !session) return;
    updateConn();
    // Catch up over HTTP; a 401/404 here means the token is gone (the socket refuses it with 4401).
    sync().then(function (reachable) {
      if (my !== epoch || !session || wsOpen) return;
      if (reachable) startPresenceFallback();
    });
    scheduleReconnect(code === 4408 && wasOpen ? 0 : undefined);
  }

  function scheduleReconnect(delay) {
    if (reconnectTimer || ws || !session) return;
    if (delay === undefined) delay = backoff(wsAttempts++);
    reconnectTimer = setTimeout(function () {
      reconnectTimer = 0;
      connect();
    }, delay);
  }

  function reconnectNow() {
    if (!session || ws) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    connect();
  }

  /* Presence without a socket: heartbeats while the API works but the socket cannot be opened. */
  function startPresenceFallback() {
    if (presenceTimer || !session) return;
    presenceBeat();
    presenceTimer = setInterval(function () {
      presenceBeat();
      sync();
    }, PRESENCE_MS);
    updateConn();
  }

  function stopPresenceFallback() {
    clearInterval(presenceTimer);
    presenceTimer = 0;
  }

  function presenceBeat() {
    var my = epoch;
    api('POST', '/chat/presence', { state: 'online' }).then(function (res) {
      if (my === epoch && isGone(res)) resetSession(false, res);
    }, noop);
  }

  var connTimer = 0;
  function connectionBad() {
    if (!session || chatView.hidden) return false;
    if (navigator.onLine === false) return true;
    return !wsOpen && !(presenceTimer && apiOk);
  }
  function updateConn() {
    clearTimeout(connTimer);
    connTimer = 0;
    if (!connectionBad()) { conn.hidden = true; return; }
    if (!conn.hidden) return;
    // A short grace period keeps the line from flashing on a quick reconnect.
    connTimer = setTimeout(function () {
      connTimer = 0;
      if (connectionBad()) conn.hidden = false;
    }, 1500);
  }

  /* ---------- unread (badge on the widget launcher / title of the standalone page) ---------- */

  var panelOpen = !EMBED;
  var seenId = 0;
  var unreadIds = new Set();
  var postedUnread = -1;
  var baseTitle = document.title;

  function viewing() { return panelOpen && !document.hidden; }

  function loadSeen() {
    var seen = readJSON(LS_SEEN);
    seenId = seen && session && seen.conversation_id === session.conversation_id ? Number(seen.id) || 0 : 0;
  }

  function noteStaff(id) {
    if (viewing()) { markSeen(); return; }
    if (id > seenId && !unreadIds.has(id)) {
      unreadIds.add(id);
      postUnread();
    }
  }

  function markSeen() {
    if (!session) return;
    if (cursor > seenId) {
      seenId = cursor;
      writeJSON(LS_SEEN, { conversation_id: session.conversation_id, id: seenId });
    }
    unreadIds.clear();
    postUnread();
  }

  function postUnread() {
    var n = unreadIds.size;
    if (n === postedUnread) return;
    postedUnread = n;
    if (EMBED) toParent({ type: 'inbox:unread', count: n });
    else document.title = (n ? '(' + n + ') ' : '') + baseTitle;
  }

  function viewingChanged() {
    if (session && viewing()) markSeen();
  }

  /* ---------- parent window (widget) ---------- */

  function toParent(message) {
    if (!EMBED) return;
    // The storefront can be on any origin; these messages carry nothing secret.
    try { window.parent.postMessage(message, '*'); } catch (e) { /* parent gone */ }
  }

  window.addEventListener('message', function (e) {
    if (!EMBED || e.source !== window.parent) return;
    var data = e.data;
    if (!data || typeof data !== 'object' || data.type !== 'inbox:panel') return;
    var wasOpen = panelOpen;
    panelOpen = !!data.open;
    viewingChanged();
    if (panelOpen && !wasOpen) {
      keepPinned();
      focusPrimary();
    }
  });

  function focusPrimary() {
    // On touch screens focusing a field would pop up the keyboard unasked.
    if (window.matchMedia && !window.matchMedia('(pointer: fine)').matches) return;
    var target = !startView.hidden ? emailInput : (!chatView.hidden ? input : null);
    if (!target) return;
    try { target.focus({ preventScroll: true }); } catch (e) { target.focus(); }
  }

  /* ---------- A2: instant answers ---------- */

  var answerBoxes = [$('start-answers'), $('answers')];
  var offeredAnswers = [];
  var pendingTap = null;   // a question tapped on the start form: asked once the session exists
  var tapping = false;

  /* The questions GET /chat/config offers (API.md: instant_answers: [{"id", "question"}]), checked. */
  function instantAnswersOf(config) {
    var items = config && Array.isArray(config.instant_answers) ? config.instant_answers : [];
    return items.filter(function (item) {
      return item && typeof item === 'object' && Number(item.id) > 0 && typeof item.question === 'string' && item.question;
    }).slice(0, 10);
  }

  function showInstantAnswers(config) {
    offeredAnswers = instantAnswersOf(config);
    renderAnswers();
  }

  function renderAnswers() {
    answerBoxes.forEach(function (box) {
      if (!box) return;
      box.textContent = '';
      offeredAnswers.forEach(function (item) {
        var button = el('button', 'answer-btn', item.question);
        button.type = 'button';
        button.addEventListener('click', function () { tapAnswer(item); });
        box.appendChild(button);
      });
      box.hidden = offeredAnswers.length === 0;
    });
  }

  function setTapping(on) {
    tapping = on;
    answerBoxes.forEach(function (box) {
      if (!box) return;
      Array.prototype.forEach.call(box.children, function (b) {
        if (on) b.setAttribute('aria-disabled', 'true'); else b.removeAttribute('aria-disabled');
      });
    });
  }

  /* A tap posts the question; the answer shows the question and the store's answer at once. */
  function tapAnswer(item) {
    if (tapping) return;
    if (!session) {  // on the start form: the chat starts first (the e-mail is required), then the question goes
      pendingTap = item;
      if (typeof startForm.requestSubmit === 'function') startForm.requestSubmit();
      else startForm.dispatchEvent(new Event('submit', { cancelable: true }));
      return;
    }
    var my = epoch;
    setTapping(true);
    showComposerError('');
    api('POST', '/chat/instant-answers/' + encodeURIComponent(String(item.id)), { client_msg_id: uuid() }).then(function (res) {
      setTapping(false);
      if (my !== epoch) return;
      if ((res.status === 201 || res.status === 200) && res.data && Array.isArray(res.data.messages)) {
        res.data.messages.forEach(function (m) { ingest(m, 'post'); });
        scrollToBottom();
        return;
      }
      if (res.status === 401) { resetSession(false, res); return; }
      if (res.status === 404) loadConfig();  // the owner changed the questions meanwhile (A1's loader, below)
      showComposerError(errorMessage(res));
    }, function () {
      setTapping(false);
      if (my === epoch) showComposerError(S.network_error);
    });
  }

  function askPendingTap() {
    var item = pendingTap;
    pendingTap = null;
    if (item && session) tapAnswer(item);
  }

  /* ---------- session lifecycle ---------- */

  function readSession() {
    var s = readJSON(LS_SESSION);
    if (!s || typeof s !== 'object' || typeof s.token !== 'string' || !s.token) return null;
    return { token: s.token, conversation_id: s.conversation_id, email: s.email || '', name: s.name || '' };
  }

  function showStart(prefill) {
    chatView.hidden = true;
    startView.hidden = false;
    startButton.textContent = S.start_button;
    startButton.removeAttribute('aria-disabled');
    if (prefill) {
      if (!emailInput.value) emailInput.value = prefill.email || '';
      if (!nameInput.value) nameInput.value = prefill.name || '';
    }
    updateConn();
  }

  /* ---------- V1: confirming the e-mail with a mailed code ---------- */

  var LS_VERIFY_DISMISSED = 'inbox.verify-dismissed';

  function showVerifyStatus(text, isError) {
    verifyStatus.textContent = text;
    if (isError) verifyStatus.setAttribute('data-error', ''); else verifyStatus.removeAttribute('data-error');
  }

  function paintVerify() {
    var offer = !!session && !session.verified && lsGet(LS_VERIFY_DISMISSED) !== String(session.conversation_id);
    verifyBar.hidden = !offer;
  }

  verifySend.addEventListener('click', function () {
    if (!session || verifySend.getAttribute('aria-disabled') === 'true') return;
    verifySend.setAttribute('aria-disabled', 'true');
    showVerifyStatus('', false);
    api('POST', '/chat/verify', {}).then(function (res) {
      verifySend.removeAttribute('aria-disabled');
      if (res.status === 202) {
        showVerifyStatus(t('verify_sent', { email: session.email || '' }), false);
        verifyForm.hidden = false;
        verifyAsk.hidden = true;
        verifyCode.focus();
      } else {
        showVerifyStatus(errorMessage(res), true);
      }
    }, function () {
      verifySend.removeAttribute('aria-disabled');
      showVerifyStatus(S.network_error, true);
    });
  });

  $('verify-dismiss').addEventListener('click', function () {
    if (session) lsSet(LS_VERIFY_DISMISSED, String(session.conversation_id));
    paintVerify();
  });

  verifyForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var code = verifyCode.value.replace(/\s+/g, '');
    if (!session || !code) return;
    api('POST', '/chat/verify/confirm', { code: code }).then(function (res) {
      if (res.ok && res.data && res.data.verified) {
        session.verified = true;
        writeJSON(LS_SESSION, session);
        verifyForm.hidden = true;
        showVerifyStatus(S.verify_done, false);
        setTimeout(paintVerify, 2500);
        cursor = 0; // the earlier messages of this address are readable now
        sync();
        return;
      }
      verifyCode.select();
      showVerifyStatus(errorMessage(res), true);
      if (res.status === 429) { verifyForm.hidden = true; verifyAsk.hidden = false; }
    }, function () {
      showVerifyStatus(S.network_error, true);
    });
  });

  function startChat() {
    var my = epoch;
    startView.hidden = true;
    chatView.hidden = false;
    verifyForm.hidden = true;
    verifyAsk.hidden = false;
    showVerifyStatus('', false);
    paintVerify();
    initialDone = false;
    cursor = 0;
    loadSeen();
    log.setAttribute('aria-busy', 'true');
    restoreOutbox();
    updateEmpty();
    autoGrow();
    updateCounter();
    updateConn();
    sync().then(function () {
      if (my !== epoch) return;
      log.removeAttribute('aria-busy');
      initialDone = true;
      scrollToBottom();
      loadCartState();
      connect();
    });
    pump();
  }

  function stopLive() {
    closeSocket();
    clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    wsAttempts = 0;
    stopPresenceFallback();
  }

  /* The token is no longer valid (401/404) or another tab ended the session: back to the start form,
     keeping whatever the shopper had typed or not yet sent; a session that expired unused says so there. */
  function resetSession(fromOtherTab, res) {
    if (!session) return;
    var old = session;
    var carry = pending.map(function (p) { return p.body; });
    if (input.value.trim()) carry.push(input.value.trim());
    epoch++;
    stopLive();
    wakeAll();
    session = null;
    syncPromise = syncToken = null;
    if (!fromOtherTab) {
      lsDel(LS_SESSION);
      lsDel(LS_OUTBOX);
      lsDel(LS_SEEN);
    }
    pending = [];
    shown.clear();
    cursor = 0;
    seenId = 0;
    appliedCode = null;
    list.textContent = '';
    unreadIds.clear();
    postUnread();
    input.value = carry.join('\n');
    showComposerError('');
    showStart(old);
    var err = res && res.data && res.data.error;
    startError.textContent = err && err.code === 'session_expired' ? errorMessage(res) : '';
  }

  function beginSession(s) {
    session = s;
    epoch++;
    startChat();
  }

  startForm.addEventListener('submit', function (e) {
    e.preventDefault();
    if (startButton.getAttribute('aria-disabled') === 'true' || session) return;
    startError.textContent = '';
    var email = emailInput.value.trim();
    emailInput.value = email;
    if (!email || !emailInput.checkValidity() || !EMAIL_RE.test(email)) {
      pendingTap = null;
      emailError.textContent = S.email_invalid;
      emailInput.setAttribute('aria-invalid', 'true');
      emailInput.focus();
      return;
    }
    emailError.textContent = '';
    emailInput.removeAttribute('aria-invalid');
    var name = nameInput.value.trim();
    var body = { email: email, locale: LOCALE, timezone: timezone() };
    if (name) body.name = name;
    startButton.setAttribute('aria-disabled', 'true');
    startButton.textContent = S.starting;
    var done = function () {
      startButton.removeAttribute('aria-disabled');
      startButton.textContent = S.start_button;
    };
    api('POST', '/chat/sessions', body, { noAuth: true }).then(function (res) {
      done();
      if (session) return;
      if ((res.status === 201 || res.status === 200) && res.data && typeof res.data.session_token === 'string' && res.data.session_token) {
        var s = { token: res.data.session_token, conversation_id: res.data.conversation_id, email: email, name: name,
                  verified: res.data.verified === true };
        writeJSON(LS_SESSION, s);
        beginSession(s);
        var target = input;
        try { target.focus({ preventScroll: true }); } catch (x) { target.focus(); }
        askPendingTap();
        return;
      }
      var err = res.data && res.data.error;
      if (res.status === 422 && err && typeof err.code === 'string' && /mail/i.test(err.code)) {
        emailError.textContent = errorMessage(res);
        emailInput.setAttribute('aria-invalid', 'true');
        emailInput.focus();
      } else {
        startError.textContent = errorMessage(res);
      }
    }, function () {
      done();
      startError.textContent = S.network_error;
    });
  });

  emailInput.addEventListener('input', function () {
    if (emailError.textContent) {
      emailError.textContent = '';
      emailInput.removeAttribute('aria-invalid');
    }
  });

  /* ---------- page lifecycle ---------- */

  window.addEventListener('online', function () {
    updateConn();
    if (!session) return;
    wakeAll();
    reconnectNow();
  });
  window.addEventListener('offline', updateConn);

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && session) {
      reconnectNow();
      if (!wsOpen) sync();
    }
    viewingChanged();
  });

  window.addEventListener('pagehide', function () {
    if (session && presenceTimer) {
      api('POST', '/chat/presence', { state: 'offline' }, { keepalive: true }).catch(noop);
    }
    stopLive();
  });

  window.addEventListener('pageshow', function (e) {
    if (e.persisted && session) { // back from the back/forward cache
      reconnectNow();
      sync();
    }
  });

  // Another tab of the same browser started or ended the session.
  window.addEventListener('storage', function (e) {
    if (e.key !== LS_SESSION && e.key !== null) return;
    var s = readSession();
    if (session && (!s || s.token !== session.token)) resetSession(true);
    if (!session && s) beginSession(s);
  });

  document.addEventListener('keydown', function (e) {
    if (EMBED && e.key === 'Escape' && !e.isComposing) toParent({ type: 'inbox:close' });
  });

  closeButton.addEventListener('click', function () { toParent({ type: 'inbox:close' }); });

  /* ---------- A1: availability, greeting and reply time (GET /chat/config, read again every minute) ---------- */

  var hdrSub = $('hdr-sub');
  var greeting = $('greeting');
  var emptyText = empty.querySelector('span');
  var backFormat = makeFormat({ weekday: 'long', hour: '2-digit', minute: '2-digit' });

  function showConfig(c) {
    if (!c || typeof c !== 'object') return;
    var available = c.available !== false;
    greeting.textContent = typeof c.greeting === 'string' ? c.greeting : '';
    greeting.hidden = !greeting.textContent;
    var parts = [available ? S.online : S.away];
    var back = available ? null : parseTime(c.back_at);
    if (back) parts.push(t('back_at', { when: backFormat ? backFormat.format(back) : back.toLocaleString() }));
    if (typeof c.reply_time === 'string' && c.reply_time) {
      parts.push(c.reply_time);
      emptyText.textContent = c.reply_time;
    }
    hdrSub.textContent = parts.join(' · ');
    hdrSub.classList.add('hdr__sub--status');
    hdrSub.classList.toggle('is-away', !available);
  }

  /* One reader of GET /chat/config for A1 (status, greeting) and A2 (the questions), in the shopper's language;
     without it the chat works as before, without buttons. */
  function loadConfig() {
    api('GET', '/chat/config?lang=' + encodeURIComponent(LOCALE || root.lang || ''), undefined, { noAuth: true })
      .then(function (res) {
        if (!res.ok || !res.data) return;
        showConfig(res.data);
        showInstantAnswers(res.data);
      }, noop);
  }

  /* ---------- boot ---------- */

  applyStrings();
  if (EMBED) {
    root.classList.add('embed');
    closeButton.hidden = false;
  }
  (function () {
    var storeName = ($('store-name').textContent || '').trim();
    baseTitle = storeName ? S.title + ' · ' + storeName : S.title;
    document.title = baseTitle;
    var first = Array.from(storeName)[0];
    $('avatar').textContent = first ? first.toUpperCase() : '';
  })();

  loadConfig();
  setInterval(loadConfig, CONFIG_MS);
  var stored = readSession();
  if (stored) beginSession(stored);
  else showStart();
  postUnread();
  toParent({ type: 'inbox:ready' });
})();
