// What sells a saved package: the Shopify product variants that grant it (Shopify's picker, or a search of the
// shop's products where the picker is missing) and, for a membership, the selling plans that start it.
import { api } from './api.js';
import { clearErrors, confirmAction, el, showError, toast } from './ui.js';

const link = { planId: null, currency: null };

export function listenLinks(planId) {
  link.planId = planId;
  document.getElementById('link-variant').addEventListener('click', () => pickVariants().catch((error) => showError(error)));
  document.getElementById('product-search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    searchProducts().catch((error) => showError(error));
  });
  const sellingForm = document.getElementById('selling-plan-form');
  sellingForm.addEventListener('submit', (event) => {
    event.preventDefault();
    linkSellingPlan(sellingForm).catch((error) => showError(error, { form: sellingForm }));
  });
}

export async function showLinks(plan, currency) {
  link.currency = currency;
  await Promise.all([showVariants(), plan.kind === 'membership' ? showSellingPlans() : null]);
}

// --- Shopify products that sell the package ---

function variantName(productTitle, variantTitle) {
  return !variantTitle || variantTitle === 'Default Title' ? productTitle : `${productTitle} – ${variantTitle}`;
}

async function showVariants() {
  const banner = document.getElementById('variants-error');
  banner.hidden = true;
  try {
    const { variants } = await api(`/api/plans/${link.planId}/variants`);
    document.getElementById('variants').replaceChildren(...(variants.length ? variants.map(variantRow)
      : [el('s-paragraph', { tone: 'subdued' }, 'No product linked yet: only staff can give this package.')]));
  } catch (error) {
    showError(error, { banner });  // the rest of the page still works without Shopify
  }
}

function variantRow(variant) {
  const name = variant.title === null ? `Variant ${variant.variant_id} (deleted in Shopify)`
    : variantName(variant.product_title, variant.title);
  const units = variant.units_per_item;
  return el('div', { class: 'linked', dataset: { variantId: variant.variant_id } },
    el('s-stack', { gap: 'none' }, el('s-text', {}, name),
      el('s-text', { tone: 'subdued' }, `${units} ${units === 1 ? 'package' : 'packages'} per item · variant ${variant.variant_id}`)),
    el('s-button', { tone: 'critical', accessibilityLabel: `Remove ${name}`,
      onclick: () => unlinkVariant(variant, name).catch((error) => showError(error)) }, 'Remove'));
}

async function unlinkVariant(variant, name) {
  const sure = await confirmAction({
    heading: 'Remove this product?', confirm: 'Remove', tone: 'critical',
    body: [`Buying “${name}” will no longer grant this package.`, 'Packages already bought stay with their customers.'],
  });
  if (!sure) return;
  await api(`/api/plans/${link.planId}/variants/${variant.variant_id}`, { method: 'DELETE' });
  toast('Product removed');
  await showVariants();
}

// Shopify's own picker first; where App Bridge cannot offer it, a search of the shop's products.
async function pickVariants() {
  if (typeof window.shopify?.resourcePicker !== 'function') return openProductSearch();
  let picked;
  try {
    picked = await window.shopify.resourcePicker({ type: 'variant', multiple: true });
  } catch (error) {
    return openProductSearch();
  }
  if (!picked || !picked.length) return undefined;  // cancelled
  return linkVariants(picked.map((item) => ({ id: String(item.id).split('/').pop(),
    name: item.displayName || variantName(item.product?.title || '', item.title) })));
}

async function linkVariants(items) {
  const row = document.querySelector('.package-link-row');
  clearErrors(row);
  const units = row.querySelector('[name=units_per_item]').value;
  const failures = [];
  for (const item of items) {
    try {
      await api(`/api/plans/${link.planId}/variants`, { method: 'POST',
        body: { variant_id: item.id, units_per_item: units === '' ? 1 : Number(units) } });
    } catch (error) {
      failures.push(error);
    }
  }
  await showVariants();
  if (failures.length) showError(failures[0], { form: row });
  const linked = items.length - failures.length;
  if (linked) toast(linked === 1 ? 'Product linked' : `${linked} products linked`);
}

