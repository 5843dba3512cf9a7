"""The page's state in ``st.session_state``: copied from the link once, read back as a ``PageState``, and
the callbacks that change it (lessons, points, the backward player, clicks on the graph and the plots).

NOTE [the session's keys]
Every key this app keeps in ``st.session_state`` is named here and nowhere else: ``STATE`` holds the page's own
values (set once per session by ``init_state``), ``WIDGETS`` the keys of the widgets, and ``PER_ITEM`` the
prefixes of keys made per lesson, variable, function or plot. Panels read and change the state through the
functions below; ``tests/test_app.py`` checks that no visit leaves another key.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace

import streamlit as st

from explorer.content.decks import MAX_TITLE, Deck, Slide
from explorer.content.decks import decode as decode_deck
from explorer.content.lab_cells import LESSON_CELLS, lab_program
from explorer.content.lessons import lesson
from explorer.errors import ExpressionError
from explorer.language.program import LIMITS
from explorer.language.program_link import decode
from explorer.model.page import Page
from explorer.model.state import DEFAULT_POINTS, PageState, from_query

from . import jobs

STATE = {
    "started": "the link has been read into this session",
    "link_problems": "what the link asked for that was refused, said once",
    "lesson": "the open lesson's key, or ''",
    "points": "each variable's typed point, kept while its box is not drawn",
    "step": "the backward player's step; 0 shows the finished backward",
    "playing": "whether the player advances by itself",
    "last_tick": "when the player last advanced",
    "shown_function": "the function the player and the inspector belong to",
    "last_good": "the last page built, shown below a refusal",
    "quota": "this visitor's share of the workers, a bucket of seconds (explorer.serve.quota)",
    "page_runs": "this visitor's share of the app's process, a bucket of seconds (explorer.serve.quota)",
    "mode": "'function' (one expression) or 'program' (a pasted PyTorch program)",
    "program": "program mode's program, as last sent by the editor",
    "pstep": "program mode's step through the program; 0 shows the whole run",
    "shown_program": "the program the step, the graph chosen and the player belong to",
    "deck": "the deck being made or shown (explorer.content.decks.Deck), or None",
    "deck_undo": "the decks before the last changes, newest last, for undo",
    "slide": "the open slide's index in the deck",
    "deck_form_for": "the slide the sidebar's edit boxes were filled from",
}
WIDGETS = ("function", "window", "device", "dtype", "view", "presentation", "node", "speed", "further", "pitfall",
           "graph_pick", "graph_text", "graph_text_big", "share_link", "step_slider", "step_first", "step_back",
           "step_play", "step_next", "step_last", "step_done", "mode_switch", "editor", "pstep_slider", "pstep_first",
           "pstep_back", "pstep_next", "pstep_last", "pstep_done", "pgraph", "pgraph_pick", "pgraph_text",
           "program_output", "program_link", "pnode_values", "pview",
           # panels/deck.py
           "deck_notes", "deck_keys", "deck_upload", "deck_title", "slide_title", "slide_notes", "slide_asks",
           "slide_of", "slide_hint", "deck_link", "deck_add", "deck_undo_button", "deck_prev", "deck_next",
           "deck_new", "deck_file", "deck_notebook", "slide_up", "slide_down", "slide_delete", "slide_save",
           "deck_close", "precision")
PER_ITEM = ("point_", "lesson_", "answer_", "reveal_", "solved_", "compare_", "expand_", "plot_", "second_",
            "pplot_", "deck_go_", "deck_answer_", "deck_solved_", "deck_open_", "deck_reveal_")
# NOTE [choices outlive their widgets]
# Streamlit forgets a widget's value at the end of any run that did not draw it, and the widget comes back at
# its first option: the player's speed went from 1 s to 2 s a step after a practice lesson (which hides the
# player), and a visit to program mode (which draws neither) would close the deeper view the same way. These
# widgets hold the visitor's choices, not one page's, so every run hands their values back to Streamlit before
# any widget is drawn (keep_choices), which keeps them whether or not this run draws them.
CHOICES = ("function", "window", "device", "dtype", "view", "presentation", "speed", "further", "pitfall",
           "precision")


def init_state() -> None:
    """Copy the link's state into the widgets once, when a session starts; on every run, keep the choices."""
    if "started" in st.session_state:
        keep_choices()
        return
    state, problems = from_query(st.query_params.to_dict(), jobs.devices())
    st.session_state.update(
        started=True, link_problems=problems, function=state.function, window=state.window,
        device=state.device, dtype=state.dtype, view=state.view, lesson=state.lesson, node=state.node,
        presentation=st.query_params.get("present") == "1", last_good=None,
        points={v: state.point(v) for v in DEFAULT_POINTS}, step=state.step, playing=False, speed=1.0,
        shown_function=state.function, further=state.further or None,
    )
    if state.pitfall:
        st.session_state.pitfall = state.pitfall
    _init_program(st.query_params.to_dict())
    _init_deck(st.query_params.to_dict())


