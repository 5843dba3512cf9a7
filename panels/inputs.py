"""The inputs: the lessons and settings in the sidebar, the function box and a box per variable."""

from __future__ import annotations

import streamlit as st

from explorer import ExpressionError, parse
from explorer.content.lessons import LESSONS
from explorer.language.expression import MAX_LENGTH
from explorer.model.state import PageState

from . import jobs
from .session import chosen_state, keep_point, open_lesson, presenting, program_mode, shown_page


def sidebar_ui() -> None:
    with st.sidebar:
        st.header("Lessons")
        st.caption("The lab *Differentiation in PyTorch*, one click per cell.")
        for item in LESSONS:
            chosen = st.session_state.lesson == item.key
            st.button(item.title, key=f"lesson_{item.key}", on_click=open_lesson, args=(item.key,),
                      type="primary" if chosen else "secondary", width="stretch")
        st.header("Settings")
        if program_mode():
            st.caption("In program mode the lessons open as the lab's own code cells. A program chooses its own "
                       "device and dtype, as in a notebook: the CPU and float32 unless it says otherwise.")
            st.toggle("Presentation mode (large type)", key="presentation")
            return
        devices = jobs.devices()
        st.selectbox("Device", devices, key="device",
                      help="Only devices PyTorch can use here are listed.")
        missing = [d for d in ("cuda", "mps") if d not in devices]
        if missing:
            st.caption(f"Not available here: {', '.join(missing)} (PyTorch sees no such device on this server).")
        st.radio("dtype", ("float32", "float64"), key="dtype", horizontal=True,
                 help="float32 is PyTorch's default and the lab's.")
        st.toggle("Presentation mode (large type)", key="presentation")
        # the words of Streamlit's own ⋮ menu, which holds the three theme choices itself
        st.caption("Light or dark theme: the ⋮ menu at the top right → System, Light or Dark. To embed in a course "
                   "page, add `embed=true` to the link.")


def inputs_ui() -> PageState:
    """The function box, a point box for each variable it uses and the plot's range; returns the state chosen."""
    st.text_input("Function", key="function", placeholder="x**2 + 2*x + 1", max_chars=MAX_LENGTH,
                  help="Variables x y z u v w t; + - * / ** (or ^); sin cos tan asin acos atan sinh cosh tanh "
                       "exp log log2 log10 sqrt abs relu sigmoid softplus sum mean max min clamp where; pi, e; "
                       "the lab's SQ and the corrected SQFixed. Written as in PyTorch: torch.relu(x), x.exp().")
    try:
        variables = parse(st.session_state.function).variables
    except ExpressionError:
        last = shown_page()
        variables = last.result.variables if last else ()
    columns = st.columns(max(len(variables), 1) + 1)
    for column, variable in zip(columns, variables, strict=False):
        key = f"point_{variable}"
        if key not in st.session_state:
            st.session_state[key] = st.session_state.points[variable]
        column.text_input(f"{variable} =", key=key, on_change=keep_point, args=(variable,),
                          help="A number (2, -0.5, pi) or a range start:stop:count, like torch.linspace.")
    columns[-1].text_input("Plot range", key="window", help="start:stop:count for the plot's horizontal axis.")
    return chosen_state()


def style_ui() -> None:
    # trusted, static CSS: sizes for the legend, large type for a projector, tables (markdown) that scroll
    # sideways inside their column, with lines between rows only
    size = "1.25rem" if presenting() else "1rem"
    st.markdown(
        f"""<style>
        .ae-legend {{ display:flex; flex-wrap:wrap; gap:.3rem 1.2rem; font-size:calc({size} * .9); margin:.3rem 0; }}
        .ae-swatch {{ display:inline-block; width:1.4em; height:.9em; border:1px solid #555; margin-right:.3em;
                      vertical-align:middle; }}
        .ae-ellipse {{ border-radius:50%; }} .ae-hexagon {{ clip-path: polygon(25% 0,75% 0,100% 50%,75% 100%,
                      25% 100%,0 50%); }} .ae-plain-text {{ border-style:dotted; }}
        .ae-dashed {{ border-style:dashed; border-width:2px; }} .ae-row {{ height:.5em; }}
        .stApp p, .stApp li, .stApp label, .stApp input, .stApp code, .stApp td, .stApp th,
        .stApp button {{ font-size:{size}; }}
        .stMarkdown table {{ display:block; max-width:100%; overflow-x:auto; border:none; }}
        .stMarkdown :is(th, td) {{ border-width:0 0 1px 0; }}
        .st-key-program_columns [data-testid=stHorizontalBlock] {{ flex-wrap:wrap; }}
        .st-key-program_columns [data-testid=stColumn] {{ min-width:min(100%, 20rem); }}
        .st-key-downloads [data-testid=stHorizontalBlock] {{ flex-wrap:wrap; }}
        .st-key-downloads [data-testid=stColumn] {{ min-width:fit-content; flex:1 1 auto; }}
        .stApp [data-testid=stCaptionContainer] {{ color:inherit; opacity:.78; }}
        .stApp button[data-selected=true]:is([data-variant=segmented_control], [data-variant=pills]),
        .stApp button[data-selected=true]:is([data-variant=segmented_control], [data-variant=pills]) * {{
            color:inherit !important; font-weight:600; }}
        </style>""",
        unsafe_allow_html=True,
    )
    # WCAG 2.1 AA where Streamlit's defaults fall short: captions in the theme's text colour, faded (Streamlit's
    # grey reads 3.8:1 on the sidebar, under the 4.5:1 AA asks); a chosen pill or segment in the text colour,
    # marked by its frame and weight, hovered or not (the dark theme's red on dark red reads 3.6:1; !important:
    # Streamlit's hover rule is more specific); and a table that scrolls sideways reachable by keyboard (Tab to
    # it, then the arrow keys), which a markdown table cannot say itself
    st.html(_KEYBOARD_TABLES, unsafe_allow_javascript=True)


# trusted, static script: no visitor text
_KEYBOARD_TABLES = """<script>
if (!window.aeKeyboardTables) {
  window.aeKeyboardTables = true;
  let waiting = false;
  const reach = () => {
    if (waiting) return;
    waiting = true;  // one look per frame, however many changes the page made
    requestAnimationFrame(() => { waiting = false; look(); });
  };
  const look = () => document.querySelectorAll(".stMarkdown table").forEach((table) => {
    const scrolls = table.scrollWidth > table.clientWidth + 1;
    if (scrolls && !table.hasAttribute("tabindex")) {
      table.setAttribute("tabindex", "0");
    } else if (!scrolls && table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  });
  new MutationObserver(reach).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", reach);
  reach();
}
</script>"""

