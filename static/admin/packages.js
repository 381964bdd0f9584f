// Packages: every plan the shop sells or assigns, in plain words, with how many were sold, are active and what
// they still owe; each opens its edit page.
import { api } from './api.js';
import { el, showError } from './ui.js';
import { summarize } from './plan-summary.js';
import { showPendingToast } from './handoff.js';

const KIND_BADGES = { membership: ['Membership', 'info'], prepaid_balance: ['Prepaid balance', 'magic'] };
const UNIT_WORDS = { sessions: ['session', 'sessions'], minutes: ['minute', 'minutes'] };

function byId(rows) {
  return new Map(rows.map((row) => [row.id, row.name]));
}

// What active packages still hold, in the plan's own unit.
function owedText(plan, figure) {
  if (plan.unit === 'unlimited') return figure && figure.active ? 'Unlimited' : 'None';
  const owed = figure ? figure.owed : '0';
  if (plan.unit === 'money') {
    try {
      return new Intl.NumberFormat('en-GB', { style: 'currency', currency: plan.currency }).format(Number(owed));
    } catch (error) {
      return `${owed} ${plan.currency}`;
    }
  }
  const [one, many] = UNIT_WORDS[plan.unit] || ['', ''];
  return `${owed} ${owed === '1' ? one : many}`;
}

function planCell(plan, names) {
  const [kind, tone] = KIND_BADGES[plan.kind] || [];
  return el('s-table-cell', {},
    el('s-stack', { direction: 'inline', gap: 'small-200' },
      el('s-link', { href: `/packages/${plan.id}${window.location.search}` }, plan.title),
      kind ? el('s-badge', { tone }, kind) : null,
      plan.not_for_sale ? el('s-badge', { tone: 'warning' }, 'Not for sale') : null),
    el('s-paragraph', { tone: 'subdued', class: 'plan-summary' }, summarize(plan, names)));
}

function planRow(plan, figure, names) {
  const numeric = (text) => el('s-table-cell', { format: 'numeric' }, text);
  return el('s-table-row', { dataset: { planId: plan.id } }, planCell(plan, names),
    numeric(String(figure ? figure.sold : 0)), numeric(String(figure ? figure.active : 0)), numeric(owedText(plan, figure)));
}

async function showPlans() {
  const [{ plans }, { plans: figures }, { services }, { resources }] = await Promise.all([
    api('/api/plans'), api('/api/plans/figures'), api('/api/services'), api('/api/resources')]);
  const names = { services: byId(services), resources: byId(resources) };
  const figureOf = new Map(figures.map((figure) => [figure.plan_id, figure]));
  document.querySelector('#plans s-table-body').replaceChildren(
    ...plans.map((plan) => planRow(plan, figureOf.get(plan.id), names)));
  document.getElementById('plans-note').textContent = plans.length ? ''
    : 'No packages yet. Create one to sell session packs, credit, unlimited passes or memberships.';
}

showPendingToast();
showPlans().catch((error) => {
  document.getElementById('plans-note').textContent = '';
  showError(error);
});
