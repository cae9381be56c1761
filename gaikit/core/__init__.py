"""Contracts and machinery of gaikit; this layer knows no concrete plugin."""
