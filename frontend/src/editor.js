// The script editor page: wires the modules in ./editor/ together. The page's JSON config
// (scripts_editor.views.editor) carries the saved revision, the script metadata, the templates and the
// sandbox allow-list.
import { createConflict } from "./editor/conflict.js";
import { createDocuments } from "./editor/documents.js";
import { sayer } from "./editor/dom.js";
import { createFindings } from "./editor/findings.js";
import { startLayout } from "./editor/layout.js";
import { createSaver } from "./editor/save.js";
import { startTemplates } from "./editor/templates.js";
import { startTryPanel } from "./try/panel.js";
import "./editor.css";

const configElement = document.getElementById("editor-config");
if (configElement) start(JSON.parse(configElement.textContent));

function start(config) {
  const csrf = document.querySelector("#editor-form [name=csrfmiddlewaretoken]").value;
  const byId = (id) => document.getElementById(id);
  const el = {
    tabs: document.querySelectorAll("#script-tabs [data-script]"),
    conflict: byId("conflict"),
    check: byId("save-check"),
    revision: byId("revision-summary"),
    save: byId("save-button"),
    saveDraft: byId("save-draft-button"),
    live: byId("live-summary"),
    message: byId("save-message"),
  };
  const say = sayer(byId("status"));
  const specs = Object.fromEntries(config.scripts.map((s) => [s.key, s]));
  const findings = createFindings({ config, specs, list: byId("findings"), count: byId("findings-count") });
  let tryPanel = null;
  let saver = null;
  const docs = createDocuments({
    config, parent: document.querySelector("[data-editor]"), tabs: el.tabs, info: byId("script-info"),
    extensionsFor: findings.extensions,
    commands: [
      { key: "Mod-Enter", run: () => { tryPanel.run(); return true; } },
    ],
    onChange: () => { markTabs(); findings.schedule(); },
    onActivate: (key) => tryPanel.follow(key),
  });
  findings.attach(docs);
  startLayout({ workspace: document.querySelector("[data-workspace]"), frame: document.querySelector(".editor-frame"), editor: document.querySelector("[data-editor]") });
  tryPanel = startTryPanel({ config, textOf: docs.textOf, csrf });

  function markTabs() {
    el.tabs.forEach((tab) => {
      const on = docs.isChanged(tab.dataset.script);
      tab.querySelector(".changed-mark").hidden = !on;
      tab.classList.toggle("script-changed", on);
    });
    if (el.save) el.save.classList.toggle("btn-warning", docs.isDirty());
  }

  if (config.canChange) {
    const conflict = createConflict({ docs, findings, el, say, markTabs });
    saver = createSaver({ config, csrf, docs, findings, el, say, markTabs, onConflict: conflict.show, blocker: conflict.blocker });
    startTemplates({ config, docs, select: byId("template-select"), load: byId("template-load"), say });
    el.save.addEventListener("click", () => saver.save());
    el.saveDraft.addEventListener("click", () => saver.save({ draft: true }));
    // Capture phase, so inside the code too it runs before CodeMirror: Ctrl+S saves, Ctrl+Shift+S saves a draft.
    document.addEventListener(
      "keydown",
      (event) => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
          event.preventDefault();
          event.stopPropagation();
          saver.save({ draft: event.shiftKey });
        }
      },
      { capture: true },
    );
  }
  window.addEventListener("beforeunload", (event) => {
    if (!docs.isDirty()) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers show their own "leave page?" text only when this is set
  });

  markTabs();
  findings.refresh();
}
