// The Try form's inputs for one script (field list from scripts_editor.runs.arguments.INPUT_FIELDS).
// Dotted names build nested arguments: "user.email" -> { user: { email } }.

export function renderInputs(container, fields, { values = {}, redacted = "" } = {}) {
  container.replaceChildren(...fields.map((field) => {
    const id = `try-input-${field.name.replace(".", "-")}`;
    const wrap = document.createElement("div");
    wrap.className = field.type === "checkbox" ? "form-check mb-2" : "mb-2";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.className = field.type === "checkbox" ? "form-check-label small" : "form-label small mb-0";
    label.textContent = field.label + (field.optional ? " (optional)" : "");
    const input = document.createElement(field.type === "json" ? "textarea" : "input");
    input.id = id;
    input.name = field.name;
    input.dataset.kind = field.type;
    if (field.optional) input.dataset.optional = "true";
    const value = valueAt(values, field.name);
    if (field.type === "checkbox") {
      input.type = "checkbox";
      input.className = "form-check-input";
      input.checked = Boolean(value);
      wrap.append(input, label);
      return wrap;
    }
    input.className = "form-control form-control-sm";
    if (field.type === "json") { input.rows = 2; input.placeholder = "{}"; }
    else input.type = field.type === "password" ? "password" : "text";
    if (field.type === "password") input.autocomplete = "off";
    // Stored passwords are redacted: "run again" asks for them instead of sending the mask.
    if (value !== undefined && value !== redacted) input.value = field.type === "json" ? JSON.stringify(value) : String(value);
    wrap.append(label, input);
    return wrap;
  }));
}

export function collectArgs(container) {
  let args = {};
  for (const input of container.querySelectorAll("[name]")) {
    const kind = input.dataset.kind;
    if (kind === "checkbox") { args = withValue(args, input.name, input.checked); continue; }
    if (input.value === "" && input.dataset.optional) continue;
    if (kind === "json") {
      try { args = withValue(args, input.name, JSON.parse(input.value)); } catch { throw new Error(`${input.name} is not valid JSON`); }
    } else args = withValue(args, input.name, input.value);
  }
  return args;
}

function valueAt(values, path) {
  return path.split(".").reduce((v, key) => (v && typeof v === "object" ? v[key] : undefined), values);
}

function withValue(args, path, value) {
  const [head, ...rest] = path.split(".");
  return { ...args, [head]: rest.length ? withValue(args[head] || {}, rest.join("."), value) : value };
}
