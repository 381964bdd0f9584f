// A package form's rows: a fixed mix of services (each with its sessions) and times of day, drawn, read back and
// removed; each row's field names follow its position, as the API's errors do.
import { el, setOptions } from './ui.js';

const form = document.getElementById('package-form');
let services = [];

export function offerServices(offered) {
  services = offered;
}

export function idOrNull(value) {
  return value === '' || value === null || value === undefined ? null : Number(value);
}

// --- reading the rows ---

// An empty "from" means the start of the day and an empty "until" its end: "before 17:00", "after 10:00".
export function readTimeRows() {
  const times = [...document.querySelectorAll('#time-rows .package-row')]
    .map((row) => [...row.querySelectorAll('s-text-field')].map((box) => box.value.trim()))
    .filter(([from, until]) => from || until)
    .map(([from, until]) => [from || '00:00', until || '23:59']);
  return times.length ? times : null;
}

export function readFixedRows() {
  return [...document.querySelectorAll('#fixed-rows .package-row')].map((row) => {
    const count = row.querySelector('[data-role=count]').value;
    return { service_id: idOrNull(row.querySelector('[data-role=service]').value),
      quantity: count === '' ? null : Number(count) };
  });
}

// --- drawing them ---

export function drawFixedRows(items) {
  document.getElementById('fixed-rows').replaceChildren();
  items.forEach(addFixedRow);
}

export function addFixedRow(item) {
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

export function drawTimeRows(times) {
  document.getElementById('time-rows').replaceChildren();
  times.forEach(addTimeRow);
}

export function addTimeRow([from, until]) {
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
export function changed() {
  form.dispatchEvent(new Event('change', { bubbles: true }));
}
