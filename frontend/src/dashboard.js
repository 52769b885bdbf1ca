// Small behaviours shared by every dashboard page.
import { localizeTimes } from "./shared/local_time.js";

// Confirm-by-typing: a submit button stays disabled until the input matches data-confirm-value.
document.querySelectorAll("[data-confirm-value]").forEach((input) => {
  const button = document.getElementById(input.dataset.confirmButton);
  const sync = () => { button.disabled = input.value !== input.dataset.confirmValue; };
  input.addEventListener("input", sync);
  sync();
});

// Confirm-by-asking: a form with data-confirm submits only once the user agrees to its question.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (e) => {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
});

// A filter control marked data-submit-on-change applies at once (its form has a button for no-JS browsers).
document.querySelectorAll("[data-submit-on-change]").forEach((control) => {
  control.addEventListener("change", () => control.form.requestSubmit());
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

// Dates: pages render UTC; show them in the viewer's time zone, UTC on hover.
localizeTimes();

// Search as you type: a form marked data-live-search fetches its own page for the typed term and swaps in the
// element named by data-live-search (the result list and its pager). Without JS the form still submits.
document.querySelectorAll("form[data-live-search]").forEach((form) => {
  const target = document.getElementById(form.dataset.liveSearch);
  const input = form.querySelector("input[type=search]");
  const status = document.querySelector("[data-live-search-status]");
  let timer = null;
  let latest = 0;
  const search = async () => {
    const url = new URL(form.action || window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    const ticket = ++latest;
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok || ticket !== latest) return; // a later keystroke's answer wins
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(target.id);
    if (!fresh) return;
    target.replaceChildren(...fresh.childNodes);
    localizeTimes(target);
    if (status) status.textContent = target.querySelector("[data-result-count]")?.textContent ?? "";
    window.history.replaceState(null, "", url);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search().catch(() => form.requestSubmit()), 250);
  });
});
