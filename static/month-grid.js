// The month grid's keyboard, as WAI-ARIA's date grid pattern has it: one day in the tab order; arrows move a
// day or a week, Home/End to the week's first or last day, PageUp/PageDown to the previous or next month.
// Enter or Space on a day with free times opens it (it is a link); a day without any is announced but inert.
(function () {
  const grid = document.querySelector("table.month[data-grid]");
  if (!grid) return;
  const days = Array.from(grid.querySelectorAll("td > a, td > span"));
  if (!days.length) return;
  const start = grid.querySelector('a[aria-current="date"]') || grid.querySelector("td > a") || days[0];
  days.forEach((day) => day.setAttribute("tabindex", day === start ? "0" : "-1"));

  function focusDay(from, to) {
    if (to < 0 || to >= days.length || to === from) return;
    days[from].setAttribute("tabindex", "-1");
    days[to].setAttribute("tabindex", "0");
    days[to].focus();
  }

  function weekEdge(at, last) {
    const inRow = Array.from(days[at].closest("tr").querySelectorAll("td > a, td > span"));
    return days.indexOf(inRow[last ? inRow.length - 1 : 0]);
  }

  grid.addEventListener("keydown", (event) => {
    const at = days.indexOf(document.activeElement);
    if (at < 0) return;
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (event.key in steps) {
      focusDay(at, at + steps[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      focusDay(at, weekEdge(at, event.key === "End"));
    } else if (event.key === "PageUp" || event.key === "PageDown") {
      const link = document.querySelector(event.key === "PageUp" ? "[data-month=previous]" : "[data-month=next]");
      if (link) window.location.assign(link.href);
    } else if (event.key === " " && days[at].tagName === "A") {
      days[at].click();
    } else {
      return;
    }
    event.preventDefault();
  });
})();

// Times are the shop's; when the reader's own zone differs, say so beside the label (their browser knows it).
(function () {
  const note = document.querySelector("[data-shop-zone]");
  if (!note || !window.Intl) return;
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!own || own === note.dataset.shopZone) return;
  const yours = document.createElement("span");
  yours.id = "your-zone";
  yours.textContent = " " + note.dataset.yoursLabel.replace("%(zone)s", own);
  note.appendChild(yours);
})();
