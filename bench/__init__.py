"""reskill's benchmarks: ``python -m bench`` runs them all and prints one table.

Each ``bench/bench_*.py`` is also a command of its own (``python bench/bench_api.py``);
``python -m bench`` imports their measuring functions (see :mod:`bench.__main__`).
"""
