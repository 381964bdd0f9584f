// Demo mode only: a local stand-in for Shopify's App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js).
// It offers the one call the admin uses, shopify.idToken(), backed by /demo/session-token,
// which the server answers only in demo mode on a loopback address.
(function () {
  var shop = document.querySelector('meta[name="packbook-demo-shop"]').content;
  var apiKey = document.querySelector('meta[name="shopify-api-key"]').content;
  window.shopify = {
    config: { apiKey: apiKey, shop: shop },
    idToken: function () {
      return fetch('/demo/session-token?shop=' + encodeURIComponent(shop))
        .then(function (r) { if (!r.ok) throw new Error('demo session token refused'); return r.json(); })
        .then(function (body) { return body.token; });
    },
    toast: { show: function (message) { console.log('[toast]', message); } }
  };
})();
