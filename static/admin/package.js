// A package's page: create or edit a plan with every option it has, read back in one line as the merchant edits;
// then link the Shopify products (and, for memberships, subscriptions) that sell it, or archive it.
import { api } from './api.js';
import { clearErrors, confirmAction, el, reveal, setOptions, showError, toast } from './ui.js';
import { summarize } from './plan-summary.js';
import { showPendingToast, toastAfterNavigation } from './handoff.js';

const form = document.getElementById('package-form');
const planId = form.dataset.planId ? Number(form.dataset.planId) : null;
const field = (name) => form.querySelector(`[name="${name}"]`);
const names = { services: new Map(), resources: new Map() };
// A new plan, in the API's shape: what the form starts from and what Discard returns to.
const BLANK = {
  title: '', kind: 'package', unit: 'sessions', quantity: null, currency: null, service_ids: null,
  fixed_services: null, resource_id: null, validity_days: null, validity_months: null, expires_on: null,
  windows: null, late_cancel: 'forfeit', no_show: 'forfeit', not_for_sale: false, member_tag: null,
  unlocks_service_ids: null,
};
// What each kind may count in (the API refuses the rest: a membership's allowance is sessions or unlimited).
const UNITS = {
  package: [['sessions', 'Sessions'], ['minutes', 'Minutes of service time'], ['money', 'Money (credit)'],
    ['unlimited', 'Unlimited sessions']],
  membership: [['sessions', 'Sessions each period'], ['unlimited', 'Unlimited sessions']],
  prepaid_balance: [['money', 'Money']],
};
let services = [];
let shopCurrency = null;
let baseline = { ...BLANK };  // the plan as last saved: edits are compared with it, Discard goes back to it

// --- reading the form ---

function readPlan() {
  const kind = field('kind').value;
  const coverage = field('coverage').value;
  const unit = coverage === 'fixed' ? 'sessions' : field('unit').value;
  const plan = {
    ...BLANK, title: field('title').value.trim(), kind, unit, resource_id: idOrNull(field('resource_id').value),
    windows: readWindows(), late_cancel: field('late_cancel').value, no_show: field('no_show').value,
    not_for_sale: field('not_for_sale').checked, ...readValidity(),
  };
  if (coverage === 'fixed') plan.fixed_services = readFixedRows();
  else if (unit !== 'unlimited') plan.quantity = field('quantity').value.trim() || null;
  if (coverage === 'some') plan.service_ids = field('service_ids').values.map(Number);
  if (unit === 'money') plan.currency = field('currency').value.trim().toUpperCase() || null;
  if (kind === 'membership') {
    plan.member_tag = field('member_tag').value.trim() || null;
    if (field('unlocks').value === 'some') plan.unlocks_service_ids = field('unlocks_service_ids').values.map(Number);
  }
  return plan;
}

function idOrNull(value) {
  return value === '' || value === null || value === undefined ? null : Number(value);
}

// A chosen validity left empty is sent as typed, so the API says what is missing instead of "no time limit".
function readValidity() {
  const choice = field('validity').value;
  const number = (value) => (value === '' ? '' : Number(value));
  return {
    validity_days: choice === 'days' ? number(field('validity_days').value) : null,
    validity_months: choice === 'months' ? number(field('validity_months').value) : null,
    expires_on: choice === 'date' ? field('expires_on').value : null,
  };
}

function readWindows() {
  const weekdays = field('windows.weekdays').values;
  const dates = field('windows.dates').value.split(/[\s,]+/).filter(Boolean);
  return canonicalWindows({
    weekdays: weekdays.length ? weekdays : null,
    times: readTimeRows(),
    date_from: field('windows.date_from').value || null,
    date_to: field('windows.date_to').value || null,
    dates: dates.length ? dates : null,
  });
}

// An empty "from" means the start of the day and an empty "until" its end: "before 17:00", "after 10:00".
function readTimeRows() {
  const times = [...document.querySelectorAll('#time-rows .package-row')]
    .map((row) => [...row.querySelectorAll('s-text-field')].map((box) => box.value.trim()))
    .filter(([from, until]) => from || until)
    .map(([from, until]) => [from || '00:00', until || '23:59']);
  return times.length ? times : null;
}

