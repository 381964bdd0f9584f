// The activity log: what happened to customers' packages and bookings, who did it and why, filtered and paged.
import { api } from './api.js';
import { clearErrors, el, setOptions, showError } from './ui.js';
import { cell, emptyRow, when } from './activity-format.js';

const KIND_LABELS = {
  assign: 'Assigned', adjust: 'Adjusted', revoke: 'Revoked', refund: 'Refunded', undo_redemption: 'Redemption undone',
  billing_failed: 'Billing failed', line_not_granted: 'Paid line not granted',
  paid_hold_not_booked: 'Paid but not booked', booking_stranded: 'Booking outside hours',
};
const logForm = document.getElementById('log-filters');
const logBody = document.querySelector('#log s-table-body');
const logOlder = document.getElementById('log-older');
let logFilters = {};
let logNext = null;

function who(actor) {
  const [kind, id] = actor.split(':');
  if (kind === 'staff') return id ? 'Staff (' + id + ')' : 'Staff';
  if (kind === 'customer') return 'Customer';
  if (kind === 'system') return 'Packbook' + (id ? ' (' + id + ')' : '');
  return actor;
}

function about(item) {
  const parts = [];
  if (item.customer) parts.push(item.customer.email || 'Customer ' + item.customer.id);
  if (item.entitlement) parts.push((item.entitlement.title || 'Package') + ' #' + item.entitlement.id);
  if (item.order) parts.push('Order ' + (item.order.name || item.order.id));
  if (item.booking) parts.push('Booking ' + when(item.booking.starts_at));
  return parts.join(' · ');
}

function logRow(item) {
  return el('s-table-row', { class: 'log-item', dataset: { kind: item.action } },
    cell('When', when(item.created_at)),
    cell('What', KIND_LABELS[item.action] || item.action, item.attention && !item.resolved_at
      ? el('s-badge', { tone: 'warning' }, 'Needs attention') : null),
    cell('Who', who(item.actor)), cell('About', about(item) || null), cell('Why', item.reason || null));
}

export async function loadLog(older = false) {
  const page = await api('/api/activity', { query: { ...logFilters, before: older ? logNext : undefined } });
  const kind = logForm.querySelector('[name=kind]');
  if (kind.querySelectorAll('s-option').length <= 1) {
    setOptions(kind, [['', 'Everything'], ...page.kinds.map((k) => [k, KIND_LABELS[k] || k])], kind.value);
  }
  if (!older) logBody.replaceChildren();
  logBody.append(...page.items.map(logRow));
  if (!logBody.children.length) logBody.append(emptyRow(Object.keys(logFilters).length ? 'Nothing matches these filters.' : 'Nothing has happened yet.'));
  logNext = page.next;
  logOlder.hidden = page.next === null;
  document.getElementById('log-note').textContent = older ? 'Older activity added below.' : '';
}

function readFilters() {
  const value = (name) => logForm.querySelector(`[name=${name}]`).value.trim();
  return Object.fromEntries(['customer_id', 'entitlement_id', 'actor', 'kind'].map((n) => [n, value(n)]).filter(([, v]) => v));
}

async function filterLog() {
  clearErrors(logForm);
  logFilters = readFilters();
  try {
    await loadLog();
  } catch (error) {
    showError(error, { form: logForm });  // a 422 shows beside the filter it names
  }
}

export function wireLog() {
  logForm.addEventListener('submit', (event) => { event.preventDefault(); filterLog(); });
  logForm.querySelectorAll('s-select').forEach((select) => select.addEventListener('change', () => filterLog()));
  logOlder.addEventListener('click', () => loadLog(true).catch((e) => showError(e)));
}
