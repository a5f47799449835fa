from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from linli.cases.models import Case, Category
from linli.cases.workflow import report_case
from linli.testing import TestCity

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # an ordinary working Monday


def rubbish(city: TestCity, *, at: datetime = MONDAY, **kwargs: Any) -> Case:
    """The grid worker reports a pile of rubbish at the first house of their grid."""
    house = city.houses[0]
    fields: dict[str, Any] = {
        "category": Category.objects.get(code="L0104"),
        "title": "楼道杂物堆放",
        "description": "3栋1单元楼道堆满纸箱和旧家具，堵塞通道。",
        "house": house,
        "at": at,
    }
    fields.update(kwargs)
    return report_case(city.users["grid_worker"], **fields)


@pytest.fixture
def reported(city: TestCity) -> Case:
    return rubbish(city)