def keep_choices() -> None:
    """NOTE [choices outlive their widgets]: hand each choice's value back, so a run that does not draw its
    widget does not reset it."""
    s = st.session_state
    for key in CHOICES:
        if key in s:
            s[key] = s[key]


_PSTEP = re.compile(r"[0-9]{1,5}")


def _init_program(query: dict[str, str]) -> None:
    """Program mode's part of the link: ``mode=program``, the program in ``code`` (see
    explorer.language.program_link) and the step in ``pstep``; what is refused is said once, like the rest."""
    s = st.session_state
    problems = list(s.link_problems)
    program = lab_program(s.lesson or "derivative")
    if "code" in query:
        try:
            program = decode(str(query["code"]))
        except ExpressionError as err:
            problems.append(f"the link's program was ignored: {err.message}")
    pstep = str(query.get("pstep", "0"))
    if not _PSTEP.fullmatch(pstep):
        problems.append(f"the link's pstep={pstep[:40]!r} was ignored: a step is a whole number")
        pstep = "0"
    mode = "program" if query.get("mode") == "program" else "function"
    s.update(mode=mode, mode_switch=mode, program=program, pstep=int(pstep), shown_program=program,
             link_problems=tuple(problems))


def link_problems() -> list[str]:
    return st.session_state.link_problems


def chosen_state() -> PageState:
    """The state the visitor chose; a new function starts the player and the inspector afresh, and moving off a
    lesson's function or point ends the lesson."""
    s = st.session_state
    if s.shown_function != s.function:  # a new function has new nodes
        s.update(shown_function=s.function, step=0, playing=False, node="")
    state = current_state()
    chosen = lesson(state.lesson)
    if chosen and (state.function not in (chosen.function, *chosen.compare)
                   or any(state.point(v) != typed for v, typed in chosen.points)):
        s.lesson = ""
        state = replace(state, lesson="")
    return state


def remember_page(page: Page) -> Page:
    st.session_state.last_good = page
    return page


def shown_page() -> Page | None:
    """The last page built in this session, or None."""
    return st.session_state.last_good


def deeper_view() -> tuple[str, str]:
    """The open deeper view ('' for none) and, for the pitfalls, the one shown ('' before one is chosen)."""
    s = st.session_state
    further = s.get("further") or ""
    return further, (s.get("pitfall") or "") if further == "pitfalls" else ""


def position() -> tuple[int, str]:
    """The player's step and the inspected node."""
    return st.session_state.step, st.session_state.get("node") or ""


def presenting() -> bool:
    return bool(st.session_state.presentation)


def full_precision() -> bool:
    """The tensor table's "Full precision" switch: numbers with every digit their dtype carries."""
    return bool(st.session_state.get("precision"))


def current_state() -> PageState:
    # .get: Streamlit forgets the value of a widget that was not drawn in the last run
    s, default = st.session_state, PageState()
    state = PageState(function=s.get("function", default.function), window=s.get("window", default.window),
                      device=s.get("device", default.device), dtype=s.get("dtype", default.dtype),
                      view=s.get("view") or default.view, lesson=s.lesson, node=s.get("node") or "", step=s.step)
    for variable, typed in s.points.items():
        state = state.with_point(variable, typed.strip())
    return state


def set_point(variable: str, typed: str) -> None:
    """Change a variable's point; the box for it shows the change (when it is drawn)."""
    st.session_state.points[variable] = typed
    st.session_state[f"point_{variable}"] = typed


def keep_point(variable: str) -> None:
    st.session_state.points[variable] = st.session_state[f"point_{variable}"]


def open_lesson(key: str) -> None:
    """Open a lesson: its function and points, and in program mode the lab's own cells for it.

    A lesson starts from the default points, not the last lesson's: every point the link would carry (and the
    next function would use) is the lesson's own or the default, never one left by another lesson (a range of
    x from the relu lesson in the next lesson's link)."""
    chosen = lesson(key)
    st.session_state.update(lesson=key, function=chosen.function, node="")
    if st.session_state.mode == "program":
        show_program(lab_program(key))
    for variable, typed in {**DEFAULT_POINTS, **dict(chosen.points)}.items():
        set_point(variable, typed)


