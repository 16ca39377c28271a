"""Importing a large timeline without holding the database's write lock for the whole file.

SQLite has one write lock for the whole database: an import in one transaction kept every login and
edit waiting for as long as the file took (minutes for 100,000 actors). So an import commits in short
batches (PARLEY_IMPORT_BATCH_RECORDS records or PARLEY_IMPORT_BATCH_SECONDS, whichever comes first)
and pauses between them (PARLEY_IMPORT_PAUSE_SECONDS) so that waiting writers get their turn.

All or nothing still holds: each batch writes, in the same transaction as its rows, a journal of the
rows it created and the fields it filled in (TimelineImport, TimelineImportEntry). An import that
fails undoes every batch it committed; one that was killed is undone by the next import, or by
`manage.py import_timeline --undo-unfinished`. Readers may see a running import's committed batches.

One import runs at a time (import_lock): a lock file beside the SQLite database, an advisory lock on
PostgreSQL. Inside a caller's transaction (the admin's article import, tests) an import simply runs in
that transaction, which already makes it all or nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Model

from tracker.models import Actor, Source, TimelineImport, TimelineImportEntry

# Key of the PostgreSQL advisory lock that queues imports ("parley" in ASCII).
IMPORT_LOCK = 0x7061726C6579
# Journal entries undone or cleared per transaction.
JOURNAL_CHUNK = 2_000
POLL_SECONDS = 0.1


class ImportBusy(Exception):
    """Another import (or restore, fixture or generated timeline) held the import lock for longer than allowed."""


def lock_file_path() -> str:
    """A file beside the SQLite database, or for an in-memory one in the temporary directory."""
    name = str(connection.settings_dict["NAME"])
    if os.path.isabs(name) and os.path.isdir(os.path.dirname(name)):
        return f"{name}.import-lock"
    # An in-memory database belongs to one process, and so does its lock.
    key = hashlib.sha256(f"{name}|{os.getpid()}".encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"parley-import-{key}.lock")


def _wait_for(attempt: Callable[[], bool], wait: float) -> None:
    deadline = time.monotonic() + wait
    while not attempt():
        if time.monotonic() >= deadline:
            raise ImportBusy(
                f"Another import or restore is running; this one waited {wait:g} seconds for it "
                "to finish. Nothing was written: try again when it has finished."
            )
        time.sleep(POLL_SECONDS)


def _try_lock_file(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _try_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK])
        return cursor.fetchone()[0]


@contextmanager
def import_lock(*, wait: float | None = None) -> Iterator[None]:
    """Lets one import at a time through, waiting up to `wait` or PARLEY_IMPORT_WAIT_SECONDS; re-entrant."""
    wait = settings.PARLEY_IMPORT_WAIT_SECONDS if wait is None else wait
    if getattr(connection, "parley_import_lock", False):
        yield
        return
    release: Callable[[], None]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Held until the caller's transaction ends, which is when its import becomes visible.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        release = lambda: None  # noqa: E731
    elif connection.vendor == "postgresql":
        _wait_for(_try_advisory_lock, wait)
        session = connection.connection

        def release() -> None:
            if connection.connection is not session:
                return  # closed meanwhile (loaddata closes it when done): the lock went with the session
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK])
            except DatabaseError:
                connection.close()  # the lock goes with the session

    else:
        handle = open(lock_file_path(), "a+")  # noqa: SIM115 - closed by release()
        try:
            _wait_for(lambda: _try_lock_file(handle), wait)
        except BaseException:
            handle.close()
            raise

        def release() -> None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    connection.parley_import_lock = True
    try:
        yield
    finally:
        connection.parley_import_lock = False
        release()


class Run:
    """The writes of one import: run in batches, each recorded in the journal when `record` is set."""

    def __init__(self, record: TimelineImport | None) -> None:
        self.record = record
        self.entries: list[TimelineImportEntry] = []

    def created(self, *rows: Model) -> None:
        if self.record is not None:
            self.entries.extend(
                TimelineImportEntry(run=self.record, model=row._meta.label_lower, object_id=row.pk) for row in rows
            )

    def fill(self, row: Model, values: dict[str, Any], *, also_save: Sequence[str] = ()) -> None:
        """Set and save fields of a row that was there before the import, remembering what they held."""
        if not values:
            return
        changes = {}
        for name, value in values.items():
            attname = row._meta.get_field(name).attname
            before = getattr(row, attname)
            setattr(row, name, value)
            changes[attname] = [before, getattr(row, attname)]
        row.save(update_fields=[*values, *also_save])
        if self.record is not None:
            self.entries.append(
                TimelineImportEntry(run=self.record, model=row._meta.label_lower, object_id=row.pk, changes=changes)
            )

    def each(self, records: Sequence[Any], handle: Callable[[Any], None]) -> None:
        """handle(record) for every record, committing a batch at a time when journaled."""
        if self.record is None:
            for record in records:
                handle(record)
            return
        position = 0
        while position < len(records):
            stop = min(position + settings.PARLEY_IMPORT_BATCH_RECORDS, len(records))
            deadline = time.monotonic() + settings.PARLEY_IMPORT_BATCH_SECONDS
            try:
                with transaction.atomic():
                    while position < stop:
                        handle(records[position])
                        position += 1
                        if time.monotonic() >= deadline:
                            break
                    TimelineImportEntry.objects.bulk_create(self.entries)
            finally:
                # Committed with its batch, or rolled back with it: either way, not to be written again.
                self.entries = []
            time.sleep(settings.PARLEY_IMPORT_PAUSE_SECONDS)


@contextmanager
def import_run() -> Iterator[Run]:
    """A Run under the import lock, undone whole if it fails; first, undoes any import cut short before."""
    with import_lock():
        if connection.in_atomic_block or settings.PARLEY_IMPORT_BATCH_RECORDS <= 0:
            with transaction.atomic():
                undo_unfinished()
                yield Run(None)
            return
        undo_unfinished()
        record = TimelineImport.objects.create()
        try:
            yield Run(record)
        except BaseException as error:
            try:
                undo(record)
            except Exception as undo_error:  # noqa: BLE001 - the import's own error is the one to report
                error.add_note(
                    f"Undoing the batches it had committed failed too ({undo_error}): the next import, or "
                    "`manage.py import_timeline --undo-unfinished`, undoes them."
                )
            raise
        record.finished = True
        record.save(update_fields=["finished"])
        clear(record)


def undo_unfinished() -> int:
    """Undo the imports that were cut short (and clear the journals of finished ones); how many were undone."""
    undone = 0
    for record in TimelineImport.objects.order_by("-pk"):
        if record.finished:
            clear(record)
        else:
            undo(record)
            undone += 1
    return undone


def clear(record: TimelineImport) -> None:
    """Forget the journal of a finished import, a chunk per transaction so as not to hold the lock long."""
    while ids := list(record.entries.values_list("pk", flat=True)[:JOURNAL_CHUNK]):
        TimelineImportEntry.objects.filter(pk__in=ids).delete()
    record.delete()


def undo(record: TimelineImport) -> None:
    """Undo what an import wrote, newest first, a chunk per transaction.

    Each chunk's journal entries go with the rows they undo, so an undo cut short resumes where it
    stopped. Fields are put back only where they still hold what the import wrote (an editor may have
    changed them since), and an actor stays if someone else's event has taken it as a participant.
    """
    while True:
        with transaction.atomic():
            entries = list(record.entries.order_by("-pk")[:JOURNAL_CHUNK])
            if not entries:
                break
            created: dict[str, list[int]] = {}
            for entry in entries:
                if entry.changes is None:
                    created.setdefault(entry.model, []).append(entry.object_id)
                else:
                    _restore(entry)
            # Newest first, so children (evidence, participants) go before what they point to.
            for label, ids in created.items():
                rows = apps.get_model(label)._default_manager.filter(pk__in=ids)
                if rows.model is Actor:
                    rows = rows.filter(participations__isnull=True)
                elif rows.model is Source:
                    rows = rows.filter(evidence__isnull=True)
                rows.delete()
            TimelineImportEntry.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
    record.delete()


def _restore(entry: TimelineImportEntry) -> None:
    model = apps.get_model(entry.model)
    fields = {field.attname: field for field in model._meta.concrete_fields}
    row = model._default_manager.filter(pk=entry.object_id).first()
    if row is None:
        return
    values = {}
    for attname, (before, after) in entry.changes.items():
        field = fields[attname]
        if getattr(row, attname) == field.to_python(after):
            values[attname] = field.to_python(before)
    if values:
        model._default_manager.filter(pk=row.pk).update(**values)
