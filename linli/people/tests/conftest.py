from __future__ import annotations

import pytest

from linli.testing import TestCity, TestPeople, add_people


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    """The standard persons and households (linli.core.testing.add_people)."""
    return add_people(city)
