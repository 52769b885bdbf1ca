// The editor's Try panel: runs the editor's current text of the chosen script, then follows the run live.
import { collectArgs, renderInputs } from "./inputs.js";
import { clear, follow, outputOf, startRun } from "./render.js";
import { showEgressOffer } from "./egress_offer.js";

export function startTryPanel({ config, textOf, csrf }) {
  const form = document.getElementById("try-form");
  if (!form || !config.try.canTry) return { follow: () => {}, run: () => {} };
  const select = document.getElementById("try-script");
  const inputs = document.getElementById("try-inputs");
  const button = document.getElementById("try-button");
  const out = outputOf(document.getElementById("try-output"));
  const typed = {}; // what was typed per script, kept while switching scripts (never stored)
  let current = 0;

  function showInputs() {
    renderInputs(inputs, config.try.inputs[select.value], { values: typed[select.value] || {} });
  }

  async function tryIt() {
    const script = select.value;
    let args;
    try { args = collectArgs(inputs); } catch (error) { say(error.message); return; }
    typed[script] = args;
    const mine = ++current;
    clear(out);
    document.querySelectorAll("#try-output [data-egress-offer]").forEach((el) => el.remove());
    button.disabled = true;
    try {
      const run = await startRun(config.try.startUrl, csrf, { script, args, source: textOf(script) });
      const last = await follow(out, run.pollUrl, { link: run.url, isCurrent: () => mine === current });
      if (last && last.egressRefused) showEgressOffer(out, { entry: last.egressRefused, url: config.try.egressAllowUrl, csrf });
    } catch (error) {
      say(`Not run: ${error.message}`);
    } finally {
      if (mine === current) button.disabled = false;
    }
  }

  function say(text) {
    out.status.className = "badge text-bg-danger";
    out.status.textContent = "not run";
    out.lines.textContent = text;
  }

  select.addEventListener("change", () => { typed[select.value] = typed[select.value] || {}; showInputs(); });
  inputs.addEventListener("input", () => { try { typed[select.value] = collectArgs(inputs); } catch { /* JSON being typed */ } });
  form.addEventListener("submit", (event) => { event.preventDefault(); tryIt(); });
  // Outside the code editor (which binds Mod-Enter itself and marks the event handled).
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !event.defaultPrevented) {
      event.preventDefault();
      tryIt();
    }
  });
  showInputs();
  // The panel follows the editor's tab, so Ctrl+Enter tries the script being edited.
  return { follow: (key) => { if (select.value !== key) { select.value = key; showInputs(); } }, run: tryIt };
}
