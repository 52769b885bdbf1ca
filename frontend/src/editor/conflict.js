// A save refused with 409: someone saved a newer revision while this editor was open. Shows their changes
// and lets the user keep theirs on top, or load the newer revision.
import { button, heading, para } from "./dom.js";
import { showRevision } from "./revision_header.js";

export function createConflict({ docs, findings, el, say, markTabs }) {
  function show(data) {
    const { specs, keys } = docs;
    const theirs = data.bodies;
    const mine = keys.filter(docs.isChanged);
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
        keys.forEach((key) => { if (!docs.isChanged(key)) docs.setText(key, theirs[key]); });
        adopt(data.conflict, theirs);
        close(`Your changes now sit on top of revision ${data.conflict.number}. Review them and press Save.`);
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

  return { show };
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
