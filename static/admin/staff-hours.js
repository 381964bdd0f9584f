// A member of staff's or a room's hours in the editor: weekly hours (rows of opening spans per day) and dated
// time off or extra hours, drawn from the API's shape and read back into it. Times are the shop's wall clock.
import { el, localParts } from './ui.js';

export const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const $ = (id) => document.getElementById(id);

// A problem the page itself spots before sending (a missing date), shown the same way as the API's.
export class FieldProblem extends Error {
  constructor(control, message) { super(message); this.control = control; }
}

function markChanged() {
  // Rows added or removed change no input, so tell the save bar ourselves.
  $('resource-form').dispatchEvent(new Event('change', { bubbles: true }));
}

// --- weekly hours ---

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

export function renderHours(hours) {
  $('weekly-hours').replaceChildren(...DAYS.map(([day]) => el('fieldset', { class: 'day', dataset: { day } })));
  for (const [day] of DAYS) renderDay(day, hours[day] || []);
}

export function readHours() {
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

// --- time off and extra hours ---

function timeText(minutes) {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// An exception as the form shows it: dates in the shop's zone, a time only where it is not midnight.
function exceptionFields(exception, zone) {
  const from = localParts(exception.starts_at, zone);
  const until = localParts(exception.ends_at, zone);
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

export function showExceptions(exceptions, zone) {
  renderExceptions(exceptions.map((exception) => exceptionFields(exception, zone)));
}

export function addException() {
  changeExceptions((rows) => [...rows,
    { kind: 'closed', fromDay: '', fromTime: '', untilDay: '', untilTime: '', note: '' }]);
}

// --- reading time off back into the API's instants ---

function timeOfDay(field, required) {
  let text = field.value.trim();
  if (/^\d:\d\d$/.test(text)) text = '0' + text;  // 9:00 is what people type for 09:00
  if (!text && !required) return '';
  if (!HHMM.test(text)) throw new FieldProblem(field, 'Enter a 24-hour time like 09:30');
  return text;
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

function readException(row, zone) {
  const part = (name) => row.querySelector(`[data-part=${name}]`);
  const fromDay = part('fromDay').value;
  if (!fromDay) throw new FieldProblem(part('fromDay'), 'Enter the first date');
  const fromTime = timeOfDay(part('fromTime'), false) || '00:00';
  const untilDay = part('untilDay').value || fromDay;
  const untilTime = timeOfDay(part('untilTime'), false);
  // Without an end time the dates are whole days: until the start of the day after.
  const endsAt = untilTime ? instant(untilDay, untilTime, zone) : instant(addDays(untilDay, 1), '00:00', zone);
  return { kind: part('kind').value, starts_at: instant(fromDay, fromTime, zone), ends_at: endsAt,
    note: part('note').value.trim() || null };
}

export function readExceptions(zone) {
  return [...$('exceptions').querySelectorAll('.exception')].map((row) => readException(row, zone));
}
