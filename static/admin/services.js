// Services and staff: the shop's services (edited in a modal) and its staff and rooms (edited on the page and
// saved through the contextual save bar). Every booking rule lives in the API; this page shows and sends.
import { api } from './api.js';
import { el, toast, showError, clearErrors, confirmAction, reveal } from './ui.js';
import { control, plain } from './form-fields.js';
import { DAYS } from './staff-hours.js';
import { offerServices, openResource, useShopZone, wireEditor } from './staff-editor.js';

const state = { services: [], resources: [], service: null, variant: null };
const $ = (id) => document.getElementById(id);
const serviceForm = $('service-form');

// --- small helpers ---

function cell(label, ...children) {
  // data-label names the value when a phone shows the row as a card (services.css).
  return el('s-table-cell', { 'data-label': label }, ...children);
}

function emptyRow(text) {
  return el('s-table-row', {}, el('s-table-cell', {}, el('s-text', { tone: 'subdued' }, text)));
}

function count(text) {
  // Blank stays null so the API names the field, rather than the page guessing a number.
  return text.trim() === '' ? null : Number(text);
}

// --- lists ---

function lengthText(service) {
  const parts = [`${service.duration_minutes} min`];
  if (service.buffer_before_minutes) parts.push(`${service.buffer_before_minutes} min free before`);
  if (service.buffer_after_minutes) parts.push(`${service.buffer_after_minutes} min free after`);
  return parts.join(' · ');
}

function priceText(service) {
  if (service.price === null) return 'No price';
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: service.currency }).format(Number(service.price));
  } catch {
    return `${service.price} ${service.currency || ''}`.trim();
  }
}

function rowActions(what, onEdit, onArchive) {
  return el('s-stack', { direction: 'inline' },
    el('s-button', { accessibilityLabel: `Edit ${what}`, onclick: onEdit }, 'Edit'),
    el('s-button', { variant: 'tertiary', tone: 'critical', accessibilityLabel: `Archive ${what}`, onclick: onArchive },
      'Archive'));
}

function serviceRow(service) {
  return el('s-table-row', { dataset: { serviceId: service.id } },
    cell('Service', el('s-text', {}, service.name), ' ',
      service.members_only ? el('s-badge', { tone: 'info' }, 'Members only') : null, ' ',
      service.shopify_variant_id ? el('s-badge', {}, 'Sold at checkout') : null),
    cell('Length', lengthText(service)),
    el('s-table-cell', { 'data-label': 'Places', format: 'numeric' }, String(service.capacity)),
    el('s-table-cell', { 'data-label': 'Price', format: 'numeric' }, priceText(service)),
    el('s-table-cell', {}, rowActions(service.name, () => openService(service), () => archiveService(service))));
}

function renderServices() {
  const body = document.querySelector('#services-table s-table-body');
  body.replaceChildren(...(state.services.length ? state.services.map(serviceRow)
    : [emptyRow('No services yet: add the first one to start taking bookings.')]));
}

function hoursText(hours) {
  const open = DAYS.filter(([day]) => (hours[day] || []).length);
  if (!open.length) return 'Closed every day';
  return open.map(([day, name]) => `${name.slice(0, 3)} ${hours[day].map((span) => span.join('–')).join(', ')}`).join(' · ');
}

function resourceRow(resource, names) {
  return el('s-table-row', { dataset: { resourceId: resource.id } },
    cell('Name', resource.name),
    cell('Services', resource.service_ids.map((id) => names.get(id)).filter(Boolean).join(', ') || 'None yet'),
    cell('Weekly hours', el('span', { class: 'hours-summary' }, hoursText(resource.weekly_hours)),
      resource.exceptions.length ? el('s-text', { tone: 'subdued' },
        `${resource.exceptions.length} date${resource.exceptions.length > 1 ? 's' : ''} of time off or extra hours`) : null),
    el('s-table-cell', {}, rowActions(resource.name, () => openResource(resource), () => archiveResource(resource))));
}

function renderResources() {
  const names = new Map(state.services.map((s) => [s.id, s.name]));
  const body = document.querySelector('#resources-table s-table-body');
  body.replaceChildren(...(state.resources.length ? state.resources.map((resource) => resourceRow(resource, names))
    : [emptyRow('No staff or rooms yet: add who or what sessions are booked with.')]));
}

async function load() {
  const [{ services }, { resources }] = await Promise.all([api('/api/services'), api('/api/resources')]);
  Object.assign(state, { services, resources });
  renderServices();
  renderResources();
  offerServices(services);
}

