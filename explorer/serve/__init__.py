"""Serving visitors' jobs: the worker pool, its worker processes, the quota, the JSON between them."""
