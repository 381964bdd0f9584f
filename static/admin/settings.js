// Settings: the shop's booking rules and emails (one form, saved through the contextual save bar as a PATCH of
// what changed), a test email, the booking-link snippet for Shopify's order confirmation, and membership tags.
// What each setting means and allows lives in the API; this page shows, sends and says what came back.
import { api, ApiError } from './api.js';
import { clearErrors, dateFormat, el, fieldFor, reveal, setOptions, showError, toast } from './ui.js';

const $ = (id) => document.getElementById(id);
const form = $('settings-form');
const field = (name) => form.querySelector(`[name="${name}"]`);
const NUMBERS = ['slot_interval_minutes', 'min_notice_minutes', 'horizon_days', 'cancel_cutoff_hours',
  'reschedule_cutoff_hours', 'hold_minutes', 'reminder_hours'];
const state = { settings: null, languages: [], zones: [], snippet: '' };
const POLL_MS = 700;
const POLL_TIMES = 20;

// --- reading and filling the form ---

function count(text) {
  // Blank is sent as null, so the API names the field rather than the page guessing a number.
  return String(text).trim() === '' ? null : Number(text);
}

function readLanguages() {
  // The API takes one list, default first: the ticked languages, the chosen default moved to the front.
  const ticked = field('languages').values;
  const first = field('default_language').value;
  return ticked.includes(first) ? [first, ...ticked.filter((code) => code !== first)] : ticked;
}

function readSettings() {
  const values = Object.fromEntries(NUMBERS.map((name) => [name, count(field(name).value)]));
  return {
    ...values,
    timezone: field('timezone').value,
    grant_on_create: field('grant_on_create').checked,
    mail_from_name: field('mail_from_name').value.trim() || null,
    reply_to: field('reply_to').value.trim() || null,
    languages: readLanguages(),
  };
}

