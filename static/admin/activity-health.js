// Whether the background work is healthy: webhook deliveries by state with a retry for a failed one, failed
// background jobs, maintenance sweeps run now, and reconciliation with Shopify with its progress.
import { api } from './api.js';
import { clearErrors, el, message, showError, toast } from './ui.js';
import { cell, emptyRow, when } from './activity-format.js';
import { loadLog } from './activity-log.js';

const STATE_TONES = { done: 'success', failed: 'critical', pending: 'caution', queued: 'info', processing: 'info' };

// --- webhook deliveries ---

const eventBody = document.querySelector('#events s-table-body');
const eventsOlder = document.getElementById('events-older');
const statusSelect = document.querySelector('#event-filter [name=status]');
let eventsNext = null;

export async function showEventCounts() {
  const { counts } = await api('/api/webhook-events/summary');
  const body = document.querySelector('#event-counts s-table-body');
  const states = Object.keys(counts).sort();
  body.replaceChildren(...(states.length ? states.map((state) => el('s-table-row', { dataset: { state } },
    el('s-table-cell', {}, state), el('s-table-cell', { format: 'numeric', class: 'count' }, String(counts[state]))))
    : [el('s-table-row', {}, el('s-table-cell', {}, 'Nothing received yet.'), el('s-table-cell', {}))]));
}

function eventRow(event) {
  const retry = event.status === 'failed'
    ? el('s-button', { accessibilityLabel: 'Retry ' + event.topic + ' received ' + when(event.received_at), onclick: () => retryEvent(event) }, 'Retry')
    : null;
  return el('s-table-row', { class: 'event', dataset: { eventId: event.id, status: event.status } },
    cell('Received', when(event.received_at)), cell('Topic', event.topic),
    cell('State', el('s-badge', { tone: STATE_TONES[event.status] || 'neutral' }, event.status),
      event.gave_up ? el('s-text', { class: 'muted' }, ' retries spent') : null),
    el('s-table-cell', { format: 'numeric', dataset: { label: 'Attempts' } }, String(event.attempts)),
    cell('Error', event.error ? el('span', { class: 'error-text' }, event.error) : null), cell('Action', retry));
}

export async function loadEvents(older = false) {
  const page = await api('/api/webhook-events', { query: { status: statusSelect.value, before: older ? eventsNext : undefined } });
  if (!older) eventBody.replaceChildren();
  eventBody.append(...page.events.map(eventRow));
  if (!eventBody.children.length) eventBody.append(emptyRow(statusSelect.value ? 'No deliveries in this state.' : 'Nothing received yet.'));
  eventsNext = page.next;
  eventsOlder.hidden = page.next === null;
}

async function retryEvent(event) {
  const row = eventBody.querySelector(`[data-event-id="${event.id}"]`);
  row?.querySelector('s-button')?.setAttribute('loading', '');
  try {
    const after = await api(`/api/webhook-events/${event.id}/retry`, { method: 'POST' });
    row?.replaceWith(eventRow(after));
    toast(after.status === 'failed' ? 'It failed again: ' + (after.error || 'see the error') : after.status === 'done' ? 'Delivery processed' : 'Delivery queued', after.status === 'failed');
    await Promise.all([showEventCounts(), loadLog()]);
  } catch (error) {
    row?.querySelector('s-button')?.removeAttribute('loading');
    showError(error);
  }
}

// --- failed background jobs ---

export async function showJobs() {
  const { mode, reachable, jobs } = await api('/api/jobs/failed');
  const box = document.getElementById('jobs');
  if (mode === 'inline') {
    box.replaceChildren(el('s-paragraph', { tone: 'subdued' }, 'Background work runs inside Packbook here (no Redis is set up), so the failed webhook deliveries above are the failures to retry.'));
    return;
  }
  if (!reachable) {
    box.replaceChildren(el('s-banner', { tone: 'warning' }, el('s-paragraph', {}, 'The job queue (Redis) did not answer; try again in a moment.')));
    return;
  }
  box.replaceChildren(jobs.length ? jobsTable(jobs)
    : el('s-paragraph', { tone: 'subdued' }, 'No failed jobs: everything that ran for this shop finished or is still retrying.'));
}

function jobsTable(jobs) {
  return el('s-table', { class: 'stacking' },
    el('s-table-header-row', {}, ...['Failed', 'Job', 'Error', 'Action'].map((h) => el('s-table-header', {}, h))),
    el('s-table-body', {}, ...jobs.map((job) => el('s-table-row', { class: 'job', dataset: { jobId: job.id } },
      cell('Failed', when(job.failed_at)), cell('Job', job.function.split('.').pop() + (job.event_id ? ' (delivery ' + job.event_id + ')' : '')),
      cell('Error', job.error ? el('span', { class: 'error-text' }, job.error) : null),
      cell('Action', el('s-button', { accessibilityLabel: 'Retry job ' + job.id, onclick: () => retryJob(job) }, 'Retry'))))));
}

