"""Django's loaddata, made strict: every object passes full_clean, and an error names the record and field.

`manage.py loaddata` stays Django's own; this is the command for fixtures written by hand. Stock loaddata skips validation and reports "tracker.Drill(pk=None)" for a natural-key record; here
a bad fixture is refused as a whole (loaddata's transaction) with a message an editor can act on.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import models

from tracker.import_runs import ImportBusy, import_lock
from tracker.parley_json import too_deep


def record_label(model: type[models.Model] | None, fields: dict[str, Any]) -> str:
    label = model._meta.label_lower if model else "unknown model"
    key = fields.get("slug") or fields.get("name") or fields.get("title")
    return f"{label} “{key}”" if key else label


def unresolved_references(model: type[models.Model], fields: dict[str, Any]) -> list[str]:
    """The natural-key references in a raw fixture record that point to nothing in the database."""
    problems = []
    for field in model._meta.get_fields():
        value = fields.get(field.name)
        if not (getattr(field, "many_to_one", False) and isinstance(value, list)):
            continue
        target = field.related_model
        try:
            target._default_manager.get_by_natural_key(*value)
        except (ObjectDoesNotExist, TypeError):
            problems.append(f"{field.name}: no {target._meta.verbose_name} has the natural key {json.dumps(value)}")
    return problems


class Command(loaddata.Command):
    help = loaddata.Command.help + " Every object is validated (full_clean) before it is saved."

    def handle(self, *fixture_labels: str, **options) -> None:
        try:
            # Queued with the imports: both write many rows, and an import's undo must not meet half a fixture.
            with import_lock():
                super().handle(*fixture_labels, **options)
        except ImportBusy as error:
            raise CommandError(f"{', '.join(fixture_labels)} was not loaded. {error}") from None

    def parse_name(self, fixture_name: str):
        # load_label names each fixture file through here just before reading it.
        self.current_file, self.current_record = fixture_name, 0
        return super().parse_name(fixture_name)

    def save_obj(self, obj) -> bool:
        self.current_record += 1
        instance = obj.object
        deferred = {field.name for field in (obj.deferred_fields or {})}
        if instance.pk is not None:
            # A natural key found in the database gave the record its row: validate it as an update.
            instance._state.adding = not type(instance)._default_manager.filter(pk=instance.pk).exists()
        try:
            instance.full_clean(exclude=deferred or None)
        except ValidationError as error:
            details = "; ".join(
                f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
                for field, messages in error.message_dict.items()
            )
            fields = {f.name: getattr(instance, f.attname, None) for f in instance._meta.concrete_fields}
            raise CommandError(
                f"{self.current_file}, record {self.current_record} ({record_label(type(instance), fields)}): {details} "
                "Nothing was loaded."
            ) from None
        return super().save_obj(obj)

    def load_label(self, fixture_label: str) -> None:
        try:
            super().load_label(fixture_label)
        except DeserializationError as error:
            if isinstance(error.__cause__, RecursionError):
                # A forged file: Python's JSON parser gave up before reading a single record.
                message = too_deep("a fixture needs five")
                raise CommandError(f"{self.current_file} cannot be read: {message}. Nothing was loaded.") from None
            index = self.current_record + 1
            raise CommandError(
                f"{self.current_file}, record {index}{self.describe(fixture_label, index, error)} Nothing was loaded."
            ) from None

    def describe(self, fixture_label: str, index: int, error: DeserializationError) -> str:
        """What is wrong with record `index`, read again from the file, since the deserializer hides it."""
        message = str(error).removeprefix("Error deserializing object: ")
        paths = [
            path for path, _, _ in self.find_fixtures(fixture_label) if os.path.basename(path) == self.current_file
        ]
        try:
            with open(paths[0], encoding="utf-8") as file:
                record = json.load(file)[index - 1]
            model = self.model_for(record["model"])
            fields = record.get("fields") or {}
        except (IndexError, KeyError, TypeError, ValueError, LookupError, OSError):
            return f": {message}"
        label = record_label(model, fields)
        problems = unresolved_references(model, fields) if model else []
        cause = error.__cause__ or error.__context__
        value = re.search(r"field_value was '(.*)'$", message, re.DOTALL)
        if not problems and isinstance(cause, ValidationError) and value:
            # The deserializer knows the bad value, not the field: find which field holds it.
            field = next((name for name, raw in fields.items() if str(raw) == value.group(1)), None)
            reason = " ".join(cause.messages)
            problems = [f"{field}: {reason}" if field else reason]
        return f" ({label}): {'; '.join(problems) or message}"

    @staticmethod
    def model_for(label: str) -> type[models.Model] | None:
        from django.apps import apps

        try:
            return apps.get_model(label)
        except (LookupError, ValueError):
            return None
