// The front desk's calendar: a day with one column per staff member or room, or a week; bookings and holds with
// their status and a colour per staff member; package bookings carry a badge and N/M. A free time opens "New
// booking" (the customer's packages that can pay are listed with "Use"); a booking opens its actions, each stating
// what it does to the package before it is confirmed. Every rule stays in the API: refusals show its reason.
import { api } from './api.js';
import { clearErrors, confirmAction, el, localParts, setOptions, showError, toast } from './ui.js';

const COLOURS = ['#2c6ecb', '#b98900', '#47c1bf', '#de3618', '#50b83c', '#9c6ade', '#f49342', '#006fbb', '#e3a', '#5c6ac4'];
const ROW = 22;  // pixels per slot interval
const HEAD = 28;  // the column headings' height (calendar.css): cards are placed below it
const params = new URLSearchParams(window.location.search);
const state = { view: 'day', day: null, zone: 'UTC', interval: 30, resources: [], services: [], bookings: [],
  customerId: params.get('customer'), customerName: null };

const colourOf = (resourceId) => COLOURS[state.resources.findIndex((r) => r.id === resourceId) % COLOURS.length];
const serviceName = (id) => state.services.find((s) => s.id === id)?.name || 'Service';
const resourceName = (id) => state.resources.find((r) => r.id === id)?.name || 'Staff';
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function addDays(day, n) {
  const d = new Date(day + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const weekStart = (day) => addDays(day, -((new Date(day + 'T12:00:00Z').getUTCDay() + 6) % 7));
const dayLabel = (day, options) => new Date(day + 'T12:00:00Z').toLocaleDateString('en-GB', { timeZone: 'UTC', ...options });
const clock = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
let timeFormat = null;  // one formatter for the shop's zone: a busy day formats hundreds of times
const timeOf = (iso) => (timeFormat ||= new Intl.DateTimeFormat('en-GB', { timeZone: state.zone, hour: '2-digit', minute: '2-digit' }))
  .format(new Date(iso));
const toMinutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

// The wall-clock time `minutes` after midnight of `day` in the shop's zone, as ISO with the zone's offset.
function instant(day, minutes) {
  const guess = new Date(`${day}T${clock(minutes)}:00Z`);
  const seen = localParts(guess.toISOString(), state.zone);
  const drift = (seen.day === day ? seen.minutes - minutes : (seen.day > day ? 1440 : -1440) + seen.minutes - minutes);
  return new Date(guess.getTime() - drift * 60000).toISOString();
}

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
  if (dayStart !== null) {
    const start = dayStart;
    const from = localParts(booking.starts_at, state.zone).minutes;
    const to = localParts(booking.ends_at, state.zone).minutes || 1440;
    card.style.top = `${((from - start) / state.interval) * ROW + HEAD}px`;
    card.style.height = `${Math.max(ROW, ((to - from) / state.interval) * ROW - 2)}px`;
  }
  return card;
}

// "3/5" (or "270/300 USD"): the package's progress, as the front desk reads it on a card.
function fraction(paid) {
  const match = /^(\S+) of (\S+)( \S+)? used$/.exec(paid.progress);
  if (match) return `${match[1]}/${match[2]}${match[3] || ''}`;
  return /unlimited/.test(paid.progress) ? 'unlimited' : paid.progress;
}

function drawDay() {
  const [start, end] = dayBounds(state.day);
  const rows = (end - start) / state.interval;
  const grid = el('div', { class: 'cal-grid', role: 'group', 'aria-label': dayLabel(state.day, { dateStyle: 'full' }),
    style: `grid-template-columns: 56px repeat(${state.resources.length || 1}, minmax(150px, 1fr))` });
  const times = el('div', { 'aria-hidden': 'true' }, el('div', { class: 'cal-head' }, '\u00a0'));
  for (let i = 0; i < rows; i += 1) times.append(el('div', { class: 'cal-time', style: `height:${ROW}px` }, (start + i * state.interval) % 60 ? '' : clock(start + i * state.interval)));
  grid.append(times);
  for (const resource of state.resources) {
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
    grid.append(column);
  }
  return grid;
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

async function refresh() {
  const calendar = document.getElementById('calendar');
  calendar.setAttribute('aria-busy', 'true');
  for (const view of ['day', 'week']) {  // the view shown reads as chosen
    document.getElementById('view-' + view).setAttribute('variant', state.view === view ? 'primary' : 'secondary');
  }
  const [from, to] = state.view === 'day' ? [state.day, addDays(state.day, 1)] : [weekStart(state.day), addDays(weekStart(state.day), 7)];
  document.getElementById('range').textContent = state.view === 'day' ? dayLabel(state.day, { dateStyle: 'full' })
    : `${dayLabel(from, { day: 'numeric', month: 'short' })} – ${dayLabel(addDays(to, -1), { day: 'numeric', month: 'short', year: 'numeric' })}`;
  try {
    state.bookings = (await api('/api/bookings', { query: { from, to } })).bookings
      .filter((b) => b.status !== 'expired');
    calendar.replaceChildren(state.view === 'day' ? drawDay() : drawWeek());
  } finally {
    calendar.setAttribute('aria-busy', 'false');
  }
}

// --- new booking ---
let draft = null;

async function openNew(resource, minutes) {
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

async function findCustomers(q) {
  const box = document.getElementById('customer-matches');
  if (!q.trim()) { box.replaceChildren(); return; }
  const { customers } = await api('/api/customers', { query: { q } });
  const choose = (id, name) => () => { draft.customerId = String(id); draft.customerName = name; state.customerName = null;
    box.replaceChildren(); drawChosenCustomer(); showPackages().catch(showNewError); };
  const rows = customers.filter((c) => c.shopify_customer_id).map((c) => el('button', { type: 'button', class: 'cal-match',
    role: 'listitem', onclick: choose(c.shopify_customer_id, c.name) }, `${c.name}${c.email && c.email !== c.name ? ' · ' + c.email : ''}`));
  if (/^\d{4,19}$/.test(q.trim())) {  // a Shopify id Packbook has not seen yet: the API checks it with Shopify
    rows.push(el('button', { type: 'button', class: 'cal-match', role: 'listitem', onclick: choose(q.trim(), 'Shopify customer ' + q.trim()) },
      `Shopify customer ${q.trim()}`));
  }
  box.replaceChildren(...(rows.length ? rows : [el('p', { class: 'muted', role: 'listitem' }, 'No customer found.')]));
}

async function showPackages() {
  const box = document.getElementById('new-packages');
  const serviceId = Number(document.querySelector('#new-form [name=service_id]').value);
  if (!draft.customerId || !serviceId) { box.replaceChildren(); return; }
  const { options } = await api(`/api/customers/${draft.customerId}/package-options`, {
    query: { service_id: serviceId, resource_id: draft.resource.id, starts_at: draft.startsAt } })
    .catch((error) => { if (error.status === 404) return { options: [] }; throw error; });  // new to Packbook: owns nothing yet
  box.replaceChildren(el('h3', { class: 'subheading' }, 'Available packages'), ...(options.length ? options.map((o) =>
    el('div', { class: 'cal-option', dataset: { packageId: o.package.id } },
      el('span', {}, el('strong', {}, o.package.title), ` · ${o.package.progress}`,
        o.usable ? '' : el('span', { class: 'muted' }, ` — ${o.reason}`)),
      o.usable ? el('s-button', { variant: 'primary', onclick: () => book(o.package.id).catch(showNewError) }, 'Use') : null))
    : [el('p', { class: 'muted' }, 'No active packages: book unpaid, or assign a plan on the customer’s page.')]));
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
  await refresh();
}

const showNewError = (error) => showError(error, { form: document.getElementById('new-form'), banner: document.getElementById('new-error') });

// --- an existing booking ---
let current = null;

const CONSEQUENCES = {
  cancel: { restore: 'The session goes back to the package.', forfeit: 'Late cancellation: under the plan’s rule the package keeps the session (it counts as used).', unpaid: 'No package paid for it.' },
  no_show: { restore: 'Under the plan’s rule the session goes back to the package.', forfeit: 'Under the plan’s rule the package keeps the session (it counts as used).', unpaid: 'No package paid for it.' },
};

async function openBooking(id) {
  current = await api('/api/bookings/' + id);
  document.getElementById('booking-error').hidden = true;
  document.getElementById('reschedule').hidden = true;
  const b = current;
  const price = b.redeemed_from ? `0.00 · redeemed from ${b.redeemed_from.title} (${fraction(b.redeemed_from)})`
    : (b.price ? `${b.price} ${b.currency || ''}${b.source === 'paid_checkout' ? ' · paid at checkout' : ' · unpaid'}` : 'No price');
  document.getElementById('booking-detail').replaceChildren(
    el('s-paragraph', {}, el('strong', {}, b.customer_name), ' · ', serviceName(b.service_id), ' with ', resourceName(b.resource_id)),
    el('s-paragraph', {}, `${new Date(b.starts_at).toLocaleString('en-GB', { timeZone: state.zone, dateStyle: 'full', timeStyle: 'short' })} – ${timeOf(b.ends_at)}`),
    el('s-stack', { direction: 'inline' }, el('s-badge', { tone: b.status === 'confirmed' ? 'success' : (b.status === 'held' ? 'warning' : 'neutral') }, b.status.replace('_', '-')),
      b.redeemed_from ? el('s-badge', { tone: 'magic' }, `Package ${fraction(b.redeemed_from)}`) : null),
    el('s-paragraph', { id: 'booking-price' }, 'Price: ' + price));
  const started = new Date(b.starts_at) <= new Date();
  const actions = [];
  if (b.status === 'confirmed' && started) {
    actions.push(el('s-button', { onclick: () => act('complete', 'Mark completed', 'The session took place.') }, 'Completed'));
    actions.push(el('s-button', { onclick: () => act('no-show', 'Mark as no-show', CONSEQUENCES.no_show[b.outcomes.no_show]) }, 'No-show'));
  }
  if (['confirmed', 'held'].includes(b.status)) {
    actions.push(el('s-button', { onclick: () => startReschedule().catch(showBookingError) }, 'Reschedule'));
    actions.push(el('s-button', { tone: 'critical', onclick: () => act('cancel', 'Cancel booking', CONSEQUENCES.cancel[b.outcomes.cancel]) }, 'Cancel booking'));
  }
  if (!b.redeemed_from && b.source !== 'paid_checkout' && ['confirmed', 'completed'].includes(b.status) && b.customer_id) {
    actions.push(el('s-button', { onclick: () => payLater().catch(showBookingError) }, 'Pay from package'));
  }
  document.getElementById('booking-actions').replaceChildren(...actions);
  document.getElementById('booking-modal').showOverlay();
}

const showBookingError = (error) => showError(error, { banner: document.getElementById('booking-error'), form: document.getElementById('reschedule-form') });

async function act(action, heading, consequence) {
  const modal = document.getElementById('booking-modal');
  modal.hideOverlay();
  if (!(await confirmAction({ heading, body: [consequence], confirm: heading, tone: action === 'cancel' ? 'critical' : undefined }))) return;
  try {
    await api(`/api/bookings/${current.id}/${action}`, { method: 'POST' });
    toast({ complete: 'Marked completed', 'no-show': 'Marked as no-show', cancel: 'Booking cancelled' }[action]);
  } catch (error) {
    showError(error);
  }
  await refresh();
}

async function payLater() {
  const { options } = await api(`/api/customers/${current.customer_id}/package-options`, {
    query: { service_id: current.service_id, resource_id: current.resource_id, starts_at: current.starts_at } });
  const usable = options.filter((o) => o.usable);
  document.getElementById('booking-actions').replaceChildren(...(usable.length ? usable.map((o) =>
    el('s-button', { onclick: () => api(`/api/bookings/${current.id}/pay-with-package`, { method: 'POST', body: { entitlement_id: o.package.id } })
      .then(() => { toast('Paid from ' + o.package.title); document.getElementById('booking-modal').hideOverlay(); return refresh(); })
      .catch(showBookingError) }, `Use ${o.package.title} (${o.package.progress})`))
    : [el('s-paragraph', {}, 'No package of this customer can pay for this session.')]));
}

async function startReschedule() {
  const form = document.getElementById('reschedule-form');
  const box = document.getElementById('reschedule');
  box.hidden = false;
  const performers = state.resources.filter((r) => r.service_ids.includes(current.service_id));
  setOptions(form.querySelector('[name=resource_id]'), performers.map((r) => [r.id, r.name]), current.resource_id);
  form.querySelector('[name=day]').value = localParts(current.starts_at, state.zone).day;
  await loadTimes();
}

async function loadTimes() {
  const form = document.getElementById('reschedule-form');
  const day = form.querySelector('[name=day]').value;
  const resourceId = Number(form.querySelector('[name=resource_id]').value);
  if (!day) return;
  const { resources } = await api('/api/availability', { query: { service_id: current.service_id, resource_id: resourceId,
    from: day, to: addDays(day, 1) } });
  const slots = resources[0]?.slots || [];
  setOptions(form.querySelector('[name=starts_at]'), slots.length ? slots.map((s) => [s.start, timeOf(s.start)]) : [['', 'No free time that day']]);
}

async function reschedule() {
  const form = document.getElementById('reschedule-form');
  const startsAt = form.querySelector('[name=starts_at]').value;
  if (!startsAt) { form.querySelector('[name=starts_at]').error = 'Choose a free time'; return; }
  const resourceId = Number(form.querySelector('[name=resource_id]').value);
  document.getElementById('booking-modal').hideOverlay();
  const moveTo = `${new Date(startsAt).toLocaleString('en-GB', { timeZone: state.zone, dateStyle: 'full', timeStyle: 'short' })} with ${resourceName(resourceId)}`;
  const consequence = current.redeemed_from ? `The package credit stays with the booking (${current.redeemed_from.title}); nothing is taken twice.`
    : 'The booking keeps its payment status.';
  if (!(await confirmAction({ heading: 'Move booking', body: [`Move to ${moveTo}?`, consequence], confirm: 'Move booking' }))) return;
  await api(`/api/bookings/${current.id}/reschedule`, { method: 'POST',
    body: { starts_at: startsAt, resource_id: resourceId } }).catch((error) => { showError(error); throw error; });
  toast('Booking moved; its package credit stays with it');
  await refresh();
}

// --- wiring ---
function wire() {
  const move = (n) => () => { state.day = addDays(state.day, state.view === 'day' ? n : 7 * n); refresh().catch(showError); };
  document.getElementById('prev').addEventListener('click', move(-1));
  document.getElementById('next').addEventListener('click', move(1));
  document.getElementById('today').addEventListener('click', () => { state.day = localParts(new Date().toISOString(), state.zone).day; refresh().catch(showError); });
  document.getElementById('view-day').addEventListener('click', () => { state.view = 'day'; refresh().catch(showError); });
  document.getElementById('view-week').addEventListener('click', () => { state.view = 'week'; refresh().catch(showError); });
  const form = document.getElementById('new-form');
  form.addEventListener('submit', (event) => event.preventDefault());
  form.querySelector('[name=service_id]').addEventListener('change', () => showPackages().catch(showNewError));
  let timer;
  form.querySelector('[name=customer_q]').addEventListener('input', () => { clearTimeout(timer);
    timer = setTimeout(() => findCustomers(form.querySelector('[name=customer_q]').value).catch(showNewError), 200); });
  document.getElementById('book-unpaid').addEventListener('click', () => book(null).catch(showNewError));
  const again = document.getElementById('reschedule-form');
  again.querySelector('[name=day]').addEventListener('change', () => loadTimes().catch(showBookingError));
  again.querySelector('[name=resource_id]').addEventListener('change', () => loadTimes().catch(showBookingError));
  document.getElementById('reschedule-save').addEventListener('click', () => reschedule().catch(() => refresh()));
}

async function start() {
  const [settings, { resources }, { services }] = await Promise.all([api('/api/settings'), api('/api/resources'), api('/api/services')]);
  Object.assign(state, { zone: settings.timezone, interval: settings.slot_interval_minutes, resources, services });
  state.day = params.get('day') || localParts(new Date().toISOString(), state.zone).day;
  document.getElementById('zone').textContent = `Times in ${state.zone}`;
  document.getElementById('legend').replaceChildren(...resources.map((r) => el('li', { style: `--staff: ${colourOf(r.id)}` }, r.name)));
  if (state.customerId) {
    const profile = await api('/api/customers/' + state.customerId).catch(() => null);
    state.customerName = profile?.customer.name || null;
    const note = document.getElementById('for-customer');
    note.textContent = `Booking for ${state.customerName || 'customer ' + state.customerId}: choose a free time.`;
    note.hidden = false;
  }
  wire();
  await refresh();
}

start().catch(showError);
