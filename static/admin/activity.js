// Activity and health: the activity log (filtered, paged), webhook deliveries by state with a retry for a failed
// one, failed background jobs, maintenance sweeps run now, reconciliation with Shopify and its progress, and
// customers' privacy requests with their exports.
import { api } from './api.js';
import { clearErrors, el, message, reveal, setOptions, showError, toast } from './ui.js';

const KIND_LABELS = {
  assign: 'Assigned', adjust: 'Adjusted', revoke: 'Revoked', refund: 'Refunded', undo_redemption: 'Redemption undone',
  billing_failed: 'Billing failed', line_not_granted: 'Paid line not granted',
  paid_hold_not_booked: 'Paid but not booked', booking_stranded: 'Booking outside hours',
};
const STATE_TONES = { done: 'success', failed: 'critical', pending: 'caution', queued: 'info', processing: 'info' };
let zone = 'UTC';

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }) : '');
const cell = (label, ...content) => el('s-table-cell', { dataset: { label } }, ...content);
const emptyRow = (text) => el('s-table-row', {}, el('s-table-cell', {}, text));

// --- the activity log ---

const logForm = document.getElementById('log-filters');
const logBody = document.querySelector('#log s-table-body');
const logOlder = document.getElementById('log-older');
let logFilters = {};
let logNext = null;

function who(actor) {
  const [kind, id] = actor.split(':');
  if (kind === 'staff') return id ? 'Staff (' + id + ')' : 'Staff';
  if (kind === 'customer') return 'Customer';
  if (kind === 'system') return 'Packbook' + (id ? ' (' + id + ')' : '');
  return actor;
}

function about(item) {
  const parts = [];
  if (item.customer) parts.push(item.customer.email || 'Customer ' + item.customer.id);
  if (item.entitlement) parts.push((item.entitlement.title || 'Package') + ' #' + item.entitlement.id);
  if (item.order) parts.push('Order ' + (item.order.name || item.order.id));
  if (item.booking) parts.push('Booking ' + when(item.booking.starts_at));
  return parts.join(' · ');
}

function logRow(item) {
  return el('s-table-row', { class: 'log-item', dataset: { kind: item.action } },
    cell('When', when(item.created_at)),
    cell('What', KIND_LABELS[item.action] || item.action, item.attention && !item.resolved_at
      ? el('s-badge', { tone: 'warning' }, 'Needs attention') : null),
    cell('Who', who(item.actor)), cell('About', about(item) || null), cell('Why', item.reason || null));
}

async function loadLog(older = false) {
  const page = await api('/api/activity', { query: { ...logFilters, before: older ? logNext : undefined } });
  const kind = logForm.querySelector('[name=kind]');
  if (kind.querySelectorAll('s-option').length <= 1) {
    setOptions(kind, [['', 'Everything'], ...page.kinds.map((k) => [k, KIND_LABELS[k] || k])], kind.value);
  }
  if (!older) logBody.replaceChildren();
  logBody.append(...page.items.map(logRow));
  if (!logBody.children.length) logBody.append(emptyRow(Object.keys(logFilters).length ? 'Nothing matches these filters.' : 'Nothing has happened yet.'));
  logNext = page.next;
  logOlder.hidden = page.next === null;
  document.getElementById('log-note').textContent = older ? 'Older activity added below.' : '';
}

function readFilters() {
  const value = (name) => logForm.querySelector(`[name=${name}]`).value.trim();
  return Object.fromEntries(['customer_id', 'entitlement_id', 'actor', 'kind'].map((n) => [n, value(n)]).filter(([, v]) => v));
}

async function filterLog() {
  clearErrors(logForm);
  logFilters = readFilters();
  try {
    await loadLog();
  } catch (error) {
    showError(error, { form: logForm });  // a 422 shows beside the filter it names
  }
}

logForm.addEventListener('submit', (event) => { event.preventDefault(); filterLog(); });
logForm.querySelectorAll('s-select').forEach((select) => select.addEventListener('change', () => filterLog()));
logOlder.addEventListener('click', () => loadLog(true).catch((e) => showError(e)));

// --- webhook deliveries ---

const eventBody = document.querySelector('#events s-table-body');
const eventsOlder = document.getElementById('events-older');
const statusSelect = document.querySelector('#event-filter [name=status]');
let eventsNext = null;

