// Home: what needs the owner first (setup, attention), who is coming today and tomorrow, what is owed and what
// expires this month. One call (/api/overview) carries the figures; attention items resolve here with a note.
import { api } from './api.js';
import { amounts, clearErrors, el, figure, fraction, reveal, setHref, showError, toast } from './ui.js';

const query = window.location.search;
const link = (path, text) => el('s-link', { href: path + query }, text);
let names = { services: {}, resources: {} };

function drawDay(id, day, zone) {
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
  document.getElementById(id + '-date').textContent =
    new Date(day.date + 'T12:00:00Z').toLocaleDateString('en-GB', { timeZone: 'UTC', dateStyle: 'full' }) +
    ` · ${day.count} ${day.count === 1 ? 'booking' : 'bookings'}`;
  const items = day.bookings.map((b) => el('li', { dataset: { bookingId: b.id } },
    el('time', { datetime: b.starts_at }, when.format(new Date(b.starts_at))),
    el('span', {}, el('strong', {}, b.customer_name), ` · ${names.services[b.service_id] || 'Service'} with ${names.resources[b.resource_id] || 'staff'}`),
    b.redeemed_from ? el('s-badge', { tone: 'magic' }, 'Package ' + fraction(b.redeemed_from)) : null,
    b.status !== 'confirmed' ? el('s-badge', {}, b.status.replace('_', '-')) : null));
  const more = day.count > day.bookings.length
    && el('s-link', { href: `/calendar${query}${query ? '&' : '?'}day=${day.date}` }, `All ${day.count} in the calendar`);
  document.getElementById(id).replaceChildren(...[items.length ? el('ul', { class: 'day-list' }, ...items)
    : el('s-paragraph', { tone: 'subdued' }, 'No bookings.'), more].filter(Boolean));
}

function drawOwed(owed) {
  document.getElementById('owed').replaceChildren(
    figure('sessions', owed.sessions), figure('minutes', owed.minutes), figure('credit', amounts(owed.money)),
    figure('worth at price paid', amounts(owed.value)));
}

function drawExpiring(expiring) {
  document.getElementById('expiring-count').textContent = expiring.count
    ? `${expiring.count} ${expiring.count === 1 ? 'package expires' : 'packages expire'} by the end of the month with something left.`
    : 'Nothing left unused expires this month.';
  const day = (iso) => new Date(iso + 'T12:00:00Z').toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });
  document.querySelector('#expiring s-table-body').replaceChildren(...expiring.packages.map((p) => el('s-table-row', {},
    el('s-table-cell', {}, p.customer.shopify_customer_id ? link(`/customers/${p.customer.shopify_customer_id}`, p.customer.name) : p.customer.name),
    el('s-table-cell', {}, p.title || ''),
    el('s-table-cell', { format: 'numeric' }, p.left === null ? 'unlimited' : `${p.left}${p.unit === 'minutes' ? ' min' : (p.unit === 'money' ? ' ' + (p.currency || '') : '')}`),
    el('s-table-cell', {}, day(p.last_day)))));
  document.getElementById('expiring').hidden = !expiring.packages.length;
}

function drawSetup(steps) {
  const left = steps.filter((s) => !s.done).length;
  const section = document.getElementById('setup-section');
  section.setAttribute('heading', left ? `Setup: ${steps.length - left} of ${steps.length} done` : 'Setup complete');
  document.getElementById('setup').replaceChildren(...steps.map((step) => el('li', { class: step.done ? 'done' : '', dataset: { step: step.key } },
    el('span', { class: 'tick', 'aria-hidden': 'true' }, step.done ? '✓' : ''),
    step.done ? el('span', { class: 'label' }, step.label) : link(step.page, step.label),
    el('span', { class: 'visually-hidden' }, step.done ? '(done)' : '(to do)'))));
  section.hidden = !left;  // a finished checklist steps aside
}

// --- attention ---
let resolving = null;

function describe(item) {
  const parts = [item.reason || item.action.replace(/_/g, ' ')];
  if (item.order) parts.push(`order ${item.order.name || item.order.id}`);
  if (item.entitlement) parts.push(item.entitlement.title || `package ${item.entitlement.id}`);
  if (item.customer) parts.push(item.customer.email || `customer ${item.customer.id}`);
  return parts.join(' · ');
}

async function drawAttention() {
  const [{ items }, { counts }] = await Promise.all([api('/api/attention'), api('/api/webhook-events/summary')]);
  const stuck = (counts.failed || 0) + (counts.dead || 0);
  const waiting = counts.pending || 0;
  document.getElementById('deliveries').replaceChildren(...[
    stuck ? el('s-banner', { tone: 'warning' }, el('s-paragraph', {}, `${stuck} webhook ${stuck === 1 ? 'delivery' : 'deliveries'} failed. `, link('/activity', 'Retry them in Activity and health'))) : null,
    waiting > 20 ? el('s-banner', { tone: 'info' }, el('s-paragraph', {}, `${waiting} webhook deliveries are waiting to be processed.`)) : null,
  ].filter(Boolean));
  document.getElementById('attention').replaceChildren(...(items.length ? items.map((item) => el('div', { class: 'attention-item', dataset: { itemId: item.id } },
    el('div', {}, el('p', {}, el('strong', {}, item.action.replace(/_/g, ' '))), el('p', { class: 'muted' }, describe(item))),
    el('s-button', { onclick: () => openResolve(item) }, 'Resolve')))
    : [el('s-paragraph', { tone: 'subdued' }, 'Nothing needs you right now.')]));
}

function openResolve(item) {
  resolving = item;
  const form = document.getElementById('resolve-form');
  clearErrors(form, document.getElementById('resolve-error'));
  form.querySelector('[name=note]').value = '';
  document.getElementById('resolve-intro').replaceChildren(el('s-paragraph', {}, describe(item)));
  document.getElementById('resolve-modal').showOverlay();
}

async function resolve() {
  const form = document.getElementById('resolve-form');
  const note = form.querySelector('[name=note]').value.trim();
  await api(`/api/attention/${resolving.id}/resolve`, { method: 'POST', body: note ? { note } : {} });
  document.getElementById('resolve-modal').hideOverlay();
  toast('Marked resolved');
  await drawAttention();
}

async function start() {
  const [data, { services }, { resources }] = await Promise.all([api('/api/overview'), api('/api/services'), api('/api/resources')]);
  names = { services: Object.fromEntries(services.map((s) => [s.id, s.name])), resources: Object.fromEntries(resources.map((r) => [r.id, r.name])) };
  drawSetup(data.setup);
  drawDay('today', data.today, data.timezone);
  drawDay('tomorrow', data.tomorrow, data.timezone);
  drawOwed(data.owed);
  drawExpiring(data.expiring_this_month);
  await drawAttention();
}

document.getElementById('resolve-save').addEventListener('click', () => resolve().catch((e) => showError(e, {
  form: document.getElementById('resolve-form'), banner: document.getElementById('resolve-error') })));
setHref(document.getElementById('open-calendar'), '/calendar' + query);
start().catch(showError).finally(() => reveal());
