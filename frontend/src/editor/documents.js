// The seven scripts as CodeMirror documents behind one view and one set of tabs. Owns the revision the
// editor is based on (`base`): what "changed" means, and the base a save names.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { code } from "./dom.js";

// `commands` are the page's own key bindings (Mod-Enter: Try; Ctrl+S is caught before, in editor.js): first, over the
// editor's, so Mod-Enter runs the script instead of also inserting a blank line into it.
export function createDocuments({ config, parent, tabs, info, extensionsFor, commands, onChange, onActivate }) {
  const specs = Object.fromEntries(config.scripts.map((s) => [s.key, s]));
  const keys = config.scripts.map((s) => s.key);
  let base = { number: config.revision.number, bodies: { ...config.bodies } };
  let active = keys[0];
  const states = {};

  function makeState(key, text) {
    return EditorState.create({
      doc: text,
      extensions: [
        keymap.of(commands),
        basicSetup, // line numbers, bracket matching, search (Mod-f), folding, history
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's tab focus mode), as its docs advise.
        keymap.of([indentWithTab]),
        javascript(),
        ...extensionsFor(key),
        EditorState.readOnly.of(!config.canChange),
        EditorView.editable.of(config.canChange),
        EditorView.contentAttributes.of({ "aria-label": `${specs[key].title} script` }),
        EditorView.updateListener.of((update) => { if (update.docChanged) onChange(); }),
      ],
    });
  }

  keys.forEach((key) => { states[key] = makeState(key, base.bodies[key]); });
  const view = new EditorView({ state: states[active], parent });

  const textOf = (key) => (key === active ? view.state.doc.toString() : states[key].doc.toString());
  const isChanged = (key) => textOf(key) !== base.bodies[key];

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
    markActiveTab();
    showInfo();
    onActivate(key);
  }

  // A tablist: one tab in the Tab order (the active one); arrows, Home and End move between them.
  function markActiveTab() {
    tabs.forEach((tab) => {
      const on = tab.dataset.script === active;
      tab.classList.toggle("active", on);
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    });
  }

  function onTabKey(event) {
    const list = [...tabs];
    const at = list.indexOf(event.currentTarget);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: list.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const tab = list[(to + list.length) % list.length];
    activate(tab.dataset.script);
    tab.focus();
  }

  function showInfo() {
    const spec = specs[active];
    info.replaceChildren(
      code(`function ${spec.functionNames[0]}(${spec.signature.join(", ")})`),
      document.createTextNode(` · ${spec.role.label}: ${spec.role.note}`),
    );
  }

  function jumpTo(key, offset) {
    activate(key);
    const pos = Math.min(offset || 0, view.state.doc.length);
    view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
    view.focus();
  }

  tabs.forEach((tab) => {
    tab.addEventListener("click", () => activate(tab.dataset.script));
    tab.addEventListener("keydown", onTabKey);
  });
  markActiveTab();
  showInfo();

  return {
    specs, keys, view, textOf, isChanged, setText, activate, jumpTo,
    isDirty: () => keys.some(isChanged),
    active: () => active,
    base: () => base,
    setBase: (number, bodies) => { base = { number, bodies }; },
  };
}
