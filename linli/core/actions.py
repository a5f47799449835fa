"""The actions pattern (DESIGN.md mechanism 2).

An action is a function in ``<app>/actions.py`` named for what it does. It takes the acting user
first, checks permission, writes inside one transaction, records an audit event with
``linli.core.audit.record`` and schedules side effects with ``transaction.on_commit``. Views, the
API, the CLI, imports and tests all call actions; nothing else writes domain rows.

``@action`` supplies the transaction and turns the domain's refusal into one exception type,
``ActionError``, whose message is shown to the user as is (Chinese, says what and where).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


class ActionError(Exception):
    """A refusal the user can act on. ``field`` names the form field at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def action(func: Callable[P, R]) -> Callable[P, R]:
    """Run the action in one transaction; nothing it wrote survives an exception."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic():
            return func(*args, **kwargs)

    wrapper.is_action = True  # type: ignore[attr-defined]
    return wrapper


def require(condition: bool, message: str) -> None:
    """Permission check inside an action: refuse with PermissionDenied and a reason."""
    if not condition:
        raise PermissionDenied(message)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The audit ``changes`` payload: only fields whose value changed, as [old, new]."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
