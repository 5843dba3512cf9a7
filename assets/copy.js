// Text to copy (the page's link, the graph as text): a monospace box and a Copy button. Streamlit's st.code
// would do this too, but it brings a 1.5 MB syntax highlighter into the first page for text with no syntax.
export default function (component) {
  const { parentElement } = component;
  const [data] = component.data; // one item: see panels/components.py
  let root = parentElement.querySelector(".ae-copy");
  if (!root) {
    root = document.createElement("div");
    root.className = "ae-copy";
    root.innerHTML = '<pre tabindex="0"></pre><button type="button">Copy</button>';
    parentElement.appendChild(root);
    const text = root.querySelector("pre");
    const button = root.querySelector("button");
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text.textContent);
        button.textContent = "Copied";
      } catch {
        // no clipboard here (a page served over plain http): select the text for Ctrl+C instead
        window.getSelection().selectAllChildren(text);
        button.textContent = "Press Ctrl+C";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
  }
  const text = root.querySelector("pre");
  if (text.textContent !== data.text) text.textContent = data.text; // text, never HTML
  text.setAttribute("aria-label", data.label || "text to copy");
  root.querySelector("button").setAttribute("aria-label", `Copy ${data.label || "the text"}`);
  root.classList.toggle("ae-wrap", Boolean(data.wrap));
}
