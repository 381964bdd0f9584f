// Small helpers the admin pages share: building elements, banners, field errors, confirmations and dates.
import { ApiError } from './api.js';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export function toast(message, isError = false) {
  window.shopify.toast.show(message, { isError });
}

// A refusal shows where it belongs: a 422 naming a field beside that control, anything else in the page's
// banner with the API's reason. Nothing fails silently.
export function showError(error, { banner, form } = {}) {
  const target = banner || document.getElementById('page-error');
  if (error instanceof ApiError && error.status === 422 && error.field && form) {
    const control = fieldFor(form, error.field);
    if (control) {
      control.error = error.message;
      control.focus();
      return;
    }
  }
  if (target) {
    target.replaceChildren(el('s-paragraph', {}, message(error)));
    target.setAttribute('tone', 'critical');
    target.hidden = false;
    target.scrollIntoView({ block: 'nearest' });
  } else {
    toast(message(error), true);
  }
}

export function message(error) {
  if (error instanceof ApiError && error.code && !['invalid', 'not_found'].includes(error.code)) {
    return error.message + ' (' + error.code + ')';
  }
  return error.message || String(error);
}

export function clearErrors(form, banner) {
  form?.querySelectorAll('[error]').forEach((control) => { control.error = ''; });
  const target = banner || document.getElementById('page-error');
  if (target) target.hidden = true;
}

// The API's field path ("weekly_hours.mon[0]", "sessions[1].starts_at") names a control by its data-field
// or name: the longest prefix that has one wins.
export function fieldFor(form, path) {
  const parts = path.split(/[.[\]]+/).filter(Boolean);
  for (let n = parts.length; n > 0; n -= 1) {
    const key = parts.slice(0, n).join('.');
    const found = form.querySelector(`[data-field="${CSS.escape(key)}"], [name="${CSS.escape(key)}"]`);
    if (found) return found;
  }
  return null;
}

// A confirmation in the page's shared modal: what will happen, then Confirm or Cancel.
export function confirmAction({ heading, body, confirm = 'Confirm', tone }) {
  const modal = document.getElementById('confirm-modal');
  modal.setAttribute('heading', heading);
  document.getElementById('confirm-body').replaceChildren(...[].concat(body).map(
    (line) => (typeof line === 'string' ? el('s-paragraph', {}, line) : line)));
  const button = document.getElementById('confirm-yes');
  (button.querySelector('button, a') || button).replaceChildren(confirm);  // the stand-in wraps its label
  if (tone) button.setAttribute('tone', tone); else button.removeAttribute('tone');
  endPendingConfirmation(false);  // one question at a time: an earlier one left open counts as declined
  return new Promise((resolve) => {
    const yes = () => endPendingConfirmation(true);
    const no = () => endPendingConfirmation(false);
    pendingConfirmation = (answer) => {
      // Listeners go as the question ends, however it ends, so a later Confirm can never run this action.
      button.removeEventListener('click', yes);
      modal.removeEventListener('hide', no);
      pendingConfirmation = null;
      resolve(answer);
      if (answer) modal.hideOverlay();
    };
    button.addEventListener('click', yes);
    modal.addEventListener('hide', no);
    modal.showOverlay();
  });
}

let pendingConfirmation = null;

function endPendingConfirmation(answer) {
  if (pendingConfirmation) pendingConfirmation(answer);
}

export function setOptions(select, options, value) {
  const nodes = options.map(([v, label]) => el('s-option', { value: String(v) }, label));
  if (select.replaceOptions) select.replaceOptions(nodes); else select.replaceChildren(...nodes);
  if (value !== undefined) select.value = String(value);
}

export function shopParams() {
  return window.location.search;
}

export const dateFormat = (zone, options) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...options });

const partFormats = new Map();  // building an Intl formatter costs ~50 µs; a busy day asks thousands of times

export function localParts(iso, zone) {
  // The wall-clock date and minutes since midnight of an instant in the shop's zone.
  if (!partFormats.has(zone)) {
    partFormats.set(zone, new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
  }
  const parts = Object.fromEntries(partFormats.get(zone).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

// Shown once its first data has drawn, all at once: rows arriving one request after another would push the
// rest of the page down while the merchant reads it (layout shift, bench/admin_pages.py).
export function reveal(id = 'page-content') {
  const content = document.getElementById(id);
  if (content) content.hidden = false;
}

// Point an s-button or s-link somewhere: Polaris reads the element's own href; the local stand-in draws an inner
// link, which follows too.
export function setHref(element, href) {
  element.setAttribute('href', href);
  element.querySelector('a')?.setAttribute('href', href);
}

// "3/5" (or "270/300 USD"): a package's progress as the admin reads it on a card or badge.
export function fraction(paid) {
  const match = /^(\S+) of (\S+)( \S+)? used$/.exec(paid.progress);
  if (match) return `${match[1]}/${match[2]}${match[3] || ''}`;
  return /unlimited/.test(paid.progress) ? 'unlimited' : paid.progress;
}

// One figure of a summary: the number large, what it counts beneath.
export function figure(label, value) {
  return el('div', { class: 'figure' }, el('strong', {}, value), el('span', { class: 'muted' }, label));
}

// Amounts per currency, as one line: "30.00 USD, 12.00 GBP"; "0" when there are none.
export function amounts(list) {
  return list.length ? list.map((a) => `${a.amount} ${a.currency || ''}`.trim()).join(', ') : '0';
}
