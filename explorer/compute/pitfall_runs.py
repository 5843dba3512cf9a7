"""The pitfalls run for real: each broken snippet and its fix, as program mode runs a pasted program.

The page shows a pitfall's ``code`` and ``fix`` (``explorer.content.pitfalls``);
``run`` runs exactly those texts through program mode's interpreter
(``explorer.compute.interpreter``, which walks them against its allow-list and
never hands text to ``eval`` or ``exec``) and reports what PyTorch really said:
its exception, or its warning, read at run time and never typed in.

>>> outcome = run("numpy-requires-grad")
>>> outcome.error_type, outcome.fixed_output
('RuntimeError', '[1. 4. 9.]')
"""

from __future__ import annotations

from explorer.compute.interpreter import run_program
from explorer.content.pitfalls import PITFALLS, Outcome

__all__ = ["run"]

# a pitfall's snippets are written for a notebook that has imported torch, as the lab's cells are
_NOTEBOOK = "import torch\n"
_BY_KEY = {pitfall.key: pitfall for pitfall in PITFALLS}


def run(key: str) -> Outcome:
    """Run a pitfall's broken and fixed snippets with real PyTorch and report what each did."""
    try:
        pitfall = _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no pitfall {key!r}; the pitfalls are: {', '.join(_BY_KEY)}") from None
    broken, fixed = run_program(_NOTEBOOK + pitfall.code), run_program(_NOTEBOOK + pitfall.fix)
    if fixed.error is not None:  # the fix is ours: one that fails is a fault in the explorer's content
        raise RuntimeError(f"the fix of pitfall {key!r} raised {fixed.error.type}: {fixed.error.message}")
    printed, fixed_output = broken.stdout.rstrip("\n"), fixed.stdout.rstrip("\n")
    if broken.error is not None:
        error_type, message = broken.error.type, broken.error.message
    elif broken.warnings:  # PyTorch only warned (reading .grad of a non-leaf)
        error_type, message = broken.warnings[0].type, broken.warnings[0].message
    else:  # PyTorch said nothing: the surprise is the value, set against the fix's
        error_type = None
        message = f"no error and no warning, but it printed {printed}, where the fixed snippet prints {fixed_output}"
    return Outcome(key, error_type, message, fixed_output, printed)
