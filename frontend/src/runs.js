// The run page: follows a run still in progress, shows its outcome, and offers "run again" (asks for passwords).
import { collectArgs, renderInputs } from "./try/inputs.js";
import { follow, outputOf, startRun } from "./try/render.js";

const configElement = document.getElementById("run-config");
if (configElement) start(JSON.parse(configElement.textContent));

function start(config) {
  const out = outputOf(document.getElementById("run-output"));
  follow(out, config.pollUrl).catch((error) => { out.lines.textContent = `Could not load the run: ${error.message}`; });

  const form = document.getElementById("run-again");
  if (!form) return;
  const inputs = document.getElementById("run-again-inputs");
  renderInputs(inputs, config.inputs[config.run.script], { values: config.run.arguments, redacted: config.redacted });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errors = document.getElementById("run-again-errors");
    // Passwords are never stored: an empty one is a password not typed again yet, not one to send.
    const missing = [...inputs.querySelectorAll('[data-kind="password"]')].find((input) => !input.value && !input.dataset.optional);
    if (missing) {
      missing.setAttribute("aria-invalid", "true");
      missing.classList.add("is-invalid");
      errors.textContent = `Type the ${missing.labels[0].textContent.toLowerCase()} again: passwords are never stored, so Run again cannot reuse it.`;
      missing.focus();
      return;
    }
    try {
      const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
      const run = await startRun(config.startUrl, csrf, { script: config.run.script, args: collectArgs(inputs), source: config.source });
      window.location.assign(run.url);
    } catch (error) {
      errors.textContent = `Not run: ${error.message}`;
    }
  });
}
