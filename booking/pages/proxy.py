"""The booking pages through Shopify's app proxy: `https://{shop}/apps/book/...` reaches `/book/...` here (see
shopify.app.toml), signed by Shopify with the shop, the logged-in customer (if any), the path prefix and a
timestamp. Cookies are stripped both ways, so a proxied request proves who it is by that signature alone:
a logged-in customer goes straight to their pages, a guest is asked for their email.

Links and redirects point back through the shop's domain: `/book/x` becomes `{path_prefix}/x`, the prefix
Shopify signed (merchants can change it). Forms carry a token bound to the shop and the customer.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time

from flask import abort, current_app, g, request, url_for

from shopify_app.signatures import AppProxyRequest, InvalidSignature, verify_app_proxy

MOUNT = "/book"  # where the proxy's URL points in this app
_PREFIX = re.compile(r"/[A-Za-z0-9_-]{1,40}/[A-Za-z0-9_-]{1,80}")


def proxied() -> AppProxyRequest | None:
    """The verified proxy request this is, or None for a direct request. A forged signature is a 401."""
    if "app_proxy" not in g:
        g.app_proxy = _verify() if "signature" in request.args else None
    return g.app_proxy


def _verify() -> AppProxyRequest:
    try:
        found = verify_app_proxy(request.args.items(multi=True), current_app.config["PACKBOOK"].webhook_secrets,
                                 now=time.time())
    except InvalidSignature:
        abort(401, description="This page could not be verified. Reload it from the shop.")
    if not _PREFIX.fullmatch(found.path_prefix):
        abort(401, description="This page could not be verified. Reload it from the shop.")
    return found


def page_url(endpoint: str, **values) -> str:
    """url_for, pointed back through the shop's domain when the page was reached through the proxy."""
    return through_proxy(url_for(endpoint, **values))


def through_proxy(path: str) -> str:
    found = proxied()
    if found is None or not (path == MOUNT or path.startswith(MOUNT + "/") or path.startswith(MOUNT + "?")):
        return path
    return found.path_prefix + path[len(MOUNT):]


def csrf_token(shop_id: int, customer_id: int) -> str:
    """A proxied form's token: bound to the shop and customer, unknowable without the app's secret."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"proxy-form:{shop_id}:{customer_id}".encode(), hashlib.sha256).hexdigest()
