// The front desk's calendar: a day with one column per staff member or room, or a week; bookings and holds with
// their status and a colour per staff member; package bookings carry a badge and N/M. A free time opens "New
// booking" (the customer's packages that can pay are listed with "Use"); a booking opens its actions, each stating
// what it does to the package before it is confirmed. Every rule stays in the API: refusals show its reason.
import { api } from './api.js';
import { el, localParts, showError } from './ui.js';
import { addDays, colourOf, params, state } from './calendar-state.js';
import { refresh } from './calendar-grid.js';
import { wireNew } from './calendar-new.js';
import { wireBooking } from './calendar-booking.js';

function wire() {
  const move = (n) => () => { state.day = addDays(state.day, state.view === 'day' ? n : 7 * n); refresh().catch(showError); };
  document.getElementById('prev').addEventListener('click', move(-1));
  document.getElementById('next').addEventListener('click', move(1));
  document.getElementById('today').addEventListener('click', () => { state.day = localParts(new Date().toISOString(), state.zone).day; refresh().catch(showError); });
  document.getElementById('view-day').addEventListener('click', () => { state.view = 'day'; refresh().catch(showError); });
  document.getElementById('view-week').addEventListener('click', () => { state.view = 'week'; refresh().catch(showError); });
  wireNew(refresh);
  wireBooking(refresh);
}

// Booking for a customer (from their page): the new-booking modal starts with them chosen.
async function showCustomer() {
  const profile = await api('/api/customers/' + state.customerId).catch(() => null);
  state.customerName = profile?.customer.name || null;
  const note = document.getElementById('for-customer');
  note.textContent = `Booking for ${state.customerName || 'customer ' + state.customerId}: choose a free time.`;
  note.hidden = false;
}

async function start() {
  const [settings, { resources }, { services }] = await Promise.all([api('/api/settings'), api('/api/resources'), api('/api/services')]);
  Object.assign(state, { zone: settings.timezone, interval: settings.slot_interval_minutes, resources, services });
  state.day = params.get('day') || localParts(new Date().toISOString(), state.zone).day;
  document.getElementById('zone').textContent = `Times in ${state.zone}`;
  document.getElementById('legend').replaceChildren(...resources.map((r) => el('li', { style: `--staff: ${colourOf(r.id)}` }, r.name)));
  if (state.customerId) await showCustomer();
  wire();
  await refresh();
}

start().catch(showError);
