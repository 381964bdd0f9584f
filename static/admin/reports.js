// Reports: pick one and a range of days; the API answers with the rows, their columns and a chart it drew as SVG.
// The table beside the chart is its accessible form; "Download CSV" saves the same table for a spreadsheet.
import { api, ApiError } from './api.js';
import { clearErrors, el, reveal, showError } from './ui.js';

const form = document.getElementById('report-form');
const field = (name) => form.querySelector(`[name="${name}"]`);
let shown = 0;  // answers to older choices are dropped when a newer one was asked for

// Days as ISO strings; "through" is the last day shown, the API's `to` the day after it.
function addDays(iso, days) {
  const day = new Date(iso + 'T00:00:00Z');
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

function choice() {
  const report = field('report').value || 'liability';
  const from = field('from').value;
  const through = field('through').value;
  return { report, query: { from, to: through ? addDays(through, 1) : '' } };
}

// The chart is ours, drawn by the API, but it is parsed as SVG and stripped of anything that could run.
function chartFrom(markup) {
  const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const svg = parsed.documentElement;
  if (svg.localName !== 'svg' || parsed.getElementsByTagName('parsererror').length) return null;
  svg.querySelectorAll('script, foreignObject').forEach((node) => node.remove());
  for (const node of [svg, ...svg.querySelectorAll('*')]) {
    for (const attr of [...node.attributes]) {
      if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value)) node.removeAttribute(attr.name);
    }
  }
  return document.importNode(svg, true);
}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(Number(amount));
  } catch (error) {
    return `${amount} ${currency}`;
  }
}

function cellText(column, row) {
  const value = row[column.key];
  if (value === null || value === undefined) return '—';
  if (column.key === 'value' && row.currency) return money(value, row.currency);
  return String(value);
}

function showTable(columns, rows) {
  const table = document.getElementById('report-table');
  table.querySelector('s-table-header-row').replaceChildren(...columns.map((column) => el('s-table-header',
    { format: column.numeric ? 'numeric' : null, listSlot: column === columns[0] ? 'primary' : null }, column.label)));
  table.querySelector('s-table-body').replaceChildren(...rows.map((row) => el('s-table-row', {},
    columns.map((column) => el('s-table-cell', { format: column.numeric ? 'numeric' : null }, cellText(column, row))))));
  table.hidden = !rows.length;
  document.getElementById('report-note').textContent = rows.length ? '' : 'Nothing to report for this choice.';
}

function showReport(answer) {
  const section = document.getElementById('report');
  section.setAttribute('heading', answer.title);
  document.getElementById('range').hidden = answer.report === 'liability';
  document.getElementById('report-summary').textContent = answer.report === 'liability'
    ? 'What live packages still owe now, by plan and the month they expire, valued at the price paid.'
    : `From ${answer.from} through ${addDays(answer.to, -1)}, in the shop's time zone (${answer.timezone}).`;
  field('from').value = answer.from;
  field('through').value = addDays(answer.to, -1);
  const chart = chartFrom(answer.svg);
  document.getElementById('report-chart').replaceChildren(...(chart ? [chart] : []));
  showTable(answer.columns, answer.rows);
}

async function load() {
  const asked = ++shown;
  const { report, query } = choice();
  clearErrors(form);
  const answer = await api(`/api/reports/${report}`, { query });
  if (asked === shown) showReport(answer);
}

function filename(response, report) {
  const given = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
  return given ? given[1] : `packbook-${report}.csv`;
}

async function download() {
  const button = document.getElementById('download');
  const { report, query } = choice();
  button.loading = true;
  try {
    const token = await window.shopify.idToken();
    const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value));
    const response = await fetch(`/api/reports/${report}.csv?${params}`, { headers: { Authorization: 'Bearer ' + token } });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
    const link = el('a', { href: URL.createObjectURL(await response.blob()), download: filename(response, report) });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);  // revoking at once cancels the download in some browsers
  } finally {
    button.loading = false;
  }
}

form.addEventListener('change', () => load().catch((error) => showError(error, { form })));
form.addEventListener('submit', (event) => event.preventDefault());
document.getElementById('download').addEventListener('click',
  () => download().catch((error) => showError(error, { form })));
load().catch((error) => showError(error, { form })).finally(() => reveal());
