// What a presenter's clicker sends (PageDown and PageUp, or the arrow keys), read the same way by every component
// that listens for it (the deck's slides, program mode's steps): "next", "back", or null where the key is another
// one, comes with a modifier, or the focus is somewhere it means something else (a text box, a slider, a select,
// the editor). Put before the component's own code by panels/components.py.
function presenterWay(event) {
  const way = { ArrowRight: "next", PageDown: "next", ArrowLeft: "back", PageUp: "back" }[event.key];
  if (!way || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
  let focused = document.activeElement;
  while (focused && focused.shadowRoot && focused.shadowRoot.activeElement) focused = focused.shadowRoot.activeElement;
  if (focused && focused.closest && focused.closest('input, textarea, select, [contenteditable="true"], ' +
      '[role="slider"], [role="listbox"], [role="combobox"], .cm-editor')) return null;
  return way;
}
