"""Drawing plain results: DOT text, folded big graphs, Plotly figure JSON, SVG from the dot program."""
