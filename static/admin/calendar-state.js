// What the calendar's parts share: the day and view shown, the shop's zone and slot interval, its staff, rooms and
// services, and how a time, a day or a package's progress reads on the front desk.
import { localParts } from './ui.js';

const COLOURS = ['#2c6ecb', '#b98900', '#47c1bf', '#de3618', '#50b83c', '#9c6ade', '#f49342', '#006fbb', '#e3a', '#5c6ac4'];
export const params = new URLSearchParams(window.location.search);
export const state = { view: 'day', day: null, zone: 'UTC', interval: 30, resources: [], services: [], bookings: [],
  customerId: params.get('customer'), customerName: null };

export const colourOf = (resourceId) => COLOURS[state.resources.findIndex((r) => r.id === resourceId) % COLOURS.length];
export const serviceName = (id) => state.services.find((s) => s.id === id)?.name || 'Service';
export const resourceName = (id) => state.resources.find((r) => r.id === id)?.name || 'Staff';

export function addDays(day, n) {
  const d = new Date(day + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
export const dayLabel = (day, options) => new Date(day + 'T12:00:00Z').toLocaleDateString('en-GB', { timeZone: 'UTC', ...options });
export const clock = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
let timeFormat = null;  // one formatter for the shop's zone: a busy day formats hundreds of times
export const timeOf = (iso) => (timeFormat ||= new Intl.DateTimeFormat('en-GB', { timeZone: state.zone, hour: '2-digit', minute: '2-digit' }))
  .format(new Date(iso));

// The wall-clock time `minutes` after midnight of `day` in the shop's zone, as ISO with the zone's offset.
export function instant(day, minutes) {
  const guess = new Date(`${day}T${clock(minutes)}:00Z`);
  const seen = localParts(guess.toISOString(), state.zone);
  const drift = (seen.day === day ? seen.minutes - minutes : (seen.day > day ? 1440 : -1440) + seen.minutes - minutes);
  return new Date(guess.getTime() - drift * 60000).toISOString();
}

export { fraction } from './ui.js';  // the cards' N/M, shared with Home
