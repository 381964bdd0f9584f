// Services and staff: the shop's services (edited in a modal) and its staff and rooms (edited on the page and
// saved through the contextual save bar). Every booking rule lives in the API; this page shows and sends.
import { api, ApiError } from './api.js';
import { el, toast, showError, clearErrors, confirmAction, fieldFor, localParts, reveal } from './ui.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const state = { services: [], resources: [], zone: 'UTC', service: null, variant: null, resource: null, dirty: false };
const $ = (id) => document.getElementById(id);
const serviceForm = $('service-form');
const resourceForm = $('resource-form');

// --- small helpers ---

function cell(label, ...children) {
  // data-label names the value when a phone shows the row as a card (services.css).
  return el('s-table-cell', { 'data-label': label }, ...children);
}

function emptyRow(text) {
  return el('s-table-row', {}, el('s-table-cell', {}, el('s-text', { tone: 'subdued' }, text)));
}

function control(form, name) {
  return form.querySelector(`[name="${name}"]`);
}

function count(text) {
  // Blank stays null so the API names the field, rather than the page guessing a number.
  return text.trim() === '' ? null : Number(text);
}

// A 422 shown beside its field needs no field path in front of it: "Must be a whole number from 1 to 1440".
// One that finds no control keeps it, since the banner must say which field.
function plain(error, form) {
  if (error instanceof ApiError && error.status === 422 && error.field && fieldFor(form, error.field)
      && error.message.startsWith(error.field + ' ')) {
    const rest = error.message.slice(error.field.length + 1).replace('starts_at', 'the start');
    error.message = rest.charAt(0).toUpperCase() + rest.slice(1);
  }
  return error;
}

// A problem the page itself spots before sending (a missing date), shown the same way as the API's.
class FieldProblem extends Error {
  constructor(control, message) { super(message); this.control = control; }
}

