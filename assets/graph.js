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
      '<button type="button" data-zoom="in" aria-label="Zoom the graph in">+</button>' +
      '<button type="button" data-zoom="out" aria-label="Zoom the graph out">&minus;</button>' +
      '<button type="button" data-zoom="fit" aria-label="Fit the graph to the width">fit</button>' +
      '<span class="ae-hint">click a node (or Tab to it and press Enter) to inspect it</span></div>' +
      '<div class="ae-frame"><div class="ae-canvas" tabindex="-1"></div></div>' +
      '<p class="ae-cue" hidden>The graph is larger than this frame: scroll it (or press fit) to see all of it.</p>';
    parentElement.appendChild(root);
    root.dataset.zoom = "fit";
    root.querySelectorAll("button[data-zoom]").forEach((button) => {
      button.addEventListener("click", () => {
        // from the size on screen: + after fit makes the fitted drawing larger, whatever its natural size
        const svg = root.querySelector(".ae-canvas svg");
        const fitted = svg ? svg.getBoundingClientRect().width / svg.dataset.width : 1;
        const now = root.dataset.zoom === "fit" ? fitted : parseFloat(root.dataset.zoom);
        const next = { in: now * 1.25, out: now / 1.25, fit: "fit" }[button.dataset.zoom];
        root.dataset.zoom = String(next);
        applyZoom(root);
      });
    });
    const canvas = root.querySelector(".ae-canvas");
    canvas.addEventListener("scroll", () => showCue(root), { passive: true });
    new ResizeObserver(() => showCue(root)).observe(canvas); // the sidebar opens, the window narrows
  }
  const canvas = root.querySelector(".ae-canvas");
  if (canvas.dataset.svg !== data.svg) {
    canvas.innerHTML = data.svg;
    canvas.dataset.svg = data.svg;
    const svg = canvas.querySelector("svg");
    if (svg) {
      svg.dataset.width = parseFloat(svg.getAttribute("width")) || 800;
      svg.removeAttribute("height");
      // a group, not an img: an img's children are presentational, and these are buttons (axe: nested-interactive)
      svg.setAttribute("role", "group");
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
    // the whole width of the graph in its frame, scaled to it: nothing hides off to the side; + reads closer.
    // A small graph grows up to 1.6 times (twice in presentation mode, for the back row), not to poster size
    svg.style.width = "100%";
    svg.style.minWidth = "0";
    svg.style.maxWidth = svg.dataset.width * (root.dataset.large === "true" ? 2 : 1.6) + "px";
    // the whole graph at once, however tall, where a height is given: the drawing scales into it
    svg.style.maxHeight = root.dataset.fitHeight ? root.dataset.fitHeight + "px" : "none";
  } else {
    svg.style.maxHeight = "none";
    svg.style.minWidth = "0";
    svg.style.maxWidth = "none";
    svg.style.width = svg.dataset.width * parseFloat(root.dataset.zoom) + "px";
  }
  svg.style.height = "auto";
  showCue(root);
}

// Whether the graph runs past its frame, and on which sides: a shadow on each edge with more beyond it, and the
// words under the frame, so a zoomed graph is never cut off without a sign
function showCue(root) {
  const canvas = root.querySelector(".ae-canvas");
  const frame = root.querySelector(".ae-frame");
  const cue = root.querySelector(".ae-cue");
  if (!canvas || !frame || !cue) return;
  const { scrollLeft, scrollTop, scrollWidth, scrollHeight, clientWidth, clientHeight } = canvas;
  const more = { // the sides with more of the graph beyond them
    left: scrollLeft > 1,
    right: scrollLeft + clientWidth < scrollWidth - 1,
    up: scrollTop > 1,
    down: scrollTop + clientHeight < scrollHeight - 1,
  };
  for (const [side, shown] of Object.entries(more)) frame.classList.toggle("ae-more-" + side, shown);
  cue.hidden = !(scrollWidth > clientWidth + 1 || scrollHeight > clientHeight + 1);
}
