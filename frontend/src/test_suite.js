// A test suite run's page: polls its state until done and redraws the summary and the pass/fail list.
const root = document.getElementById("suite");
if (root) follow(root);

const POLL_MS = 500;
const ALERT = { passed: "alert-success", failed: "alert-danger", error: "alert-warning" };

async function follow(element) {
  for (;;) {
    let state;
    try {
      const response = await fetch(element.dataset.pollUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state = await response.json();
    } catch (error) {
      summary(element, "alert-warning", `Could not follow the run (${error.message}); reload the page to try again.`);
      return;
    }
    draw(element, state);
    if (state.done) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function summary(element, tone, text, status) {
  const box = element.querySelector("#test-summary");
  box.className = `alert py-2 ${tone}`;
  box.textContent = text;
  if (status) box.dataset.status = status;
}

function draw(element, state) {
  const counts = `${state.passed} passed, ${state.failed} failed`;
  summary(
    element,
    state.done ? ALERT[state.status] : "alert-secondary",
    state.done ? `${counts}.${state.error ? ` ${state.error}` : ""}` : `Running: ${counts}, ${state.pending} to go…`,
    state.status,
  );
  const list = element.querySelector("#test-results");
  list.replaceChildren(...state.results.map((result) => item(element, result)));
}

function item(element, result) {
  const li = document.createElement("li");
  li.className = "list-group-item d-flex gap-2 align-items-baseline";
  li.dataset.test = result.name;
  li.dataset.passed = result.passed === null ? "pending" : String(result.passed);
  const badge = document.createElement("span");
  badge.className = `badge ${result.passed === null ? "text-bg-secondary" : result.passed ? "text-bg-success" : "text-bg-danger"}`;
  badge.textContent = result.passed === null ? "…" : result.passed ? "PASS" : "FAIL";
  const name = document.createElement("strong");
  name.textContent = result.name;
  const script = document.createElement("span");
  script.className = "small text-body-secondary";
  script.textContent = result.script;
  const reason = document.createElement("span");
  reason.className = "small text-break me-auto";
  reason.textContent = result.reason;
  li.append(badge, name, script, reason);
  if (result.run) {
    const link = document.createElement("a");
    link.className = "small";
    link.href = element.dataset.runUrl.replace("00000000-0000-0000-0000-000000000000", result.run);
    link.textContent = "Run and logs";
    li.append(link);
  }
  return li;
}