def show_function(function: str) -> None:
    st.session_state.update(function=function, node="")


def go_step(step: int) -> None:
    st.session_state.update(step=step, step_slider=max(step, 1), playing=False)


def keep_step() -> None:
    st.session_state.update(step=st.session_state.step_slider, playing=False)


def toggle_play(last: int) -> None:
    playing = not st.session_state.playing
    step = st.session_state.step
    if playing and step in (0, last):  # from the finished graph or the end: start over
        step = 1
    st.session_state.update(playing=playing, step=step, step_slider=step, last_tick=time.monotonic())


def tick(last: int) -> None:
    """One beat of the player: advance a step, or stop at the end."""
    now = time.monotonic()
    if now - st.session_state.get("last_tick", 0.0) < 0.9 * st.session_state.speed:
        return  # the fragment's first run comes at once, not after the interval
    st.session_state.last_tick = now
    if st.session_state.step >= last:
        st.session_state.playing = False
    else:
        st.session_state.step += 1
        st.session_state.step_slider = st.session_state.step
    st.rerun(scope="app")


def pick_node() -> None:
    picked = st.session_state.graph_pick.selected
    if picked:
        st.session_state.node = picked.split(".")[0]  # a saved value selects the node that saved it


def pick_point(key: str, variables: tuple[str, ...]) -> None:
    """A click on a plot: its x (and y, on a contour) become the evaluation point. The browser sends the values:
    numbers only, anything else is ignored."""
    picked = st.session_state[key].picked
    if not isinstance(picked, dict):
        return
    x, y = _finite(picked.get("x")), _finite(picked.get("y"))
    if x is None:
        return
    if len(variables) == 1:
        set_point(variables[0], f"{x:.4g}")
    elif y is not None:
        set_point(variables[0], f"{x:.4g}")
        set_point(variables[1], f"{y:.4g}")


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int past float's range: no browser sends one
        return None
    return number if math.isfinite(number) else None


def grads_hidden(key: str) -> bool:
    """A practice lesson, or a deck's slide with a question, hides the gradients until the learner answers or
    asks for the answer."""
    current = lesson(key)
    return bool(current and current.question and not st.session_state.get(f"solved_{key}")) or deck_hides()


# -- decks (panels/deck.py draws them)

MAX_UNDO = 20


def _init_deck(query: dict[str, str]) -> None:
    """A deck's link: ``deck`` (explorer.content.decks.encode) and ``slide`` (from 1); the slide opens."""
    s = st.session_state
    s.update(deck=None, deck_undo=[], slide=0, deck_notes=True)
    if "deck" not in query:
        return
    try:
        deck = decode_deck(str(query["deck"]))
    except ExpressionError as err:
        s.link_problems = (*s.link_problems, f"the link's deck was ignored: {err.message}")
        return
    wanted = str(query.get("slide", "1"))
    number = int(wanted) if _PSTEP.fullmatch(wanted) else 1
    s.deck = deck
    open_slide(min(max(number, 1), len(deck.slides)) - 1)


def open_deck() -> Deck | None:
    return st.session_state.get("deck")


def slide_index() -> int:
    return st.session_state.get("slide", 0)


def change_deck(deck: Deck | None, slide: int | None = None) -> None:
    """A change to the deck that undo can take back."""
    s = st.session_state
    s.deck_undo = [*s.deck_undo, (s.deck, s.slide)][-MAX_UNDO:]
    s.deck = deck
    if slide is not None:
        s.slide = slide


def undo_deck() -> None:
    s = st.session_state
    if s.deck_undo:
        s.deck, s.slide = s.deck_undo[-1]
        s.deck_undo = s.deck_undo[:-1]


def open_slide(index: int) -> None:
    """Show slide ``index`` of the open deck: its function and points, or its program and step."""
    s = st.session_state
    deck = s.deck
    if deck is None or not 0 <= index < len(deck.slides):
        return
    slide = deck.slides[index]
    s.slide = index
    mode = slide.mode
    s.update(mode=mode, mode_switch=mode, step=0, playing=False)
    if mode == "program":
        show_program(slide.program)
        s.update(pstep=slide.pstep, shown_program=slide.program)
        return
    devices = jobs.devices()
    s.update(function=slide.function, shown_function=slide.function, window=slide.window, dtype=slide.dtype,
             device=slide.device if slide.device in devices else "cpu", view=slide.view, node=slide.node,
             step=slide.step, lesson=slide.key if lesson(slide.key) else "", further=slide.further or None)
    if slide.pitfall:
        s.pitfall = slide.pitfall
    for variable in DEFAULT_POINTS:
        set_point(variable, dict(slide.points).get(variable, DEFAULT_POINTS[variable]))


