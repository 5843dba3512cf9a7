"""The plain results: frozen dataclasses of plain values that cross between layers and processes."""