function readFixedRows() {
  return [...document.querySelectorAll('#fixed-rows .package-row')].map((row) => {
    const count = row.querySelector('[data-role=count]').value;
    return { service_id: idOrNull(row.querySelector('[data-role=service]').value),
      quantity: count === '' ? null : Number(count) };
  });
}

// --- filling the form ---

function fill(plan) {
  field('title').value = plan.title;
  field('kind').value = plan.kind;
  if (planId !== null) {  // a plan's kind cannot change
    field('kind').setAttribute('disabled', '');
    field('kind').setAttribute('details', 'A package’s type cannot change; create a new package instead.');
  }
  offerUnits(plan.kind, plan.unit);
  field('quantity').value = plan.fixed_services ? '' : (plan.quantity ?? '');
  field('currency').value = plan.currency || shopCurrency || '';
  field('coverage').value = plan.fixed_services ? 'fixed' : (plan.service_ids ? 'some' : 'any');
  field('service_ids').values = (plan.service_ids || []).map(String);
  drawFixedRows(plan.fixed_services || []);
  field('resource_id').value = plan.resource_id ?? '';
  fillValidity(plan);
  fillWindows(plan.windows || {});
  field('late_cancel').value = plan.late_cancel;
  field('no_show').value = plan.no_show;
  field('not_for_sale').checked = plan.not_for_sale;
  field('member_tag').value = plan.member_tag || '';
  field('unlocks').value = plan.unlocks_service_ids ? 'some' : 'all';
  field('unlocks_service_ids').values = (plan.unlocks_service_ids || []).map(String);
  refresh();
}

function fillValidity(plan) {
  field('validity').value = plan.validity_days ? 'days' : plan.validity_months ? 'months' : plan.expires_on ? 'date' : 'never';
  field('validity_days').value = plan.validity_days ?? '';
  field('validity_months').value = plan.validity_months ?? '';
  field('expires_on').value = plan.expires_on ?? '';
}

function fillWindows(windows) {
  field('windows.weekdays').values = windows.weekdays || [];
  drawTimeRows(windows.times || []);
  field('windows.date_from').value = windows.date_from || '';
  field('windows.date_to').value = windows.date_to || '';
  field('windows.dates').value = (windows.dates || []).join('\n');
}

function offerUnits(kind, unit) {
  const units = UNITS[kind] || UNITS.package;
  setOptions(field('unit'), units, units.some(([value]) => value === unit) ? unit : units[0][0]);
}

// --- rows: a fixed mix of services, and times of day ---

function drawFixedRows(items) {
  document.getElementById('fixed-rows').replaceChildren();
  items.forEach(addFixedRow);
}

function addFixedRow(item) {
  const rows = document.getElementById('fixed-rows');
  const index = rows.children.length;
  const select = el('s-select', { label: 'Service', 'data-role': 'service', 'data-field': `fixed_services.${index}.service_id` });
  const count = el('s-number-field', { label: 'Sessions of it', 'data-role': 'count', value: item.quantity ?? 1,
    'data-field': `fixed_services.${index}.quantity` });
  const remove = el('s-button', { accessibilityLabel: `Remove service ${index + 1} from the mix`,
    onclick: () => removeRow(readFixedRows(), index, drawFixedRows) }, 'Remove');
  rows.append(el('div', { class: 'package-row', role: 'group', 'aria-label': `Service ${index + 1} in the mix` },
    select, count, remove));
  setOptions(select, services.map((service) => [service.id, service.name]), item.service_id ?? services[0]?.id);
}

function drawTimeRows(times) {
  document.getElementById('time-rows').replaceChildren();
  times.forEach(addTimeRow);
}

