"""Program mode: a PyTorch program in a code editor, run in a worker, shown as a notebook shows it.

The mode switch, the editor (CodeMirror, ``assets/editor.js``), the run (or why not), what the program printed
and its error, every named tensor as the lab prints it, the plots its plt calls make, and its link and script.
Stepping through it line by line is ``panels.stepping``.
"""

from __future__ import annotations

import functools
from typing import NamedTuple
from urllib.parse import urlencode

import streamlit as st

from explorer.content.lab_cells import lab_program
from explorer.content.lessons import lesson
from explorer.draw.dot import format_value
from explorer.draw.figure import PLOTLY_BUNDLE
from explorer.draw.program_notebook import notebook
from explorer.errors import ExplorerError
from explorer.language.program_link import MAX_ENCODED, encode
from explorer.model.playback import Known
from explorer.model.program_page import ProgramPage
from explorer.model.program_run import ProgramRun

from . import jobs
from .components import mount
from .copy_box import copyable
from .session import keep_mode, keep_program, key_step, open_lesson_key, presenting
from .text import escape_markdown, markdown_table

# CodeMirror 6 bundled by esbuild (vendor/codemirror/), served from static/ like the plots' Plotly; a new version
# gets a new name, so no browser keeps a stale copy
CODEMIRROR_BUNDLE = "codemirror-6.0.2.min.js"

MODES = {"function": "Function", "program": "Program (PyTorch code)"}


def mode_ui() -> str:
    """The switch between function mode and program mode; returns the mode."""
    st.segmented_control("Mode", tuple(MODES), key="mode_switch", format_func=MODES.__getitem__,
                         on_change=keep_mode, label_visibility="collapsed")
    if st.session_state.mode_switch is None:  # a click on the chosen mode deselects it: keep the mode
        st.session_state.mode_switch = st.session_state.mode
    return st.session_state.mode


def lesson_caption_ui(source: str) -> None:
    """Which lesson of the lab the editor holds, while it holds that lesson's cells as the lab has them."""
    key = open_lesson_key()
    if key and source == lab_program(key):
        chosen = lesson(key)
        if chosen is not None:
            st.markdown(f"**{escape_markdown(chosen.title)}**: the lab's own cells, as the notebook has them. "
                        "Edit them, or paste your own program.")


def run_ui(source: str) -> ProgramPage | None:
    """The program run by a worker, or why not (in the words for its kind)."""
    try:
        with st.spinner("Running your program through PyTorch..."):
            return jobs.program_page(source)
    except ExplorerError as err:
        jobs.say(err)
        return None


class Marks(NamedTuple):
    """What the editor marks at a step: the step's line, the line that failed (0 for none), and whether the error
    is reached (the whole run, or the step where the program stopped)."""

    line: int
    error: int
    failed: bool


def marks(page: ProgramPage | None, step: int) -> Marks:
    if page is None:
        return Marks(0, 0, False)
    if page.refusal is not None:
        return Marks(0, page.refusal.line, False)
    run = page.run
    current = run.steps[step - 1] if run and step else None
    failed = run is not None and run.error is not None and (current is None or current.kind == "error")
    return Marks(current.line if current else 0, run.error.line if failed and run and run.error else 0, failed)


def editor_ui(source: str, line: int, error_line: int, steps: int) -> None:
    """The code editor: line numbers, Python's colours, Tab to indent; ``line`` is marked as the current step's,
    ``error_line`` as the line that failed (0 for none). With ``steps`` to step through, the arrow keys and
    PageDown/PageUp (a presenter's clicker) step through them while the focus is not in a box."""
    mount("editor", {"doc": source, "line": line, "error": error_line, "bundle": f"app/static/{CODEMIRROR_BUNDLE}",
                     "label": "the program (Python with PyTorch)", "large": presenting(), "steps": steps},
          key="editor", on_text_change=keep_program, on_step_change=functools.partial(key_step, steps))


def refusal_ui(page: ProgramPage) -> None:
    """A program the static check refused: where, what, and what to write instead; nothing of it ran."""
    refusal = page.refusal
    if refusal is None:
        return
    st.error(escape_markdown(f"Line {refusal.line}, column {refusal.column}: {refusal.message}"),
             icon=":material/block:")
    lines = page.source.splitlines()
    if 1 <= refusal.line <= len(lines):  # the line and a caret under the column, as Python's SyntaxError shows it
        st.text(f"{refusal.line:>4} | {lines[refusal.line - 1]}\n       {' ' * (refusal.column - 1)}^")
    st.caption("Nothing ran: program mode checks the whole program before it runs any of it.")


def transcript(run: ProgramRun, step: int) -> str:
    """What a notebook shows under the cells run so far (all of them at step 0): what they printed, and each
    cell's last bare expression as its ``Out``, where it came (cells are divided by ``# %%`` lines)."""
    kept = run.steps[:step] if step else run.steps
    ends = _cell_ends(run)
    parts, at = [], 0
    for index, taken in enumerate(kept):
        if taken.shown is not None and index in ends:
            parts += [run.stdout[at:taken.stdout], f"Out: {taken.shown}\n"]
            at = taken.stdout
    parts.append(run.stdout[at:kept[-1].stdout] if step and kept else run.stdout[at:])
    if not step and run.shown is not None and not (kept and kept[-1].shown is not None):
        parts.append(f"Out: {run.shown}\n")  # a last expression whose step was past the steps kept
    return "".join(parts)


