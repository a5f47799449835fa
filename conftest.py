from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from linli.testing import TestCity, build_test_city

# Property tests assert behaviour, never speed: on a loaded 2-core machine (two xdist workers, a
# PostgreSQL server) hypothesis's timing checks would fail runs for no fault of the code.
settings.register_profile("linli", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("linli")


@pytest.fixture
def city(db: Any) -> TestCity:
    """The small known city with the standard cast of users (see linli/testing.py)."""
    return build_test_city()