function addTimeRow([from, until]) {
  const rows = document.getElementById('time-rows');
  const index = rows.children.length;
  const allDay = (value, edge) => (value === edge ? '' : value || '');
  rows.append(el('div', { class: 'package-row times', role: 'group', 'aria-label': `Time of day ${index + 1}` },
    el('s-text-field', { label: 'From', placeholder: '09:00', 'data-field': `windows.times.${index}`,
      value: allDay(from, '00:00'), details: 'Empty: from opening' }),
    el('s-text-field', { label: 'Until', placeholder: '17:00', value: allDay(until, '23:59'), details: 'Empty: to closing' }),
    el('s-button', { accessibilityLabel: `Remove time of day ${index + 1}`,
      onclick: () => removeRow(readTimeRows() || [], index, drawTimeRows) }, 'Remove')));
}

// Rows are redrawn rather than renumbered: each row's field names follow its position, as the API's errors do.
function removeRow(items, index, draw) {
  items.splice(index, 1);
  draw(items);
  changed();
}

// A change made by a button, not typing: tell the save bar and redraw the summary.
function changed() {
  form.dispatchEvent(new Event('change', { bubbles: true }));
}

// --- what shows, and the summary ---

function show(id, visible) {
  document.getElementById(id).hidden = !visible;
}

function refresh() {
  const kind = field('kind').value;
  const fixed = field('coverage').value === 'fixed';
  if (fixed && kind !== 'prepaid_balance') field('unit').value = 'sessions';
  field('unit').toggleAttribute('disabled', fixed);  // a fixed mix counts sessions
  const unit = field('unit').value;
  show('quantity-group', !fixed && unit !== 'unlimited');
  field('quantity').setAttribute('label', quantityLabel(kind, unit));
  show('currency-group', unit === 'money');
  show('service-choice', field('coverage').value === 'some');
  show('fixed-mix', fixed);
  if (fixed && !document.querySelector('#fixed-rows .package-row')) addFixedRow({});
  const validity = field('validity').value;
  show('validity-days', validity === 'days');
  show('validity-months', validity === 'months');
  show('validity-date', validity === 'date');
  const membership = kind === 'membership';
  document.getElementById('validity-section').setAttribute('heading', membership ? 'Membership period' : 'How long it lasts');
  field('validity').setAttribute('label', membership ? 'Allowance renews' : 'Valid for');
  show('membership-group', membership);
  show('unlocks-choice', field('unlocks').value === 'some');
  document.getElementById('summary').textContent = summarize(readPlan(), names);
}

function quantityLabel(kind, unit) {
  if (unit === 'money') return kind === 'prepaid_balance' ? 'Balance' : 'Amount of credit';
  const what = unit === 'minutes' ? 'Minutes' : 'Sessions';
  return kind === 'membership' ? `${what} each period` : what;
}

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

function canonicalWindows(windows) {
  if (!windows) return null;
  const keys = ['weekdays', 'times', 'date_from', 'date_to', 'dates'];
  const present = keys.filter((key) => windows[key] !== null && windows[key] !== undefined);
  return present.length ? Object.fromEntries(present.map((key) => [key, windows[key]])) : null;
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
    const body = Object.fromEntries(Object.entries(plan).filter(([, value]) => value !== null));
    const created = await api('/api/plans', { method: 'POST', body });
    form.dispatchEvent(new Event('packbook:saved'));
    toastAfterNavigation('Package created');
    window.location.assign(`/packages/${created.id}${window.location.search}`);
    return;
  }
  const changes = changedFields(baseline, plan);
  if (Object.keys(changes).length) {
    showPlan(await api(`/api/plans/${planId}`, { method: 'PATCH', body: changes }));
    toast('Package saved');
  }
  form.dispatchEvent(new Event('packbook:saved'));
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

// --- Shopify products that sell the package ---

function variantName(productTitle, variantTitle) {
  return !variantTitle || variantTitle === 'Default Title' ? productTitle : `${productTitle} – ${variantTitle}`;
}

async function showVariants() {
  const banner = document.getElementById('variants-error');
  banner.hidden = true;
  try {
    const { variants } = await api(`/api/plans/${planId}/variants`);
    document.getElementById('variants').replaceChildren(...(variants.length ? variants.map(variantRow)
      : [el('s-paragraph', { tone: 'subdued' }, 'No product linked yet: only staff can give this package.')]));
  } catch (error) {
    showError(error, { banner });  // the rest of the page still works without Shopify
  }
}

