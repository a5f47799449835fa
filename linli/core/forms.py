"""Form helpers shared by every app's pages."""

from __future__ import annotations

from typing import Any


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
