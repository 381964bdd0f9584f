// One customer: what they own (Fresha-style summary), each package's ledger, their bookings, and the front desk's
// actions: assign a plan, adjust with a reason, revoke, book with a package. Every change asks first.
import { api } from './api.js';
import { amounts, clearErrors, confirmAction, el, figure, reveal, setHref, setOptions, showError, toast } from './ui.js';

const customerId = document.getElementById('customer').dataset.customerId;
const query = window.location.search;
let zone = 'UTC';
let services = {};

function drawSummary(s) {
  // Sessions and behaviour always; minutes, credit, gift cards and passes only when the customer has some.
  document.getElementById('summary').replaceChildren(...[
    figure('sessions left', s.sessions_left),
    s.minutes_left !== '0' && figure('minutes left', s.minutes_left),
    s.credit.length && figure('credit', amounts(s.credit)),
    s.gift_card_balance.length && figure('gift-card balance', amounts(s.gift_card_balance)),
    s.unlimited_passes && figure('unlimited passes', String(s.unlimited_passes)),
    figure('coming up', String(s.upcoming)), figure('no-shows', String(s.no_shows)),
    figure('late cancellations', String(s.late_cancellations))].filter(Boolean));
}

export function usedLabel(pkg) {
  // "3/5 used": the N/M the front desk reads; unlimited passes count sessions held.
  if (pkg.total === null) return `${pkg.used} booked · unlimited`;
  const unit = { minutes: ' minutes', money: ` ${pkg.currency || ''}` }[pkg.unit] || '';
  return `${pkg.used}/${pkg.total}${unit} used`;
}

function validLabel(pkg) {
  if (pkg.status !== 'active') return el('s-badge', { tone: pkg.status === 'revoked' ? 'critical' : 'neutral' }, pkg.status);
  if (!pkg.valid_through) return el('s-text', {}, 'No expiry');
  const day = new Date(pkg.valid_through + 'T12:00:00Z').toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const soon = pkg.expires_in_days !== null && pkg.expires_in_days <= 14;
  return el('s-stack', { direction: 'inline' }, el('s-text', {}, 'expires ' + day),
    soon ? el('s-badge', { tone: 'warning' }, pkg.expires_in_days === 0 ? 'Expires today' : `Expires in ${pkg.expires_in_days} days`) : null);
}

function packageRow(pkg) {
  const active = pkg.status === 'active';
  return el('s-table-row', { dataset: { packageId: pkg.id } },
    el('s-table-cell', {}, pkg.title),
    el('s-table-cell', { class: 'used' }, usedLabel(pkg)),
    el('s-table-cell', {}, validLabel(pkg)),
    el('s-table-cell', {}, el('s-stack', { direction: 'inline' },
      el('s-button', { variant: 'tertiary', onclick: () => showHistory(pkg).catch(showError) }, 'History'),
      active && pkg.unit !== 'unlimited' ? el('s-button', { onclick: () => openAdjust(pkg) }, 'Adjust') : null,
      active ? el('s-button', { tone: 'critical', onclick: () => openRevoke(pkg) }, 'Revoke') : null)));
}

async function load() {
  const [profile, plans, settings] = await Promise.all([api('/api/customers/' + customerId), api('/api/plans'),
    api('/api/settings')]);
  zone = settings.timezone;
  document.querySelector('s-page').setAttribute('heading', profile.customer.name);
  document.title = profile.customer.name + ' · Packbook';
  setHref(document.getElementById('open-in-shopify'), profile.shopify_admin_url);
  setHref(document.getElementById('book-with-package'), '/calendar' + query + (query ? '&' : '?') + 'customer=' + customerId);
  setHref(document.getElementById('back'), '/customers' + query);
  drawSummary(profile.summary);
  const rows = profile.packages.map(packageRow);
  document.querySelector('#packages s-table-body').replaceChildren(...(rows.length ? rows
    : [el('s-table-row', {}, el('s-table-cell', {}, 'No packages yet.'))]));
  setOptions(document.querySelector('#assign [name=plan_id]'), plans.plans.filter((p) => p.kind !== 'prepaid_balance')
    .map((p) => [p.id, p.title + (p.not_for_sale ? ' (not for sale)' : '')]));
  await loadBookings();
}

