// "New booking", opened from a free time: the service, the customer (searched, or a Shopify id Packbook has not
// seen yet), and the customer's packages that could pay, each with "Use"; or book unpaid.
import { api } from './api.js';
import { clearErrors, el, setOptions, showError, toast } from './ui.js';
import { clock, dayLabel, fraction, instant, state } from './calendar-state.js';

let draft = null;
let redraw = async () => {};  // the calendar, drawn again once booked

export async function openNew(resource, minutes) {
  const form = document.getElementById('new-form');
  clearErrors(form, document.getElementById('new-error'));
  const performed = state.services.filter((s) => resource.service_ids.includes(s.id));
  draft = { resource, startsAt: instant(state.day, minutes), customerId: state.customerId };
  document.getElementById('new-when').replaceChildren(el('s-paragraph', {},
    `${resource.name} · ${dayLabel(state.day, { dateStyle: 'full' })} at ${clock(minutes)} (${state.zone})`));
  setOptions(form.querySelector('[name=service_id]'), performed.map((s) => [s.id, `${s.name} · ${s.duration_minutes} min` +
    (s.price ? ` · ${s.price} ${s.currency || ''}` : '')]), performed[0]?.id);
  form.querySelector('[name=customer_q]').value = '';
  document.getElementById('customer-matches').replaceChildren();
  drawChosenCustomer();
  document.getElementById('new-modal').showOverlay();
  await showPackages();
}

function drawChosenCustomer() {
  document.getElementById('new-customer').replaceChildren(draft.customerId
    ? el('s-paragraph', { id: 'chosen-customer' }, `Customer: ${state.customerName || draft.customerName || draft.customerId}`)
    : el('s-paragraph', { tone: 'subdued' }, 'Choose the customer first.'));
}

// --- the customer ---

async function findCustomers(q) {
  const box = document.getElementById('customer-matches');
  if (!q.trim()) { box.replaceChildren(); return; }
  const { customers } = await api('/api/customers', { query: { q } });
  const rows = customers.filter((c) => c.shopify_customer_id).map((c) => el('button', { type: 'button', class: 'cal-match',
    role: 'listitem', onclick: choose(c.shopify_customer_id, c.name) }, `${c.name}${c.email && c.email !== c.name ? ' · ' + c.email : ''}`));
  if (/^\d{4,19}$/.test(q.trim())) {  // a Shopify id Packbook has not seen yet: the API checks it with Shopify
    rows.push(el('button', { type: 'button', class: 'cal-match', role: 'listitem', onclick: choose(q.trim(), 'Shopify customer ' + q.trim()) },
      `Shopify customer ${q.trim()}`));
  }
  box.replaceChildren(...(rows.length ? rows : [el('p', { class: 'muted', role: 'listitem' }, 'No customer found.')]));
}

function choose(id, name) {
  return () => {
    draft.customerId = String(id); draft.customerName = name; state.customerName = null;
    document.getElementById('customer-matches').replaceChildren(); drawChosenCustomer(); showPackages().catch(showNewError);
  };
}

// --- the customer's packages, and booking ---

async function showPackages() {
  const box = document.getElementById('new-packages');
  const serviceId = Number(document.querySelector('#new-form [name=service_id]').value);
  if (!draft.customerId || !serviceId) { box.replaceChildren(); return; }
  const { options } = await api(`/api/customers/${draft.customerId}/package-options`, {
    query: { service_id: serviceId, resource_id: draft.resource.id, starts_at: draft.startsAt } })
    .catch((error) => { if (error.status === 404) return { options: [] }; throw error; });  // new to Packbook: owns nothing yet
  box.replaceChildren(el('h3', { class: 'subheading' }, 'Available packages'), ...(options.length ? options.map(packageOption)
    : [el('p', { class: 'muted' }, 'No active packages: book unpaid, or assign a plan on the customer’s page.')]));
}

function packageOption(o) {
  return el('div', { class: 'cal-option', dataset: { packageId: o.package.id } },
    el('span', {}, el('strong', {}, o.package.title), ` · ${o.package.progress}`,
      o.usable ? '' : el('span', { class: 'muted' }, ` — ${o.reason}`)),
    o.usable ? el('s-button', { variant: 'primary', onclick: () => book(o.package.id).catch(showNewError) }, 'Use') : null);
}

async function book(entitlementId) {
  if (!draft.customerId) {
    document.querySelector('#new-form [name=customer_q]').error = 'Choose a customer';
    return;
  }
  const body = { customer_id: Number(draft.customerId), service_id: Number(document.querySelector('#new-form [name=service_id]').value),
    resource_id: draft.resource.id, starts_at: draft.startsAt };
  Object.assign(body, entitlementId ? { entitlement_id: entitlementId, use_package: true } : { use_package: false });
  const booked = await api('/api/bookings', { method: 'POST', body });
  document.getElementById('new-modal').hideOverlay();
  toast(booked.redeemed_from ? `Booked · redeemed from ${booked.redeemed_from.title} (${fraction(booked.redeemed_from)})` : 'Booked unpaid');
  await redraw();
}

const showNewError = (error) => showError(error, { form: document.getElementById('new-form'), banner: document.getElementById('new-error') });

// --- wiring ---

export function wireNew(refresh) {
  redraw = refresh;
  const form = document.getElementById('new-form');
  form.addEventListener('submit', (event) => event.preventDefault());
  form.querySelector('[name=service_id]').addEventListener('change', () => showPackages().catch(showNewError));
  let timer;
  form.querySelector('[name=customer_q]').addEventListener('input', () => { clearTimeout(timer);
    timer = setTimeout(() => findCustomers(form.querySelector('[name=customer_q]').value).catch(showNewError), 200); });
  document.getElementById('book-unpaid').addEventListener('click', () => book(null).catch(showNewError));
}
