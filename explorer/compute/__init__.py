"""The compute layer: where PyTorch runs; the only layer that imports torch."""
