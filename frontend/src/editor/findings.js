// Lint findings: under the code as CodeMirror diagnostics, and as a list across all seven scripts.
// The rules are sandbox/lint, the same module Django runs on save.
import { linter, lintGutter } from "@codemirror/lint";
import { lintScript } from "../../../sandbox/lint/index.js";
import { badge, small } from "./dom.js";

export function createFindings({ config, specs, list, count }) {
  const lintText = (key, text) => lintScript(key, text, {
    spec: specs[key], allowlist: config.allowlist, sizeFindingBytes: config.sizeFindingBytes, configurationKeys: config.configurationKeys,
  });
  let docs = null; // set by attach(): the documents come after their lint extensions
  let timer = null;

  function diagnostics(key, text) {
    const { findings, syntaxError } = lintText(key, text);
    const out = findings.map((f) => ({ from: f.from, to: f.to, severity: f.severity, source: f.rule, message: `${f.message} ${f.why}` }));
    if (syntaxError) {
      const from = Math.min(syntaxError.from, text.length);
      out.push({ from, to: Math.min(from + 1, text.length), severity: "error", source: "syntax", message: `Syntax error: ${syntaxError.message}. Saving is blocked until it is fixed.` });
    }
    return out;
  }

  function all() {
    const out = [];
    for (const key of docs.keys) {
      const { findings, syntaxError } = lintText(key, docs.textOf(key));
      if (syntaxError) out.push({ ...syntaxError, rule: "syntax", severity: "error", why: "Saving is blocked until it is fixed." });
      out.push(...findings);
    }
    return out;
  }

  function render(findings) {
    count.textContent = String(findings.length);
    list.replaceChildren(...findings.map((f) => {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "list-group-item list-group-item-action finding";
      item.dataset.rule = f.rule;
      item.dataset.script = f.script;
      const tone = { error: "danger", warning: "warning", info: "info" }[f.severity] || "secondary";
      item.append(badge(f.severity, tone), document.createTextNode(` ${specs[f.script].title}, line ${f.line}: ${f.message} `),
        small(f.why), small(` [${f.rule}]`));
      item.addEventListener("click", () => docs.jumpTo(f.script, f.from));
      if (f.rule !== "missing-configuration" || !config.canChange) return item;
      // The offer to add the key: the Configuration page with the key filled in (its value is typed there).
      const key = f.message.match(/configuration\.(\S+?),/)[1];
      const add = document.createElement("a");
      add.className = "btn btn-sm btn-outline-primary ms-2";
      add.dataset.addConfiguration = key;
      add.href = `${config.configurationUrl}?key=${encodeURIComponent(key)}`;
      add.target = "_blank"; // keeps the unsaved scripts open here
      add.rel = "noopener";
      add.textContent = `Add ${key}`;
      const row = document.createElement("div");
      row.className = "list-group-item d-flex align-items-center finding-row";
      item.classList.add("border-0", "flex-grow-1");
      row.append(item, add);
      return row;
    }));
  }

  return {
    extensions: (key) => [lintGutter(), linter((view) => diagnostics(key, view.state.doc.toString()), { delay: 400 })],
    attach: (documents) => { docs = documents; },
    all,
    render,
    refresh: () => render(all()),
    schedule: () => { clearTimeout(timer); timer = setTimeout(() => render(all()), 500); }, // debounced while typing
  };
}
