// The connection's Settings page: "What runs now" follows the switches before saving, and turning "Use my
// own database" off asks first, saying how many users it locks out.
const dataElement = document.getElementById("settings-page");
if (dataElement) start(JSON.parse(dataElement.textContent));

function start(page) {
  const own = document.getElementById("id_use_own_database");
  const importUsers = document.getElementById("id_import_users");
  if (!own) return;
  const form = own.form;
  const modes = document.querySelectorAll("[data-runs-when]");
  const unsaved = document.querySelector("[data-runs-unsaved]");
  const initial = mode();

  function mode() {
    if (!own.checked) return "off";
    return importUsers && importUsers.checked ? "migrate" : "legacy";
  }

  function show() {
    const now = mode();
    modes.forEach((el) => { el.hidden = el.dataset.runsWhen !== now; });
    if (unsaved) unsaved.hidden = now === initial;
  }

  form.addEventListener("change", show);
  form.addEventListener("submit", (event) => {
    if (!page.useOwnDatabase || own.checked) return;
    const n = page.legacyOnlyUsers;
    const who = n === 1 ? "1 user Trickle knows of is" : `${n} users Trickle knows of are`;
    const question = `Turn off “Use my own database”? Logins will no longer reach your database: ${who} still only in the legacy store, `
      + "and they (with every legacy user who has not logged in through Trickle yet) will not be able to log in.";
    if (!window.confirm(question)) event.preventDefault();
  });
  show();
}
