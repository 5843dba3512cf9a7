// The program editor: CodeMirror 6 (vendored in static/, see vendor/codemirror/), with Python's colours, line
// numbers and Tab to indent. The program goes back to Python when the editor loses focus, on Ctrl+Enter (or
// Cmd+Enter) and on the Run button; Python marks the current step's line and a failing line.
// data: { doc, line, error, bundle, label, large }. The doc replaces what the editor holds only when Python
// sends a new one (a lesson opened, a link): a rerun for any other reason leaves the visitor's typing alone.
export default function (component) {
  const { parentElement, setStateValue, setTriggerValue } = component;
  const [data] = component.data; // one item: see panels/components.py
  let root = parentElement.querySelector(".ae-editor");
  if (!root) {
    root = document.createElement("div");
    root.className = "ae-editor";
    root.innerHTML =
      '<div class="ae-host"></div>' +
      '<div class="ae-bar"><button type="button" class="ae-run">Run the program</button>' +
      '<span class="ae-hint">Ctrl+Enter runs it too. Tab indents; Esc then Tab leaves the editor.</span></div>';
    parentElement.appendChild(root);
  }
  root.aeSend = setStateValue; // the latest: an edit answers through this run's component
  root.aeData = data;
  window.aeStep = data.steps ? setTriggerValue : null; // the arrow keys step through the program (listenForSteps)
  listenForSteps();
  loadCodeMirror(data.bundle).then((CM) => {
    if (!root.aeView) root.aeView = makeView(CM, root, parentElement);
    update(CM, root, parentElement);
  }, (error) => {
    root.querySelector(".ae-host").textContent =
      "The editor could not load (" + error.message + "); reload the page to try again.";
  });
}

function makeView(CM, root, parentElement) {
  const setMarks = CM.StateEffect.define();
  const marks = CM.StateField.define({
    create: () => CM.Decoration.none,
    update(value, transaction) {
      value = value.map(transaction.changes);
      for (const effect of transaction.effects) if (effect.is(setMarks)) value = effect.value;
      return value;
    },
    provide: (field) => CM.EditorView.decorations.from(field),
  });
  const send = () => {
    const text = view.state.doc.toString();
    root.aeDoc = text; // Python echoes it back: not a new program
    root.aeSend("text", text);
  };
  const theme = new CM.Compartment();
  const size = new CM.Compartment();
  const label = new CM.Compartment();
  const view = new CM.EditorView({
    parent: root.querySelector(".ae-host"),
    root: parentElement.getRootNode(), // CodeMirror's styles go inside the component's shadow root
    state: CM.EditorState.create({
      doc: root.aeData.doc,
      extensions: [
        CM.basicSetup,
        CM.python(),
        CM.indentUnit.of("    "),
        CM.EditorView.lineWrapping, // a projected line is read whole, not scrolled
        CM.keymap.of([
          { key: "Mod-Enter", run: () => { send(); return true; } },
          CM.indentWithTab,
        ]),
        marks,
        theme.of([]),
        size.of([]),
        label.of([]),
        CM.EditorView.domEventHandlers({ blur: () => { send(); return false; } }),
      ],
    }),
  });
  root.aeDoc = root.aeData.doc;
  root.querySelector(".ae-run").addEventListener("click", send);
  root.aeParts = { setMarks, theme, size, label };
  return view;
}

function update(CM, root, parentElement) {
  const view = root.aeView;
  const data = root.aeData;
  const { setMarks, theme, size, label } = root.aeParts;
  const effects = [];
  if (root.aeDoc !== data.doc) {
    root.aeDoc = data.doc;
    if (view.state.doc.toString() !== data.doc) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: data.doc } });
    }
  }
  const dark = isDark(parentElement);
  if (root.aeDark !== dark) {
    root.aeDark = dark;
    effects.push(theme.reconfigure(dark ? CM.oneDark : []));
  }
  if (root.aeLarge !== Boolean(data.large)) {
    root.aeLarge = Boolean(data.large);
    effects.push(size.reconfigure(CM.EditorView.theme({ "&": { fontSize: data.large ? "1.25rem" : "0.95rem" } })));
  }
  if (root.aeLabel !== data.label) {
    root.aeLabel = data.label;
    effects.push(label.reconfigure(CM.EditorView.contentAttributes.of({ "aria-label": data.label || "program" })));
  }
  const lines = view.state.doc.lines;
  const wanted = [];
  for (let n = 1; n <= lines; n++) { // a "# %%" line starts a notebook cell: a rule above it, as between cells
    if (/^\s*#\s*%%/.test(view.state.doc.line(n).text) && n > 1) wanted.push([n, "cm-ae-cell"]);
  }
  if (data.line >= 1 && data.line <= lines) wanted.push([data.line, "cm-ae-current"]);
  if (data.error >= 1 && data.error <= lines) wanted.push([data.error, "cm-ae-error"]);
  wanted.sort((a, b) => a[0] - b[0]);
  const ranges = wanted.map(([n, cls]) => CM.Decoration.line({ class: cls }).range(view.state.doc.line(n).from));
  const key = wanted.map((w) => w.join(":")).join(",") + "|" + view.state.doc.length;
  if (root.aeMarked !== key) {
    root.aeMarked = key;
    effects.push(setMarks.of(CM.Decoration.set(ranges, true)));
    if (data.line >= 1 && data.line <= lines) {
      effects.push(CM.EditorView.scrollIntoView(view.state.doc.line(data.line).from, { y: "nearest" }));
    }
  }
  if (effects.length) view.dispatch({ effects });
}

// A presenter's clicker steps through the program (assets/presenter_keys.js says which keys, and where not).
function listenForSteps() {
  if (window.aeListening) return;
  window.aeListening = true;
  window.addEventListener("keydown", (event) => {
    const way = presenterWay(event);
    if (!way || !window.aeStep) return;
    event.preventDefault();
    window.aeStep("step", way);
  });
}

// One script tag per page, however many reruns: every mount waits on the same promise.
function loadCodeMirror(bundle) {
  if (window.AECodeMirror) return Promise.resolve(window.AECodeMirror);
  if (!window.aeLoadingCodeMirror) {
    window.aeLoadingCodeMirror = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(bundle, appBase()).href;
      script.async = true;
      script.onload = () => (window.AECodeMirror ? resolve(window.AECodeMirror) : reject(new Error("no editor in " + bundle)));
      script.onerror = () => {
        window.aeLoadingCodeMirror = null; // the next rerun tries again
        script.remove();
        reject(new Error("could not load " + bundle));
      };
      document.head.appendChild(script);
    });
  }
  return window.aeLoadingCodeMirror;
}

// Where the app is served (as assets/plot.js finds it): behind any proxy prefix or server.baseUrlPath.
function appBase() {
  const entry = document.querySelector('script[src*="static/js/index."]');
  if (entry && entry.src) return entry.src.slice(0, entry.src.lastIndexOf("static/js/"));
  return document.baseURI;
}

// Streamlit's theme is dark when its text is light: the theme's colour as the browser computes it (rgb).
function isDark(element) {
  const probe = document.createElement("span");
  probe.style.color = "var(--st-text-color, #31333f)";
  probe.style.display = "none";
  element.appendChild(probe);
  const match = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g);
  probe.remove();
  if (!match || match.length < 3) return false;
  const [r, g, b] = match.map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b > 128;
}
