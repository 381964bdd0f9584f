// Activity: what Shopify has sent (webhook deliveries by state) and customers' privacy requests.
import { api } from './api.js';
import { el, reveal, showError } from './ui.js';

async function showEventCounts() {
  const { counts } = await api('/api/webhook-events/summary');
  const body = document.querySelector('#event-counts s-table-body');
  const states = Object.keys(counts).sort();
  body.replaceChildren(...(states.length ? states.map((state) => el('s-table-row', { dataset: { state } },
    el('s-table-cell', {}, state), el('s-table-cell', { format: 'numeric', class: 'count' }, String(counts[state]))))
    : [el('s-table-row', {}, el('s-table-cell', {}, 'Nothing received yet.'), el('s-table-cell', {}))]));
}

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
      (row.customer_id || 'unknown') + ' · ' + new Date(row.created_at).toLocaleString()),
    row.has_export ? el('s-button', { onclick: () => download(row.id).catch((e) => showError(e)) }, 'Download JSON') : null))
    : [el('s-paragraph', { tone: 'subdued' }, 'No requests so far.')]));
}

Promise.all([showEventCounts(), showPrivacyRequests()]).catch((error) => showError(error)).finally(() => reveal());