async function archive(name, path, consequence) {
  const sure = await confirmAction({ heading: `Archive ${name}?`, body: consequence, confirm: 'Archive', tone: 'critical' });
  if (!sure) return;
  try {
    await api(path, { method: 'DELETE' });
    toast(`${name} archived`);
    await load();
  } catch (error) {
    showError(error);
  }
}

function archiveService(service) {
  archive(service.name, `/api/services/${service.id}`,
    'It leaves this list and can no longer be booked. Bookings already made keep it.');
}

function archiveResource(resource) {
  archive(resource.name, `/api/resources/${resource.id}`,
    'They leave this list and take no new bookings. Bookings already made stay as they are.');
}

// --- a service, in its modal ---

function showVariant() {
  $('variant-display').value = state.variant ? state.variant.label : 'Not sold at checkout';
  $('clear-variant').hidden = !state.variant;
}

function openService(service) {
  state.service = service || null;
  const values = service || { name: '', duration_minutes: 60, capacity: 1, buffer_before_minutes: 0,
    buffer_after_minutes: 0, price: null, currency: null, members_only: false, shopify_variant_id: null };
  for (const name of ['name', 'duration_minutes', 'capacity', 'buffer_before_minutes', 'buffer_after_minutes']) {
    control(serviceForm, name).value = String(values[name]);
  }
  control(serviceForm, 'price').value = values.price ?? '';
  control(serviceForm, 'currency').value = values.currency ?? '';
  control(serviceForm, 'members_only').checked = values.members_only;
  // Shopify's title for a stored variant is not in the API's answer; its id is what we know.
  const variantId = values.shopify_variant_id;
  state.variant = variantId ? { id: variantId, label: `Variant ${variantId}` } : null;
  showVariant();
  clearErrors(serviceForm, $('service-error'));
  $('service-modal').setAttribute('heading', service ? `Edit ${service.name}` : 'Add service');
  $('service-modal').showOverlay();
}

function serviceBody() {
  const text = (name) => control(serviceForm, name).value.trim();
  return {
    name: text('name'),
    duration_minutes: count(text('duration_minutes')),
    capacity: count(text('capacity')),
    buffer_before_minutes: count(text('buffer_before_minutes')),
    buffer_after_minutes: count(text('buffer_after_minutes')),
    price: text('price') || null,  // a decimal string keeps pennies exact
    currency: text('currency').toUpperCase() || null,
    members_only: control(serviceForm, 'members_only').checked,
    shopify_variant_id: state.variant ? state.variant.id : null,
  };
}

async function saveService(event) {
  event.preventDefault();
  const banner = $('service-error');
  const button = $('save-service');
  clearErrors(serviceForm, banner);
  button.loading = true;
  try {
    const body = serviceBody();
    await (state.service ? api(`/api/services/${state.service.id}`, { method: 'PATCH', body })
      : api('/api/services', { method: 'POST', body }));
    $('service-modal').hideOverlay();
    serviceForm.dispatchEvent(new Event('packbook:saved'));
    toast('Service saved');
    await load();
  } catch (error) {
    // The modal covers the page, so its refusals show inside it.
    showError(plain(error, serviceForm), { form: serviceForm, banner });
  } finally {
    button.loading = false;
  }
}

async function pickVariant() {
  try {
    const picked = await window.shopify.resourcePicker({ type: 'variant', multiple: false });
    if (!picked || !picked.length) return;  // cancelled: keep what was there
    const [variant] = picked;
    const id = String(variant.id).split('/').pop();  // gid://shopify/ProductVariant/123 -> 123
    state.variant = { id, label: variant.displayName || variant.title || `Variant ${id}` };
    $('variant-display').error = '';
    showVariant();
  } catch (error) {
    showError(error, { banner: $('service-error') });
  }
}

// --- wiring ---

function wire() {
  $('add-service').addEventListener('click', () => openService(null));
  $('save-service').addEventListener('click', () => serviceForm.requestSubmit());
  serviceForm.addEventListener('submit', saveService);
  $('pick-variant').addEventListener('click', pickVariant);
  $('clear-variant').addEventListener('click', () => { state.variant = null; showVariant(); $('pick-variant').focus(); });
  wireEditor(load);
}

async function start() {
  wire();
  const settings = await api('/api/settings');
  useShopZone(settings.timezone);
  await load();
}

start().catch((error) => showError(error)).finally(() => reveal());
