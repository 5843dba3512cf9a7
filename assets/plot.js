// The plot of f and its derivatives: the figure is Plotly JSON from explorer.figure, drawn by Plotly's
// cartesian bundle (scatter, contour), which the page loads once from the app's static folder and the
// browser caches. A click on the plot sends its x (and y) back: that moves the evaluation point.
export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const [data] = component.data; // one item: see panels/components.py
  let box = parentElement.querySelector(".ae-plot");
  if (!box) {
    box = document.createElement("div");
    box.className = "ae-plot";
    box.setAttribute("role", "figure");
    parentElement.appendChild(box);
  }
  box.setAttribute("aria-label", data.label || "plot");
  box.style.minHeight = ((data.figure.layout || {}).height || 420) + "px"; // the room it takes, before Plotly
  box.aeSend = setTriggerValue; // the latest: a click answers through this run's component
  const figure = data.figure;
  loadPlotly(data.bundle).then((Plotly) => {
    const theme = themeOf(parentElement);
    // the figure and the theme it was drawn with: a rerun that changed neither redraws nothing
    const key = theme.key + "\n" + JSON.stringify(figure);
    if (box.aeKey === key) return;
    box.aeKey = key;
    // clicks are events here: Plotly's own selection would dim the other points until the next rerun
    const layout = { ...figure.layout, template: theme.template, clickmode: "event", autosize: true };
    const first = !box.aeDrawn;
    box.aeDrawn = true;
    Plotly.react(box, figure.data, layout, CONFIG).then(() => {
      colourBarBeside(box, Plotly);
      if (!first) return;
      box.on("plotly_click", (event) => {
        const picked = pickedAt(box, event);
        if (picked) box.aeSend("picked", picked);
      });
      // the column's width changes without the window's (the sidebar opens, the page reflows)
      new ResizeObserver(() => Plotly.Plots.resize(box).then(() => colourBarBeside(box, Plotly))).observe(box);
    });
  }, (error) => {
    box.textContent = "The plot could not load Plotly (" + error.message + "); reload the page to try again.";
  });
}

// Where a click moves the point. On a curve: the point Plotly picked (the hover points, every 0.1 on -10:10). On a
// contour: where the click was, at the nearest point of the contour's grid; Plotly would pick the nearest
// gradient arrow's end instead.
function pickedAt(box, event) {
  const contour = (box.data || []).find((trace) => trace.type === "contour");
  if (contour && event.event) {
    const { xaxis, yaxis } = box._fullLayout;
    const frame = box.getBoundingClientRect();
    const x = xaxis.p2l(event.event.clientX - frame.left - xaxis._offset);
    const y = yaxis.p2l(event.event.clientY - frame.top - yaxis._offset);
    return { x: nearest(contour.x, x), y: nearest(contour.y, y) };
  }
  const point = (event.points || []).find((p) => typeof p.x === "number" && Number.isFinite(p.x));
  return point ? { x: point.x, y: typeof point.y === "number" ? point.y : null } : null;
}

// A contour keeps square cells by narrowing its drawing in a wide frame (explorer.compute.curves); its colour bar
// follows the drawing's right edge, instead of standing alone at the frame's
function colourBarBeside(box, Plotly) {
  const index = (box.data || []).findIndex((trace) => trace.type === "contour");
  const xaxis = box._fullLayout && box._fullLayout.xaxis;
  if (index < 0 || !xaxis) return;
  const x = Math.min(xaxis.domain[1] + 0.02, 1.02);
  const now = (box.data[index].colorbar || {}).x;
  if (now === undefined || Math.abs(now - x) > 0.005) Plotly.restyle(box, { "colorbar.x": x }, [index]);
}

function nearest(values, target) {
  return values.reduce((best, value) => (Math.abs(value - target) < Math.abs(best - target) ? value : best));
}

const CONFIG = {
  displaylogo: false,
  displayModeBar: "hover",
  // what a lesson needs, no more: save as PNG, zoom, pan, back to the whole window
  modeBarButtons: [["toImage", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "resetScale2d"]],
  toImageButtonOptions: { filename: "autograd-explorer-plot", scale: 2 },
};

// One script tag per page, however many plots and reruns: every plot waits on the same promise.
function loadPlotly(bundle) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.aeLoadingPlotly) {
    window.aeLoadingPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(bundle, appBase()).href;
      script.async = true;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly in " + bundle)));
      script.onerror = () => {
        window.aeLoadingPlotly = null; // the next rerun tries again
        script.remove();
        reject(new Error("could not load " + bundle));
      };
      document.head.appendChild(script);
    });
  }
  return window.aeLoadingPlotly;
}

// Where the app is served: Streamlit's own entry script sits at <base>/static/js/, behind any proxy prefix
// or server.baseUrlPath, whatever the page's own path.
function appBase() {
  const entry = document.querySelector('script[src*="static/js/index."]');
  if (entry && entry.src) return entry.src.slice(0, entry.src.lastIndexOf("static/js/"));
  return document.baseURI;
}

// Streamlit's theme, as its CSS properties on the component: the figure keeps its colours, the page's text,
// font and lines come from the theme (light or dark), on a transparent background.
function themeOf(element) {
  const host = element.host || element; // a shadow root has no style: its host has
  const style = getComputedStyle(host.nodeType === 1 ? host : document.body);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const text = read("--st-text-color", "#31333f");
  const font = read("--st-font", "sans-serif");
  const grid = read("--st-border-color-light", "rgba(49, 51, 63, 0.1)");
  const line = read("--st-border-color", "rgba(49, 51, 63, 0.2)");
  const panel = read("--st-secondary-background-color", "#f0f2f6");
  const axis = { gridcolor: grid, zerolinecolor: line, linecolor: line, tickcolor: line };
  const template = {
    layout: {
      font: { color: text, family: font },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      xaxis: axis,
      yaxis: axis,
      title: { x: 0, xref: "paper", xanchor: "left", font: { weight: 600 } }, // as Streamlit's charts set it
      // the value under the pointer on the theme's own panel colour, as Streamlit's charts show it
      hoverlabel: { bgcolor: panel, bordercolor: line, font: { family: font, color: text } },
      modebar: { bgcolor: "rgba(0,0,0,0)", color: line, activecolor: text },
    },
  };
  return { key: [text, font, grid, line, panel].join("|"), template };
}