// --- the product search, where Shopify's picker is missing ---

async function openProductSearch() {
  document.getElementById('product-modal').showOverlay();
  await searchProducts();
}

async function searchProducts(after) {
  const banner = document.getElementById('product-error');
  const results = document.getElementById('product-results');
  banner.hidden = true;
  const query = document.querySelector('#product-search-form [name=query]').value.trim();
  try {
    const page = await api('/api/shopify/products', { query: { query, after } });
    if (!after) results.replaceChildren();
    results.append(...page.products.map(productBlock));
    if (!results.children.length) results.append(el('s-paragraph', { tone: 'subdued' }, 'No product found.'));
    if (page.page_info.has_next_page) {
      const more = el('s-button', { onclick: () => { more.remove(); searchProducts(page.page_info.end_cursor); } }, 'More products');
      results.append(more);
    }
  } catch (error) {
    showError(error, { banner });
  }
}

function productBlock(product) {
  return el('div', { class: 'product-result' }, el('s-text', {}, product.title),
    ...product.variants.map((variant) => variantChoice(product, variant)));
}

function variantChoice(product, variant) {
  const name = variantName(product.title, variant.title);
  const taken = variant.mapped_plan_id !== null && variant.mapped_plan_id !== undefined;
  return el('div', { class: 'linked' },
    el('s-text', { tone: 'subdued' }, [variant.title === 'Default Title' ? 'Single variant' : variant.title,
      price(variant.price)].filter(Boolean).join(' · ')),
    taken ? el('s-badge', {}, variant.mapped_plan_id === link.planId ? 'Linked here' : 'Sells another package')
      : el('s-button', { accessibilityLabel: `Link ${name}`, onclick: () => {
        document.getElementById('product-modal').hideOverlay();
        linkVariants([{ id: variant.id, name }]).catch((error) => showError(error));
      } }, 'Link'));
}

function price(amount) {
  if (!amount || !link.currency) return amount;
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: link.currency }).format(Number(amount));
  } catch (error) {
    return amount;
  }
}

// --- Shopify selling plans that start the membership ---

async function showSellingPlans() {
  const { selling_plans: rows } = await api(`/api/plans/${link.planId}/selling-plans`);
  document.getElementById('selling-plans').replaceChildren(...(rows.length ? rows.map(sellingPlanRow)
    : [el('s-paragraph', { tone: 'subdued' }, 'No subscription linked yet.')]));
}

function sellingPlanRow(row) {
  const name = row.name || `Selling plan ${row.selling_plan_id}`;
  return el('div', { class: 'linked' }, el('s-text', {}, `${name} · ${row.selling_plan_id}`),
    el('s-button', { tone: 'critical', accessibilityLabel: `Remove ${name}`,
      onclick: () => unlinkSellingPlan(row, name).catch((error) => showError(error)) }, 'Remove'));
}

async function linkSellingPlan(sellingForm) {
  clearErrors(sellingForm);
  const box = sellingForm.querySelector('[name=selling_plan_id]');
  await api(`/api/plans/${link.planId}/selling-plans`, { method: 'POST', body: { selling_plan_id: box.value.trim() } });
  box.value = '';
  toast('Subscription linked');
  await showSellingPlans();
}

async function unlinkSellingPlan(row, name) {
  const sure = await confirmAction({
    heading: 'Remove this subscription?', confirm: 'Remove', tone: 'critical',
    body: [`New contracts on “${name}” will no longer start this membership.`, 'Memberships already started carry on.'],
  });
  if (!sure) return;
  await api(`/api/plans/${link.planId}/selling-plans/${row.selling_plan_id}`, { method: 'DELETE' });
  toast('Subscription removed');
  await showSellingPlans();
}
