// The clickable graph: shows the SVG that Graphviz drew on the server, lets a user pick a node
// by click or keyboard, and zoom. The SVG comes from our own DOT, whose labels are escaped.
export default function (component) {
  const { parentElement, setStateValue } = component;
  const [data] = component.data; // one item: see panels/components.py
  let root = parentElement.querySelector(".ae-graph");
  if (!root) {
    root = document.createElement("div");
    root.className = "ae-graph";
    root.innerHTML =
      '<div class="ae-tools" role="toolbar" aria-label="Graph zoom">' +
      '<button type="button" data-zoom="in" aria-label="Zoom in">+</button>' +
      '<button type="button" data-zoom="out" aria-label="Zoom out">&minus;</button>' +
      '<button type="button" data-zoom="fit" aria-label="Fit to width">fit</button>' +
      '<span class="ae-hint">click a node (or Tab to it and press Enter) to inspect it</span></div>' +
      '<div class="ae-canvas" tabindex="-1"></div>';
    parentElement.appendChild(root);
    root.dataset.zoom = "fit";
    root.querySelectorAll("button[data-zoom]").forEach((button) => {
      button.addEventListener("click", () => {
        const now = root.dataset.zoom === "fit" ? 1 : parseFloat(root.dataset.zoom);
        const next = { in: now * 1.25, out: now / 1.25, fit: "fit" }[button.dataset.zoom];
        root.dataset.zoom = String(next);
        applyZoom(root);
      });
    });
  }
  const canvas = root.querySelector(".ae-canvas");
  if (canvas.dataset.svg !== data.svg) {
    canvas.innerHTML = data.svg;
    canvas.dataset.svg = data.svg;
    const svg = canvas.querySelector("svg");
    if (svg) {
      svg.dataset.width = parseFloat(svg.getAttribute("width")) || 800;
      svg.removeAttribute("height");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", data.label || "autograd graph");
    }
    canvas.querySelectorAll("g.node").forEach((node) => {
      const title = node.querySelector("title");
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", (node.textContent || node.id).trim().replace(/\s+/g, " "));
      if (title) title.remove(); // the browser tooltip would only repeat our id
      const choose = () => setStateValue("selected", node.id);
      node.addEventListener("click", choose);
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          choose();
        }
      });
    });
    applyZoom(root);
  }
  const hint = root.querySelector(".ae-hint");
  const said = data.hint === undefined ? "click a node (or Tab to it and press Enter) to inspect it" : data.hint;
  if (hint.textContent !== said) hint.textContent = said; // text, never HTML
  if (root.dataset.fitHeight !== String(data.fitHeight || "")) {
    root.dataset.fitHeight = String(data.fitHeight || ""); // the whole graph in this height, beside the code
    applyZoom(root);
  }
  if (root.dataset.large !== String(Boolean(data.large))) {
    root.dataset.large = String(Boolean(data.large));
    applyZoom(root);
  }
  const targets = new Set(data.targets || []);
  canvas.querySelectorAll("g.node").forEach((node) => {
    node.classList.toggle("ae-selected", node.id === data.selected);
    node.classList.toggle("ae-running", node.id === data.running);
    node.classList.toggle("ae-target", targets.has(node.id));
  });
  const running = data.running && canvas.querySelector(`g.node[id="${CSS.escape(data.running)}"]`);
  if (running && running.scrollIntoView && !data.fitHeight) {
    running.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
}

function applyZoom(root) {
  const svg = root.querySelector(".ae-canvas svg");
  if (!svg) return;
  if (root.dataset.zoom === "fit") {
    // fill the width, but never shrink the labels below readable: scroll instead
    svg.style.width = "100%";
    // presentation mode keeps the labels at full size for the back row, and scrolls instead
    const least = root.dataset.large === "true" ? 1.0 : 0.7;
    svg.style.minWidth = Math.min(svg.dataset.width * least, 2400) + "px";
    svg.style.maxWidth = svg.dataset.width * 1.6 + "px";
    if (root.dataset.fitHeight) {
      // the whole graph at once, however tall: the SVG scales its drawing into this height, labels and all
      svg.style.minWidth = "0";
      svg.style.maxHeight = root.dataset.fitHeight + "px";
    } else {
      svg.style.maxHeight = "none";
    }
  } else {
    svg.style.maxHeight = "none";
    svg.style.minWidth = "0";
    svg.style.maxWidth = "none";
    svg.style.width = svg.dataset.width * parseFloat(root.dataset.zoom) + "px";
  }
  svg.style.height = "auto";
}
