/*
 * Inbox chat widget. A storefront adds one tag to any page:
 *   <script src="https://YOUR-INBOX/widget.js" async></script>
 * The store settings (U2) give its colour, side (left/right) and the only hosts it opens on (none set: any).
 * Optional attributes on that tag: data-label="Chat with us" (launcher label), data-color="#2563eb",
 * data-lang="de" (language of the launcher and the chat; default: the browser's languages).
 *
 * It draws a launcher button (bottom right) and a panel holding <iframe src="YOUR-INBOX/chat?embed=1">,
 * all inside a Shadow DOM so the store's CSS and ours never meet. The iframe loads with the page (hidden
 * until opened): a returning shopper with a session is then Online on every page with the widget.
 *
 * postMessage protocol (only messages from the inbox origin and from our own iframe are accepted):
 *   from the chat: {type:"inbox:ready"} -> we answer with the panel state
 *                  {type:"inbox:close"} -> close the panel
 *                  {type:"inbox:unread", count} -> badge on the launcher while the panel is closed
 *                  {type:"inbox:cart-changed"} -> window.dispatchEvent(new CustomEvent("inbox:cart-changed"))
 *   to the chat:   {type:"inbox:panel", open: true|false}
 * API for the page: window.InboxWidget.open(), window.InboxWidget.close()
 */
