// A save refused with 409: someone saved a newer revision while this editor was open. Merging is per script
// against the revision this editor started from: where only they changed a script, take theirs; where only
// I did, keep mine; where both did, show a merge view (theirs beside mine, arrows copy their chunks) that the
// user resolves. Nothing is dropped silently, and Save waits until every merge is resolved.
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView, basicSetup, minimalSetup } from "codemirror";
import { javascript } from "@codemirror/lang-javascript";
import { button, heading, para } from "./dom.js";
import { showRevision } from "./revision_header.js";

export function createConflict({ docs, findings, el, say, markTabs }) {
  const pending = new Map(); // script key -> its open MergeView

  function show(data) {
    const { specs, keys } = docs;
    const base = docs.base().bodies;
    const theirs = data.bodies;
    const theyChanged = (key) => theirs[key] !== base[key];
    const takeTheirs = keys.filter((key) => theyChanged(key) && !docs.isChanged(key));
    const both = keys.filter((key) => theyChanged(key) && docs.isChanged(key) && docs.textOf(key) !== theirs[key]);
    const keepMine = keys.filter((key) => docs.isChanged(key) && !both.includes(key));
    const titles = (list) => list.map((k) => specs[k].title).join(", ");

    const box = document.createElement("div");
    box.className = "alert alert-warning";
    box.append(
      heading(`Not saved: revision ${data.conflict.number} was saved by ${data.conflict.author || "someone"} while you edited revision ${data.baseNumber}`),
      para("Nothing of yours is lost: your text is still in the editor, unsaved. Here is what they changed:"),
      ...Object.entries(data.theirChanges).map(([key, text]) => diffBlock(key, text)),
      para([
        takeTheirs.length ? `Merging takes their ${titles(takeTheirs)}.` : "",
        keepMine.length ? `It keeps your ${titles(keepMine)}.` : "",
        both.length ? `Both of you changed ${titles(both)}: you merge ${both.length === 1 ? "it" : "each"} by hand, side by side.` : "",
      ].filter(Boolean).join(" ") || "You changed nothing they did not."),
    );
    const actions = document.createElement("div");
    actions.className = "d-flex gap-2 flex-wrap";
    actions.append(
      button(both.length ? "Merge theirs and mine" : "Keep my changes on top of theirs", "btn-primary", "rebase", () => {
        takeTheirs.forEach((key) => docs.setText(key, theirs[key]));
        adopt(data.conflict, theirs);
        if (!both.length) {
          close(`Your changes now sit on top of revision ${data.conflict.number}. Review them and press Save.`);
          return;
        }
        showMerges(both, theirs, data.conflict.number);
      }),
      button(`Discard mine and load revision ${data.conflict.number}`, "btn-outline-danger", "theirs", () => {
        if (!window.confirm("Discard your unsaved changes and load their revision?")) return;
        keys.forEach((key) => docs.setText(key, theirs[key]));
        adopt(data.conflict, theirs);
        close(`Loaded revision ${data.conflict.number}.`);
      }),
    );
    box.append(actions);
    el.conflict.replaceChildren(box);
    el.conflict.classList.remove("d-none");
    say(`Conflict: revision ${data.conflict.number} was saved first.`, "danger");
    el.conflict.scrollIntoView({ block: "nearest" });
  }

  function showMerges(both, theirs, number) {
    const box = document.createElement("div");
    box.className = "alert alert-warning";
    box.append(heading(`Merge by hand: ${both.map((k) => docs.specs[k].title).join(", ")}`),
      para(`Left: theirs (revision ${number}, read-only). Right: yours, editable; the arrows copy one of their changes into yours. Save waits until each script is merged.`));
    both.forEach((key) => box.append(mergeBlock(key, theirs[key], number)));
    el.conflict.replaceChildren(box);
    say(`Merge ${both.length === 1 ? "one script" : `${both.length} scripts`} by hand, then Save.`, "danger");
  }

  function mergeBlock(key, theirText, number) {
    const section = document.createElement("section");
    section.className = "merge-block mb-3";
    section.dataset.merge = key;
    const title = document.createElement("h3");
    title.className = "h6";
    title.textContent = `${docs.specs[key].title}: theirs (revision ${number}) ← → yours`;
    const holder = document.createElement("div");
    holder.className = "merge-view border rounded bg-body";
    const view = new MergeView({
      a: { doc: theirText, extensions: [minimalSetup, javascript(), EditorState.readOnly.of(true), EditorView.editable.of(false),
        EditorView.contentAttributes.of({ "aria-label": `${docs.specs[key].title}: their version (read-only)` })] },
      b: { doc: docs.textOf(key), extensions: [basicSetup, javascript(),
        EditorView.contentAttributes.of({ "aria-label": `${docs.specs[key].title}: your version, merged` })] },
      parent: holder,
      revertControls: "a-to-b",
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    pending.set(key, view);
    section.append(title, holder, button(`Use the merged ${docs.specs[key].title}`, "btn-sm btn-primary mt-2", "merge-done", () => {
      docs.setText(key, view.b.state.doc.toString());
      view.destroy();
      pending.delete(key);
      section.remove();
      if (!pending.size) close(`Merged: your changes now sit on top of revision ${number}. Review them and press Save.`);
      else markTabs();
    }));
    return section;
  }

  function adopt(revision, bodies) {
    docs.setBase(revision.number, bodies);
    showRevision(el.revision, revision);
  }

  function close(text) {
    el.conflict.classList.add("d-none");
    el.conflict.replaceChildren();
    markTabs();
    findings.refresh();
    say(text, "body");
  }

  return {
    show,
    // Why Save must wait, or "" when it need not.
    blocker: () => (pending.size ? `Merge ${[...pending.keys()].map((k) => docs.specs[k].title).join(", ")} first (above the code).` : ""),
  };
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
