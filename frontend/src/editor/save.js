// Saving all seven scripts as one revision: the request, and what each answer means for the page.
import { button, heading } from "./dom.js";
import { showLive, showRevision } from "./revision_header.js";

export function createSaver({ config, csrf, docs, findings, el, say, markTabs, onConflict, blocker = () => "" }) {
  let saving = false;

  // Error findings (a logged password, a require the sandbox refuses…) do not block a save, but they are
  // questioned first: "Save anyway" or go back. Syntax errors are refused by the server and say so.
  // draft: stored as a revision that serves no login until deployed from History.
  async function save({ confirmed = false, draft = false } = {}) {
    if (!config.canChange || saving) return;
    const wait = blocker();
    if (wait) {
      say(`Not saved: ${wait}`, "danger");
      return;
    }
    const errors = findings.all().filter((f) => f.severity === "error" && f.rule !== "syntax");
    if (errors.length && !confirmed) {
      askFirst(errors, draft);
      return;
    }
    el.check.replaceChildren();
    saving = true;
    el.save.disabled = true;
    if (el.saveDraft) el.saveDraft.disabled = true;
    const sent = Object.fromEntries(docs.keys.map((key) => [key, docs.textOf(key)]));
    const form = new FormData();
    form.append("base_number", String(docs.base().number));
    form.append("message", el.message.value);
    if (draft) form.append("draft", "on");
    docs.keys.forEach((key) => form.append(`script_${key}`, sent[key]));
    say("Saving…");
    try {
      const response = await fetch(config.saveUrl, { method: "POST", body: form, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
      const data = await response.json().catch(() => ({}));
      if (response.ok) saved(data, sent, draft);
      else if (response.status === 422 && data.testsFailed) keptAsDraft(data, sent);
      else if (response.status === 409) onConflict(data);
      else if (data.problems) refused(data.problems);
      else say(`Not saved: ${describeErrors(data.errors) || `the server answered ${response.status}`}.`, "danger");
    } catch (error) {
      say(`Not saved: ${error.message}. Your text is still here; try again.`, "danger");
    } finally {
      saving = false;
      el.save.disabled = false;
      if (el.saveDraft) el.saveDraft.disabled = false;
    }
  }

  function askFirst(errors, draft) {
    const box = document.createElement("div");
    box.className = "alert alert-danger py-2 small";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-label", "Save with error findings?");
    const list = document.createElement("ul");
    list.className = "mb-2";
    errors.forEach((f) => {
      const item = document.createElement("li");
      item.textContent = `${docs.specs[f.script].title}, line ${f.line}: ${f.message}`;
      list.append(item);
    });
    const save_ = button(draft ? "Save as draft anyway" : "Save anyway", "btn-danger", "save-anyway", () => save({ confirmed: true, draft }));
    const back = button("Back to the code", "btn-outline-secondary", "save-cancel", () => {
      el.check.replaceChildren();
      const first = errors[0];
      docs.jumpTo(first.script, first.from);
    });
    const actions = document.createElement("div");
    actions.className = "d-flex gap-2";
    actions.append(save_, back);
    const count = errors.length === 1 ? "1 error finding" : `${errors.length} error findings`;
    box.append(heading(`Not saved yet: ${count}. Save anyway?`), list, actions);
    el.check.replaceChildren(box);
    say("");
    save_.focus();
  }

  function saved(data, sent, draft) {
    docs.setBase(data.revision.number, sent);
    el.message.value = "";
    el.conflict.classList.add("d-none");
    if (data.created) {
      showRevision(el.revision, data.revision, { justSaved: true });
      document.querySelector("[data-stub-warning]")?.remove(); // saved scripts are no longer the blank stubs
    }
    showLive(el.live, data.revision, data.liveNumber);
    const number = data.revision.number;
    let text = `Nothing changed since revision ${number}; nothing was stored.`;
    if (data.created && draft) text = `Saved as draft revision ${number}: logins still use revision ${data.liveNumber}. Deploy it from History when it is ready.`;
    else if (data.created) text = `Saved all scripts as revision ${number}.`;
    say(text, "success");
    findings.render(data.findings);
    markTabs();
  }

  // The connection requires its test cases to pass: the revision was kept as a draft, nothing is lost.
  function keptAsDraft(data, sent) {
    docs.setBase(data.revision.number, sent);
    el.message.value = "";
    showRevision(el.revision, data.revision, { justSaved: true });
    showLive(el.live, data.revision, data.liveNumber);
    // No failing case: the tests passed but someone deployed or changed the release meanwhile (the message says).
    if (!data.testsFailed.length) {
      say(data.message, "danger");
      el.check.replaceChildren();
      markTabs();
      return;
    }
    say(`Saved as draft revision ${data.revision.number}, not live: ${data.testsFailed.length} required test case(s) failed.`, "danger");
    const box = document.createElement("div");
    box.className = "alert alert-danger py-2 small";
    box.setAttribute("role", "alert");
    const list = document.createElement("ul");
    list.className = "mb-0";
    data.testsFailed.forEach((f) => {
      const item = document.createElement("li");
      item.textContent = `${f.name}: ${f.reason}`;
      list.append(item);
    });
    box.append(heading("Required test cases failed"), list);
    el.check.replaceChildren(box);
    markTabs();
  }

  function refused(problems) {
    const title = (key) => (docs.specs[key] ? docs.specs[key].title : key);
    const lines = problems.map((p) => `${title(p.script)}${p.line ? ` line ${p.line}, column ${p.column}` : ""}: ${p.message}`);
    say(`Not saved (nothing was stored): ${lines.join("; ")}`, "danger");
    const first = problems.find((p) => docs.specs[p.script]);
    if (first && first.line) {
      docs.activate(first.script);
      const doc = docs.view.state.doc;
      const line = doc.line(Math.min(first.line, doc.lines));
      docs.jumpTo(first.script, line.from + Math.max(0, (first.column || 1) - 1));
    }
  }

  return { save };
}

function describeErrors(errors) {
  if (!errors) return "";
  return Object.values(errors).flat().map((e) => e.message).join(" ");
}