async function retryJob(job) {
  try {
    await api(`/api/jobs/failed/${encodeURIComponent(job.id)}/retry`, { method: 'POST' });
    toast('Job queued again');
    await showJobs();
  } catch (error) { showError(error); }
}

// --- maintenance sweeps ---

const OUTCOMES = {
  'stuck-events': (n) => (n ? `${n} ${n === 1 ? 'delivery' : 'deliveries'} handed out again.` : 'Nothing was waiting.'),
  'release-holds': (n) => (n ? `${n} expired ${n === 1 ? 'hold' : 'holds'} released.` : 'No expired holds.'),
  'expire-packages': (n) => (n ? `${n} lapsed ${n === 1 ? 'package' : 'packages'} closed.` : 'No lapsed packages.'),
  'due-emails': (n) => (n ? `${n} ${n === 1 ? 'email' : 'emails'} asked for.` : 'No reminders or warnings due.'),
};

async function runSweep(box, button, outcome) {
  button.setAttribute('loading', '');
  outcome.textContent = 'Running…';
  try {
    const done = await api(`/api/sweeps/${box.dataset.sweep}/run`, { method: 'POST' });
    outcome.textContent = OUTCOMES[done.name](done.count) + ' ' + when(done.ran_at);
    if (done.name === 'stuck-events' && done.count) await Promise.all([showEventCounts(), loadEvents()]);
  } catch (error) {
    outcome.textContent = 'It did not run: ' + message(error);
  } finally {
    button.removeAttribute('loading');
  }
}

// --- reconciliation with Shopify ---

const reconcileForm = document.getElementById('reconcile-form');
const progress = document.getElementById('reconcile-progress');
let polling = null;

function drawProgress(run) {
  if (run.total) { progress.max = run.total; progress.value = run.done; } else if (run.state === 'done' || run.state === 'failed') {
    progress.max = 1; progress.value = run.state === 'done' ? 1 : 0;
  } else progress.removeAttribute('value');  // indeterminate until Shopify has counted the orders
}

function runText(run) {
  const counted = run.total ? `${run.done} of ${run.total} orders` : `${run.done} orders`;
  if (run.state === 'queued') return 'Waiting for its turn…';
  if (run.state === 'running') return 'Reading orders: ' + counted + '…';
  if (run.state === 'failed') return 'It stopped: ' + (run.error || 'unknown error') + ` (${counted} applied).`;
  const s = run.summary || {};
  return `Done ${when(run.finished_at)}: ${s.orders_seen ?? run.done} orders read, ${s.grants_added ?? 0} packages granted, `
    + `${s.revocations_added ?? 0} taken back, ${s.conflicts ?? 0} needing attention.`;
}

function drawRun(run) {
  document.getElementById('reconcile-status').hidden = false;
  document.getElementById('reconcile-label').textContent = 'Reconciliation started ' + when(run.created_at);
  drawProgress(run);
  document.getElementById('reconcile-text').textContent = runText(run);
  document.getElementById('reconcile-now').toggleAttribute('disabled', run.state === 'queued' || run.state === 'running');
}

function follow(run) {
  clearTimeout(polling);
  drawRun(run);
  if (run.state !== 'queued' && run.state !== 'running') return;
  polling = setTimeout(async () => {
    try {
      const latest = await api('/api/reconcile/' + run.id);
      follow(latest);
      if (latest.state === 'done') await loadLog();
    } catch (error) { showError(error); }
  }, 1000);
}

async function reconcile(event) {
  event.preventDefault();
  clearErrors(reconcileForm);
  try {
    const run = await api('/api/reconcile', { method: 'POST', body: { since_hours: Number(reconcileForm.querySelector('[name=since_hours]').value) } });
    follow(run);
  } catch (error) { showError(error, { form: reconcileForm }); }
}

export async function showLatestRun() {
  const { runs } = await api('/api/reconcile');
  if (runs.length) follow(runs[0]);
}

// --- wiring ---

export function wireHealth() {
  statusSelect.addEventListener('change', () => loadEvents().catch((e) => showError(e)));
  eventsOlder.addEventListener('click', () => loadEvents(true).catch((e) => showError(e)));
  document.querySelectorAll('.sweep').forEach((box) => {
    const button = box.querySelector('s-button');
    const outcome = box.querySelector('.outcome');
    button.addEventListener('click', () => runSweep(box, button, outcome));
  });
  reconcileForm.addEventListener('submit', reconcile);
}
