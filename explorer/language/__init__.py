"""The language layer: typed text is read and checked here, never run; nothing here imports torch."""
