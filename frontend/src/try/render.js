// A run's live view: status badge, console lines, outcome. Shared by the editor's Try panel and the run page.
const TONES = { queued: "info", running: "info", succeeded: "success", failed: "warning", timed_out: "danger", crashed: "danger" };
const LABELS = { queued: "queued", running: "running…", succeeded: "succeeded", failed: "failed", timed_out: "timed out", crashed: "crashed" };
// A console.log shows within 300 ms: one poll interval plus the request. Most Try runs end within tens of
// milliseconds, so for the first second the panel polls every 20 ms, then backs off to the steady interval.
const POLL_MS = 200;
const FAST_POLL_MS = 20;
const FAST_FOR_MS = 1000;

export function outputOf(root) {
  const q = (name) => root.querySelector(`[data-run-${name}]`);
  return { status: q("status"), duration: q("duration"), link: q("link"), lines: q("lines"), explanation: q("explanation"), result: q("result") };
}

// A new run starts: nothing of the previous one may still show (its badge read as this run's result).
export function clear(out) {
  out.status.className = "badge text-bg-info";
  out.status.textContent = "starting…";
  out.status.dataset.state = "starting";
  out.lines.replaceChildren();
  out.explanation.className = "d-none";
  out.result.className = "run-result border rounded small p-2 d-none";
  out.duration.textContent = "";
  out.link.classList.add("d-none");
}

export function render(out, snapshot, { link } = {}) {
  out.status.className = `badge text-bg-${TONES[snapshot.state] || "secondary"}`;
  out.status.textContent = LABELS[snapshot.state] || snapshot.state;
  out.status.dataset.state = snapshot.state;
  if (link) {
    out.link.href = link;
    out.link.classList.remove("d-none");
  }
  for (const line of snapshot.lines) {
    const row = document.createElement("div");
    row.className = `run-line run-line-${line.level}`;
    row.dataset.seq = String(line.seq);
    const time = document.createElement("span");
    time.className = "text-body-secondary";
    time.textContent = `${line.time.slice(11, 23)} ${line.level.padEnd(5)} `;
    row.append(time, document.createTextNode(line.text));
    out.lines.append(row);
  }
  if (snapshot.lines.length) out.lines.scrollTop = out.lines.scrollHeight;
  if (snapshot.done) renderOutcome(out, snapshot);
}

function renderOutcome(out, snapshot) {
  if (snapshot.durationMs !== null && snapshot.durationMs !== undefined) out.duration.textContent = `${snapshot.durationMs.toFixed(1)} ms`;
  if (!out.lines.childElementCount) out.lines.textContent = snapshot.outputHidden || "(no console output)";
  const explanation = snapshot.explanation;
  if (explanation) {
    out.explanation.className = `alert alert-${explanation.tone} py-2 small`;
    out.explanation.replaceChildren(document.createTextNode(explanation.text));
    if (explanation.warnings.length) {
      const list = document.createElement("ul");
      list.className = "mb-0 mt-1";
      explanation.warnings.forEach((w) => { const li = document.createElement("li"); li.textContent = w; list.append(li); });
      out.explanation.append(list);
    }
  }
  if (snapshot.outputHidden) return;
  const failed = snapshot.error && Object.keys(snapshot.error).length;
  out.result.className = `run-result border rounded small p-2 ${failed ? "border-danger" : ""}`;
  out.result.dataset.kind = failed ? "error" : "result";
  out.result.textContent = failed ? errorText(snapshot.error) : JSON.stringify(snapshot.result, null, 2) ?? "undefined";
}

function errorText(error) {
  const head = `${error.name || "Error"}${error.message ? `: ${error.message}` : ""}`;
  const extra = Object.entries(error).filter(([k, v]) => !["name", "message", "stack"].includes(k) && v !== null && v !== undefined && v !== ""
    && !(k === "description" && v === error.message)); // Auth0's errors copy the message into description
  const stack = stackFrames(error);
  return [head, ...extra.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`), stack ? `\n${stack}` : ""].join("\n").trimEnd();
}

// The stack without its first line(s) when they only repeat "Name: message" (V8 starts every stack so).
function stackFrames(error) {
  const stack = error.stack || "";
  for (const name of [error.name || "Error", "Error"]) {
    const header = `${name}${error.message ? `: ${error.message}` : ""}`;
    if (stack === header || stack.startsWith(`${header}\n`)) return stack.slice(header.length).replace(/^\n/, "");
  }
  return stack;
}

// Poll `pollUrl` until the run is done, rendering each answer; resolves with the last snapshot.
export async function follow(out, pollUrl, { link, isCurrent = () => true } = {}) {
  let after = 0;
  let wait = FAST_POLL_MS;
  const started = Date.now();
  for (;;) {
    const response = await fetch(`${pollUrl}?after=${after}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!isCurrent()) return null; // a newer Try replaced this one
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const snapshot = await response.json();
    render(out, snapshot, { link });
    after = snapshot.after;
    if (snapshot.done) return snapshot;
    await new Promise((resolve) => setTimeout(resolve, wait));
    if (Date.now() - started > FAST_FOR_MS) wait = Math.min(POLL_MS, wait * 1.5);
  }
}

// A same-origin JSON POST with the CSRF token, as the Try endpoints expect.
export function postJson(url, csrf, body) {
  return fetch(url, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
  });
}

export async function startRun(url, csrf, body) {
  const response = await postJson(url, csrf, body);
  const data = await response.json().catch(() => ({}));
  if (response.status !== 202) throw new Error(describe(data.errors) || `the server answered ${response.status}`);
  return data;
}

function describe(errors) {
  if (!errors) return "";
  return Object.entries(errors).map(([field, messages]) => `${field === "__all__" ? "" : `${field}: `}${[].concat(messages).map((m) => m.message || m).join(" ")}`).join("; ");
}
