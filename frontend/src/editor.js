// The script editor page: seven CodeMirror documents behind one set of tabs, saved together.
// The page's JSON config (scripts_editor.views.editor) carries the saved revision, the script
// metadata, the templates and the sandbox allow-list; lint is the same module Django runs on save.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { javascript } from "@codemirror/lang-javascript";
import { linter, lintGutter } from "@codemirror/lint";
import { lintScript } from "../../sandbox/lint/index.js";
import { startTryPanel } from "./try/panel.js";
import "./editor.css";

const configElement = document.getElementById("editor-config");
if (configElement) start(JSON.parse(configElement.textContent));

function start(config) {
  const specs = Object.fromEntries(config.scripts.map((s) => [s.key, s]));
  const keys = config.scripts.map((s) => s.key);
  const csrf = document.querySelector("#editor-form [name=csrfmiddlewaretoken]").value;
  const el = {
    tabs: document.querySelectorAll("#script-tabs [data-script]"),
    info: document.getElementById("script-info"),
    status: document.getElementById("status"),
    conflict: document.getElementById("conflict"),
    findings: document.getElementById("findings"),
    findingsCount: document.getElementById("findings-count"),
    revision: document.getElementById("revision-summary"),
    save: document.getElementById("save-button"),
    message: document.getElementById("save-message"),
    templateSelect: document.getElementById("template-select"),
    templateLoad: document.getElementById("template-load"),
  };

  // The revision the editor started from: what "changed" means, and the base a save names.
  let base = { number: config.revision.number, bodies: { ...config.bodies } };
  let active = keys[0];
  let saving = false;
  const states = {};

  const lintOptions = (key) => ({ spec: specs[key], allowlist: config.allowlist, sizeFindingBytes: config.sizeFindingBytes });
  const lintText = (key, text) => lintScript(key, text, lintOptions(key));

  function diagnostics(key, text) {
    const { findings, syntaxError } = lintText(key, text);
    const out = findings.map((f) => ({ from: f.from, to: f.to, severity: f.severity, source: f.rule, message: `${f.message} ${f.why}` }));
    if (syntaxError) {
      const from = Math.min(syntaxError.from, text.length);
      out.push({ from, to: Math.min(from + 1, text.length), severity: "error", source: "syntax", message: `Syntax error: ${syntaxError.message}. Saving is blocked until it is fixed.` });
    }
    return out;
  }

  function makeState(key, text) {
    return EditorState.create({
      doc: text,
      extensions: [
        basicSetup, // line numbers, bracket matching, search (Mod-f), folding, history
        javascript(),
        lintGutter(),
        linter((view) => diagnostics(key, view.state.doc.toString()), { delay: 400 }),
        EditorState.readOnly.of(!config.canChange),
        EditorView.editable.of(config.canChange),
        EditorView.contentAttributes.of({ "aria-label": `${specs[key].title} script` }),
        EditorView.updateListener.of((update) => { if (update.docChanged) changed(); }),
      ],
    });
  }

  keys.forEach((key) => { states[key] = makeState(key, base.bodies[key]); });
  const view = new EditorView({ state: states[active], parent: document.querySelector("[data-editor]") });

  const textOf = (key) => (key === active ? view.state.doc.toString() : states[key].doc.toString());
  const isChanged = (key) => textOf(key) !== base.bodies[key];
  const isDirty = () => keys.some(isChanged);
  const tryPanel = startTryPanel({ config, textOf, csrf });

  function setText(key, text) {
    if (textOf(key) === text) return;
    const spec = (state) => ({ changes: { from: 0, to: state.doc.length, insert: text } });
    if (key === active) view.dispatch(spec(view.state));
    else states[key] = states[key].update(spec(states[key])).state;
  }

  function activate(key) {
    if (key === active) return;
    states[active] = view.state;
    active = key;
    view.setState(states[key]);
    tryPanel.follow(key);
    el.tabs.forEach((tab) => {
      const on = tab.dataset.script === key;
      tab.classList.toggle("active", on);
      tab.setAttribute("aria-selected", String(on));
    });
    showInfo();
  }

  function showInfo() {
    const spec = specs[active];
    el.info.replaceChildren(
      code(`function ${spec.functionNames[0]}(${spec.signature.join(", ")})`),
      document.createTextNode(` · ${spec.role.label}: ${spec.role.note}`),
    );
  }

  function markTabs() {
    el.tabs.forEach((tab) => {
      const on = isChanged(tab.dataset.script);
      tab.querySelector(".changed-mark").hidden = !on;
      tab.classList.toggle("script-changed", on);
    });
    if (el.save) el.save.classList.toggle("btn-warning", isDirty());
  }

  let findingsTimer = null;
  function changed() {
    markTabs();
    clearTimeout(findingsTimer);
    findingsTimer = setTimeout(() => renderFindings(allFindings()), 500); // debounced while typing
  }

  function allFindings() {
    const out = [];
    for (const key of keys) {
      const { findings, syntaxError } = lintText(key, textOf(key));
      if (syntaxError) out.push({ ...syntaxError, rule: "syntax", severity: "error", why: "Saving is blocked until it is fixed." });
      out.push(...findings);
    }
    return out;
  }

  function renderFindings(findings) {
    el.findingsCount.textContent = String(findings.length);
    el.findings.replaceChildren(...findings.map((f) => {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "list-group-item list-group-item-action finding";
      item.dataset.rule = f.rule;
      item.dataset.script = f.script;
      const tone = { error: "danger", warning: "warning", info: "info" }[f.severity] || "secondary";
      item.append(badge(f.severity, tone), document.createTextNode(` ${specs[f.script].title}, line ${f.line}: ${f.message} `),
        small(f.why), small(` [${f.rule}]`));
      item.addEventListener("click", () => jumpTo(f.script, f.from));
      return item;
    }));
  }

  function jumpTo(key, offset) {
    activate(key);
    const pos = Math.min(offset || 0, view.state.doc.length);
    view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
    view.focus();
  }

  function say(text, tone = "body-secondary") {
    el.status.className = `small mb-2 text-${tone}`;
    el.status.textContent = text;
  }

  async function save() {
    if (!config.canChange || saving) return;
    saving = true;
    el.save.disabled = true;
    const sent = Object.fromEntries(keys.map((key) => [key, textOf(key)]));
    const form = new FormData();
    form.append("base_number", String(base.number));
    form.append("message", el.message.value);
    keys.forEach((key) => form.append(`script_${key}`, sent[key]));
    say("Saving…");
    try {
      const response = await fetch(config.saveUrl, { method: "POST", body: form, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
      const data = await response.json().catch(() => ({}));
      if (response.ok) saved(data, sent);
      else if (response.status === 409) showConflict(data);
      else if (data.problems) refused(data.problems);
      else say(`Not saved: ${describeErrors(data.errors) || `the server answered ${response.status}`}.`, "danger");
    } catch (error) {
      say(`Not saved: ${error.message}. Your text is still here; try again.`, "danger");
    } finally {
      saving = false;
      el.save.disabled = false;
    }
  }

  function saved(data, sent) {
    base = { number: data.revision.number, bodies: sent };
    el.message.value = "";
    el.conflict.classList.add("d-none");
    if (data.created) showRevision(data.revision, { justSaved: true });
    say(data.created ? `Saved all scripts as revision ${base.number}.` : `Nothing changed since revision ${base.number}; nothing was stored.`, "success");
    renderFindings(data.findings);
    markTabs();
  }

  // The header line describes the revision the editor is now based on (the page renders the first one).
  function showRevision(revision, { justSaved = false } = {}) {
    const number = document.createElement("strong");
    number.dataset.revisionNumber = "";
    number.textContent = String(revision.number);
    const who = revision.author || "someone";
    if (justSaved) {
      el.revision.replaceChildren("Revision ", number, `, saved just now by ${who}`);
      return;
    }
    const when = document.createElement("time");
    when.dateTime = revision.createdAt || "";
    when.textContent = revision.createdAt ? new Date(revision.createdAt).toLocaleString() : "";
    el.revision.replaceChildren("Revision ", number, ` by ${who}, `, when);
  }

  function refused(problems) {
    const lines = problems.map((p) => `${specs[p.script] ? specs[p.script].title : p.script}${p.line ? ` line ${p.line}, column ${p.column}` : ""}: ${p.message}`);
    say(`Not saved (nothing was stored): ${lines.join("; ")}`, "danger");
    const first = problems.find((p) => specs[p.script]);
    if (first && first.line) {
      activate(first.script);
      const line = view.state.doc.line(Math.min(first.line, view.state.doc.lines));
      jumpTo(first.script, line.from + Math.max(0, (first.column || 1) - 1));
    }
  }

  function showConflict(data) {
    const theirs = data.bodies;
    const mine = keys.filter(isChanged);
    const both = mine.filter((key) => data.theirChanges[key] !== undefined);
    const box = document.createElement("div");
    box.className = "alert alert-warning";
    box.append(
      heading(`Not saved: revision ${data.conflict.number} was saved by ${data.conflict.author || "someone"} while you edited revision ${data.baseNumber}`),
      para("Nothing of yours is lost: your text is still in the editor, unsaved. Here is what they changed:"),
      ...Object.entries(data.theirChanges).map(([key, text]) => diffBlock(key, text)),
      para(`You changed: ${mine.map((k) => specs[k].title).join(", ") || "nothing"}.` +
        (both.length ? ` Both of you changed ${both.map((k) => specs[k].title).join(", ")}: keeping yours replaces their version there.` : "")),
    );
    const actions = document.createElement("div");
    actions.className = "d-flex gap-2 flex-wrap";
    actions.append(
      button("Keep my changes on top of theirs", "btn-primary", "rebase", () => {
        // Scripts I did not touch take their version; scripts I changed keep mine. Then Save.
        keys.forEach((key) => { if (!isChanged(key)) setText(key, theirs[key]); });
        base = { number: data.conflict.number, bodies: theirs };
        showRevision(data.conflict);
        closeConflict(`Your changes now sit on top of revision ${base.number}. Review them and press Save.`);
      }),
      button(`Discard mine and load revision ${data.conflict.number}`, "btn-outline-danger", "theirs", () => {
        if (!window.confirm("Discard your unsaved changes and load their revision?")) return;
        keys.forEach((key) => setText(key, theirs[key]));
        base = { number: data.conflict.number, bodies: theirs };
        showRevision(data.conflict);
        closeConflict(`Loaded revision ${base.number}.`);
      }),
    );
    box.append(actions);
    el.conflict.replaceChildren(box);
    el.conflict.classList.remove("d-none");
    say(`Conflict: revision ${data.conflict.number} was saved first.`, "danger");
    el.conflict.scrollIntoView({ block: "nearest" });
  }

  function closeConflict(text) {
    el.conflict.classList.add("d-none");
    el.conflict.replaceChildren();
    markTabs();
    renderFindings(allFindings());
    say(text, "body");
  }

  function loadTemplate() {
    const template = config.templates.find((t) => t.key === el.templateSelect.value);
    if (!template) return; // still on "Choose a template…"
    if (isDirty() && !window.confirm(`Replace all seven scripts with the “${template.label}” template? Your unsaved changes will be lost.`)) return;
    keys.forEach((key) => setText(key, template.bodies[key]));
    const needs = template.configurationKeys.length ? ` It reads configuration ${template.configurationKeys.join(", ")}.` : "";
    say(`Loaded the “${template.label}” template into all seven scripts; nothing is stored until you Save.${needs}`, "body");
    // Back to the prompt: once edited, the scripts are no longer "the template".
    el.templateSelect.value = "";
    el.templateLoad.disabled = true;
  }

  el.tabs.forEach((tab) => tab.addEventListener("click", () => activate(tab.dataset.script)));
  if (config.canChange) {
    el.save.addEventListener("click", save);
    el.templateLoad.addEventListener("click", loadTemplate);
    el.templateSelect.addEventListener("change", () => { el.templateLoad.disabled = !el.templateSelect.value; });
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        save();
      }
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (!isDirty()) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers show their own "leave page?" text only when this is set
  });

  showInfo();
  markTabs();
  renderFindings(allFindings());
}

