// Small DOM builders shared by the editor's modules (text always goes in as text, never as HTML).
export function code(text) { const n = document.createElement("code"); n.textContent = text; return n; }
export function small(text) { const n = document.createElement("small"); n.className = "text-body-secondary"; n.textContent = text; return n; }
export function para(text) { const n = document.createElement("p"); n.className = "mb-2"; n.textContent = text; return n; }
export function heading(text) { const n = document.createElement("h2"); n.className = "h6"; n.textContent = text; return n; }
export function badge(text, tone) { const n = document.createElement("span"); n.className = `badge text-bg-${tone}`; n.textContent = text; return n; }

export function button(text, style, action, onClick) {
  const n = document.createElement("button");
  n.type = "button";
  n.className = `btn btn-sm ${style}`;
  n.dataset.action = action;
  n.textContent = text;
  n.addEventListener("click", onClick);
  return n;
}

// The status line under the header: one message at a time, announced politely.
export function sayer(status) {
  return (text, tone = "body-secondary") => {
    status.className = `small mb-2 text-${tone}`;
    status.textContent = text;
  };
}
