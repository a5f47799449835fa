"""Writes to the population registry: persons, residence, households and their members, tags.

Every function here is an ``@action``: one transaction, a permission check (capability
``EDIT_PEOPLE`` and the place written to inside the actor's scope), the write, an audit event, then
``ensure_in_scope`` on what was written. A refusal raises ``ActionError`` (or ``PermissionDenied``)
with a Chinese message naming the field and the rule; nothing is left changed.

``actor=None`` means the system itself (seed, fixtures, imports run by the CLI): no permission or
scope check, and the audit row has no actor. Views and the API always pass ``request.user``.

Sensitive values never reach the audit table in clear: ID numbers appear as ``id_masked``, phones
through ``mask_phone``. Error messages name the masked number, never the clear one.

Rules worth knowing:

- A person's ``region`` is their current house's grid; until they have a house, the region given
  when they were registered. ``move_in`` moves the person (and their tags) to the new grid; the
  household keeps its own region and house (a household moves only when its house changes, which
  is a separate decision of the 户籍 office, not a side effect of one member moving).
- History is never deleted: residences end (``ended_on``), memberships end (``left_on``) and new
  rows begin; households are dissolved (``dissolved_on``), not deleted; tags end (``ends_on``).
- A tag ``untag_person(..., on=d)`` no longer applies from day ``d``: ``ends_on`` (inclusive) is the
  day before. A tag removed on the day it started therefore never counts as current.

The actions live in one module per subject (``persons``, ``status`` — death and cancellation,
``residence``, ``households``, ``tags``; shared helpers in ``_common``); this package re-exports every
public name, so callers import from ``linli.people.actions``.
"""

from __future__ import annotations

from linli.people.actions._common import PERSON_FIELDS, acting_user
from linli.people.actions.households import (
    FamilyMemberError,
    add_member,
    create_household,
    merge_households,
    register_family,
    remove_member,
    set_head,
    split_household,
)
from linli.people.actions.persons import (
    FLAG_BIRTH_DATE_MISMATCH,
    FLAG_CONVERTED_FROM_15,
    FLAG_SEX_MISMATCH,
    confirm_person,
    register_person,
    update_person,
)
from linli.people.actions.residence import RESIDENCE_DETAILS, move_in, move_out
from linli.people.actions.status import cancel_person, record_death
from linli.people.actions.tags import may_see_tag, tag_person, untag_person

__all__ = [
    "FLAG_BIRTH_DATE_MISMATCH",
    "FLAG_CONVERTED_FROM_15",
    "FLAG_SEX_MISMATCH",
    "PERSON_FIELDS",
    "RESIDENCE_DETAILS",
    "FamilyMemberError",
    "acting_user",
    "add_member",
    "cancel_person",
    "confirm_person",
    "create_household",
    "may_see_tag",
    "merge_households",
    "move_in",
    "move_out",
    "record_death",
    "register_family",
    "register_person",
    "remove_member",
    "set_head",
    "split_household",
    "tag_person",
    "untag_person",
    "update_person",
]
