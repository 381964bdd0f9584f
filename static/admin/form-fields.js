// What the services page's two forms (a service, a member of staff or a room) share: finding a control by name,
// and wording a refusal that shows beside its field.
import { ApiError } from './api.js';
import { fieldFor } from './ui.js';

export function control(form, name) {
  return form.querySelector(`[name="${name}"]`);
}

// A 422 shown beside its field needs no field path in front of it: "Must be a whole number from 1 to 1440".
// One that finds no control keeps it, since the banner must say which field.
export function plain(error, form) {
  if (error instanceof ApiError && error.status === 422 && error.field && fieldFor(form, error.field)
      && error.message.startsWith(error.field + ' ')) {
    const rest = error.message.slice(error.field.length + 1).replace('starts_at', 'the start');
    error.message = rest.charAt(0).toUpperCase() + rest.slice(1);
  }
  return error;
}