def _cell_ends(run: ProgramRun) -> set[int]:
    """The indexes of the steps that end a cell: the interpreter lists each cell's last bare expression
    (``ProgramRun.outputs``, by line), which a notebook shows as the cell's Out."""
    shown = set(run.outputs)
    return {i for i, s in enumerate(run.steps) if s.shown is not None and not s.scope and (s.line, s.shown) in shown}


def output_ui(run: ProgramRun, step: int, failed: bool) -> None:
    """What the program printed and showed, as a notebook's output (up to ``step`` while stepping), and the
    error where it stopped."""
    text = transcript(run, step)
    if text:
        copyable(text.rstrip("\n"), "what the program printed", key="program_output", wrap=True)
    else:
        st.caption("Nothing printed yet." if step else "The program printed nothing.")
    if failed and run.error is not None:
        error = run.error
        st.error(escape_markdown(f"Line {error.line}: {error.type}: {error.message}"), icon=":material/error:")
        st.caption(f"Everything before line {error.line} ran; what it printed is above.")


def warnings_ui(run: ProgramRun, step: int) -> None:
    """The warnings the run raised, under its output as a notebook shows them (while stepping, those of the lines
    run so far)."""
    ran = {s.line for s in run.steps[:step]} if step else None
    for warning in run.warnings:
        if ran is None or warning.line in ran:
            st.warning(escape_markdown(f"Line {warning.line}: {warning.type}: {warning.message}"),
                       icon=":material/warning:")


def tensors_ui(run: ProgramRun, known: Known) -> None:
    """Every name bound to a tensor when the program ended, with the lab's printout, and which names share one;
    while the backward player is part-way (``known``), grads read ``?`` as they do on its graph."""
    if not run.tensors:
        return
    st.subheader("Every named tensor when the program ended")
    playing = not known.everything
    rows = [{"name": escape_markdown(r.name), "data": escape_markdown(format_value(r.data)),
             # a grad PyTorch never keeps (a non-leaf's) stays None: nothing is on its way
             "grad": "?" if playing and r.grad is not None else escape_markdown(format_value(r.grad)),
             "grad_fn": r.grad_fn or "None",
             "is_leaf": str(r.is_leaf), "requires_grad": str(r.requires_grad), "shape": str(tuple(r.shape)),
             "dtype": r.dtype, "same tensor as": escape_markdown(r.same_as or "")}
            for r in run.tensors]
    st.markdown(markdown_table(rows))
    if playing:
        st.caption("The grads read ? while the backward player is part-way: press Last, or Show the finished graph.")
    if any(r.same_as for r in run.tensors):
        st.caption("Names in *same tensor as* hold the very same tensor object: a change through one shows "
                   "through the other.")


def plots_ui(page: ProgramPage) -> None:
    """The figures the program's plt calls describe, where the notebook would show them."""
    for index, figure in enumerate(page.figures):
        if index == 0:
            st.subheader("What plt.show() shows")
        if presenting():
            frame = figure["layout"]
            figure = {**figure, "layout": {**frame, "font": {**frame.get("font", {}), "size": 20}, "height": 520}}
        names = [t.get("name") for t in figure["data"] if t.get("name")]
        label = "plot of " + (", ".join(names) if names else f"{len(figure['data'])} curves")
        mount("plot", {"figure": figure, "bundle": f"app/static/{PLOTLY_BUNDLE}", "label": label},
              isolate_styles=False, key=f"pplot_{index}", height=figure["layout"].get("height", 420))


def link_query(source: str, step: int) -> tuple[dict[str, str], str]:
    """The link's query for this program at this step, and a warning when the program is too long to carry."""
    query = {"mode": "program"}
    code = encode(source)
    problem = ""
    if len(code) <= MAX_ENCODED:
        query["code"] = code
    else:
        problem = (f"This program is too long for a link ({len(code):,} characters compressed; a link carries "
                   f"{MAX_ENCODED:,}). The link below opens program mode without it: share the script instead.")
    if step:
        query["pstep"] = str(step)
    if presenting():
        query["present"] = "1"
    st.query_params.from_dict(query)
    return query, problem


def share_ui(source: str, query: dict[str, str], problem: str) -> None:
    st.subheader("Share and take away")
    if problem:
        st.warning(problem)
    st.caption("This link reopens this program at this step; add `&embed=true` to put it in a course page:")
    copyable(f"{st.context.url or ''}?{urlencode(query)}", "the link to this program", key="program_link", wrap=True)
    # the program as typed: it runs as it is in Python with PyTorch (and matplotlib for its plots)
    row = st.container(horizontal=True)
    row.download_button("Python script", lambda: source if source.endswith("\n") else source + "\n",
                        "autograd_program.py", "text/x-python", on_click="ignore")
    row.download_button("Notebook", lambda: notebook(source), "autograd_program.ipynb", "application/x-ipynb+json",
                        on_click="ignore")
