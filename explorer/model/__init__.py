"""The model layer: results as frozen dataclasses of plain values, free of torch."""
