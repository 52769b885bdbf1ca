// The seven scripts as CodeMirror documents behind one view and one set of tabs. Owns the revision the
// editor is based on (`base`): what "changed" means, and the base a save names.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { javascript } from "@codemirror/lang-javascript";
import { code } from "./dom.js";

export function createDocuments({ config, parent, tabs, info, extensionsFor, onChange, onActivate }) {
  const specs = Object.fromEntries(config.scripts.map((s) => [s.key, s]));
  const keys = config.scripts.map((s) => s.key);
  let base = { number: config.revision.number, bodies: { ...config.bodies } };
  let active = keys[0];
  const states = {};

  function makeState(key, text) {
    return EditorState.create({
      doc: text,
      extensions: [
        basicSetup, // line numbers, bracket matching, search (Mod-f), folding, history
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
    tabs.forEach((tab) => {
      const on = tab.dataset.script === key;
      tab.classList.toggle("active", on);
      tab.setAttribute("aria-selected", String(on));
    });
    showInfo();
    onActivate(key);
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

  tabs.forEach((tab) => tab.addEventListener("click", () => activate(tab.dataset.script)));
  showInfo();

  return {
    specs, keys, view, textOf, isChanged, setText, activate, jumpTo,
    isDirty: () => keys.some(isChanged),
    active: () => active,
    base: () => base,
    setBase: (number, bodies) => { base = { number, bodies }; },
  };
}
