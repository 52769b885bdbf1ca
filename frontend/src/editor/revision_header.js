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

// Beside it: whether that revision serves logins (a draft, or not live after a rollback) and which one does.
export function showLive(container, revision, liveNumber) {
  if (!container) return;
  if (!revision.number || revision.number === liveNumber) {
    container.replaceChildren();
    return;
  }
  const badge = document.createElement("span");
  badge.className = "badge text-bg-warning";
  badge.textContent = revision.isDraft ? "draft" : "not live";
  container.replaceChildren("· ", badge, ` logins use revision ${liveNumber}`);
}
