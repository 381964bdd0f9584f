// "Preparing your booking": ask again every few seconds, without a timed page refresh (which screen readers
// and slow readers cannot control). When the order has arrived the link answers with a redirect: reload, and
// the browser follows it to the customer's page. Gives up after ten minutes; the link on the page still works.
(function () {
  const every = 5000, most = 120;
  let tries = 0;
  function check() {
    tries += 1;
    fetch(window.location.href, { redirect: "manual", credentials: "same-origin" })
      .then((answer) => {
        if (answer.type === "opaqueredirect" || answer.status !== 200) {
          window.location.reload();
        } else if (tries < most) {
          setTimeout(check, every);
        }
      })
      .catch(() => { if (tries < most) setTimeout(check, every); });
  }
  setTimeout(check, every);
})();
