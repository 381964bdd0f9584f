// A local stand-in for Shopify's App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js), for demo mode and the
// browser tests. It offers what Packbook's admin uses: shopify.idToken(), toasts, the resource picker, the nav
// menu (drawn as a bar of links) and forms' contextual save bar (data-save-bar). Tokens come from
// window.__packbookToken when a test sets it, else from /demo/session-token, which the server answers only in
// demo mode on a loopback address.
(function () {
  'use strict';
  var meta = function (name) { var m = document.querySelector('meta[name="' + name + '"]'); return m ? m.content : ''; };
  var shop = meta('packbook-demo-shop');

  function idToken() {
    if (typeof window.__packbookToken === 'function') return Promise.resolve(window.__packbookToken());
    return fetch('/demo/session-token?shop=' + encodeURIComponent(shop))
      .then(function (r) { if (!r.ok) throw new Error('demo session token refused'); return r.json(); })
      .then(function (body) { return body.token; });
  }

  var toasts;
  function toast(message, options) {
    if (!toasts) {
      toasts = document.createElement('div');
      toasts.className = 'ab-toasts';
      toasts.setAttribute('role', 'status');
      toasts.setAttribute('aria-live', 'polite');
      document.body.appendChild(toasts);
    }
    var item = document.createElement('p');
    item.className = 'ab-toast' + (options && options.isError ? ' ab-toast-error' : '');
    item.textContent = message;
    toasts.appendChild(item);
    setTimeout(function () { item.remove(); }, (options && options.duration) || 5000);
    return String(Date.now());
  }

  // The picker: a test presets window.__packbookPicked; otherwise a small dialog asks for a variant id.
  function resourcePicker(options) {
    if (window.__packbookPicked !== undefined) return Promise.resolve(window.__packbookPicked || undefined);
    return new Promise(function (resolve) {
      var dialog = document.createElement('dialog');
      dialog.className = 'ab-picker';
      dialog.setAttribute('aria-label', 'Pick a ' + ((options && options.type) || 'variant'));
      dialog.innerHTML = '<form method="dialog"><p><strong>Demo resource picker</strong></p>' +
        '<label for="ab-pick-id">Shopify variant id</label><input id="ab-pick-id" inputmode="numeric" required>' +
        '<label for="ab-pick-title">Title</label><input id="ab-pick-title">' +
        '<p><button value="ok">Select</button> <button value="cancel" formnovalidate>Cancel</button></p></form>';
      document.body.appendChild(dialog);
      dialog.addEventListener('close', function () {
        var id = dialog.querySelector('#ab-pick-id').value.trim();
        var title = dialog.querySelector('#ab-pick-title').value.trim() || ('Variant ' + id);
        dialog.remove();
        if (dialog.returnValue !== 'ok' || !id) return resolve(undefined);
        resolve([{ id: 'gid://shopify/ProductVariant/' + id, title: title, displayName: title,
                   product: { id: 'gid://shopify/Product/0', title: title } }]);
      });
      dialog.showModal();
    });
  }

  window.shopify = { config: { apiKey: meta('shopify-api-key'), shop: shop }, idToken: idToken,
                     toast: { show: toast, hide: function () {} }, resourcePicker: resourcePicker };

  // The nav menu: Shopify draws it in the admin's sidebar; here, a bar of links keeping ?shop=.
  function drawNav() {
    var menu = document.querySelector('ui-nav-menu');
    if (!menu || menu.dataset.drawn) return;
    menu.dataset.drawn = '1';
    var nav = document.createElement('nav');
    nav.className = 'ab-nav';
    nav.setAttribute('aria-label', 'Packbook');
    menu.querySelectorAll('a').forEach(function (link) {
      var a = document.createElement('a');
      a.href = link.getAttribute('href') === '/' ? '/home' + location.search : link.getAttribute('href') + location.search;
      a.textContent = link.textContent;
      var here = location.pathname === new URL(a.href).pathname ||
        (location.pathname.indexOf(new URL(a.href).pathname + '/') === 0);
      if (here) a.setAttribute('aria-current', 'page');
      nav.appendChild(a);
    });
    menu.replaceWith(nav);
  }

  // The contextual save bar: a form marked data-save-bar shows Save and Discard once it changes.
  function watchForm(form) {
    if (form.dataset.saveBarWatched) return;
    form.dataset.saveBarWatched = '1';
    var bar = document.createElement('div');
    bar.className = 'ab-save-bar';
    bar.setAttribute('role', 'region');
    bar.setAttribute('aria-label', 'Unsaved changes');
    bar.hidden = true;
    bar.innerHTML = '<span>Unsaved changes</span><button type="button" class="ab-discard">Discard</button>' +
      '<button type="button" class="ab-save">Save</button>';
    document.body.prepend(bar);  // the admin shows its save bar at the top
    var show = function () { bar.hidden = false; };
    form.addEventListener('input', show);
    form.addEventListener('change', show);
    bar.querySelector('.ab-save').addEventListener('click', function () { form.requestSubmit(); });
    bar.querySelector('.ab-discard').addEventListener('click', function () { form.reset(); bar.hidden = true; });
    form.addEventListener('packbook:saved', function () { bar.hidden = true; });
    form.addEventListener('reset', function () { bar.hidden = true; });  // as Shopify's bar does on reset
  }
  window.shopify.saveBar = { hide: function () {
    document.querySelectorAll('.ab-save-bar').forEach(function (bar) { bar.hidden = true; });
  } };

  function start() {
    drawNav();
    document.querySelectorAll('form[data-save-bar]').forEach(watchForm);
    new MutationObserver(function () { document.querySelectorAll('form[data-save-bar]').forEach(watchForm); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
