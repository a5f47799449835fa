"""Lint: every save() of an existing row names its columns (``save(update_fields=[...])``).

Zulip's rule, which docs/development.md adopts: a bare ``obj.save()`` writes every column from this
process's copy of the row, so a concurrent writer of another column is silently overwritten. A bare
save is allowed only on a row this function has just built (``obj = Model(...)``: an insert) or with
``force_insert=True``. Run by ``./dev lint``; exits 1 listing file:line of each offence.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {"migrations", "tests"}


def _new_rows(function: ast.AST) -> set[str]:
    """Names this function binds to a freshly constructed model instance (a call of a capitalised name)."""
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called[:1].isupper():
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        fresh = _new_rows(function)
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "save"):
                continue
            if node.args:
                continue  # save(name, content) / image.save(out, format=…): a file, not a row
            keywords = {k.arg for k in node.keywords}
            if keywords & {"update_fields", "force_insert"} or any(k.arg is None for k in node.keywords):
                continue
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in fresh:
                continue
            if isinstance(target, ast.Name) and target.id in {"super", "self"}:
                continue  # a model's own save() override calling through
            if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super":
                continue
            found.append(f"{label}:{node.lineno}: save() of an existing row without update_fields")
    return found


def main(argv: list[str]) -> int:
    roots = [ROOT / arg for arg in argv] or [ROOT / "linli"]
    problems: list[str] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if SKIP_PARTS & set(path.relative_to(ROOT).parts):
                continue
            problems += offences(path)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
