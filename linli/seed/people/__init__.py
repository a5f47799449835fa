"""Synthetic residents for the seeded city: persons in households in its houses, with residence and tags.

For ``demo`` about 300 000 persons in 120 000 households (mean size ≈ 2.5, many of one to three
persons), an age pyramid like a Chinese city's in 2020 (≈ 13 % under 15, 66 % 15-59, 21 % 60+),
about 20 % floating population registered in other provinces, a few overseas residents, left-behind
children and elderly in the villages, and tags at realistic rates. Names are composed from common
surnames and given-name characters of each generation; ID numbers are well-formed GB 11643 numbers
whose area code (valid in the birth year, as python-stdnum's table has it), birth date and sex agree
with the person and whose check character is computed — synthetic, never a real person's record.

Like the city (``linli.seed.city``), this is a bulk load of synthetic data into an empty registry,
not a user's change: rows are built as tuples with preassigned ids and written by a ``BulkWriter``
with batched ``executemany``, in one transaction, audited as one ``seed`` event with the counts.
ID numbers still go through ``linli.core.crypto`` (encrypted, keyed digest) and
``linli.core.masking.mask_id``, and names through ``linli.people.search.search_keys`` (cached per
distinct name), so the rows are exactly what the actions would have written.

Deterministic from the seed and the day of seeding (ages and dates are relative to ``today``, so a
demo built today has the right ages); the encrypted tokens differ between runs (Fernet uses a fresh
IV) but decrypt to the same numbers.

One module per subject: ``counties`` (places of registration and their codes over time), ``mix``
(names, phones, occupations, household sizes), ``members`` (who lives in a household: ``MemberDrawer``),
``households`` (a household into rows: ``PeopleFiller``), ``derive`` (encryption and the search index,
in a worker process: ``Deriver``), ``writer`` (``PeopleWriter``, COPY on PostgreSQL) and ``load``
(``seed_people``). This package re-exports every public name, so callers import from
``linli.seed.people``.
"""

from __future__ import annotations

from linli.seed.people.counties import ELSEWHERE, ELSEWHERE_CUM, LOCAL, SICHUAN, SICHUAN_CUM, Chain, County
from linli.seed.people.derive import Deriver
from linli.seed.people.households import SOURCE, PeopleFiller
from linli.seed.people.load import HOUSEHOLDS, PeopleReport, seed_people
from linli.seed.people.members import Member, MemberDrawer
from linli.seed.people.mix import (
    COMPOUND,
    FLOATING_REASONS,
    GIVEN,
    GIVEN_POOLS,
    MINORITIES,
    MODERN_NAMES,
    OCCUPATIONS,
    OVERSEAS,
    OVERSEAS_PURPOSES,
    PHONE_PREFIXES,
    SIZE_CUM,
    SIZES,
    SURNAME_CUM,
    SURNAMES,
)
from linli.seed.people.writer import PeopleWriter, bulk_insert, copy_rows, copy_statement

__all__ = [
    "COMPOUND",
    "ELSEWHERE",
    "ELSEWHERE_CUM",
    "FLOATING_REASONS",
    "GIVEN",
    "GIVEN_POOLS",
    "HOUSEHOLDS",
    "LOCAL",
    "MINORITIES",
    "MODERN_NAMES",
    "OCCUPATIONS",
    "OVERSEAS",
    "OVERSEAS_PURPOSES",
    "PHONE_PREFIXES",
    "SICHUAN",
    "SICHUAN_CUM",
    "SIZES",
    "SIZE_CUM",
    "SOURCE",
    "SURNAMES",
    "SURNAME_CUM",
    "Chain",
    "County",
    "Deriver",
    "Member",
    "MemberDrawer",
    "PeopleFiller",
    "PeopleReport",
    "PeopleWriter",
    "bulk_insert",
    "copy_rows",
    "copy_statement",
    "seed_people",
]
