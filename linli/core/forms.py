"""Form helpers shared by every app's pages.

One way for a page to run an action: ``run_action(request, perform, form=form)``. The action's
refusal is shown where the person at the screen looks for it — beside the field it names, above the
form, or (for a button with no form) as a message on the page it redirects to — and nothing it
wrote survives (the action's own transaction rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from linli.core.actions import ActionError

T = TypeVar("T")


class ActionErrorMixin:
    """Show an action's refusal (``ActionError``) next to the field it names, or above the form.

    ``field_aliases`` maps an action's field name to this form's name for it (split/move validate
    ``new_code`` as "code")."""

    field_aliases: dict[str, str] = {}

    def add_action_error(self, error: Any) -> None:
        field = getattr(error, "field", None)
        field = self.field_aliases.get(field or "", field)
        message = getattr(error, "message", None) or str(error)
        self.add_error(field if field in self.fields else None, message)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What ``run_action`` did: ``ok`` with the action's ``result``, or refused with ``message``."""

    ok: bool
    result: T | None = None
    message: str = ""


def show_refusal(form: forms.BaseForm, error: ActionError | PermissionDenied) -> None:
    """Put a refusal on ``form``: beside the field an ``ActionError`` names, else above the form."""
    if isinstance(error, ActionError):
        if isinstance(form, ActionErrorMixin):
            form.add_action_error(error)
            return
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    form.add_error(None, str(error) or _("您没有权限执行该操作。"))


def run_action(request: HttpRequest, perform: Callable[[], T], *, form: forms.BaseForm | None = None) -> Attempt[T]:
    """Call ``perform`` (an action with its arguments bound) and show its refusal.

    ``ActionError`` and ``PermissionDenied`` are refusals: with ``form`` they go on the form (see
    ``show_refusal``), without one into ``messages.error`` for the next page. Anything else is a bug
    and propagates. The caller decides what success looks like (a message, a redirect)."""
    try:
        return Attempt(True, perform())
    except (ActionError, PermissionDenied) as error:
        message = error.message if isinstance(error, ActionError) else (str(error) or _("您没有权限执行该操作。"))
        if form is not None:
            show_refusal(form, error)
        else:
            messages.error(request, message)
        return Attempt(False, message=message)
