"""Experiments made of many gaikit runs: seed sweeps and grids (``gaikit sweep``).

This package sits beside :mod:`gaikit.api`, above :mod:`gaikit.distributed`:
it runs :func:`gaikit.train` per trial, on Ray.
"""
