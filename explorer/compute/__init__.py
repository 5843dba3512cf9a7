"""Where PyTorch runs: the only layer that imports torch."""
