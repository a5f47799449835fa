"""Tests of core's mechanisms that need the apps above it (the standard city, scoped models, people).

They live outside linli/core because core may not import any linli app, not even in its tests (the
import contract in pyproject.toml); core's self-contained tests stay in linli/core/tests/.
"""
