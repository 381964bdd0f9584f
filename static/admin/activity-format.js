// How the activity page writes times (in the shop's zone, once the settings say which) and its table cells.
import { el } from './ui.js';

let zone = 'UTC';

export function useZone(shopZone) {
  zone = shopZone;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }) : '');
export const cell = (label, ...content) => el('s-table-cell', { dataset: { label } }, ...content);
export const emptyRow = (text) => el('s-table-row', {}, el('s-table-cell', {}, text));
