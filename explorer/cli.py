"""The command line: ``python -m explorer "x**2 + 2*x + 1" --at x=2 [--json | --dot | --svg FILE]``.

Exit codes: 0 done, 1 the graph could not be drawn (no ``dot`` program), 2 bad input
(one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from explorer.compute.calls import gradcheck_function
from explorer.compute.explore import explore
from explorer.draw.dot import format_value, to_dot
from explorer.draw.render import RenderError, svg
from explorer.errors import ExpressionError
from explorer.model.exploration import DTYPES, Exploration

__all__ = ["main", "to_json"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other bad input
        self.exit(2, f"error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m explorer", description="Run a function under PyTorch autograd and "
                     "show its graph, values and gradients.")
    parser.add_argument("expression", help="the function, e.g. 'x**2 + 2*x + 1' or 'f = u*v + u**2'")
    parser.add_argument("--at", action="append", default=[], metavar="VAR=POINT",
                        help="a variable's value: x=2, or a range x=-10:10:1000 (repeat for each variable)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps (only those present)")
    parser.add_argument("--dtype", default="float32", choices=sorted(DTYPES))
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--dot", action="store_true", help="print the graph's DOT source (the explorer view)")
    out.add_argument("--torchviz", action="store_true", help="print the DOT source torchviz.make_dot draws")
    out.add_argument("--svg", metavar="FILE", help="write the graph as SVG (needs Graphviz's dot program)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="also run torch.autograd.gradcheck on the lab's SQ and on SQFixed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        at = dict(_assignment(text) for text in args.at)
        result = explore(args.expression, at, device=args.device, dtype=args.dtype)
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
        "nodes": [
            {"id": t.id, "name": t.label, "text": t.text, "role": t.role, "data": t.data, "grad": t.grad,
             "grad_fn": t.grad_fn, "is_leaf": t.is_leaf, "requires_grad": t.requires_grad,
             "retains_grad": t.retains_grad, "shape": list(t.shape), "dtype": t.dtype, "device": t.device,
             "node": t.node}
            for t in graph.tensors
        ],
        "grad_fns": [
            {"id": n.id, "name": n.name, "next_functions": list(n.inputs), "tensor": n.tensor,
             "saved": [{"name": s.name, "tensor": s.is_tensor, "value": s.value, "same_as": s.same_as}
                       for s in n.saved]}
            for n in graph.nodes
        ],
    }
    return _json_safe(payload)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


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