function changedFields(before, after) {
  return Object.fromEntries(Object.entries(after)
    .filter(([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value)));
}

function zoneLabel(zone) {
  return zone.replaceAll('_', ' ');
}

function fill(settings) {
  const zones = state.zones.includes(settings.timezone) ? state.zones : [settings.timezone, ...state.zones];
  setOptions(field('timezone'), zones.map((zone) => [zone, zoneLabel(zone)]), settings.timezone);
  for (const name of NUMBERS) field(name).value = String(settings[name]);
  field('grant_on_create').checked = settings.grant_on_create;
  field('mail_from_name').value = settings.mail_from_name || '';
  field('reply_to').value = settings.reply_to || '';
  field('languages').values = settings.languages;
  offerDefaults(settings.languages[0]);
  $('sender-line').replaceChildren('Customers see emails from: ', el('strong', {}, settings.sender),
    settings.reply_to ? `, replies going to ${settings.reply_to}.` : '.');
}

function languageName(code) {
  return state.languages.find((language) => language.code === code)?.name || code;
}

function offerDefaults(chosen) {
  // The default is one of the ticked languages; none ticked leaves every language to choose from, and the API
  // will say that at least one must be ticked.
  const ticked = field('languages').values;
  const offered = ticked.length ? ticked : state.languages.map((language) => language.code);
  const current = chosen ?? field('default_language').value;
  setOptions(field('default_language'), offered.map((code) => [code, languageName(code)]),
    offered.includes(current) ? current : offered[0]);
}

// A 422 shown beside its field needs no field name in front: "Must be a whole number from 5 to 240".
function plain(error) {
  if (error instanceof ApiError && error.status === 422 && error.field && fieldFor(form, error.field)
      && error.message.startsWith(error.field + ' ')) {
    const rest = error.message.slice(error.field.length + 1);
    error.message = rest.charAt(0).toUpperCase() + rest.slice(1);
  }
  return error;
}

async function save() {
  clearErrors(form);
  const changes = changedFields(state.settings, readSettings());
  if (Object.keys(changes).length) {
    state.settings = await api('/api/settings', { method: 'PATCH', body: changes });
    fill(state.settings);
    toast('Settings saved');
  }
  form.dispatchEvent(new Event('packbook:saved'));
}

// --- a test email ---

function testResult(tone, ...text) {
  $('test-result').replaceChildren(el('s-banner', { tone }, el('s-paragraph', {}, ...text)));
}

function when(iso) {
  return iso ? dateFormat(state.settings.timezone, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '';
}

function describeTest(email) {
  const where = email.via === 'smtp' ? 'handed to your mail server'
    : 'written to the outbox folder on the server (no mail server is set up)';
  if (email.status === 'sent') return ['success', `Test email to ${email.to} ${where} at ${when(email.sent_at)}. Check that it arrived.`];
  if (email.status === 'failed') return ['critical', `The test email to ${email.to} could not be sent: ${email.error}`];
  if (email.error) return ['warning', `Not sent yet to ${email.to}: ${email.error}. Packbook keeps trying.`];
  return ['info', `Sending a test email to ${email.to}…`];
}

async function followTest(id) {
  for (let i = 0; i < POLL_TIMES; i += 1) {
    await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
    const { test_email: latest } = await api('/api/settings/test-email');
    if (!latest || latest.id !== id) return;
    testResult(...describeTest(latest));
    if (latest.status === 'sent' || latest.status === 'failed' || latest.error) {
      if (latest.status === 'sent') state.settings.test_email_sent_at = latest.sent_at;
      return;
    }
  }
}

async function sendTest() {
  const to = $('test-to');
  to.error = '';
  const address = to.value.trim();
  if (!address) {
    to.error = 'Enter the address to send the test to';
    to.focus();
    return;
  }
  const button = $('send-test');
  button.loading = true;
  try {
    const email = await api('/api/settings/test-email', { method: 'POST', body: { to: address } });
    testResult(...describeTest(email));
    await followTest(email.id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && error.field === 'to') {
      to.error = 'Enter an email address such as you@example.com';
      to.focus();
    } else {
      showError(error);
    }
  } finally {
    button.loading = false;
  }
}

// --- the booking link ---

function showBookingLink(link) {
  state.snippet = link.snippet;
  $('snippet').textContent = link.snippet;
  $('paste-steps').replaceChildren(...link.where.map((step) => el('li', {}, step)));
  $('link-status').replaceChildren(link.order_link_opened_at
    ? el('s-badge', { tone: 'success' }, `In place: a customer first opened it on ${when(link.order_link_opened_at)}`)
    : el('s-badge', {}, 'Not opened from an order email yet'));
  $('preview').replaceChildren(...(link.preview_url ? [
    el('s-paragraph', {}, `See the booking page as the customer of your latest order${link.preview_order.name ? ` (${link.preview_order.name})` : ''} sees it. The preview signs this browser in as that customer.`),
    el('s-link', { href: link.preview_url, target: '_blank' }, 'Preview the customer’s page (opens in a new tab)'),
  ] : [el('s-paragraph', { tone: 'subdued' }, 'A preview appears here once Packbook has received an order from a customer.')]));
}

async function copySnippet() {
  try {
    await navigator.clipboard.writeText(state.snippet);
    toast('Snippet copied');
  } catch {
    // No clipboard (an older browser, or permission refused): select it so Ctrl+C or Cmd+C copies it.
    window.getSelection().selectAllChildren($('snippet'));
    toast('Press Ctrl+C (or ⌘C) to copy the selected snippet', true);
  }
}

// --- membership tags ---

function showTags(plans) {
  const tagged = plans.filter((plan) => plan.kind === 'membership' && plan.member_tag)
    .sort((a, b) => a.member_tag.localeCompare(b.member_tag));
  const body = document.querySelector('#tags-table s-table-body');
  const rows = tagged.map((plan) => el('s-table-row', {},
    el('s-table-cell', { 'data-label': 'Customer tag' }, el('code', {}, plan.member_tag)),
    el('s-table-cell', { 'data-label': 'Membership' },
      el('s-link', { href: `/packages/${plan.id}${window.location.search}` }, plan.title))));
  body.replaceChildren(...(rows.length ? rows : [el('s-table-row', {}, el('s-table-cell', {},
    el('s-text', { tone: 'subdued' }, 'No membership has a customer tag yet.')))]));
}

// --- start ---

function listen() {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save().catch((error) => showError(plain(error), { form }));
  });
  form.addEventListener('reset', (event) => {  // Discard: back to the settings as saved
    event.preventDefault();
    clearErrors(form);
    fill(state.settings);
  });
  form.addEventListener('input', (event) => {
    const host = event.target.closest('[error]');
    if (host) host.error = '';  // the merchant is fixing it
  });
  field('languages').addEventListener('change', () => offerDefaults());
  // The test address is not a setting: its typing must not raise the save bar, nor Enter save the form.
  const test = $('test-email');
  for (const kind of ['input', 'change']) test.addEventListener(kind, (event) => event.stopPropagation());
  test.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      sendTest();
    }
  });
  $('send-test').addEventListener('click', sendTest);
  $('copy-snippet').addEventListener('click', copySnippet);
}

async function start() {
  listen();
  const [settings, options, link, { plans }, { test_email: latest }] = await Promise.all([
    api('/api/settings'), api('/api/settings/options'), api('/api/settings/booking-link'), api('/api/plans'),
    api('/api/settings/test-email')]);
  Object.assign(state, { settings, zones: options.timezones, languages: options.languages });
  const choices = options.languages.map((language) => el('s-choice', { value: language.code }, language.name));
  const list = field('languages');
  if (list.replaceOptions) list.replaceOptions(choices); else list.replaceChildren(...choices);
  fill(settings);
  showBookingLink(link);
  showTags(plans);
  if (latest) testResult(...describeTest(latest));
  $('settings-fields').disabled = false;
  reveal();
}

start().catch((error) => { reveal(); showError(error); });
