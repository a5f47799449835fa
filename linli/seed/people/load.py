"""The load: choose the houses, fill them, rebuild the indexes, audit one ``seed`` event."""

from __future__ import annotations

import datetime
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core import audit
from linli.people.models import Household, Membership, Person, PersonTag, Residence, Tag
from linli.places.choices import HouseUse
from linli.places.models import House, Region
from linli.seed.city import SeedError, progress_bar
from linli.seed.people.derive import Deriver
from linli.seed.people.households import PeopleFiller, _House
from linli.seed.people.writer import PeopleWriter

HOUSEHOLDS: dict[str, int] = {"tiny": 150, "demo": 120_000, "city": 2_400_000}


@dataclass
class PeopleReport:
    households: int
    counts: dict[str, int]
    elapsed_s: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _houses() -> Iterator[_House]:
    """Every dwelling of the city in id order (residential and rented houses; not shops or offices)."""
    codes = dict(Region.objects.values_list("id", "code"))
    rows = (
        House.objects.filter(use__in=[HouseUse.RESIDENTIAL, HouseUse.RENTAL])
        .order_by("id")
        .values_list("id", "region_id", "region_path", "address", "use")
        .iterator(chunk_size=20_000)
    )
    for house_id, region_id, path, address, use in rows:
        # Communities numbered 201… are villages (linli.seed.city.plan_regions).
        village = codes[region_id][9:12] >= "201"
        yield _House(house_id, region_id, path, address, use == HouseUse.RENTAL, village)


def seed_people(
    scale_name: str = "demo",
    seed: int = 2026,
    *,
    households: int | None = None,
    today: datetime.date | None = None,
    progress: bool = False,
    log: Callable[[str], Any] | None = None,
    parallel: bool | None = None,
) -> PeopleReport:
    """Fill the seeded city's houses with synthetic residents, in one transaction; return what was made.

    ``households`` overrides the scale's count (benchmarks); when it exceeds the dwellings, some
    houses get a second household (shared flats). ``parallel`` (default: when there are two CPUs or
    more) derives encryption, search keys and index rows in a worker process.
    """
    say = log or (lambda _message: None)
    started = time.perf_counter()
    target = households if households is not None else HOUSEHOLDS[scale_name]
    if Person.objects.exists():
        raise SeedError(f"数据库中已有 {Person.objects.count()} 名人员；演示人口只写入空的人口库。")
    houses = list(_houses())
    if not houses:
        raise SeedError("没有可入住的房屋：请先生成演示城市（linli seed）。")
    tags = dict(Tag.objects.values_list("code", "id"))
    if not tags:
        say("提示：标签表为空（people 迁移 0002_seed_tags 未执行？），演示人口不带标签。")
    today = today or timezone.localdate()
    # Rented flats and village houses are fuller than commodity flats (many of those bought, unlived in).
    weights = [(1.8 if h.rental else 1.4 if h.village else 1.0) for h in houses]
    per_weight = target / sum(weights)
    choose = random.Random(f"{seed}:occupancy")
    chosen: list[_House] = []
    for house, weight in zip(houses, weights, strict=True):
        p = weight * per_weight
        while p > 0 and choose.random() < p:
            chosen.append(house)
            p -= 1

    with transaction.atomic():
        writer = PeopleWriter()
        writer.drop_indexes()
        deriver = Deriver(writer, parallel if parallel is not None else (os.cpu_count() or 1) > 1)
        filler = PeopleFiller(writer, deriver, seed, today, tags)
        bar = progress_bar(len(chosen), desc="人口与户", unit="户", shown=progress, mininterval=0.5)
        with bar:
            for index, house in enumerate(chosen):
                filler.fill(house)
                deriver.household_done()
                if index % 2000 == 1999:
                    bar.update(2000)
                    bar.set_postfix(人=filler.persons, refresh=False)
            bar.update(len(chosen) % 2000)
            deriver.finish()
            writer.flush()
        generated = time.perf_counter()
        writer.restore_indexes()
        writer.reset_sequences()
        indexes_s = time.perf_counter() - generated
        if deriver.indexed:
            say(f"搜索索引：{deriver.indexed} 人（随人员一并写入）")
        counts = {
            "persons": writer.counts[Person],
            "households": writer.counts[Household],
            "memberships": writer.counts[Membership],
            "residences": writer.counts[Residence],
            "person_tags": writer.counts[PersonTag],
        }
        audit.record(
            None,
            "seed",
            object_type="people.person",
            object_id="",
            object_repr="演示人口",
            region_path=houses[0].region_path[:4],
            changes={"scale": scale_name, "seed": seed, "counts": counts, "today": today.isoformat()},
            reason="生成合成演示人口（linli seed）",
        )
    elapsed = time.perf_counter() - started
    timings = {
        "encrypt": deriver.encrypt_s,
        "generate_and_insert": generated - started,
        "indexes": indexes_s,
        "wait": deriver.wait_s,
    }
    return PeopleReport(counts["households"], counts, elapsed, timings)