async function loadBookings() {
  const [{ bookings }, { services: list }] = await Promise.all([
    api('/api/bookings', { query: { customer_id: customerId } }), api('/api/services')]);
  services = Object.fromEntries(list.map((s) => [s.id, s.name]));
  const when = (iso) => new Date(iso).toLocaleString('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
  document.querySelector('#bookings s-table-body').replaceChildren(...(bookings.length ? bookings.reverse().map((b) =>
    el('s-table-row', {}, el('s-table-cell', {}, when(b.starts_at)), el('s-table-cell', {}, services[b.service_id] || ''),
      el('s-table-cell', {}, el('s-badge', { tone: b.status === 'confirmed' ? 'success' : 'neutral' }, b.status.replace('_', '-'))),
      el('s-table-cell', {}, b.redeemed_from ? `${b.redeemed_from.title} (${b.redeemed_from.progress})` : (b.price ? `${b.price} ${b.currency || ''}` : 'unpaid'))))
    : [el('s-table-row', {}, el('s-table-cell', {}, 'No bookings yet.'))]));
}

async function showHistory(pkg) {
  const { entries } = await api(`/api/entitlements/${pkg.id}/ledger`);
  document.getElementById('history-title').textContent = `${pkg.title}: every change, oldest first.`;
  const table = document.getElementById('history');
  table.hidden = false;
  table.querySelector('s-table-body').replaceChildren(...entries.map((e) => el('s-table-row', { class: 'entry' },
    el('s-table-cell', {}, new Date(e.created_at).toLocaleString('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' })),
    el('s-table-cell', {}, e.kind), el('s-table-cell', { format: 'numeric' }, e.quantity + ' ' + e.unit),
    el('s-table-cell', {}, e.actor), el('s-table-cell', {}, e.reason || ''))));
  table.scrollIntoView({ block: 'nearest' });
}

let changing = null;
const modal = document.getElementById('change-modal');
const form = document.getElementById('change-form');

function openAdjust(pkg) {
  changing = { pkg, kind: 'adjust' };
  openChange('Adjust balance', `${pkg.title}: ${usedLabel(pkg)}. Say by how much and why.`, false);
}

function openRevoke(pkg) {
  changing = { pkg, kind: 'revoke' };
  openChange('Revoke package', `${pkg.title}: what is left is taken back and cannot be booked. Say why.`, true);
}

function openChange(heading, intro, revoke) {
  clearErrors(form);
  modal.setAttribute('heading', heading);
  document.getElementById('change-intro').replaceChildren(el('s-paragraph', {}, intro));
  const delta = form.querySelector('[name=delta]');
  delta.hidden = revoke;
  delta.value = '';
  form.querySelector('[name=reason]').value = '';
  modal.showOverlay();
}

async function saveChange() {
  clearErrors(form);
  const reason = form.querySelector('[name=reason]').value.trim();
  const { pkg, kind } = changing;
  if (!reason) {  // named beside its field before anything is sent
    form.querySelector('[name=reason]').error = 'Say why: the ledger keeps the reason.';
    return;
  }
  if (kind === 'adjust') {
    const delta = form.querySelector('[name=delta]').value;
    await api(`/api/entitlements/${pkg.id}/adjustments`, { method: 'POST', body: { delta: delta === '' ? null : Number(delta), reason } });
    toast('Balance adjusted');
  } else {
    await api(`/api/entitlements/${pkg.id}/revoke`, { method: 'POST', body: { reason } });
    toast('Package revoked');
  }
  modal.hideOverlay();
  await load();
  await showHistory(pkg);
}

document.getElementById('change-save').addEventListener('click', () => saveChange().catch((e) => showError(e, { form, banner: document.getElementById('change-error') })));

document.getElementById('assign').addEventListener('submit', async (event) => {
  event.preventDefault();
  const select = event.target.querySelector('[name=plan_id]');
  const title = select.querySelector?.('option:checked')?.textContent || 'this plan';
  if (!(await confirmAction({ heading: 'Assign a plan', body: `Give ${title} to this customer now?`, confirm: 'Assign' }))) return;
  try {
    await api(`/api/customers/${customerId}/entitlements`, { method: 'POST', body: { plan_id: Number(select.value) } });
    toast('Plan assigned');
    await load();
  } catch (error) { showError(error, { form: event.target }); }
});

load().catch(showError).finally(() => reveal('customer'));
