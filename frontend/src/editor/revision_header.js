import { timeElement } from "../shared/local_time.js";

// The header line describes the revision the editor is now based on (the page renders the first one).
export function showRevision(container, revision, { justSaved = false } = {}) {
  const number = document.createElement("strong");
  number.dataset.revisionNumber = "";
  number.textContent = String(revision.number);
  const who = revision.author || "someone";
  if (justSaved) {
    container.replaceChildren("Revision ", number, `, saved just now by ${who}`);
    return;
  }
  container.replaceChildren("Revision ", number, ` by ${who}, `, revision.createdAt ? timeElement(revision.createdAt) : "");
}
