"""Autograd Explorer's core: typed function in, PyTorch's recorded autograd graph out.

Never imports Streamlit: the app (``app.py``), the command line
(``python -m explorer``) and a notebook all call the same functions.

>>> from explorer import explore
>>> explore("x**2", {"x": 2}).grad["x"]
4.0
"""

from .errors import ExpressionError
from .exploration import DTYPES, Exploration, available_devices, explore
from .expression import VARIABLES, Expression, parse
from .functions import SQ, GradcheckResult, SQFixed, gradcheck_function
from .graph import GradNode, Graph, Saved, TensorInfo
from .points import MAX_ELEMENTS, MAX_POINTS, Range

__all__ = [
    "DTYPES",
    "MAX_ELEMENTS",
    "MAX_POINTS",
    "SQ",
    "SQFixed",
    "VARIABLES",
    "Exploration",
    "Expression",
    "ExpressionError",
    "GradNode",
    "GradcheckResult",
    "Graph",
    "Range",
    "Saved",
    "TensorInfo",
    "available_devices",
    "explore",
    "gradcheck_function",
    "parse",
]
