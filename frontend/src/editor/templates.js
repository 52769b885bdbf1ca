// "Load template": replaces all seven scripts with a template's bodies (unsaved until Save).
export function startTemplates({ config, docs, select, load, say }) {
  function loadTemplate() {
    const template = config.templates.find((t) => t.key === select.value);
    if (!template) return; // still on "Choose a template…"
    if (docs.isDirty() && !window.confirm(`Replace all seven scripts with the “${template.label}” template? Your unsaved changes will be lost.`)) return;
    docs.keys.forEach((key) => docs.setText(key, template.bodies[key]));
    const needs = template.configurationKeys.length ? ` It reads configuration ${template.configurationKeys.join(", ")}.` : "";
    say(`Loaded the “${template.label}” template into all seven scripts; nothing is stored until you Save.${needs}`, "body");
    // Back to the prompt: once edited, the scripts are no longer "the template".
    select.value = "";
    load.disabled = true;
  }

  load.addEventListener("click", loadTemplate);
  select.addEventListener("change", () => { load.disabled = !select.value; });
}
