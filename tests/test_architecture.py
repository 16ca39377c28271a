"""The layers hold: read from the code's own imports and calls, so a change that breaks one fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
COMMANDS = sorted((TRACKER / "management" / "commands").glob("*.py"))
# Model and queryset methods that write rows; modules that must write through services do not call them.
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "bulk_update", "save"}
# Written only on a queryset (`Meeting.objects.filter(...).update(...)`), not a dict's update.
QUERYSET_WRITES = {"update", "delete"}
QUERYSET_STEPS = {"objects", "admin_objects", "filter", "exclude", "all"}


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, as a dotted name (`from a import b` gives a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's package
                package = path.relative_to(TRACKER.parent).with_suffix("").parts[: -node.level]
                base = ".".join([*package, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def reaches(path: Path, *prefixes: str) -> list[str]:
    return sorted(name for name in imported(path) if any(name == p or name.startswith(p + ".") for p in prefixes))


def written(path: Path) -> list[str]:
    """The write calls (`x.objects.create(...)`, `obj.save()`) in `path`, as `line: name`."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        steps = {part.attr for part in ast.walk(node.func.value) if isinstance(part, ast.Attribute)}
        if node.func.attr in WRITES or (node.func.attr in QUERYSET_WRITES and steps & QUERYSET_STEPS):
            calls.append(f"{node.lineno}: {node.func.attr}")
    return calls


def label(path: Path) -> str:
    return str(path.relative_to(TRACKER.parent))


@pytest.mark.parametrize("path", sorted((TRACKER / "extraction").rglob("*.py")), ids=label)
def test_the_reader_imports_nothing_of_django_or_the_app(path):
    outside = [name for name in reaches(path, "django", "tracker") if not name.startswith("tracker.extraction")]
    assert outside == []


def test_the_models_import_none_of_the_web_the_admin_or_the_services():
    assert (
        reaches(
            TRACKER / "models.py",
            "tracker.views",
            "tracker.admin",
            "tracker.admin_import",
            "tracker.admin_site",
            "tracker.services",
            "tracker.article_import",
            "tracker.forms",
            "django.contrib.admin",
        )
        == []
    )


@pytest.mark.parametrize("path", [*COMMANDS, TRACKER / "management" / "article_file.py"], ids=label)
def test_management_commands_import_nothing_of_the_admin_its_forms_or_the_views(path):
    assert (
        reaches(path, "tracker.admin", "tracker.admin_import", "tracker.admin_site", "tracker.forms", "tracker.views")
        == []
    )


@pytest.mark.parametrize(
    "path", [TRACKER / "admin.py", TRACKER / "admin_import.py", TRACKER / "admin_site.py", *COMMANDS], ids=label
)
def test_the_admin_and_every_management_command_write_only_through_services(path):
    assert written(path) == []


def test_the_import_commands_and_views_reach_the_article_import_service():
    for path in (TRACKER / "admin_import.py", TRACKER / "management" / "commands" / "import_article.py"):
        assert "tracker.article_import.article_import" in imported(path), label(path)


def test_the_write_check_sees_the_writes_of_the_services_themselves():
    assert written(TRACKER / "services.py") and written(TRACKER / "article_import.py")
    assert written(TRACKER / "synthetic_timeline.py")  # bulk_create, the generator's writes
    assert reaches(TRACKER / "admin_import.py", "tracker.forms")  # and the import check sees imports
