"""Issue 10, item 9: a resident cannot set a case's source (it skewed the source statistics)."""

from __future__ import annotations

import pytest

from linli.cases.choices import Source
from linli.cases.tests.conftest import rubbish
from linli.cases.workflow import report_case
from linli.core.actions import ActionError
from linli.testing import TestCity

pytestmark = pytest.mark.django_db


def test_a_resident_reports_as_portal_and_cannot_claim_a_staff_source(city: TestCity) -> None:
    resident = city.users["resident"]
    category, house = rubbish(city).category, city.houses[0]
    assert report_case(resident, category=category, title="路灯不亮", house=house).source == Source.PORTAL
    with pytest.raises(ActionError) as refused:
        report_case(resident, category=category, title="路灯不亮", house=house, source=Source.ASSIGNED)
    assert refused.value.field == "source" and "上级交办" in refused.value.message
    worker = city.users["grid_worker"]
    staff_case = report_case(worker, category=category, title="路灯不亮", house=house, source=Source.HOTLINE)
    assert staff_case.source == Source.HOTLINE
