"""The command line: ``python -m explorer "x**2 + 2*x + 1" --at x=2 [--json | --dot | --svg FILE]``.

``python -m explorer --program FILE [--json]`` (FILE, or ``-`` for standard input)
runs a short PyTorch program in program mode instead.

Exit codes: 0 done, 1 the graph could not be drawn (no ``dot`` program) or the
program raised while running, 2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from explorer.compute.calls import gradcheck_function
from explorer.compute.explore import explore
from explorer.compute.interpreter import run_program
from explorer.draw.dot import format_value, to_dot
from explorer.draw.render import RenderError, svg
from explorer.errors import ExpressionError
from explorer.language.program import ProgramRefused
from explorer.model.exploration import DTYPES, Exploration
from explorer.model.program_run import graph_json, json_safe
from explorer.model.program_run import to_json as program_json

__all__ = ["main", "to_json"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other bad input
        self.exit(2, f"error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m explorer", description="Run a function under PyTorch autograd and "
                     "show its graph, values and gradients.")
    parser.add_argument("expression", nargs="?", help="the function, e.g. 'x**2 + 2*x + 1' or 'f = u*v + u**2'")
    parser.add_argument("--program", metavar="FILE", help="run a PyTorch program (a file, or - for standard "
                        "input) in program mode instead of a function")
    parser.add_argument("--at", action="append", default=[], metavar="VAR=POINT",
                        help="a variable's value: x=2, or a range x=-10:10:1000 (repeat for each variable)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps (only those present)")
    parser.add_argument("--dtype", default=None, choices=sorted(DTYPES), help="float32 unless given (a program "
                        "keeps PyTorch's default)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--dot", action="store_true", help="print the graph's DOT source (the explorer view)")
    out.add_argument("--torchviz", action="store_true", help="print the DOT source torchviz.make_dot draws")
    out.add_argument("--svg", metavar="FILE", help="write the graph as SVG (needs Graphviz's dot program)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="also run torch.autograd.gradcheck on the lab's SQ and on SQFixed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.program is not None:
        if args.expression or args.at or args.dot or args.torchviz or args.svg or args.gradcheck:
            parser.error("--program takes a program alone, with --json, --device or --dtype")
        return _program(args)
    if args.expression is None:
        parser.error("give a function, as in 'x**2', or --program FILE")
    try:
        at = dict(_assignment(text) for text in args.at)
        result = explore(args.expression, at, device=args.device, dtype=args.dtype or "float32")
    except ExpressionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    checks = [gradcheck_function(name) for name in ("SQ", "SQFixed")] if args.gradcheck else []
    if args.json:
        payload = to_json(result)
        if checks:
            payload["gradcheck"] = {c.name: {"passed": c.passed, "message": c.message} for c in checks}
        print(json.dumps(payload, indent=2))
    elif args.dot:
        print(to_dot(result.graph), end="")
    elif args.torchviz:
        print(result.torchviz_dot or "", end="")
    elif args.svg:
        try:
            text = svg(to_dot(result.graph))
        except RenderError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        with open(args.svg, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {args.svg}")
    else:
        print(_summary(result))
        for check in checks:
            print(f"gradcheck {check.name}: {'passed' if check.passed else 'FAILED'}")
    return 0


def _program(args: argparse.Namespace) -> int:
    """``--program FILE``: run it; print its JSON (or its output), exit 1 if it raised, 2 if it was refused."""
    try:
        if args.program == "-":
            source = sys.stdin.read()
        else:
            with open(args.program, encoding="utf-8") as handle:
                source = handle.read()
    except OSError as err:
        print(f"error: cannot read {args.program}: {err.strerror}", file=sys.stderr)
        return 2
    try:
        run = run_program(source, device=args.device, dtype=args.dtype)
    except ProgramRefused as err:
        print(str(err).replace("\n", " "), file=sys.stderr)
        return 2
    except ExpressionError as err:  # an unknown device or dtype
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(program_json(run), indent=2))
    else:
        print(run.stdout, end="")
        if run.error is not None:
            print(f"line {run.error.line}: {run.error.type}: {run.error.message}", file=sys.stderr)
    return 1 if run.error is not None else 0


def _assignment(text: str) -> tuple[str, str]:
    name, sep, point = text.partition("=")
    if not sep or not name.strip():
        raise ExpressionError(f"--at takes VAR=POINT, as in x=2 or x=-10:10:100, not '{text}'")
    return name.strip(), point


def to_json(result: Exploration) -> dict[str, Any]:
    """The exploration as JSON-ready data; nan and inf become the strings 'nan', 'inf', '-inf'."""
    graph = result.graph
    payload = {
        "expression": result.expression,
        "body": result.body,
        "output": result.output,
        "device": result.device,
        "dtype": result.dtype,
        "points": {k: str(v) if not isinstance(v, float) else v for k, v in result.points.items()},
        "value": result.value,
        "grad": result.grad,
        "reduced": result.reduced,
        "notes": list(result.notes),
        **{key: value for key, value in graph_json(graph).items() if key in ("nodes", "grad_fns")},
    }
    return json_safe(payload)


def _summary(result: Exploration) -> str:
    at = ", ".join(f"{k} = {v}" for k, v in result.points.items())
    lines = [f"{result.output} = {result.body}" + (f"   at {at}" if at else ""),
             f"value: {format_value(result.value)}"]
    lines += [f"{name}.grad: {format_value(grad)}" for name, grad in result.grad.items()]
    lines.append("")
    for t in result.graph.tensors:
        lines.append(f"{t.label:<18} data: {format_value(t.data):<22} grad_fn: {t.grad_fn or 'None':<16} "
                     f"grad: {format_value(t.grad):<22} is_leaf: {t.is_leaf!s:<5} requires_grad: {t.requires_grad}")
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
