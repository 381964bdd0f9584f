// The embedded admin. Every API call carries a fresh App Bridge session token.
(function () {
  'use strict';

  async function api(path, options) {
    const token = await window.shopify.idToken();
    const response = await fetch(path, Object.assign({}, options, {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' }
    }));
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error || ('Request failed with status ' + response.status));
    }
    return response;
  }

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  async function showShop() {
    const shop = await (await api('/api/shop')).json();
    document.getElementById('shop-name').textContent = shop.name || shop.domain;
    const parts = [shop.domain];
    if (shop.timezone) parts.push(shop.timezone);
    if (shop.currency) parts.push(shop.currency);
    document.getElementById('shop-meta').textContent = parts.join(' · ');
  }

  async function showEventCounts() {
    const { counts } = await (await api('/api/webhook-events/summary')).json();
    const body = document.querySelector('#event-counts tbody');
    body.replaceChildren();
    const states = Object.keys(counts).sort();
    if (!states.length) {
      const row = document.createElement('tr');
      const cell = text('td', 'Nothing received yet.', 'subdued');
      cell.colSpan = 2;
      row.append(cell);
      body.append(row);
    }
    for (const state of states) {
      const row = document.createElement('tr');
      row.dataset.state = state;
      row.append(text('td', state), text('td', String(counts[state]), 'numeric'));
      body.append(row);
    }
  }

  async function download(id) {
    const blob = await (await api('/api/privacy-requests/' + id + '/export')).blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'customer-data-' + id + '.json';
    const href = link.href;
    link.click();
    // Revoking at once cancels the download in some browsers; give it a moment.
    setTimeout(() => URL.revokeObjectURL(href), 1000);
  }

  async function showPrivacyRequests() {
    const { privacy_requests: rows } = await (await api('/api/privacy-requests')).json();
    const list = document.getElementById('privacy-requests');
    list.replaceChildren();
    if (!rows.length) list.append(text('li', 'No requests so far.', 'subdued'));
    for (const row of rows) {
      const item = document.createElement('li');
      const what = row.kind === 'data_request' ? 'Data export' : 'Redaction';
      item.append(text('span', what + ' for customer ' + (row.customer_id || 'unknown') + ' · ' +
                       new Date(row.created_at).toLocaleString()));
      if (row.has_export) {
        const button = text('button', 'Download JSON', 'secondary');
        button.addEventListener('click', () => download(row.id).catch(showError));
        item.append(button);
      }
      list.append(item);
    }
  }

  function showError(error) {
    const el = document.getElementById('error');
    el.textContent = error.message;
    el.hidden = false;
  }

  document.addEventListener('DOMContentLoaded', () => {
    Promise.all([showShop(), showEventCounts(), showPrivacyRequests()]).catch(showError);
  });
})();
