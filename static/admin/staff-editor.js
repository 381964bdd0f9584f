// The editor of a member of staff or a room, on the page: name, services performed, weekly hours and time off,
// saved through the contextual save bar. A change that would leave bookings outside the new hours is refused
// with the bookings named, and can be saved anyway.
import { api, ApiError } from './api.js';
import { clearErrors, confirmAction, el, showError, toast } from './ui.js';
import { control, plain } from './form-fields.js';
import { FieldProblem, addException, readExceptions, readHours, renderHours, showExceptions } from './staff-hours.js';

const editor = { resource: null, dirty: false, services: [], zone: 'UTC', reload: async () => {} };
const $ = (id) => document.getElementById(id);
const resourceForm = $('resource-form');

// --- what the editor offers and shows ---

export function useShopZone(zone) {
  editor.zone = zone;
  $('shop-zone').textContent = zone;
}

// The shop's services as the editor's choices; an open editor keeps what is ticked.
export function offerServices(services) {
  editor.services = services;
  if (!$('resource-editor').hidden) renderChoices(checkedServiceIds());
}

function checkedServiceIds() {
  return [...$('service-choices').querySelectorAll('s-checkbox')].filter((box) => box.checked).map((box) => Number(box.value));
}

function renderChoices(checked) {
  const boxes = editor.services.map((service) => el('s-checkbox', { name: 'service_ids', value: String(service.id),
    label: service.name, checked: checked.includes(service.id) }));
  $('service-choices').replaceChildren(...(boxes.length ? boxes
    : [el('s-paragraph', { tone: 'subdued' }, 'Add a service first; then choose who performs it.')]));
  $('service-choices').className = 'choices';
}

function fillEditor(resource) {
  control(resourceForm, 'name').value = resource ? resource.name : '';
  renderChoices(resource ? resource.service_ids : []);
  renderHours(resource ? resource.weekly_hours : {});
  showExceptions(resource ? resource.exceptions : [], editor.zone);
  clearErrors(resourceForm);
  hideAffected();
  editor.dirty = false;
}

// --- opening and closing ---

export async function openResource(resource) {
  if (editor.dirty && !await discardChanges()) return;
  editor.resource = resource || null;
  $('resource-editor').setAttribute('heading', resource ? `Edit ${resource.name}` : 'New staff member or room');
  $('resource-editor').hidden = false;
  fillEditor(editor.resource);
  $('resource-editor').scrollIntoView({ block: 'start' });
  control(resourceForm, 'name').focus();
}

async function discardChanges() {
  const sure = await confirmAction({ heading: 'Discard unsaved changes?', confirm: 'Discard', tone: 'critical',
    body: 'The changes to this member of staff or room have not been saved.' });
  if (sure) resourceForm.reset();  // App Bridge hides its save bar when the form is reset
  return sure;
}

async function closeEditor() {
  if (editor.dirty && !await discardChanges()) return;
  $('resource-editor').hidden = true;
  editor.resource = null;
  editor.dirty = false;
}

// --- saving, and bookings the change would leave outside the new hours ---

function resourceBody() {
  return {
    name: control(resourceForm, 'name').value.trim(),
    service_ids: checkedServiceIds(),
    weekly_hours: readHours(),
    exceptions: readExceptions(editor.zone),
  };
}

// The body to send, or null when the page itself found a problem and showed it beside its field.
function readBody() {
  try {
    return resourceBody();
  } catch (problem) {
    if (!(problem instanceof FieldProblem)) throw problem;
    problem.control.error = problem.message;
    problem.control.focus();
    return null;
  }
}

function hideAffected() {
  $('affected-banner').hidden = true;
}

function showAffected(error) {
  const ids = error.body.booking_ids || [];
  $('affected-text').replaceChildren(
    el('s-paragraph', {}, `${error.message} (${error.code})`),
    el('s-paragraph', {}, `Bookings affected: ${ids.map((id) => `#${id}`).join(', ')}.`),
    el('s-paragraph', {}, 'Save anyway keeps them and puts each on the attention list, so someone moves or cancels it.'));
  $('affected-banner').hidden = false;
  $('affected-banner').scrollIntoView({ block: 'nearest' });
  $('save-anyway').focus();
}

async function saveResource(force) {
  clearErrors(resourceForm);
  hideAffected();
  const body = readBody();
  if (!body) return;
  if (force) body.force = true;  // only a change to an existing one can strand bookings
  try {
    await saved(await (editor.resource ? api(`/api/resources/${editor.resource.id}`, { method: 'PATCH', body })
      : api('/api/resources', { method: 'POST', body })));
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.code === 'bookings_affected') showAffected(error);
    else showError(plain(error, resourceForm), { form: resourceForm });
  }
}

async function saved(resource) {
  editor.dirty = false;
  resourceForm.dispatchEvent(new Event('packbook:saved'));
  toast(`${resource.name} saved`);
  $('resource-editor').hidden = true;
  editor.resource = null;
  await editor.reload();
}

// --- wiring ---

// reload: draws the page's lists again once a member of staff or a room is saved.
export function wireEditor(reload) {
  editor.reload = reload;
  $('add-resource').addEventListener('click', () => openResource(null));
  resourceForm.addEventListener('submit', (event) => { event.preventDefault(); saveResource(false); });
  // Discard resets the form's own inputs; the rows it built are rebuilt from what was last saved.
  resourceForm.addEventListener('reset', () => setTimeout(() => fillEditor(editor.resource)));
  for (const kind of ['input', 'change']) resourceForm.addEventListener(kind, () => { editor.dirty = true; hideAffected(); });
  $('add-exception').addEventListener('click', addException);
  $('save-anyway').addEventListener('click', () => saveResource(true));
  $('keep-editing').addEventListener('click', () => { hideAffected(); control(resourceForm, 'name').focus(); });
  $('close-editor').addEventListener('click', closeEditor);
}
