// The JSON API as the admin calls it: every request carries a fresh App Bridge session token (App Bridge also
// adds one to same-origin fetches; asking explicitly keeps the stand-ins and the real thing alike).
export class ApiError extends Error {
  constructor(status, body) {
    super(body.error || ('The request failed (' + status + ')'));
    this.status = status;
    this.code = body.code || null;
    this.field = body.field || null;
    this.body = body;
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  const token = await window.shopify.idToken();
  const url = query ? path + '?' + new URLSearchParams(clean(query)) : path;
  const headers = { Authorization: 'Bearer ' + token, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

function clean(query) {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}
