// A local stand-in for Shopify's Polaris web components (cdn.shopify.com/shopifycloud/polaris-1.js), for demo
// mode and the browser tests, where Shopify's CDN is out of reach. It renders the subset Packbook's admin uses
// as plain, accessible light-DOM elements and keeps the documented surface the pages rely on: `value`,
// `checked` and `error` properties, `showOverlay()`/`hideOverlay()`, `commandFor`, form participation through
// named inner controls, and click/input/change events. It is not Polaris and does not try to look exactly like it.
(function () {
  'use strict';
  if (window.customElements.get('s-page')) return;
  // Its look lives beside it on this app's server (the tests route the CDN's address to this file).
  var look = document.createElement('link');
  look.rel = 'stylesheet';
  look.href = '/static/demo/polaris.css';
  look.setAttribute('blocking', 'render');  // paint styled or not at all: no jump once it arrives
  document.head.appendChild(look);
  var counter = 0;
  function uid(prefix) { counter += 1; return prefix + '-' + counter; }
  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { if (attrs[name] != null) node.setAttribute(name, attrs[name]); });
    if (text != null) node.textContent = text;
    return node;
  }
  function moveChildren(from, to, filter) {
    Array.prototype.slice.call(from.childNodes).forEach(function (child) {
      if (!filter || filter(child)) to.appendChild(child);
    });
  }
  function slotted(host, name) {
    return Array.prototype.slice.call(host.children).filter(function (c) { return c.getAttribute('slot') === name; });
  }
  // While the page is still parsing, an element connects before its children arrive (this stand-in is a
  // classic script in <head>); it is built once parsing ends, which is before the page's module scripts run.
  var pending = [];
  function whenParsed(build) {
    if (document.readyState === 'loading') pending.push(build); else build();
  }
  document.addEventListener('readystatechange', function () {
    if (document.readyState !== 'loading') pending.splice(0).forEach(function (build) { build(); });
  });
  function define(name, setup, observed, proto) {
    var Element = class extends HTMLElement {
      static get observedAttributes() { return observed || []; }
      connectedCallback() {
        var host = this;
        if (host._built || host._waiting) return;
        host._waiting = true;
        whenParsed(function () {
          host._waiting = false;
          if (!host._built && host.isConnected) { host._built = true; setup.call(host); }
        });
      }
      attributeChangedCallback() { if (this._built && this._sync) this._sync(); }
    };
    Object.keys(proto || {}).forEach(function (key) {
      Object.defineProperty(Element.prototype, key, Object.getOwnPropertyDescriptor(proto, key));
    });
    window.customElements.define(name, Element);
  }

  // --- layout and text ---
  define('s-page', function () {
    var header = make('div', { class: 'sp-page-header' });
    var heading = make('h1', { class: 'sp-page-title' }, this.getAttribute('heading') || '');
    var actions = make('div', { class: 'sp-page-actions' });
    slotted(this, 'breadcrumb-actions').forEach(function (n) { header.appendChild(n); });
    header.appendChild(heading);
    slotted(this, 'secondary-actions').concat(slotted(this, 'primary-action')).forEach(function (n) { actions.appendChild(n); });
    header.appendChild(actions);
    this.insertBefore(header, this.firstChild);
    this._sync = function () { heading.textContent = this.getAttribute('heading') || ''; };
  }, ['heading']);
  define('s-section', function () {
    var depth = 0;
    for (var p = this.parentElement; p; p = p.parentElement) if (p.tagName === 'S-SECTION') depth += 1;
    if (this.getAttribute('heading')) {
      var h = make('h' + Math.min(2 + depth, 6), { class: 'sp-section-heading' }, this.getAttribute('heading'));
      this.insertBefore(h, this.firstChild);
      this._sync = function () { h.textContent = this.getAttribute('heading') || ''; };
    }
    if (this.getAttribute('accessibilitylabel')) {
      this.setAttribute('role', 'region');
      this.setAttribute('aria-label', this.getAttribute('accessibilitylabel'));
    }
  }, ['heading']);
  ['s-stack', 's-grid', 's-grid-item', 's-box', 's-text', 's-paragraph', 's-query-container'].forEach(function (name) {
    define(name, function () {
      if (name === 's-grid' && this.getAttribute('gridtemplatecolumns')) {
        this.style.gridTemplateColumns = this.getAttribute('gridtemplatecolumns');
      }
    });
  });
  define('s-heading', function () { this.setAttribute('role', 'heading'); this.setAttribute('aria-level', '3'); });
  define('s-divider', function () { this.setAttribute('role', 'separator'); });
  define('s-spinner', function () {
    this.setAttribute('role', 'status');
    this.setAttribute('aria-label', this.getAttribute('accessibilitylabel') || 'Loading');
  });
  define('s-badge', function () {});
  define('s-banner', function () {
    var tone = this.getAttribute('tone') || 'info';
    this.setAttribute('role', tone === 'critical' ? 'alert' : 'status');
    if (this.getAttribute('heading')) this.insertBefore(make('strong', { class: 'sp-banner-heading' }, this.getAttribute('heading')), this.firstChild);
    if (this.hasAttribute('dismissible')) {
      var host = this;
      var close = make('button', { type: 'button', class: 'sp-banner-close', 'aria-label': 'Dismiss' }, '×');
      close.addEventListener('click', function () { host.hidden = true; host.dispatchEvent(new Event('dismiss')); });
      this.appendChild(close);
    }
  });

  // --- actions ---
  function runCommand(host) {
    var target = host.getAttribute('commandfor') && document.getElementById(host.getAttribute('commandfor'));
    if (!target) return;
    var command = host.getAttribute('command') || '--toggle';
    if (command === '--show' && target.showOverlay) target.showOverlay();
    else if (command === '--hide' && target.hideOverlay) target.hideOverlay();
    else if (target.toggleOverlay) target.toggleOverlay();
  }
  define('s-button', function () {
    var host = this;
    var inner = this.getAttribute('href') ? make('a', { href: this.getAttribute('href') })
      : make('button', { type: this.getAttribute('type') || 'button' });
    inner.className = 'sp-button';
    moveChildren(this, inner);
    if (this.getAttribute('accessibilitylabel')) inner.setAttribute('aria-label', this.getAttribute('accessibilitylabel'));
    this.appendChild(inner);
    inner.addEventListener('click', function () { if (host.hasAttribute('commandfor')) runCommand(host); });
    this._sync = function () {
      var off = host.hasAttribute('disabled') || host.hasAttribute('loading');
      if (inner.tagName === 'BUTTON') inner.disabled = off;
      if (host.hasAttribute('loading')) inner.setAttribute('aria-busy', 'true'); else inner.removeAttribute('aria-busy');
    };
    this._sync();
  }, ['disabled', 'loading'], {
    get disabled() { return this.hasAttribute('disabled'); },
    set disabled(v) { if (v) this.setAttribute('disabled', ''); else this.removeAttribute('disabled'); },
    get loading() { return this.hasAttribute('loading'); },
    set loading(v) { if (v) this.setAttribute('loading', ''); else this.removeAttribute('loading'); },
    focus() { var inner = this.querySelector('.sp-button'); if (inner) inner.focus(); },
  });
  define('s-link', function () {
    var inner = make('a', { href: this.getAttribute('href') || '#' });
    if (this.getAttribute('target')) inner.setAttribute('target', this.getAttribute('target'));
    moveChildren(this, inner);
    this.appendChild(inner);
  });
  define('s-button-group', function () { this.setAttribute('role', 'group'); });

  // --- form fields: a label, a native control carrying the name, help text and an error ---
  var FIELD_PROPS = {
    get value() { return this._control ? this._control.value : (this.getAttribute('value') || ''); },
    set value(v) { if (this._control) this._control.value = v == null ? '' : v; else this.setAttribute('value', v); },
    get error() { return this.getAttribute('error') || ''; },
    set error(v) { if (v) this.setAttribute('error', v); else this.removeAttribute('error'); },
    get name() { return this.getAttribute('name'); },
    focus() { if (this._control) this._control.focus(); },
  };
  function field(host, control) {
    var id = uid('sp-field');
    control.id = id;
    ['name', 'required', 'disabled', 'placeholder', 'min', 'max', 'step', 'minlength', 'maxlength',
      'autocomplete', 'readonly'].forEach(function (attr) {
      if (host.hasAttribute(attr)) control.setAttribute(attr, host.getAttribute(attr));
    });
    if (host.hasAttribute('value') && control.type !== 'checkbox') control.value = host.getAttribute('value');
    var label = make('label', { for: id, class: 'sp-label' }, host.getAttribute('label') || '');
    if (host.getAttribute('labelaccessibilityvisibility') === 'exclusive') label.className += ' sp-visually-hidden';
    var details = make('p', { class: 'sp-details', id: id + '-details' }, host.getAttribute('details') || '');
    var error = make('p', { class: 'sp-error', id: id + '-error' });
    var row = make('div', { class: 'sp-control' });
    if (host.getAttribute('prefix')) row.appendChild(make('span', { class: 'sp-affix', 'aria-hidden': 'true' }, host.getAttribute('prefix')));
    row.appendChild(control);
    if (host.getAttribute('suffix')) row.appendChild(make('span', { class: 'sp-affix', 'aria-hidden': 'true' }, host.getAttribute('suffix')));
    host.append(label, row, details, error);
    host._control = control;
    host._sync = function () {
      var message = host.getAttribute('error') || '';
      error.textContent = message;
      error.hidden = !message;
      details.textContent = host.getAttribute('details') || '';
      details.hidden = !details.textContent;
      label.textContent = host.getAttribute('label') || '';
      control.disabled = host.hasAttribute('disabled');
      if (message) control.setAttribute('aria-invalid', 'true'); else control.removeAttribute('aria-invalid');
      var described = [details.textContent ? details.id : null, message ? error.id : null].filter(Boolean).join(' ');
      if (described) control.setAttribute('aria-describedby', described); else control.removeAttribute('aria-describedby');
    };
    host._sync();
  }
  // Merges accessor definitions (Object.assign would call the getters on the plain objects).
  function withProps() {
    var merged = {};
    Array.prototype.forEach.call(arguments, function (props) {
      Object.defineProperties(merged, Object.getOwnPropertyDescriptors(props));
    });
    return merged;
  }
  var INPUT_TYPES = { 's-text-field': 'text', 's-email-field': 'email', 's-number-field': 'number',
    's-money-field': 'number', 's-search-field': 'search', 's-url-field': 'url', 's-password-field': 'password',
    's-date-field': 'date' };
  Object.keys(INPUT_TYPES).forEach(function (name) {
    define(name, function () {
      var input = make('input', { type: INPUT_TYPES[name] });
      if (name === 's-money-field' && !this.hasAttribute('step')) input.setAttribute('step', '0.01');
      field(this, input);
    }, ['error', 'details', 'disabled', 'label'], FIELD_PROPS);
  });
  define('s-text-area', function () {
    var area = make('textarea', { rows: this.getAttribute('rows') || '3' });
    field(this, area);
  }, ['error', 'details', 'disabled', 'label'], FIELD_PROPS);
  define('s-select', function () {
    var host = this;
    var select = make('select');
    function options() {
      var current = select.value || host.getAttribute('value');
      select.replaceChildren();
      holder.querySelectorAll('s-option').forEach(function (option) {
        var o = make('option', { value: option.getAttribute('value') || '' }, option.textContent);
        if (option.hasAttribute('disabled')) o.disabled = true;
        select.appendChild(o);
      });
      if (current != null) select.value = current;
      if (select.selectedIndex < 0 && select.options.length) select.selectedIndex = 0;  // a value it no longer offers
    }
    var holder = make('div', { hidden: '' });
    moveChildren(this, holder);
    options.call(this);
    field(this, select);
    this.appendChild(holder);
    new MutationObserver(options).observe(holder, { childList: true, subtree: true, characterData: true });
    this._options = holder;
    this._refresh = options;
    if (this.hasAttribute('value')) select.value = this.getAttribute('value');
  }, ['error', 'details', 'disabled', 'label'], withProps(FIELD_PROPS, {
    // Options added after the element was built go into the hidden holder it watches.
    appendChild(node) { return this._options && node.tagName === 'S-OPTION' ? this._options.appendChild(node) : HTMLElement.prototype.appendChild.call(this, node); },
    // At once, not when the observer runs: a value set right after must find its option.
    replaceOptions(nodes) { this._options.replaceChildren.apply(this._options, nodes); this._refresh(); },
  }));
  define('s-option', function () {});
  define('s-checkbox', function () {
    var host = this;
    var box = make('input', { type: 'checkbox' });
    var id = uid('sp-check');
    box.id = id;
    ['name', 'value', 'disabled'].forEach(function (a) { if (host.hasAttribute(a)) box.setAttribute(a, host.getAttribute(a)); });
    box.checked = this.hasAttribute('checked');
    var label = make('label', { for: id, class: 'sp-check-label' }, this.getAttribute('label') || '');
    var details = make('p', { class: 'sp-details' }, this.getAttribute('details') || '');
    details.hidden = !details.textContent;
    var wrap = make('div', { class: 'sp-check' });
    wrap.append(box, label);
    // Like the other fields, an `error` shows below the box and is tied to it for screen readers.
    var error = make('p', { class: 'sp-error', id: id + '-error' });
    this.append(wrap, details, error);
    this._control = box;
    this._sync = function () {
      var message = host.getAttribute('error') || '';
      error.textContent = message;
      error.hidden = !message;
      if (message) { box.setAttribute('aria-invalid', 'true'); box.setAttribute('aria-describedby', error.id); }
      else { box.removeAttribute('aria-invalid'); box.removeAttribute('aria-describedby'); }
    };
    this._sync();
  }, ['error'], {
    get error() { return this.getAttribute('error') || ''; },
    set error(v) { if (v) this.setAttribute('error', v); else this.removeAttribute('error'); },
    get checked() { return this._control ? this._control.checked : this.hasAttribute('checked'); },
    set checked(v) { if (this._control) this._control.checked = !!v; else if (v) this.setAttribute('checked', ''); },
    get value() { return this.getAttribute('value') || 'on'; },
    get name() { return this.getAttribute('name'); },
    focus() { if (this._control) this._control.focus(); },
  });

  // --- choice list: a fieldset of checkboxes (multiple) or radios, one per s-choice child ---
  define('s-choice-list', function () {
    var host = this;
    var id = uid('sp-choices');
    var set = make('fieldset', { class: 'sp-choice-list' });
    var legend = make('legend', { class: 'sp-label' });
    var list = make('div', { class: 'sp-choices' });
    var details = make('p', { class: 'sp-details', id: id + '-details' });
    var error = make('p', { class: 'sp-error', id: id + '-error' });
    var holder = make('div', { hidden: '' });
    moveChildren(this, holder);
    function choices() {
      var chosen = host._inputs ? host.values : null;
      list.replaceChildren();
      host._inputs = Array.prototype.map.call(holder.querySelectorAll('s-choice'), function (choice) {
        var box = make('input', { type: host.hasAttribute('multiple') ? 'checkbox' : 'radio', id: uid('sp-choice'),
          name: host.getAttribute('name'), value: choice.getAttribute('value') || '' });
        box.checked = chosen ? chosen.indexOf(box.value) >= 0 : choice.hasAttribute('selected');
        box.disabled = host.hasAttribute('disabled') || choice.hasAttribute('disabled');
        var row = make('div', { class: 'sp-check' });
        row.append(box, make('label', { for: box.id, class: 'sp-check-label' }, choice.textContent));
        list.appendChild(row);
        return box;
      });
    }
    set.append(legend, list);
    this.append(set, details, error, holder);
    choices();
    new MutationObserver(choices).observe(holder, { childList: true, subtree: true, characterData: true });
    this._options = holder;
    this._refresh = choices;
    this._sync = function () {
      var message = host.getAttribute('error') || '';
      legend.textContent = host.getAttribute('label') || '';
      legend.className = 'sp-label' + (host.getAttribute('labelaccessibilityvisibility') === 'exclusive' ? ' sp-visually-hidden' : '');
      details.textContent = host.getAttribute('details') || '';
      details.hidden = !details.textContent;
      error.textContent = message;
      error.hidden = !message;
      (host._inputs || []).forEach(function (box) { box.disabled = host.hasAttribute('disabled'); });
      var described = [details.textContent ? details.id : null, message ? error.id : null].filter(Boolean).join(' ');
      if (described) set.setAttribute('aria-describedby', described); else set.removeAttribute('aria-describedby');
    };
    this._sync();
  }, ['error', 'details', 'disabled', 'label'], {
    get values() { return (this._inputs || []).filter(function (b) { return b.checked; }).map(function (b) { return b.value; }); },
    set values(v) {
      var wanted = (v || []).map(String);
      (this._inputs || []).forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
    },
    get error() { return this.getAttribute('error') || ''; },
    set error(v) { if (v) this.setAttribute('error', v); else this.removeAttribute('error'); },
    get name() { return this.getAttribute('name'); },
    focus() { var first = (this._inputs || [])[0]; if (first) first.focus(); },
    replaceOptions(nodes) { this._options.replaceChildren.apply(this._options, nodes); this._refresh(); },
  });
  define('s-choice', function () {});

  // --- tables: table semantics on the custom elements ---
  var ROLES = { 's-table': 'table', 's-table-header-row': 'row', 's-table-header': 'columnheader',
    's-table-body': 'rowgroup', 's-table-row': 'row', 's-table-cell': 'cell' };
  Object.keys(ROLES).forEach(function (name) {
    define(name, function () { this.setAttribute('role', ROLES[name]); });
  });

  // --- modal ---
  define('s-modal', function () {
    var host = this;
    var headingId = uid('sp-modal-heading');
    var box = make('div', { class: 'sp-modal-box', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': headingId });
    var heading = make('h2', { id: headingId, class: 'sp-modal-heading' }, this.getAttribute('heading') || '');
    var body = make('div', { class: 'sp-modal-body' });
    var footer = make('div', { class: 'sp-modal-footer' });
    slotted(this, 'secondary-actions').concat(slotted(this, 'primary-action')).forEach(function (n) { footer.appendChild(n); });
    moveChildren(this, body);
    var close = make('button', { type: 'button', class: 'sp-modal-close', 'aria-label': 'Close' }, '×');
    close.addEventListener('click', function () { host.hideOverlay(); });
    box.append(heading, close, body, footer);
    this.appendChild(box);
    this.hidden = true;
    this._body = body;
    this.addEventListener('keydown', function (event) { if (event.key === 'Escape') host.hideOverlay(); });
    this._sync = function () { heading.textContent = host.getAttribute('heading') || ''; };
  }, ['heading'], {
    showOverlay() {
      this._opener = document.activeElement;
      this.hidden = false;
      // The first control a person can reach: hidden parts of the dialog (a closed sub-form) are skipped.
      var reachable = Array.prototype.filter.call(this.querySelectorAll(
        '.sp-modal-body input, .sp-modal-body select, .sp-modal-body textarea, .sp-modal-body button, .sp-modal-footer button'),
        function (node) { return !node.disabled && node.getClientRects().length > 0; });
      (reachable[0] || this.querySelector('.sp-modal-close')).focus();
      this.dispatchEvent(new Event('show'));
    },
    hideOverlay() {
      if (this.hidden) return;
      this.hidden = true;
      this.dispatchEvent(new Event('hide'));
      if (this._opener && this._opener.focus) this._opener.focus();
    },
    toggleOverlay() { if (this.hidden) this.showOverlay(); else this.hideOverlay(); },
  });
})();