function code(text) { const n = document.createElement("code"); n.textContent = text; return n; }
function small(text) { const n = document.createElement("small"); n.className = "text-body-secondary"; n.textContent = text; return n; }
function para(text) { const n = document.createElement("p"); n.className = "mb-2"; n.textContent = text; return n; }
function heading(text) { const n = document.createElement("h2"); n.className = "h6"; n.textContent = text; return n; }
function badge(text, tone) { const n = document.createElement("span"); n.className = `badge text-bg-${tone}`; n.textContent = text; return n; }

function button(text, style, action, onClick) {
  const n = document.createElement("button");
  n.type = "button";
  n.className = `btn btn-sm ${style}`;
  n.dataset.action = action;
  n.textContent = text;
  n.addEventListener("click", onClick);
  return n;
}

function diffBlock(key, text) {
  const details = document.createElement("details");
  details.open = true;
  details.dataset.script = key;
  const summary = document.createElement("summary");
  summary.textContent = key;
  const pre = document.createElement("pre");
  pre.className = "conflict-diff border rounded bg-body p-2 small";
  text.split("\n").forEach((line) => {
    const row = document.createElement("div");
    row.className = line.startsWith("+") && !line.startsWith("+++") ? "diff-add" : line.startsWith("-") && !line.startsWith("---") ? "diff-del" : line.startsWith("@@") ? "diff-hunk" : "";
    row.textContent = line || " ";
    pre.append(row);
  });
  details.append(summary, pre);
  return details;
}

function describeErrors(errors) {
  if (!errors) return "";
  return Object.values(errors).flat().map((e) => e.message).join(" ");
}
