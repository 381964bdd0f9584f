// A toast that survives the page change it announces ("Package created", then the new package's page).
import { toast } from './ui.js';

const KEY = 'packbook:toast';

export function toastAfterNavigation(message) {
  try { sessionStorage.setItem(KEY, message); } catch (error) { /* storage refused: no toast */ }
}

export function showPendingToast() {
  try {
    const message = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
    if (message) toast(message);
  } catch (error) { /* storage refused: nothing to show */ }
}
