// The calendar drawn: a day with one column per staff member or room (free times to book, closed times greyed,
// bookings placed on them), or a week of listed bookings; a card per booking with its status, its staff member's
// colour and, when a package paid, a badge with its N/M.
import { api } from './api.js';
import { el, localParts, showError } from './ui.js';
import {
  addDays, clock, colourOf, dayLabel, fraction, instant, resourceName, serviceName, state, timeOf,
} from './calendar-state.js';
import { openNew } from './calendar-new.js';
import { openBooking } from './calendar-booking.js';

const ROW = 22;  // pixels per slot interval
const HEAD = 28;  // the column headings' height (calendar.css): cards are placed below it
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const weekStart = (day) => addDays(day, -((new Date(day + 'T12:00:00Z').getUTCDay() + 6) % 7));
const toMinutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

// --- when staff work, and how much of the day shows ---

function openHours(resource, day) {
  const weekday = WEEKDAYS[new Date(day + 'T12:00:00Z').getUTCDay()];
  return (resource.weekly_hours?.[weekday] || []).map(([a, b]) => [toMinutes(a), b <= a ? 1440 : toMinutes(b)]);
}

// Whether a resource works at a time of the day: its weekly hours, less dated time off, plus extra hours.
function openAt(resource, day) {
  const weekly = openHours(resource, day);
  const dated = (resource.exceptions || []).map((x) => ({ kind: x.kind, from: Date.parse(x.starts_at), to: Date.parse(x.ends_at) }));
  return (minutes) => {
    const at = Date.parse(instant(day, minutes));
    const covering = dated.filter((x) => at >= x.from && at < x.to);
    if (covering.some((x) => x.kind === 'closed')) return false;
    return covering.some((x) => x.kind === 'open') || weekly.some(([a, b]) => minutes >= a && minutes < b);
  };
}

function dayBounds(day) {
  // Open hours, widened to any booking outside them (staff may book beyond hours; a session may have moved).
  const spans = state.resources.flatMap((r) => openHours(r, day)).concat(state.bookings
    .filter((b) => localParts(b.starts_at, state.zone).day === day)
    .map((b) => [localParts(b.starts_at, state.zone).minutes, localParts(b.ends_at, state.zone).minutes || 1440]));
  const start = spans.length ? Math.min(...spans.map((s) => s[0])) : 8 * 60;
  const end = spans.length ? Math.max(...spans.map((s) => s[1])) : 20 * 60;
  return [Math.floor(start / 60) * 60, Math.min(1440, Math.ceil(end / 60) * 60)];
}

// --- a booking's card ---

// A booking's card; `dayStart` (minutes) places it in the day view's column, the week view lists it.
function bookingCard(booking, dayStart = null) {
  const paid = booking.redeemed_from;
  const card = el('button', { type: 'button', class: 'cal-booking', dataset: { bookingId: booking.id, status: booking.status },
    style: `--staff: ${colourOf(booking.resource_id)}`,
    'aria-label': `${timeOf(booking.starts_at)} ${booking.customer_name}, ${serviceName(booking.service_id)} with ` +
      `${resourceName(booking.resource_id)}, ${booking.status.replace('_', '-')}` + (paid ? `, package ${fraction(paid)}` : ''),
    onclick: () => openBooking(booking.id).catch(showError) },
  el('strong', {}, `${timeOf(booking.starts_at)} ${booking.customer_name}`), el('br'),
  serviceName(booking.service_id), paid ? el('span', { class: 'pkg' }, `Package ${fraction(paid)}`) : null,
  booking.status !== 'confirmed' ? el('span', { class: 'muted' }, ` · ${booking.status.replace('_', '-')}`) : null);
  if (dayStart !== null) place(card, booking, dayStart);
  return card;
}

function place(card, booking, start) {
  const from = localParts(booking.starts_at, state.zone).minutes;
  const to = localParts(booking.ends_at, state.zone).minutes || 1440;
  card.style.top = `${((from - start) / state.interval) * ROW + HEAD}px`;
  card.style.height = `${Math.max(ROW, ((to - from) / state.interval) * ROW - 2)}px`;
}

