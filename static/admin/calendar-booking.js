// An existing booking, opened from its card: what it is and how it was paid, then its actions (completed,
// no-show, cancel, reschedule, pay from a package later), each stating what it does to the package before it
// is confirmed. Refusals show the API's reason.
import { api } from './api.js';
import { confirmAction, el, localParts, setOptions, showError, toast } from './ui.js';
import { addDays, fraction, resourceName, serviceName, state, timeOf } from './calendar-state.js';

let current = null;
let redraw = async () => {};  // the calendar, drawn again once the booking has changed

const CONSEQUENCES = {
  cancel: { restore: 'The session goes back to the package.', forfeit: 'Late cancellation: under the plan’s rule the package keeps the session (it counts as used).', unpaid: 'No package paid for it.' },
  no_show: { restore: 'Under the plan’s rule the session goes back to the package.', forfeit: 'Under the plan’s rule the package keeps the session (it counts as used).', unpaid: 'No package paid for it.' },
};

export async function openBooking(id) {
  current = await api('/api/bookings/' + id);
  document.getElementById('booking-error').hidden = true;
  document.getElementById('reschedule').hidden = true;
  document.getElementById('booking-detail').replaceChildren(...detail(current));
  document.getElementById('booking-actions').replaceChildren(...actions(current));
  document.getElementById('booking-modal').showOverlay();
}

function detail(b) {
  const price = b.redeemed_from ? `0.00 · redeemed from ${b.redeemed_from.title} (${fraction(b.redeemed_from)})`
    : (b.price ? `${b.price} ${b.currency || ''}${b.source === 'paid_checkout' ? ' · paid at checkout' : ' · unpaid'}` : 'No price');
  return [
    el('s-paragraph', {}, el('strong', {}, b.customer_name), ' · ', serviceName(b.service_id), ' with ', resourceName(b.resource_id)),
    el('s-paragraph', {}, `${new Date(b.starts_at).toLocaleString('en-GB', { timeZone: state.zone, dateStyle: 'full', timeStyle: 'short' })} – ${timeOf(b.ends_at)}`),
    el('s-stack', { direction: 'inline' }, el('s-badge', { tone: b.status === 'confirmed' ? 'success' : (b.status === 'held' ? 'warning' : 'neutral') }, b.status.replace('_', '-')),
      b.redeemed_from ? el('s-badge', { tone: 'magic' }, `Package ${fraction(b.redeemed_from)}`) : null),
    el('s-paragraph', { id: 'booking-price' }, 'Price: ' + price)];
}

function actions(b) {
  const started = new Date(b.starts_at) <= new Date();
  const buttons = [];
  if (b.status === 'confirmed' && started) {
    buttons.push(el('s-button', { onclick: () => act('complete', 'Mark completed', 'The session took place.') }, 'Completed'));
    buttons.push(el('s-button', { onclick: () => act('no-show', 'Mark as no-show', CONSEQUENCES.no_show[b.outcomes.no_show]) }, 'No-show'));
  }
  if (['confirmed', 'held'].includes(b.status)) {
    buttons.push(el('s-button', { onclick: () => startReschedule().catch(showBookingError) }, 'Reschedule'));
    buttons.push(el('s-button', { tone: 'critical', onclick: () => act('cancel', 'Cancel booking', CONSEQUENCES.cancel[b.outcomes.cancel]) }, 'Cancel booking'));
  }
  if (!b.redeemed_from && b.source !== 'paid_checkout' && ['confirmed', 'completed'].includes(b.status) && b.customer_id) {
    buttons.push(el('s-button', { onclick: () => payLater().catch(showBookingError) }, 'Pay from package'));
  }
  return buttons;
}

const showBookingError = (error) => showError(error, { banner: document.getElementById('booking-error'), form: document.getElementById('reschedule-form') });

// --- completed, no-show, cancel, pay later ---

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
  await redraw();
}

async function payLater() {
  const { options } = await api(`/api/customers/${current.customer_id}/package-options`, {
    query: { service_id: current.service_id, resource_id: current.resource_id, starts_at: current.starts_at } });
  const usable = options.filter((o) => o.usable);
  document.getElementById('booking-actions').replaceChildren(...(usable.length ? usable.map((o) =>
    el('s-button', { onclick: () => api(`/api/bookings/${current.id}/pay-with-package`, { method: 'POST', body: { entitlement_id: o.package.id } })
      .then(() => { toast('Paid from ' + o.package.title); document.getElementById('booking-modal').hideOverlay(); return redraw(); })
      .catch(showBookingError) }, `Use ${o.package.title} (${o.package.progress})`))
    : [el('s-paragraph', {}, 'No package of this customer can pay for this session.')]));
}

// --- reschedule ---

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
  await redraw();
}

// --- wiring ---

export function wireBooking(refresh) {
  redraw = refresh;
  const again = document.getElementById('reschedule-form');
  again.querySelector('[name=day]').addEventListener('change', () => loadTimes().catch(showBookingError));
  again.querySelector('[name=resource_id]').addEventListener('change', () => loadTimes().catch(showBookingError));
  document.getElementById('reschedule-save').addEventListener('click', () => reschedule().catch(() => redraw()));
}
