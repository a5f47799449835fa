from __future__ import annotations

from typing import Any

import pytest

from linli.core.testing import TestCity, build_test_city


@pytest.fixture
def city(db: Any) -> TestCity:
    """The small known city with the standard cast of users (see linli/core/testing.py)."""
    return build_test_city()