// --- the day and the week ---

function drawDay() {
  const [start, end] = dayBounds(state.day);
  const rows = (end - start) / state.interval;
  const grid = el('div', { class: 'cal-grid', role: 'group', 'aria-label': dayLabel(state.day, { dateStyle: 'full' }),
    style: `grid-template-columns: 56px repeat(${state.resources.length || 1}, minmax(150px, 1fr))` });
  grid.append(timeColumn(start, rows), ...state.resources.map((resource) => resourceColumn(resource, start, rows)));
  return grid;
}

function timeColumn(start, rows) {
  const times = el('div', { 'aria-hidden': 'true' }, el('div', { class: 'cal-head' }, '\u00a0'));
  for (let i = 0; i < rows; i += 1) times.append(el('div', { class: 'cal-time', style: `height:${ROW}px` }, (start + i * state.interval) % 60 ? '' : clock(start + i * state.interval)));
  return times;
}

function resourceColumn(resource, start, rows) {
  const isOpen = openAt(resource, state.day);
  const column = el('div', { class: 'cal-col', role: 'group', 'aria-label': resource.name, style: `--staff: ${colourOf(resource.id)}` },
    el('div', { class: 'cal-head', 'aria-hidden': 'true' }, resource.name));
  for (let i = 0; i < rows; i += 1) {
    const at = start + i * state.interval;
    column.append(isOpen(at)
      ? el('button', { type: 'button', class: 'cal-cell', style: `height:${ROW}px`,
        'aria-label': `Book ${resource.name} at ${clock(at)}`, onclick: () => openNew(resource, at).catch(showError) })
      : el('div', { class: 'cal-cell closed', style: `height:${ROW}px`, 'aria-hidden': 'true' }));
  }
  column.append(...state.bookings.filter((b) => b.resource_id === resource.id).map((b) => bookingCard(b, start)));
  return column;
}

function drawWeek() {
  const first = weekStart(state.day);
  return el('div', { class: 'cal-week' }, ...Array.from({ length: 7 }, (_, i) => addDays(first, i)).map((day) => {
    const items = state.bookings.filter((b) => localParts(b.starts_at, state.zone).day === day);
    return el('section', { class: 'cal-day', 'aria-label': dayLabel(day, { dateStyle: 'full' }) },
      el('h3', {}, el('button', { type: 'button', onclick: () => { state.view = 'day'; state.day = day; refresh(); } },
        dayLabel(day, { weekday: 'short', day: 'numeric', month: 'short' }))),
      ...(items.length ? items.map((b) => bookingCard(b)) : [el('p', { class: 'muted' }, 'No bookings')]));
  }));
}

// --- fetching and drawing what the view shows ---

function showRange(from, to) {
  for (const view of ['day', 'week']) {  // the view shown reads as chosen
    document.getElementById('view-' + view).setAttribute('variant', state.view === view ? 'primary' : 'secondary');
  }
  document.getElementById('range').textContent = state.view === 'day' ? dayLabel(state.day, { dateStyle: 'full' })
    : `${dayLabel(from, { day: 'numeric', month: 'short' })} – ${dayLabel(addDays(to, -1), { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

export async function refresh() {
  const calendar = document.getElementById('calendar');
  calendar.setAttribute('aria-busy', 'true');
  const [from, to] = state.view === 'day' ? [state.day, addDays(state.day, 1)] : [weekStart(state.day), addDays(weekStart(state.day), 7)];
  showRange(from, to);
  try {
    state.bookings = (await api('/api/bookings', { query: { from, to } })).bookings
      .filter((b) => b.status !== 'expired');
    calendar.replaceChildren(state.view === 'day' ? drawDay() : drawWeek());
  } finally {
    calendar.setAttribute('aria-busy', 'false');
  }
}
