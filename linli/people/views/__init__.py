"""Pages of the population registry (实有人口) for grid workers and community staff, phone first.

One module per subject: ``persons`` (the list, one person, editing, 核实, unmasking), ``history``
(the timeline), ``export`` (CSV), ``registration`` (a person, a newcomer family, the live ID check),
``moves`` (迁入/迁出), ``status`` (死亡/注销), ``households`` and ``quality`` (活户籍). Every page
is guarded by ``core.permissions.capability_required``; reads go through ``visible_to`` and
``get_visible_or_404``; writes through linli.people.actions, run by ``core.forms.run_action`` so an
``ActionError`` is shown beside the field it names. Every name is importable from here, as it was
from the single views module.
"""

from __future__ import annotations

from linli.people.filters import MAX_BUILDING_CHOICES, age_bounds
from linli.people.models import age_on
from linli.people.views._common import EDIT_REFUSED, VIEW_REFUSED, house_from_query
from linli.people.views.export import EXPORT_LIMIT, person_export
from linli.people.views.history import CHANGE_CODES, CHANGE_LABELS, VERB_LABELS, HistoryEntry, history_entries
from linli.people.views.households import household_detail
from linli.people.views.moves import move_in, move_out
from linli.people.views.persons import (
    HISTORY_LIMIT,
    PERSONS_PER_PAGE,
    filtered_persons,
    person_confirm,
    person_detail,
    person_edit,
    person_list,
    person_unmask,
)
from linli.people.views.quality import QUALITY_LIST_LIMIT, QualityCheck, quality, quality_home
from linli.people.views.registration import check_id, person_create, register_family
from linli.people.views.status import cancel_person, record_death

age_of = age_on  # the views' old name for it

__all__ = [
    "CHANGE_CODES",
    "CHANGE_LABELS",
    "EDIT_REFUSED",
    "EXPORT_LIMIT",
    "HISTORY_LIMIT",
    "MAX_BUILDING_CHOICES",
    "PERSONS_PER_PAGE",
    "QUALITY_LIST_LIMIT",
    "VERB_LABELS",
    "VIEW_REFUSED",
    "HistoryEntry",
    "QualityCheck",
    "age_bounds",
    "age_of",
    "age_on",
    "cancel_person",
    "check_id",
    "filtered_persons",
    "history_entries",
    "house_from_query",
    "household_detail",
    "move_in",
    "move_out",
    "person_confirm",
    "person_create",
    "person_detail",
    "person_edit",
    "person_export",
    "person_list",
    "person_unmask",
    "quality",
    "quality_home",
    "record_death",
    "register_family",
]
