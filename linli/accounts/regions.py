"""The regions accounts grants roles over, reached without importing the places app.

``Assignment.region`` is a foreign key to ``"places.Region"``, a lazy reference that Django resolves
when the apps load. accounts lies below places (docs/architecture.md, "Layers": places checks the
capabilities accounts defines), so accounts never imports places: what it needs of a region is the
``AssignableRegion`` protocol below, and the model is the one that foreign key resolved to — the
same route Django's own reference takes, as ``get_user_model()`` is for the user model.

Three things on the user page need regions: finding the region an administrator typed by its code
inside their scope (``find_region``), the datalist of codes they may type (``region_choices``) and
naming a region kind in a refusal (``kind_label``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from django.db import models

from linli.accounts.models import Assignment

if TYPE_CHECKING:
    from linli.core.actors import MaybeActor


class AssignableRegion(Protocol):
    """What accounts reads of a region (``places.models.Region`` provides it)."""

    @property
    def pk(self) -> int: ...

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def path(self) -> str: ...

    def get_kind_display(self) -> str: ...


def region_model() -> type[models.Model]:
    """The model ``Assignment.region`` points at (places.Region), as Django resolved it."""
    model = Assignment._meta.get_field("region").related_model
    assert isinstance(model, type) and issubclass(model, models.Model)
    return model


def _regions() -> models.QuerySet[models.Model]:
    return region_model()._default_manager.all()


def find_region(actor: MaybeActor, code: str) -> AssignableRegion | None:
    """The region with this code inside the actor's scope, or None (missing and outside alike)."""
    region = _regions().visible_to(actor).filter(code=code).first()  # type: ignore[attr-defined]
    return cast("AssignableRegion | None", region)


def fresh_region(region: AssignableRegion) -> AssignableRegion:
    """The region as the database has it now (its path may have moved since the form read it)."""
    return cast("AssignableRegion", _regions().get(pk=region.pk))


def region_choices(actor: MaybeActor, *, exclude_kind: str, limit: int) -> list[tuple[str, str]]:
    """(code, name) of the regions in the actor's scope, but those of ``exclude_kind``, at most ``limit``."""
    regions = _regions().visible_to(actor).exclude(kind=exclude_kind)  # type: ignore[attr-defined]
    return list(regions.values_list("code", "name")[:limit])


def kind_label(kind: str) -> str:
    """The display name of a region kind (网格, 社区 …), from the region model's own choices."""
    field = region_model()._meta.get_field("kind")
    return str(dict(field.flatchoices).get(kind, kind))  # type: ignore[union-attr]
