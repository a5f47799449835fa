"""Pages of the case loop (事件), one module per subject: ``inbox`` (the inboxes and the deadline clock),
``report`` (上报), ``case`` (the case page and its buttons), ``board`` (the map, the whistle board),
``disputes`` (a dispute's record), ``indicators`` (考核指标).

Reads go through ``Case.objects.visible_to`` and ``get_visible_or_404`` (a case outside the user's
scope answers 404 like a missing one); every write is a ``linli.cases.workflow`` action, called
through the verb registry (``linli.cases.verbs``) or a dispute action.
"""

from __future__ import annotations

from linli.cases.views.board import case_map, case_map_json, whistle_board
from linli.cases.views.case import attachment, case_detail, case_do
from linli.cases.views.disputes import dispute_page
from linli.cases.views.inbox import case_reader_required, deadline_clock, format_working, inbox
from linli.cases.views.indicators import indicator_cases, indicators, period_from
from linli.cases.views.report import region_bounds, report

__all__ = [
    "attachment",
    "case_detail",
    "case_do",
    "case_map",
    "case_map_json",
    "case_reader_required",
    "deadline_clock",
    "dispute_page",
    "format_working",
    "inbox",
    "indicator_cases",
    "indicators",
    "period_from",
    "region_bounds",
    "report",
    "whistle_board",
]