function variantRow(variant) {
  const name = variant.title === null ? `Variant ${variant.variant_id} (deleted in Shopify)`
    : variantName(variant.product_title, variant.title);
  const units = variant.units_per_item;
  return el('div', { class: 'linked', dataset: { variantId: variant.variant_id } },
    el('s-stack', { gap: 'none' }, el('s-text', {}, name),
      el('s-text', { tone: 'subdued' }, `${units} ${units === 1 ? 'package' : 'packages'} per item · variant ${variant.variant_id}`)),
    el('s-button', { tone: 'critical', accessibilityLabel: `Remove ${name}`,
      onclick: () => unlinkVariant(variant, name).catch((error) => showError(error)) }, 'Remove'));
}

async function unlinkVariant(variant, name) {
  const sure = await confirmAction({
    heading: 'Remove this product?', confirm: 'Remove', tone: 'critical',
    body: [`Buying “${name}” will no longer grant this package.`, 'Packages already bought stay with their customers.'],
  });
  if (!sure) return;
  await api(`/api/plans/${planId}/variants/${variant.variant_id}`, { method: 'DELETE' });
  toast('Product removed');
  await showVariants();
}

// Shopify's own picker first; where App Bridge cannot offer it, a search of the shop's products.
async function pickVariants() {
  if (typeof window.shopify?.resourcePicker !== 'function') return openProductSearch();
  let picked;
  try {
    picked = await window.shopify.resourcePicker({ type: 'variant', multiple: true });
  } catch (error) {
    return openProductSearch();
  }
  if (!picked || !picked.length) return undefined;  // cancelled
  return linkVariants(picked.map((item) => ({ id: String(item.id).split('/').pop(),
    name: item.displayName || variantName(item.product?.title || '', item.title) })));
}

async function linkVariants(items) {
  const row = document.querySelector('.package-link-row');
  clearErrors(row);
  const units = row.querySelector('[name=units_per_item]').value;
  const failures = [];
  for (const item of items) {
    try {
      await api(`/api/plans/${planId}/variants`, { method: 'POST',
        body: { variant_id: item.id, units_per_item: units === '' ? 1 : Number(units) } });
    } catch (error) {
      failures.push(error);
    }
  }
  await showVariants();
  if (failures.length) showError(failures[0], { form: row });
  const linked = items.length - failures.length;
  if (linked) toast(linked === 1 ? 'Product linked' : `${linked} products linked`);
}

async function openProductSearch() {
  document.getElementById('product-modal').showOverlay();
  await searchProducts();
}

async function searchProducts(after) {
  const banner = document.getElementById('product-error');
  const results = document.getElementById('product-results');
  banner.hidden = true;
  const query = document.querySelector('#product-search-form [name=query]').value.trim();
  try {
    const page = await api('/api/shopify/products', { query: { query, after } });
    if (!after) results.replaceChildren();
    results.append(...page.products.map(productBlock));
    if (!results.children.length) results.append(el('s-paragraph', { tone: 'subdued' }, 'No product found.'));
    if (page.page_info.has_next_page) {
      const more = el('s-button', { onclick: () => { more.remove(); searchProducts(page.page_info.end_cursor); } }, 'More products');
      results.append(more);
    }
  } catch (error) {
    showError(error, { banner });
  }
}

function productBlock(product) {
  return el('div', { class: 'product-result' }, el('s-text', {}, product.title),
    ...product.variants.map((variant) => {
      const name = variantName(product.title, variant.title);
      const taken = variant.mapped_plan_id !== null && variant.mapped_plan_id !== undefined;
      return el('div', { class: 'linked' },
        el('s-text', { tone: 'subdued' }, [variant.title === 'Default Title' ? 'Single variant' : variant.title,
          price(variant.price)].filter(Boolean).join(' · ')),
        taken ? el('s-badge', {}, variant.mapped_plan_id === planId ? 'Linked here' : 'Sells another package')
          : el('s-button', { accessibilityLabel: `Link ${name}`, onclick: () => {
            document.getElementById('product-modal').hideOverlay();
            linkVariants([{ id: variant.id, name }]).catch((error) => showError(error));
          } }, 'Link'));
    }));
}