def this_page_as_slide() -> Slide:
    """What is on screen now, as a slide (titled by its function, or as a program)."""
    s = st.session_state
    if program_mode():
        first = next((line for line in s.program.splitlines() if line.strip()), "")
        return Slide(title=f"Program: {first[:60]}", mode="program", program=s.program, pstep=s.pstep)
    state = current_state()
    further, pitfall = deeper_view()
    return Slide(title=state.function[:MAX_TITLE], function=state.function, points=state.points, window=state.window,
                 device=state.device, dtype=state.dtype, view=state.view, node=state.node, step=state.step,
                 key=state.lesson, further=further, pitfall=pitfall)


def slide_tag(slide: Slide) -> str:
    """A slide's own name in session keys (its answer box, whether it is solved): it moves with the slide when the
    deck is reordered, where a position would pass a student's answer on to whichever slide took its place."""
    return f"{hash(slide) & 0xFFFFFFFF:08x}"


def deck_hides() -> bool:
    """The open slide asks a question its page would answer, and it is not answered yet."""
    s = st.session_state
    deck, index = s.get("deck"), s.get("slide", 0)
    if deck is None or index >= len(deck.slides) or s.get(f"deck_solved_{slide_tag(deck.slides[index])}"):
        return False
    slide = deck.slides[index]
    if slide.question is None or program_mode():
        return False
    state = current_state()
    return state.function == slide.function and all(state.point(v) == typed for v, typed in slide.points)



# -- program mode


def program_mode() -> bool:
    return st.session_state.mode == "program"


def open_lesson_key() -> str:
    """The open lesson's key, or ''."""
    return st.session_state.lesson


def current_program() -> str:
    return st.session_state.program


def keep_mode() -> None:
    """The mode switch changed: each mode's player starts closed."""
    s = st.session_state
    s.update(mode=s.mode_switch or s.mode, step=0, playing=False, node="")
    untouched = s.program in {lab_program(key) for key in LESSON_CELLS}
    if s.mode == "program" and s.lesson and untouched:  # the lesson open in function mode, as the lab's cells
        show_program(lab_program(s.lesson))


def keep_program() -> None:
    """The editor sent its text (on leaving it, Ctrl+Enter or Run)."""
    text = st.session_state.editor.text
    if isinstance(text, str):  # the browser sends it: anything a client may send is input
        # one character past the cap is enough for the static check to refuse it with its message, and keeps a
        # huge paste out of the link, the caches and the editor's echo
        show_program(text[:LIMITS.characters + 1])


def show_program(text: str) -> None:
    """A new program starts the step, the graph chosen and the player afresh."""
    s = st.session_state
    if text != s.program:
        s.update(program=text, pstep=0, step=0, playing=False, node="")
        s.pop("pgraph", None)


def program_position(step_count: int) -> tuple[str, int]:
    """Program mode's program, and its step (within ``step_count``: a link may ask past the end)."""
    s = st.session_state
    if s.shown_program != s.program:
        s.update(shown_program=s.program, pstep=0)
    s.pstep = min(s.pstep, step_count)
    return s.program, s.pstep


def key_step(last: int) -> None:
    """A key (an arrow, a clicker's PageDown) stepped the program: "next" or "back", anything else ignored."""
    way = st.session_state.editor.step
    step = st.session_state.pstep
    if way == "next" and step < last:
        go_program_step(step + 1)
    elif way == "back" and step > 1:
        go_program_step(step - 1)


def go_program_step(step: int) -> None:
    st.session_state.update(pstep=step, pstep_slider=max(step, 1), step=0, playing=False)


def keep_program_step() -> None:
    st.session_state.update(pstep=st.session_state.pstep_slider, step=0, playing=False)


def pick_program_node() -> None:
    """A click on a node of a program's graph: the inspector shows it."""
    picked = st.session_state.pgraph_pick.selected
    if isinstance(picked, str) and picked:
        st.session_state.node = picked.split(".")[0]  # a saved value selects the node that saved it


def chose_graph() -> None:
    st.session_state.update(step=0, playing=False, node="")
