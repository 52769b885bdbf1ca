// Small behaviours shared by every dashboard page.

// Confirm-by-typing: a submit button stays disabled until the input matches data-confirm-value.
document.querySelectorAll("[data-confirm-value]").forEach((input) => {
  const button = document.getElementById(input.dataset.confirmButton);
  const sync = () => { button.disabled = input.value !== input.dataset.confirmValue; };
  input.addEventListener("input", sync);
  sync();
});

// "/" focuses the page's search box, as on most admin dashboards.
document.addEventListener("keydown", (e) => {
  const search = document.querySelector("[data-search]");
  if (e.key === "/" && search && !["INPUT", "TEXTAREA"].includes(document.activeElement.tagName)
      && !document.activeElement.isContentEditable) {
    e.preventDefault();
    search.focus();
  }
});