function price(amount) {
  if (!amount || !shopCurrency) return amount;
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: shopCurrency }).format(Number(amount));
  } catch (error) {
    return amount;
  }
}

// --- Shopify selling plans that start the membership ---

async function showSellingPlans() {
  const { selling_plans: rows } = await api(`/api/plans/${planId}/selling-plans`);
  document.getElementById('selling-plans').replaceChildren(...(rows.length ? rows.map((row) => {
    const name = row.name || `Selling plan ${row.selling_plan_id}`;
    return el('div', { class: 'linked' }, el('s-text', {}, `${name} · ${row.selling_plan_id}`),
      el('s-button', { tone: 'critical', accessibilityLabel: `Remove ${name}`,
        onclick: () => unlinkSellingPlan(row, name).catch((error) => showError(error)) }, 'Remove'));
  }) : [el('s-paragraph', { tone: 'subdued' }, 'No subscription linked yet.')]));
}

async function linkSellingPlan(sellingForm) {
  clearErrors(sellingForm);
  const box = sellingForm.querySelector('[name=selling_plan_id]');
  await api(`/api/plans/${planId}/selling-plans`, { method: 'POST', body: { selling_plan_id: box.value.trim() } });
  box.value = '';
  toast('Subscription linked');
  await showSellingPlans();
}

async function unlinkSellingPlan(row, name) {
  const sure = await confirmAction({
    heading: 'Remove this subscription?', confirm: 'Remove', tone: 'critical',
    body: [`New contracts on “${name}” will no longer start this membership.`, 'Memberships already started carry on.'],
  });
  if (!sure) return;
  await api(`/api/plans/${planId}/selling-plans/${row.selling_plan_id}`, { method: 'DELETE' });
  toast('Subscription removed');
  await showSellingPlans();
}

// --- start ---

function choices(list, options) {
  const nodes = options.map(([value, label]) => el('s-choice', { value: String(value) }, label));
  if (list.replaceOptions) list.replaceOptions(nodes); else list.replaceChildren(...nodes);
}

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
  document.getElementById('link-variant').addEventListener('click', () => pickVariants().catch((error) => showError(error)));
  document.getElementById('product-search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    searchProducts().catch((error) => showError(error));
  });
  const sellingForm = document.getElementById('selling-plan-form');
  sellingForm.addEventListener('submit', (event) => {
    event.preventDefault();
    linkSellingPlan(sellingForm).catch((error) => showError(error, { form: sellingForm }));
  });
}

async function start() {
  listen();
  showPendingToast();
  const [{ services: offered }, { resources }, shop, plan] = await Promise.all([
    api('/api/services'), api('/api/resources'), api('/api/shop').catch(() => ({})),
    planId === null ? null : api(`/api/plans/${planId}`)]);
  services = offered;
  shopCurrency = shop.currency || null;
  services.forEach((service) => names.services.set(service.id, service.name));
  resources.forEach((resource) => names.resources.set(resource.id, resource.name));
  choices(field('service_ids'), services.map((service) => [service.id, service.name]));
  choices(field('unlocks_service_ids'), services.map((service) => [service.id,
    service.members_only ? `${service.name} (members only)` : service.name]));
  setOptions(field('resource_id'), [['', 'Any provider'], ...resources.map((resource) => [resource.id, resource.name])], '');
  if (plan === null) fill(baseline); else showPlan(plan);
  document.getElementById('package-fields').disabled = false;
  reveal();  // the form shows once filled: sections hidden for the plan's kind never flash first
  if (plan === null) return;
  await Promise.all([showVariants(), plan.kind === 'membership' ? showSellingPlans() : null]);
}

start().catch((error) => showError(error)).finally(() => reveal());
