// Sizes the working surface to the window: the code and the Try console fill the height left under the
// page header, so code, inputs and output are visible together without scrolling (issue 16, item 3).
const WIDE = "(min-width: 1200px)"; // Bootstrap's xl: the console docks beside the code
const MIN_EDITOR_PX = 240;

export function startLayout({ workspace, frame, editor }) {
  const wide = window.matchMedia(WIDE);

  function size() {
    const top = workspace.getBoundingClientRect().top + window.scrollY;
    const available = window.innerHeight - top - 12;
    const chrome = frame.getBoundingClientRect().top - workspace.getBoundingClientRect().top + (frame.offsetHeight - editor.offsetHeight);
    // Narrow screens stack the console under the code: give the code about half the window.
    const editorHeight = wide.matches ? Math.max(MIN_EDITOR_PX, available - chrome) : Math.max(MIN_EDITOR_PX, Math.round(window.innerHeight * 0.5));
    workspace.style.setProperty("--editor-height", `${editorHeight}px`);
    workspace.style.setProperty("--workspace-height", `${editorHeight + chrome}px`);
  }

  window.addEventListener("resize", size);
  wide.addEventListener("change", size);
  // Messages, the conflict box or a removed warning above the surface move it: follow them. The sizes
  // depend only on the surface's top and the window, so this settles after one pass.
  new ResizeObserver(size).observe(document.getElementById("main"));
  size();
  return { size };
}
