// Small enhancements only; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen reader users hear what went wrong.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Submit the unit switcher on change; the button stays for keyboard and no-JS users.
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
});

// Name each table cell by its column heading, so stacked rows on narrow screens stay readable
// (app.css shows data-label before the cell). Runs again on content htmx swaps in.
function labelTableCells(root) {
  root.querySelectorAll("table.table").forEach((table) => {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach((row) => {
      let column = 0;
      [...row.children].forEach((cell) => {
        const label = heads[column];
        if (cell.tagName === "TD" && label && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", label);
          // An empty cell would show a heading with nothing after it.
          if (!cell.textContent.trim() && !cell.querySelector("input, button, select, img")) {
            cell.classList.add("table__empty");
          }
        }
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelTableCells(document));
document.addEventListener("htmx:load", (event) => labelTableCells(event.detail.elt.closest("table") || event.detail.elt));


// A document being prepared (the 202 page): ask now and then whether it is ready and open it
// then, instead of reloading the page on a timer. The link on the page does the same by hand.
document.addEventListener("DOMContentLoaded", () => {
  const waiting = document.querySelector("[data-document-check]");
  if (!waiting) return;
  const delay = Number(waiting.dataset.retryAfter || 2) * 1000;
  const ask = () => {
    fetch(waiting.dataset.documentCheck, { credentials: "same-origin", cache: "no-store" })
      .then((response) => {
        if (response.status === 200) window.location.assign(waiting.dataset.documentOpen);
        else setTimeout(ask, delay);
      })
      .catch(() => setTimeout(ask, delay * 2));
  };
  setTimeout(ask, delay);
});
