"""The costly per-person values (encrypted ID number, digest, masked form, search-index rows), derived
in batches in a worker process, and the search index loaded with the persons."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from django.db import connection, models

from linli.core import crypto
from linli.core.masking import mask_id
from linli.people import search
from linli.people.models import Person
from linli.people.search import PINYIN_INSERT, index_row, pinyin_rows
from linli.seed.people.writer import PeopleWriter, bulk_insert

Derived = tuple[list[tuple[Any, ...]], float]  # what _derive returns
Batch = tuple[list[tuple[type[models.Model], Any]], "Future[Derived]"]


def _derive(inputs: list[tuple[str, str, str, str]], with_index: bool) -> tuple[list[tuple[Any, ...]], float]:
    """For each (ID number, name, current address, registered address): the encrypted number, its
    digest, its masked form, the search-index row (or None) and the name's pinyin tails (or ()).
    Returns them with the seconds spent encrypting and digesting."""
    encrypt_s = 0.0
    derived: list[tuple[Any, ...]] = []
    for number, name, current, registered in inputs:
        started = time.perf_counter()
        encrypted, digest = crypto.encrypt(number), crypto.digest(number)
        encrypt_s += time.perf_counter() - started
        index = index_row(name, "", current, registered) if with_index else None
        tails = tuple(tail for _pk, tail in pinyin_rows(0, name)) if with_index else ()
        derived.append((encrypted, digest, mask_id(number), index, tails))
    return derived, encrypt_s


class Deriver:
    """Derives the costly per-person values (``_derive``) in batches, in a worker process when there is
    a second CPU: the main process generates and inserts the next batch meanwhile. The search-index rows
    are written here too, in bulk, instead of a ``rebuild_index`` pass over the finished table — the same
    rows (``linli.people.search.index_row``; the tests compare with ``rebuild_index``)."""

    BATCH = 2000
    PERSON_SLOTS = (4, 5, 6)  # id_number_encrypted, id_digest, id_masked

    def __init__(self, writer: PeopleWriter, parallel: bool) -> None:
        self.writer = writer
        # Every row of a batch waits for the batch's persons: a household, membership, residence or tag
        # must not reach the table before its person (a deferred foreign key whose parent arrives later
        # makes SQLite search the child table, unindexed during the load, for every parent).
        self.rows: list[tuple[type[models.Model], Any]] = []
        self.inputs: list[tuple[str, str, str, str]] = []
        self.in_flight: Batch | None = None
        self.executor = (
            ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) if parallel else None
        )
        self.index_sql = _index_insert_sql()
        self.encrypt_s = 0.0
        self.wait_s = 0.0  # the main process waiting for the worker
        self.indexed = 0

    def add_person(self, row: list[Any], inputs: tuple[str, str, str, str]) -> None:
        self.rows.append((Person, row))
        self.inputs.append(inputs)

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        self.rows.append((model, row))

    def household_done(self) -> None:
        if len(self.inputs) >= self.BATCH:
            self.submit()

    def submit(self) -> None:
        if not self.inputs:
            return
        rows, inputs, with_index = self.rows, self.inputs, self.index_sql is not None
        self.rows, self.inputs = [], []
        future: Future[Derived]
        if self.executor is not None:
            future = self.executor.submit(_derive, inputs, with_index)
        else:
            future = Future()
            future.set_result(_derive(inputs, with_index))
        previous, self.in_flight = self.in_flight, (rows, future)
        if previous is not None:
            self.complete(*previous)

    def complete(self, rows: list[tuple[type[models.Model], Any]], future: Future[Derived]) -> None:
        waiting = time.perf_counter()
        derived, encrypt_s = future.result()
        self.wait_s += time.perf_counter() - waiting
        self.encrypt_s += encrypt_s
        index_rows: list[tuple[Any, ...]] = []
        tail_rows: list[tuple[int, str]] = []
        persons = [row for model, row in rows if model is Person]
        for row, values in zip(persons, derived, strict=True):
            for slot, value in zip(self.PERSON_SLOTS, values, strict=False):
                row[slot] = value
            self.writer.add(Person, tuple(row))
            if values[3] is not None:
                index_rows.append((row[0], *values[3]))
            tail_rows.extend((row[0], tail) for tail in values[4])
        for model, row in rows:
            if model is not Person:
                self.writer.add(model, row)
        if index_rows and self.index_sql is not None:
            with connection.cursor() as cursor:
                bulk_insert(cursor, self.index_sql, index_rows)
                if tail_rows:
                    bulk_insert(cursor, PINYIN_INSERT, tail_rows)
            self.indexed += len(index_rows)

    def finish(self) -> None:
        self.submit()
        if self.in_flight is not None:
            self.complete(*self.in_flight)
            self.in_flight = None
        if self.executor is not None:
            self.executor.shutdown()


def _index_insert_sql() -> str | None:
    """The INSERT into linli.people.search's side index (as its ``_write_rows`` writes), or None if none."""
    if not search.supports_index():
        return None
    key = "rowid" if connection.vendor == "sqlite" else "person_id"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.FTS_TABLE}")  # the registry is empty: so must its index be
        cursor.execute(f"DELETE FROM {search.PINYIN_TABLE}")
    return f"INSERT INTO {search.FTS_TABLE} ({key}, name_chars, former_chars, words) VALUES (%s, %s, %s, %s)"
