import { postJson } from "./render.js";

// After a run refused by the connection's egress allow-list: name the host:port and offer to allow it.
export function showEgressOffer(out, { entry, url, csrf }) {
  const box = document.createElement("div");
  box.className = "alert alert-warning py-2 small";
  box.dataset.egressOffer = entry;
  const text = document.createElement("p");
  text.className = "mb-2";
  text.textContent = `The script tried to reach ${entry}, which is not in this connection's allow-list. Allowing it lets this `
    + `connection's scripts open connections to ${entry} (database drivers and HTTP), in Try runs and real logins; nothing else changes.`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-sm btn-warning";
  button.textContent = `Allow ${entry}`;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const response = await postJson(url, csrf, { entry }).catch(() => null);
    const data = response ? await response.json().catch(() => ({})) : {};
    if (response && response.ok) {
      text.textContent = `${entry} is now allowed (Settings → Allowed hosts). Try again.`;
      button.remove();
      box.className = "alert alert-success py-2 small";
    } else {
      text.textContent = `Not allowed: ${(data.errors && data.errors.entry || ["the server did not answer"]).join(" ")}`;
      button.disabled = false;
    }
  });
  box.append(text, button);
  out.explanation.after(box);
  return box;
}
