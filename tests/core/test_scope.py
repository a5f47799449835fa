from __future__ import annotations

import pytest
from django.http import Http404

from linli.core.scope import get_visible_or_404
from linli.places.models import House, Region
from linli.testing import TestCity


def test_a_grid_worker_sees_only_their_grid(city: TestCity) -> None:
    worker = city.users["grid_worker"]
    grid = city.region("510104001001001")
    visible = House.objects.visible_to(worker)
    assert visible.count() == 16
    assert set(visible.values_list("region_id", flat=True)) == {grid.pk}


def test_the_outsider_gets_404_for_a_house_in_another_district(city: TestCity) -> None:
    house = city.houses[0]
    with pytest.raises(Http404):
        get_visible_or_404(House.objects.all(), city.users["outsider"], pk=house.pk)
    with pytest.raises(Http404):
        get_visible_or_404(House.objects.all(), city.users["outsider"], pk=10**9)


def test_the_community_worker_sees_their_community_subtree_of_regions(city: TestCity) -> None:
    codes = set(Region.objects.visible_to(city.users["community_worker"]).values_list("code", flat=True))
    assert codes == {"510104001001", "510104001001001", "510104001001002"}