function markChanged() {
  // Rows added or removed change no input, so tell the save bar ourselves.
  resourceForm.dispatchEvent(new Event('change', { bubbles: true }));
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

function renderServices() {
  const body = document.querySelector('#services-table s-table-body');
  body.replaceChildren(...(state.services.length ? state.services.map((service) => el('s-table-row',
    { dataset: { serviceId: service.id } },
    cell('Service', el('s-text', {}, service.name), ' ',
      service.members_only ? el('s-badge', { tone: 'info' }, 'Members only') : null, ' ',
      service.shopify_variant_id ? el('s-badge', {}, 'Sold at checkout') : null),
    cell('Length', lengthText(service)),
    el('s-table-cell', { 'data-label': 'Places', format: 'numeric' }, String(service.capacity)),
    el('s-table-cell', { 'data-label': 'Price', format: 'numeric' }, priceText(service)),
    el('s-table-cell', {}, rowActions(service.name, () => openService(service), () => archiveService(service)))))
    : [emptyRow('No services yet: add the first one to start taking bookings.')]));
}

function hoursText(hours) {
  const open = DAYS.filter(([day]) => (hours[day] || []).length);
  if (!open.length) return 'Closed every day';
  return open.map(([day, name]) => `${name.slice(0, 3)} ${hours[day].map((span) => span.join('–')).join(', ')}`).join(' · ');
}

function renderResources() {
  const names = new Map(state.services.map((s) => [s.id, s.name]));
  const body = document.querySelector('#resources-table s-table-body');
  body.replaceChildren(...(state.resources.length ? state.resources.map((resource) => el('s-table-row',
    { dataset: { resourceId: resource.id } },
    cell('Name', resource.name),
    cell('Services', resource.service_ids.map((id) => names.get(id)).filter(Boolean).join(', ') || 'None yet'),
    cell('Weekly hours', el('span', { class: 'hours-summary' }, hoursText(resource.weekly_hours)),
      resource.exceptions.length ? el('s-text', { tone: 'subdued' },
        `${resource.exceptions.length} date${resource.exceptions.length > 1 ? 's' : ''} of time off or extra hours`) : null),
    el('s-table-cell', {}, rowActions(resource.name, () => openResource(resource), () => archiveResource(resource)))))
    : [emptyRow('No staff or rooms yet: add who or what sessions are booked with.')]));
}

async function load() {
  const [{ services }, { resources }] = await Promise.all([api('/api/services'), api('/api/resources')]);
  Object.assign(state, { services, resources });
  renderServices();
  renderResources();
  if (!$('resource-editor').hidden) renderChoices(checkedServiceIds());
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

// --- a member of staff or a room, on the page ---

function checkedServiceIds() {
  return [...$('service-choices').querySelectorAll('s-checkbox')].filter((box) => box.checked).map((box) => Number(box.value));
}

function renderChoices(checked) {
  const boxes = state.services.map((service) => el('s-checkbox', { name: 'service_ids', value: String(service.id),
    label: service.name, checked: checked.includes(service.id) }));
  $('service-choices').replaceChildren(...(boxes.length ? boxes
    : [el('s-paragraph', { tone: 'subdued' }, 'Add a service first; then choose who performs it.')]));
  $('service-choices').className = 'choices';
}

function spanRow(day, name, index, [opens, closes]) {
  // The API names a bad span "weekly_hours.mon[1]": the first span answers for the whole day too.
  const key = index === 0 ? `weekly_hours.${day}` : `weekly_hours.${day}.${index}`;
  return el('div', { class: 'span-row', dataset: { span: String(index) } },
    el('s-text-field', { label: 'Opens', value: opens, placeholder: '09:00', 'data-field': key, 'data-part': 'opens',
      autocomplete: 'off' }),
    el('s-text-field', { label: 'Closes', value: closes, placeholder: '17:00', 'data-part': 'closes',
      autocomplete: 'off' }),
    el('s-button', { variant: 'tertiary', accessibilityLabel: `Remove ${name} hours ${index + 1}`,
      onclick: () => changeSpans(day, (spans) => spans.filter((_, i) => i !== index)) }, 'Remove'));
}

function renderDay(day, spans) {
  const name = DAYS.find(([d]) => d === day)[1];
  const box = $('weekly-hours').querySelector(`[data-day="${day}"]`);
  box.replaceChildren(el('legend', {}, name),
    ...(spans.length ? spans.map((span, i) => spanRow(day, name, i, span)) : [el('p', { class: 'day-closed' }, 'Closed')]),
    el('s-button', { accessibilityLabel: `Add hours on ${name}`, 'data-part': 'add',
      onclick: () => changeSpans(day, (current) => [...current, ['', '']]) }, 'Add hours'));
}

function daySpans(day) {
  const box = $('weekly-hours').querySelector(`[data-day="${day}"]`);
  return [...box.querySelectorAll('.span-row')].map((row) => [
    row.querySelector('[data-part=opens]').value, row.querySelector('[data-part=closes]').value]);
}

function changeSpans(day, change) {
  const spans = change(daySpans(day));
  renderDay(day, spans);
  markChanged();
  // Keyboard focus stays in the day: on the last row's first field, or on Add hours once the day is closed.
  const box = $('weekly-hours').querySelector(`[data-day="${day}"]`);
  (spans.length ? box.querySelector('.span-row:last-of-type [data-part=opens]') : box.querySelector('[data-part=add]')).focus();
}

function renderHours(hours) {
  $('weekly-hours').replaceChildren(...DAYS.map(([day]) => el('fieldset', { class: 'day', dataset: { day } })));
  for (const [day] of DAYS) renderDay(day, hours[day] || []);
}

function timeText(minutes) {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// An exception as the form shows it: dates in the shop's zone, a time only where it is not midnight.
function exceptionFields(exception) {
  const from = localParts(exception.starts_at, state.zone);
  const until = localParts(exception.ends_at, state.zone);
  const wholeDays = until.minutes === 0;
  return { kind: exception.kind, fromDay: from.day, fromTime: from.minutes ? timeText(from.minutes) : '',
    untilDay: wholeDays ? addDays(until.day, -1) : until.day, untilTime: wholeDays ? '' : timeText(until.minutes),
    note: exception.note || '' };
}

function exceptionRow(fields, index) {
  const key = `exceptions.${index}`;
  return el('div', { class: 'exception', dataset: { exception: String(index) } },
    el('s-select', { label: 'Kind', value: fields.kind, 'data-field': `${key}.kind`, 'data-part': 'kind' },
      el('s-option', { value: 'closed' }, 'Time off'), el('s-option', { value: 'open' }, 'Extra hours')),
    el('s-date-field', { label: 'From', value: fields.fromDay, 'data-field': `${key}.starts_at`, 'data-part': 'fromDay' }),
    el('s-text-field', { label: 'From time', value: fields.fromTime, placeholder: 'All day', 'data-part': 'fromTime', autocomplete: 'off' }),
    el('s-date-field', { label: 'Until', value: fields.untilDay, 'data-field': `${key}.ends_at`, 'data-part': 'untilDay' }),
    el('s-text-field', { label: 'Until time', value: fields.untilTime, placeholder: 'End of day', 'data-part': 'untilTime', autocomplete: 'off' }),
    el('s-text-field', { label: 'Note', value: fields.note, maxlength: '500', 'data-field': `${key}.note`, 'data-part': 'note' }),
    el('s-button', { class: 'remove', variant: 'tertiary', tone: 'critical', accessibilityLabel: `Remove date ${index + 1}`,
      onclick: () => changeExceptions((rows) => rows.filter((_, i) => i !== index)) }, 'Remove'));
}

function exceptionRows() {
  return [...$('exceptions').querySelectorAll('.exception')].map((row) => Object.fromEntries(
    ['kind', 'fromDay', 'fromTime', 'untilDay', 'untilTime', 'note'].map((part) => [part, row.querySelector(`[data-part=${part}]`).value])));
}

function renderExceptions(rows) {
  $('exceptions').replaceChildren(...rows.map(exceptionRow));
}

function changeExceptions(change) {
  const rows = change(exceptionRows());
  renderExceptions(rows);
  markChanged();
  (rows.length ? $('exceptions').querySelector('.exception:last-of-type [data-part=kind]') : $('add-exception')).focus();
}

function fillEditor(resource) {
  control(resourceForm, 'name').value = resource ? resource.name : '';
  renderChoices(resource ? resource.service_ids : []);
  renderHours(resource ? resource.weekly_hours : {});
  renderExceptions(resource ? resource.exceptions.map(exceptionFields) : []);
  clearErrors(resourceForm);
  hideAffected();
  state.dirty = false;
}

async function openResource(resource) {
  if (state.dirty && !await discardChanges()) return;
  state.resource = resource || null;
  $('resource-editor').setAttribute('heading', resource ? `Edit ${resource.name}` : 'New staff member or room');
  $('resource-editor').hidden = false;
  fillEditor(state.resource);
  $('resource-editor').scrollIntoView({ block: 'start' });
  control(resourceForm, 'name').focus();
}

async function discardChanges() {
  const sure = await confirmAction({ heading: 'Discard unsaved changes?', confirm: 'Discard', tone: 'critical',
    body: 'The changes to this member of staff or room have not been saved.' });
  if (sure) resourceForm.reset();  // App Bridge hides its save bar when the form is reset
  return sure;
}

async function closeEditor() {
  if (state.dirty && !await discardChanges()) return;
  $('resource-editor').hidden = true;
  state.resource = null;
  state.dirty = false;
}

// --- reading the editor into the API's body ---

function timeOfDay(field, required) {
  let text = field.value.trim();
  if (/^\d:\d\d$/.test(text)) text = '0' + text;  // 9:00 is what people type for 09:00
  if (!text && !required) return '';
  if (!HHMM.test(text)) throw new FieldProblem(field, 'Enter a 24-hour time like 09:30');
  return text;
}

function readHours() {
  const hours = {};
  for (const [day] of DAYS) {
    const rows = [...$('weekly-hours').querySelectorAll(`[data-day="${day}"] .span-row`)];
    // Times go as typed (padded); the API says what it refuses, next to the row.
    const spans = rows.map((row) => ['opens', 'closes'].map((part) => {
      const text = row.querySelector(`[data-part=${part}]`).value.trim();
      return /^\d:\d\d$/.test(text) ? '0' + text : text;
    }));
    if (spans.length) hours[day] = spans;
  }
  return hours;
}

function offsetAt(epochMs, zone) {
  // What the shop's clocks read at this instant, minus UTC, in minutes.
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return Math.round((wall - epochMs) / 60000);
}

function instant(day, time, zone) {
  // The API wants an offset; the shop's zone decides it (+01:00 in a London summer, +00:00 in winter).
  const [y, m, d] = day.split('-').map(Number);
  const [h, min] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, h, min);
  const offset = offsetAt(wall - offsetAt(wall, zone) * 60000, zone);
  const size = Math.abs(offset);
  return `${day}T${time}:00${offset < 0 ? '-' : '+'}${String(Math.floor(size / 60)).padStart(2, '0')}:${String(size % 60).padStart(2, '0')}`;
}

function readException(row) {
  const part = (name) => row.querySelector(`[data-part=${name}]`);
  const fromDay = part('fromDay').value;
  if (!fromDay) throw new FieldProblem(part('fromDay'), 'Enter the first date');
  const fromTime = timeOfDay(part('fromTime'), false) || '00:00';
  const untilDay = part('untilDay').value || fromDay;
  const untilTime = timeOfDay(part('untilTime'), false);
  // Without an end time the dates are whole days: until the start of the day after.
  const endsAt = untilTime ? instant(untilDay, untilTime, state.zone) : instant(addDays(untilDay, 1), '00:00', state.zone);
  return { kind: part('kind').value, starts_at: instant(fromDay, fromTime, state.zone), ends_at: endsAt,
    note: part('note').value.trim() || null };
}

function resourceBody() {
  return {
    name: control(resourceForm, 'name').value.trim(),
    service_ids: checkedServiceIds(),
    weekly_hours: readHours(),
    exceptions: [...$('exceptions').querySelectorAll('.exception')].map(readException),
  };
}

// --- saving, and bookings the change would leave outside the new hours ---

function hideAffected() {
  $('affected-banner').hidden = true;
}

function showAffected(error) {
  const ids = error.body.booking_ids || [];
  $('affected-text').replaceChildren(
    el('s-paragraph', {}, `${error.message} (${error.code})`),
    el('s-paragraph', {}, `Bookings affected: ${ids.map((id) => `#${id}`).join(', ')}.`),
    el('s-paragraph', {}, 'Save anyway keeps them and puts each on the attention list, so someone moves or cancels it.'));
  $('affected-banner').hidden = false;
  $('affected-banner').scrollIntoView({ block: 'nearest' });
  $('save-anyway').focus();
}

async function saveResource(force) {
  clearErrors(resourceForm);
  hideAffected();
  let body;
  try {
    body = resourceBody();
  } catch (problem) {
    if (!(problem instanceof FieldProblem)) throw problem;
    problem.control.error = problem.message;
    problem.control.focus();
    return;
  }
  if (force) body.force = true;  // only a change to an existing one can strand bookings
  try {
    const saved = await (state.resource ? api(`/api/resources/${state.resource.id}`, { method: 'PATCH', body })
      : api('/api/resources', { method: 'POST', body }));
    state.dirty = false;
    resourceForm.dispatchEvent(new Event('packbook:saved'));
    toast(`${saved.name} saved`);
    $('resource-editor').hidden = true;
    state.resource = null;
    await load();
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.code === 'bookings_affected') showAffected(error);
    else showError(plain(error, resourceForm), { form: resourceForm });
  }
}

// --- wiring ---

function wire() {
  $('add-service').addEventListener('click', () => openService(null));
  $('add-resource').addEventListener('click', () => openResource(null));
  $('save-service').addEventListener('click', () => serviceForm.requestSubmit());
  serviceForm.addEventListener('submit', saveService);
  $('pick-variant').addEventListener('click', pickVariant);
  $('clear-variant').addEventListener('click', () => { state.variant = null; showVariant(); $('pick-variant').focus(); });
  resourceForm.addEventListener('submit', (event) => { event.preventDefault(); saveResource(false); });
  // Discard resets the form's own inputs; the rows it built are rebuilt from what was last saved.
  resourceForm.addEventListener('reset', () => setTimeout(() => fillEditor(state.resource)));
  for (const kind of ['input', 'change']) resourceForm.addEventListener(kind, () => { state.dirty = true; hideAffected(); });
  $('add-exception').addEventListener('click', () => changeExceptions((rows) => [...rows,
    { kind: 'closed', fromDay: '', fromTime: '', untilDay: '', untilTime: '', note: '' }]));
  $('save-anyway').addEventListener('click', () => saveResource(true));
  $('keep-editing').addEventListener('click', () => { hideAffected(); control(resourceForm, 'name').focus(); });
  $('close-editor').addEventListener('click', closeEditor);
}

async function start() {
  wire();
  const settings = await api('/api/settings');
  state.zone = settings.timezone;
  $('shop-zone').textContent = settings.timezone;
  await load();
}

start().catch((error) => showError(error)).finally(() => reveal());