async function showEventCounts() {
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

async function loadEvents(older = false) {
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

statusSelect.addEventListener('change', () => loadEvents().catch((e) => showError(e)));
eventsOlder.addEventListener('click', () => loadEvents(true).catch((e) => showError(e)));

// --- failed background jobs ---

async function showJobs() {
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
  if (!jobs.length) {
    box.replaceChildren(el('s-paragraph', { tone: 'subdued' }, 'No failed jobs: everything that ran for this shop finished or is still retrying.'));
    return;
  }
  box.replaceChildren(el('s-table', { class: 'stacking' },
    el('s-table-header-row', {}, ...['Failed', 'Job', 'Error', 'Action'].map((h) => el('s-table-header', {}, h))),
    el('s-table-body', {}, ...jobs.map((job) => el('s-table-row', { class: 'job', dataset: { jobId: job.id } },
      cell('Failed', when(job.failed_at)), cell('Job', job.function.split('.').pop() + (job.event_id ? ' (delivery ' + job.event_id + ')' : '')),
      cell('Error', job.error ? el('span', { class: 'error-text' }, job.error) : null),
      cell('Action', el('s-button', { accessibilityLabel: 'Retry job ' + job.id, onclick: () => retryJob(job) }, 'Retry')))))));
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

document.querySelectorAll('.sweep').forEach((box) => {
  const button = box.querySelector('s-button');
  const outcome = box.querySelector('.outcome');
  button.addEventListener('click', async () => {
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
  });
});

// --- reconciliation with Shopify ---

const reconcileForm = document.getElementById('reconcile-form');
const progress = document.getElementById('reconcile-progress');
let polling = null;

function drawRun(run) {
  document.getElementById('reconcile-status').hidden = false;
  const text = document.getElementById('reconcile-text');
  document.getElementById('reconcile-label').textContent = 'Reconciliation started ' + when(run.created_at);
  if (run.total) { progress.max = run.total; progress.value = run.done; } else if (run.state === 'done' || run.state === 'failed') {
    progress.max = 1; progress.value = run.state === 'done' ? 1 : 0;
  } else progress.removeAttribute('value');  // indeterminate until Shopify has counted the orders
  const counted = run.total ? `${run.done} of ${run.total} orders` : `${run.done} orders`;
  if (run.state === 'queued') text.textContent = 'Waiting for its turn…';
  else if (run.state === 'running') text.textContent = 'Reading orders: ' + counted + '…';
  else if (run.state === 'failed') text.textContent = 'It stopped: ' + (run.error || 'unknown error') + ` (${counted} applied).`;
  else {
    const s = run.summary || {};
    text.textContent = `Done ${when(run.finished_at)}: ${s.orders_seen ?? run.done} orders read, ${s.grants_added ?? 0} packages granted, `
      + `${s.revocations_added ?? 0} taken back, ${s.conflicts ?? 0} needing attention.`;
  }
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

reconcileForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(reconcileForm);
  try {
    const run = await api('/api/reconcile', { method: 'POST', body: { since_hours: Number(reconcileForm.querySelector('[name=since_hours]').value) } });
    follow(run);
  } catch (error) { showError(error, { form: reconcileForm }); }
});

async function showLatestRun() {
  const { runs } = await api('/api/reconcile');
  if (runs.length) follow(runs[0]);
}

// --- customers' privacy requests ---

async function download(id) {
  const token = await window.shopify.idToken();
  const response = await fetch('/api/privacy-requests/' + id + '/export', { headers: { Authorization: 'Bearer ' + token } });
  if (!response.ok) throw new Error('The export could not be downloaded (' + response.status + ')');
  const link = el('a', { href: URL.createObjectURL(await response.blob()), download: 'customer-data-' + id + '.json' });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);  // revoking at once cancels the download in some browsers
}

async function showPrivacyRequests() {
  const { privacy_requests: rows } = await api('/api/privacy-requests');
  const list = document.getElementById('privacy-requests');
  list.replaceChildren(...(rows.length ? rows.map((row) => el('s-stack', { direction: 'inline', class: 'privacy-request' },
    el('s-text', {}, (row.kind === 'data_request' ? 'Data export' : 'Redaction') + ' for customer ' +
      (row.customer_id || 'unknown') + ' · ' + when(row.created_at)),
    row.has_export ? el('s-button', { onclick: () => download(row.id).catch((e) => showError(e)) }, 'Download JSON') : null))
    : [el('s-paragraph', { tone: 'subdued' }, 'No requests so far.')]));
}

async function load() {
  zone = (await api('/api/settings')).timezone || 'UTC';
  await Promise.all([loadLog(), showEventCounts(), loadEvents(), showJobs(), showLatestRun(), showPrivacyRequests()]);
}

load().catch((error) => showError(error)).finally(() => reveal());
