// A package's page: create or edit a plan with every option it has, read back in one line as the merchant edits;
// then link the Shopify products (and, for memberships, subscriptions) that sell it, or archive it.
import { api } from './api.js';
import { clearErrors, confirmAction, reveal, showError, toast } from './ui.js';
import { showPendingToast, toastAfterNavigation } from './handoff.js';
import {
  BLANK, canonicalWindows, field, fill, form, offerChoices, offerUnits, planId, readPlan, refresh,
} from './package-form.js';
import { addFixedRow, addTimeRow, changed } from './package-rows.js';
import { listenLinks, showLinks } from './package-links.js';

let baseline = { ...BLANK };  // the plan as last saved: edits are compared with it, Discard goes back to it

// --- saving ---

// Compared in one spelling, so reading a plan back and saving it untouched changes nothing.
function canonical(plan) {
  const c = { ...BLANK, ...plan };
  const sorted = (ids) => (ids ? [...ids].map(Number).sort((a, b) => a - b) : null);
  return {
    ...c,
    quantity: c.fixed_services || c.quantity === null || c.quantity === '' ? null : numericText(c.quantity),
    currency: c.currency ? c.currency.toUpperCase() : null,
    service_ids: sorted(c.service_ids), unlocks_service_ids: sorted(c.unlocks_service_ids),
    member_tag: c.member_tag || null, windows: canonicalWindows(c.windows),
  };
}

function numericText(value) {
  const number = Number(value);
  return Number.isFinite(number) ? String(number) : String(value);
}

// PATCH sends only what changed; the API lets a new setting replace its rivals (one validity at a time, ...).
function changedFields(before, after) {
  const [a, b] = [canonical(before), canonical(after)];
  return Object.fromEntries(Object.keys(BLANK)
    .filter((key) => key !== 'kind' && JSON.stringify(a[key]) !== JSON.stringify(b[key]))
    .map((key) => [key, after[key]]));
}

async function save() {
  clearErrors(form);
  const plan = readPlan();
  if (planId === null) {
    await create(plan);
    return;
  }
  const changes = changedFields(baseline, plan);
  if (Object.keys(changes).length) {
    showPlan(await api(`/api/plans/${planId}`, { method: 'PATCH', body: changes }));
    toast('Package saved');
  }
  form.dispatchEvent(new Event('packbook:saved'));
}

async function create(plan) {
  const body = Object.fromEntries(Object.entries(plan).filter(([, value]) => value !== null));
  const created = await api('/api/plans', { method: 'POST', body });
  form.dispatchEvent(new Event('packbook:saved'));
  toastAfterNavigation('Package created');
  window.location.assign(`/packages/${created.id}${window.location.search}`);
}

function showPlan(plan) {
  baseline = plan;
  fill(plan);
  document.querySelector('s-page').setAttribute('heading', plan.title);
  const subscriptions = document.getElementById('selling-plans-group');
  if (subscriptions) subscriptions.hidden = plan.kind !== 'membership';
}

async function archive() {
  const sure = await confirmAction({
    heading: 'Archive this package?', confirm: 'Archive', tone: 'critical',
    body: ['Customers can no longer buy it and staff can no longer give it.',
      'Packages already sold keep working until they run out or expire.'],
  });
  if (!sure) return;
  await api(`/api/plans/${planId}`, { method: 'DELETE' });
  toastAfterNavigation('Package archived');
  window.location.assign('/packages' + window.location.search);
}

// --- start ---

function listen() {
  form.addEventListener('input', (event) => {
    const host = event.target.closest('[error]');
    if (host) host.error = '';  // the merchant is fixing it
    refresh();
  });
  form.addEventListener('change', (event) => {
    if (event.target.closest('[name=kind]')) offerUnits(field('kind').value, field('unit').value);
    refresh();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save().catch((error) => showError(error, { form }));
  });
  form.addEventListener('reset', (event) => {  // Discard: back to the plan as saved, rows included
    event.preventDefault();
    clearErrors(form);
    fill(baseline);
  });
  document.getElementById('add-fixed').addEventListener('click', () => { addFixedRow({}); changed(); });
  document.getElementById('add-time').addEventListener('click', () => { addTimeRow(['', '']); changed(); });
  if (planId === null) return;
  document.getElementById('archive').addEventListener('click', () => archive().catch((error) => showError(error)));
  listenLinks(planId);
}

async function start() {
  listen();
  showPendingToast();
  const [{ services }, { resources }, shop, plan] = await Promise.all([
    api('/api/services'), api('/api/resources'), api('/api/shop').catch(() => ({})),
    planId === null ? null : api(`/api/plans/${planId}`)]);
  const currency = shop.currency || null;
  offerChoices(services, resources, currency);
  if (plan === null) fill(baseline); else showPlan(plan);
  document.getElementById('package-fields').disabled = false;
  reveal();  // the form shows once filled: sections hidden for the plan's kind never flash first
  if (plan === null) return;
  await showLinks(plan, currency);
}

start().catch((error) => showError(error)).finally(() => reveal());
