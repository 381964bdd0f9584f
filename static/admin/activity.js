// Activity and health: the activity log (filtered, paged), webhook deliveries by state with a retry for a failed
// one, failed background jobs, maintenance sweeps run now, reconciliation with Shopify and its progress, and
// customers' privacy requests with their exports.
import { api } from './api.js';
import { el, reveal, showError } from './ui.js';
import { useZone, when } from './activity-format.js';
import { loadLog, wireLog } from './activity-log.js';
import { loadEvents, showEventCounts, showJobs, showLatestRun, wireHealth } from './activity-health.js';

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

// --- start ---

async function load() {
  useZone((await api('/api/settings')).timezone || 'UTC');
  await Promise.all([loadLog(), showEventCounts(), loadEvents(), showJobs(), showLatestRun(), showPrivacyRequests()]);
}

wireLog();
wireHealth();
load().catch((error) => showError(error)).finally(() => reveal());
