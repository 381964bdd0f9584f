// Customers: search by name, email or Shopify id as the receptionist types; open one to see what they own.
import { api } from './api.js';
import { el, showError } from './ui.js';

const field = document.querySelector('#search [name=q]');
const body = document.querySelector('#results s-table-body');
const note = document.getElementById('results-note');
const more = document.getElementById('more');
let shown = 0;
let latest = 0;  // answers can arrive out of order while typing: only the newest search is drawn

function row(customer) {
  const name = customer.shopify_customer_id
    ? el('s-link', { href: '/customers/' + customer.shopify_customer_id + window.location.search }, customer.name)
    : el('s-text', {}, customer.name + ' (guest)');
  return el('s-table-row', {}, el('s-table-cell', {}, name), el('s-table-cell', {}, customer.email || ''),
    el('s-table-cell', { format: 'numeric' }, customer.shopify_customer_id ? String(customer.shopify_customer_id) : ''));
}

async function search(append = false) {
  const asked = ++latest;
  const q = field.value.trim();
  const page = await api('/api/customers', { query: { q, offset: append ? shown : 0 } });
  if (asked !== latest) return;
  if (!append) { body.replaceChildren(); shown = 0; }
  body.append(...page.customers.map(row));
  shown += page.customers.length;
  note.textContent = shown ? (q ? `${shown}${page.has_more ? '+' : ''} found` : 'Most recent customers')
    : (q ? `No customer matches “${q}”.` : 'No customers yet: they appear with their first order.');
  more.hidden = !page.has_more;
}

let timer;
field.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => search().catch(showError), 200); });
document.getElementById('search').addEventListener('submit', (event) => { event.preventDefault(); search().catch(showError); });
more.addEventListener('click', () => search(true).catch(showError));
search().catch(showError);
