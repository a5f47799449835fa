"""``__subtree``: "this materialised path lies under that one" for path columns.

Semantically ``startswith``. On PostgreSQL it is exactly that (Django's LIKE 'p%' uses the
varchar_pattern_ops index it creates for indexed CharFields). On SQLite, LIKE is case-insensitive and
so cannot use the index at all: every scope filter was a full scan (bench/tree.py: 5.7 s against 20 ms
at city scale). There it becomes the range ``p <= path < p || '~'``, which uses the index: tree paths
are made of 0-9A-Z only, all below '~' in binary order. Not for arbitrary text: use startswith there.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField
from django.db.models.lookups import StartsWith

PATH_CEILING = "~"  # sorts after every character of the treebeard alphabet (0-9A-Z)


@CharField.register_lookup
class Subtree(StartsWith):
    lookup_name = "subtree"

    def get_rhs_op(self, connection: Any, rhs: str) -> str:
        # The backends know the operator as "startswith"; "subtree" is only our name for it.
        if hasattr(self.rhs, "as_sql") or self.bilateral_transforms:
            return str(connection.pattern_ops["startswith"].format(connection.pattern_esc).format(rhs))
        return str(connection.operators["startswith"] % rhs)

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if not isinstance(self.rhs, str):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"({lhs} >= %s AND {lhs} < %s)", (*lhs_params, self.rhs, *lhs_params, self.rhs + PATH_CEILING)
