// A package's form: its fields read into a plan body shaped as the API takes it, a plan filled back into them,
// and which parts show for the plan's kind, with its one-line summary.
import { el, setOptions } from './ui.js';
import { summarize } from './plan-summary.js';
import {
  addFixedRow, drawFixedRows, drawTimeRows, idOrNull, offerServices, readFixedRows, readTimeRows,
} from './package-rows.js';

export const form = document.getElementById('package-form');
export const planId = form.dataset.planId ? Number(form.dataset.planId) : null;
export const field = (name) => form.querySelector(`[name="${name}"]`);
// A new plan, in the API's shape: what the form starts from and what Discard returns to.
export const BLANK = {
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
const names = { services: new Map(), resources: new Map() };
let shopCurrency = null;

// --- what the shop offers: the form's choices, and the names the summary uses ---

export function offerChoices(services, resources, currency) {
  offerServices(services);
  shopCurrency = currency;
  services.forEach((service) => names.services.set(service.id, service.name));
  resources.forEach((resource) => names.resources.set(resource.id, resource.name));
  choices(field('service_ids'), services.map((service) => [service.id, service.name]));
  choices(field('unlocks_service_ids'), services.map((service) => [service.id,
    service.members_only ? `${service.name} (members only)` : service.name]));
  setOptions(field('resource_id'), [['', 'Any provider'], ...resources.map((resource) => [resource.id, resource.name])], '');
}

function choices(list, options) {
  const nodes = options.map(([value, label]) => el('s-choice', { value: String(value) }, label));
  if (list.replaceOptions) list.replaceOptions(nodes); else list.replaceChildren(...nodes);
}

// --- reading the form ---

export function readPlan() {
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

export function canonicalWindows(windows) {
  if (!windows) return null;
  const keys = ['weekdays', 'times', 'date_from', 'date_to', 'dates'];
  const present = keys.filter((key) => windows[key] !== null && windows[key] !== undefined);
  return present.length ? Object.fromEntries(present.map((key) => [key, windows[key]])) : null;
}

// --- filling the form ---

export function fill(plan) {
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

export function offerUnits(kind, unit) {
  const units = UNITS[kind] || UNITS.package;
  setOptions(field('unit'), units, units.some(([value]) => value === unit) ? unit : units[0][0]);
}

// --- what shows, and the summary ---

function show(id, visible) {
  document.getElementById(id).hidden = !visible;
}

export function refresh() {
  const kind = field('kind').value;
  showAmount(kind);
  show('service-choice', field('coverage').value === 'some');
  showValidity(kind);
  show('membership-group', kind === 'membership');
  show('unlocks-choice', field('unlocks').value === 'some');
  document.getElementById('summary').textContent = summarize(readPlan(), names);
}

function showAmount(kind) {
  const fixed = field('coverage').value === 'fixed';
  if (fixed && kind !== 'prepaid_balance') field('unit').value = 'sessions';
  field('unit').toggleAttribute('disabled', fixed);  // a fixed mix counts sessions
  const unit = field('unit').value;
  show('quantity-group', !fixed && unit !== 'unlimited');
  field('quantity').setAttribute('label', quantityLabel(kind, unit));
  show('currency-group', unit === 'money');
  show('fixed-mix', fixed);
  if (fixed && !document.querySelector('#fixed-rows .package-row')) addFixedRow({});
}

function showValidity(kind) {
  const validity = field('validity').value;
  show('validity-days', validity === 'days');
  show('validity-months', validity === 'months');
  show('validity-date', validity === 'date');
  const membership = kind === 'membership';
  document.getElementById('validity-section').setAttribute('heading', membership ? 'Membership period' : 'How long it lasts');
  field('validity').setAttribute('label', membership ? 'Allowance renews' : 'Valid for');
}

function quantityLabel(kind, unit) {
  if (unit === 'money') return kind === 'prepaid_balance' ? 'Balance' : 'Amount of credit';
  const what = unit === 'minutes' ? 'Minutes' : 'Sessions';
  return kind === 'membership' ? `${what} each period` : what;
}