(function () {
  'use strict';
  if (window.InboxWidget) return;

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="widget.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script || !script.src) return;
  var ORIGIN;
  try { ORIGIN = new URL(script.src, location.href).origin; } catch (e) { return; }
  // The launcher's label per language; the server fills this in from its catalogues (widget_source()).
  var LABELS = {/*LABELS*/};
  var LANG = (function () {
    var wanted = [script.getAttribute('data-lang') || ''].concat(navigator.languages || [navigator.language || '']);
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i] || '').toLowerCase().split(/[-_]/)[0];
      if (code && Object.prototype.hasOwnProperty.call(LABELS, code)) return code;
    }
    return '';
  })();
  // The store's settings (U2), filled in per request: colour, side, and the hosts the widget may open on.
  var CONFIG = {/*CONFIG*/};
  var ALLOWED = CONFIG.allowedHosts || [];
  if (ALLOWED.length && ALLOWED.indexOf(String(location.hostname).toLowerCase()) < 0) {
    if (window.console) console.warn('Inbox chat: this site (' + location.hostname + ') is not among the allowed widget domains.');
    return;
  }
  var LABEL = script.getAttribute('data-label') || LABELS[LANG] || 'Chat with us';
  var COLOR = script.getAttribute('data-color') || CONFIG.color || '';
  if (!COLOR || !(window.CSS && CSS.supports && CSS.supports('color', COLOR))) COLOR = '#2563eb';
  var LEFT = CONFIG.position === 'left';

  var CSS_TEXT = [
    ':host{all:initial}',
    '*,*::before,*::after{box-sizing:border-box}',
    '.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;margin:0;padding:0;',
    'border:0;border-radius:50%;background:var(--inbox-color);color:#fff;cursor:pointer;display:grid;place-items:center;',
    'box-shadow:0 6px 20px rgba(0,0,0,.22),0 2px 6px rgba(0,0,0,.12);transition:transform .15s ease,box-shadow .15s ease;',
    '-webkit-tap-highlight-color:transparent}',
    '.launcher:hover{transform:scale(1.06);box-shadow:0 8px 26px rgba(0,0,0,.26),0 2px 6px rgba(0,0,0,.12)}',
    '.launcher:focus{outline:none}',
    '.launcher:focus-visible{box-shadow:0 0 0 3px #fff,0 0 0 6px var(--inbox-color),0 6px 20px rgba(0,0,0,.22)}',
    '.launcher svg{width:28px;height:28px;display:block;transition:transform .2s ease,opacity .2s ease}',
    '.launcher .i-close{position:absolute;opacity:0;transform:rotate(-90deg)}',
    '.open .launcher .i-chat{opacity:0;transform:rotate(90deg)}',
    '.open .launcher .i-close{opacity:1;transform:none}',
    '.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border:2px solid #fff;',
    'border-radius:11px;background:#dc2626;color:#fff;font:700 12px/18px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;',
    'text-align:center}',
    '.badge[hidden]{display:none}',
    '.panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:380px;height:600px;',
    'max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);border-radius:16px;overflow:hidden;background:#fff;',
    'box-shadow:0 16px 48px rgba(0,0,0,.24),0 2px 8px rgba(0,0,0,.1);opacity:0;visibility:hidden;',
    'transform:translateY(16px) scale(.98);transform-origin:bottom right;',
    'transition:opacity .2s ease,transform .2s ease,visibility 0s linear .2s}',
    '.open .panel{opacity:1;visibility:visible;transform:none;transition:opacity .2s ease,transform .2s ease,visibility 0s}',
    'iframe{display:block;width:100%;height:100%;border:0;background:transparent}',
    '.left .launcher{right:auto;left:20px}',
    '.left .panel{right:auto;left:20px;transform-origin:bottom left}',
    '@media (max-width:479px){',
    '.left .panel{left:0;right:0}',
    '.panel{top:0;right:0;bottom:0;left:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0;',
    'transform:translateY(24px)}',
    '.open .launcher{display:none}',
    '}',
    '@media (prefers-color-scheme:dark){.panel{background:#111827}}',
    '@media (prefers-reduced-motion:reduce){*,*::before,*::after{transition:none!important;animation:none!important}}'
  ].join('\n');

  var CHAT_ICON = '<svg class="i-chat" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" ' +
    'd="M12 3C6.9 3 3 6.5 3 10.8c0 2.3 1.1 4.4 3 5.8V21l3.9-2.4c.7.1 1.4.2 2.1.2 5.1 0 9-3.5 9-7.9S17.1 3 12 3z"/></svg>';
  var CLOSE_ICON = '<svg class="i-close" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18" ' +
    'fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/></svg>';

  var host, shadow, wrap, launcher, badge, panel, iframe;
  var isOpen = false;
  var wantOpen = false;
  var unread = 0;
  var savedOverflow = null;
  var phone = window.matchMedia ? window.matchMedia('(max-width: 479px)') : { matches: false };

  function postPanel() {
    if (!iframe || !iframe.contentWindow) return;
    try { iframe.contentWindow.postMessage({ type: 'inbox:panel', open: isOpen }, ORIGIN); } catch (e) { /* not loaded yet */ }
  }

  function paintBadge() {
    if (!badge) return;
    var show = unread > 0 && !isOpen;
    badge.hidden = !show;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    launcher.setAttribute('aria-label', show ? LABEL + ' (' + unread + ')' : LABEL);
  }

  function lockScroll(lock) {
    var s = document.documentElement.style;
    if (lock && savedOverflow === null) {
      savedOverflow = s.overflow;
      s.overflow = 'hidden';
    } else if (!lock && savedOverflow !== null) {
      s.overflow = savedOverflow;
      savedOverflow = null;
    }
  }

  function setOpen(open) {
    if (!host) { wantOpen = open; return; }
    if (open === isOpen) return;
    var focusInside = document.activeElement === host;
    isOpen = open;
    wrap.classList.toggle('open', open);
    launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
    panel.setAttribute('aria-hidden', open ? 'false' : 'true');
    lockScroll(open && phone.matches);
    paintBadge();
    postPanel();
    if (open) {
      try { iframe.focus(); } catch (e) { /* ignore */ }
    } else if (focusInside) {
      launcher.focus();
    }
  }

  function init() {
    if (host || !document.body) return;
    host = document.createElement('inbox-chat-widget');
    host.style.cssText = 'all:initial;position:static;display:block;width:0;height:0;';
    shadow = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;

    var sheetDone = false;
    try {
      if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function') {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS_TEXT); // not subject to the store's style-src policy
        shadow.adoptedStyleSheets = [sheet];
        sheetDone = true;
      }
    } catch (e) { sheetDone = false; }
    if (!sheetDone) {
      var style = document.createElement('style');
      style.textContent = CSS_TEXT;
      shadow.appendChild(style);
    }

    wrap = document.createElement('div');
    wrap.style.setProperty('--inbox-color', COLOR);
    if (LEFT) wrap.className = 'left';

    panel = document.createElement('div');
    panel.className = 'panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', LABEL);
    panel.setAttribute('aria-hidden', 'true');
    panel.id = 'inbox-panel';

    iframe = document.createElement('iframe');
    // With data-lang the chat follows it; otherwise the chat page goes by the browser's Accept-Language.
    iframe.src = ORIGIN + '/chat?embed=1' + (script.getAttribute('data-lang') && LANG ? '&lang=' + LANG : '');
    iframe.title = LABEL;  // the label in the shopper's language ('Chat with us', 'Chatte mit uns', ...)
    iframe.setAttribute('loading', 'eager');
    iframe.addEventListener('load', postPanel);
    panel.appendChild(iframe);

    launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'launcher';
    launcher.setAttribute('aria-label', LABEL);
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'inbox-panel');
    launcher.title = LABEL;
    launcher.innerHTML = CHAT_ICON + CLOSE_ICON; // constant markup, no data
    badge = document.createElement('span');
    badge.className = 'badge';
    badge.setAttribute('aria-hidden', 'true');
    badge.hidden = true;
    launcher.appendChild(badge);
    launcher.addEventListener('click', function () { setOpen(!isOpen); });

    wrap.appendChild(panel);
    wrap.appendChild(launcher);
    shadow.appendChild(wrap);
    document.body.appendChild(host);

    if (phone.addEventListener) phone.addEventListener('change', function () { lockScroll(isOpen && phone.matches); });
    if (wantOpen) setOpen(true);
  }

  window.addEventListener('message', function (e) {
    if (!iframe || e.origin !== ORIGIN || e.source !== iframe.contentWindow) return;
    var data = e.data;
    if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
    switch (data.type) {
      case 'inbox:ready':
        postPanel();
        break;
      case 'inbox:close':
        setOpen(false);
        break;
      case 'inbox:unread':
        unread = Math.max(0, Math.floor(Number(data.count)) || 0);
        paintBadge();
        break;
      case 'inbox:cart-changed':
        var event;
        try { event = new CustomEvent('inbox:cart-changed'); } catch (x) {
          event = document.createEvent('CustomEvent');
          event.initCustomEvent('inbox:cart-changed', false, false, null);
        }
        window.dispatchEvent(event);
        break;
    }
  });

  document.addEventListener('keydown', function (e) {
    if (isOpen && (e.key === 'Escape' || e.key === 'Esc')) setOpen(false);
  });

  window.InboxWidget = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); }
  };

  if (document.body) init();
  else document.addEventListener('DOMContentLoaded', init);
})();
