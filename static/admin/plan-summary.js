// A plan in one line of plain words ("5 massages with Anna, weekdays before 17:00, valid 6 months; late cancel and
// no-show forfeit"), from a body shaped as the API reads and takes plans. Presentation only: the API decides.
const DAY_ORDER = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_SHORT = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

// names: { services: Map(id -> name), resources: Map(id -> name) }
export function summarize(plan, names) {
  const when = windowsText(plan.windows);
  let line;
  if (plan.kind === 'membership') {
    line = 'Membership: ' + lowerFirst(grants(plan, names)) + provider(plan, names) + ' ' + periodText(plan);
    if (when) line += ', ' + when;
  } else {
    line = [grants(plan, names) + provider(plan, names), when, validityText(plan)].filter(Boolean).join(', ');
  }
  line += '; ' + rulesText(plan);
  return plan.not_for_sale ? line + '; staff assign only' : line;
}

// What the plan grants, without conditions: "5 massages", "Unlimited sessions", "£50.00 prepaid balance".
export function grants(plan, names) {
  const count = plan.quantity === null || plan.quantity === undefined || plan.quantity === '' ? '?' : plan.quantity;
  if (plan.kind === 'prepaid_balance') return money(count, plan.currency) + ' prepaid balance';
  if (plan.fixed_services) {
    if (!plan.fixed_services.length) return 'A fixed mix of services';
    return plan.fixed_services.map((item) => counted(item.quantity || '?', nounFor([item.service_id], names))).join(' + ');
  }
  const ids = plan.service_ids;
  if (plan.unit === 'unlimited') return 'Unlimited ' + plural(nounFor(ids, names), 2);
  if (plan.unit === 'minutes') return `${count} minutes of ${servicesText(ids, names)}`;
  if (plan.unit === 'money') return `${money(count, plan.currency)} credit for ${servicesText(ids, names)}`;
  return counted(count, nounFor(ids, names));
}

function provider(plan, names) {
  if (plan.resource_id === null || plan.resource_id === undefined) return '';
  return ' with ' + (names.resources.get(Number(plan.resource_id)) || 'one provider');
}

// How to name one session of these services: a simple service name ("massage"), else a generic "session of ...".
function nounFor(ids, names) {
  const known = (ids || []).map((id) => names.services.get(Number(id))).filter(Boolean);
  if (known.length === 1 && /^[A-Za-z][A-Za-z' -]*$/.test(known[0])) return { word: known[0].toLowerCase() };
  if (known.length) return { word: 'session', of: known.join(' or ') };
  return { word: 'session' };
}

function servicesText(ids, names) {
  const known = (ids || []).map((id) => names.services.get(Number(id))).filter(Boolean);
  return known.length ? known.join(' or ') : 'any service';
}

function counted(count, noun) {
  return `${count} ${plural(noun, count)}`;
}

function plural(noun, count) {
  let word = noun.word;
  if (String(count) !== '1') {
    if (/(s|x|z|ch|sh)$/.test(word)) word += 'es';
    else if (/[^aeiou]y$/.test(word)) word = word.slice(0, -1) + 'ies';
    else word += 's';
  }
  return noun.of ? `${word} of ${noun.of}` : word;
}

function money(amount, currency) {
  if (amount === '?' || !currency) return `${amount} ${currency || ''}`.trim();
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(Number(amount));
  } catch (error) {  // a code Intl does not know yet, while the merchant types it
    return `${amount} ${currency}`;
  }
}

export function windowsText(windows) {
  if (!windows) return '';
  const days = [weekdaysText(windows.weekdays), timesText(windows.times)].filter(Boolean).join(' ');
  return [days, datesText(windows)].filter(Boolean).join(', ');
}

function weekdaysText(weekdays) {
  if (!weekdays || !weekdays.length) return '';
  const days = DAY_ORDER.filter((day) => weekdays.includes(day));
  const key = days.join(',');
  if (key === 'mon,tue,wed,thu,fri') return 'weekdays';
  if (key === 'sat,sun') return 'weekends';
  if (days.length === 7) return 'any day';
  return 'on ' + listed(days.map((day) => DAY_SHORT[day]));
}

function timesText(times) {
  if (!times || !times.length) return '';
  return times.map(([from, until]) => {
    if (from === '00:00') return 'before ' + until;
    if (until === '23:59') return 'after ' + from;
    return `${from}–${until}`;
  }).join(' or ');
}

function datesText(windows) {
  const parts = [];
  if (windows.date_from && windows.date_to) parts.push(`from ${day(windows.date_from)} to ${day(windows.date_to)}`);
  else if (windows.date_from) parts.push('from ' + day(windows.date_from));
  else if (windows.date_to) parts.push('until ' + day(windows.date_to));
  if (windows.dates && windows.dates.length === 1) parts.push('only on ' + day(windows.dates[0]));
  else if (windows.dates && windows.dates.length) parts.push(`only on ${windows.dates.length} set dates`);
  return parts.join(', ');
}

function validityText(plan) {
  if (plan.validity_days) return `valid ${plan.validity_days} ${plan.validity_days == 1 ? 'day' : 'days'}`;
  if (plan.validity_months) return `valid ${plan.validity_months} ${plan.validity_months == 1 ? 'month' : 'months'}`;
  if (plan.expires_on) return 'valid until ' + day(plan.expires_on);
  return 'never expires';
}

// A membership's validity is its period: the allowance renews each period.
function periodText(plan) {
  if (plan.validity_days) return plan.validity_days == 1 ? 'every day' : `every ${plan.validity_days} days`;
  if (plan.validity_months) return plan.validity_months == 1 ? 'every month' : `every ${plan.validity_months} months`;
  if (plan.expires_on) return 'until ' + day(plan.expires_on);
  return 'with no end date';
}

function rulesText(plan) {
  const lateCancel = plan.late_cancel || 'forfeit';
  const noShow = plan.no_show || 'forfeit';
  if (lateCancel === noShow) return `late cancel and no-show ${lateCancel === 'forfeit' ? 'forfeit' : 'are given back'}`;
  const word = (rule) => (rule === 'forfeit' ? 'forfeits' : 'is given back');
  return `late cancel ${word(lateCancel)}, no-show ${word(noShow)}`;
}

function day(iso) {
  const parsed = new Date(iso + 'T00:00:00Z');
  return Number.isNaN(parsed.getTime()) ? iso : dayFormat.format(parsed);
}

function listed(items) {
  return items.length < 2 ? items.join('') : items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
}

function lowerFirst(text) {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
