"""The languages a visitor types: the expression and its allow-list, points."""
