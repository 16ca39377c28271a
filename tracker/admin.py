"""The admin is Parley's data-entry tool: every model, with search, filters on choices and dates, and inlines."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from functools import reduce

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext

from tracker import services
from tracker.extraction.headlines import join_names
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Precision, ReviewedProposal, Source
from tracker.paging import LargeTablePaginator
from tracker.parley_json import format_date

LIST_PER_PAGE = 50


def _constraint_message(model: type, name: str) -> str:
    return next(c for c in model._meta.constraints if c.name == name).violation_error_message


class OncePerEventFormSet(BaseInlineFormSet):
    """Refuses the same actor (or source) twice in one event, even when both rows are new.

    The database constraint is conditional, so neither the inline forms nor the formset's own
    uniqueness check see it; without this an editor would get a server error instead of a message.
    """

    unique_field = "actor"
    constraint_prefix = "participant_once_per"

    def clean(self) -> None:
        super().clean()
        message = _constraint_message(self.model, f"{self.constraint_prefix}_{self.fk.name}")
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (self.can_delete and self._should_delete_form(form)):
                continue
            value = form.cleaned_data.get(self.unique_field)
            if value is None:
                continue
            if value.pk in seen:
                form.add_error(self.unique_field, message)
            seen.add(value.pk)


class EvidenceFormSet(OncePerEventFormSet):
    unique_field = "source"
    constraint_prefix = "evidence_once_per_source"


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


class ParticipantInline(admin.TabularInline):
    model = Participant
    formset = OncePerEventFormSet
    autocomplete_fields = ["actor"]
    extra = 2


class MeetingParticipantInline(ParticipantInline):
    fk_name = "meeting"
    exclude = ["drill"]


class DrillParticipantInline(ParticipantInline):
    fk_name = "drill"
    exclude = ["meeting"]


class EvidenceInline(admin.StackedInline):
    model = Evidence
    formset = EvidenceFormSet
    autocomplete_fields = ["source"]
    extra = 1


class MeetingEvidenceInline(EvidenceInline):
    fk_name = "meeting"
    exclude = ["drill"]


class DrillEvidenceInline(EvidenceInline):
    fk_name = "drill"
    exclude = ["meeting"]


class SourceEvidenceInline(admin.StackedInline):
    model = Evidence
    fk_name = "source"
    autocomplete_fields = ["meeting", "drill"]
    extra = 0


class ReviewedProposalInline(admin.TabularInline):
    """What the editor decided at the source's import; deleting a row lets a re-import propose it again."""

    model = ReviewedProposal
    fk_name = "source"
    extra = 0
    fields = ["what", "description", "kept", "meeting", "drill"]
    readonly_fields = fields
    verbose_name_plural = "proposals reviewed at import (delete one to have a re-import propose it again)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "title", "affiliation", "alias_names"]
    list_filter = ["kind"]
    list_select_related = ["affiliation"]
    search_fields = ["name", "slug", "title", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation", "members"]
    fields = ["name", "slug", "kind", "title", "affiliation", "members", "description"]
    inlines = [AliasInline]
    actions = ["merge_selected"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Actor]:
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_names(self, actor: Actor) -> str:
        return ", ".join(alias.name for alias in actor.aliases.all())

    @admin.action(description="Merge selected actors into one", permissions=["change", "delete"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Actor]) -> TemplateResponse | None:
        actors = list(
            queryset.annotate(
                event_count=Count("participations", distinct=True),
                alias_count=Count("aliases", distinct=True),
                affiliate_count=Count("affiliates", distinct=True),
            ).order_by("name")
        )
        if len(actors) < 2:
            self.message_user(request, "Select at least two actors to merge.", messages.WARNING)
            return None
        error = ""
        if request.POST.get("post") == "yes":
            keep = next((actor for actor in actors if str(actor.pk) == request.POST.get("keep")), None)
            if keep is None:
                error = "Choose the actor to keep."
            else:
                duplicates = [actor for actor in actors if actor.pk != keep.pk]
                services.merge_actors(keep=keep, duplicates=duplicates)
                names = join_names([actor.name for actor in duplicates])
                self.message_user(request, f"Merged {names} into {keep.name}.", messages.SUCCESS)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge actors",
            "subtitle": "Choose the actor to keep",
            "opts": self.model._meta,
            "actors": actors,
            "error": error,
            "action_name": "merge_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/tracker/actor/merge_actors.html", context)


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "actor", "actor_kind"]
    list_filter = ["actor__kind"]
    list_select_related = ["actor"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False

    @admin.display(description="kind", ordering="actor__kind")
    def actor_kind(self, alias: Alias) -> str:
        return alias.actor.get_kind_display()


class LargeTableAdmin(admin.ModelAdmin):
    """A changelist over a table that grows large: fifty rows a page, counted without reading them all (tracker.paging)."""

    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    paginator = LargeTablePaginator

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # As Django's, through the admin's own manager where the model has one (a date hierarchy read from its index).
        manager = getattr(self.model, "admin_objects", self.model._default_manager)
        queryset = manager.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ):
        # The changelist reads the count before the page: tell the paginator which page it will show.
        try:
            number = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:
            number = 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, number=number)

    def action_checkbox(self, obj: models.Model) -> str:
        # Django's markup, without rendering a form widget through the template engine for every row
        # (4 ms of a fifty-row page).
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )


class EventForm(forms.ModelForm):
    """Lets an editor leave the slug blank, and stores month and year dates on their first day."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Leave blank to make one from the date, kind and summary."

    def clean(self) -> dict:
        cleaned = super().clean()
        for day, precision in (("start", "precision"), ("end", "end_precision")):
            value = cleaned.get(day)
            if value and cleaned.get(precision) == Precision.MONTH:
                cleaned[day] = value.replace(day=1)
            elif value and cleaned.get(precision) == Precision.YEAR:
                cleaned[day] = value.replace(month=1, day=1)
        if not cleaned.get("slug") and not self.instance.pk:
            model = self._meta.model
            label = cleaned.get("kind", "").replace("_", " ") if model is Meeting else "drill"
            words = (cleaned.get("name", "") + " " + cleaned.get("summary", "")).split()[:8]
            cleaned["slug"] = services.event_slug(
                model,
                start=cleaned.get("start"),
                precision=cleaned.get("precision") or Precision.DAY,
                label=label,
                words=words or [cleaned.get("location", "")],
            )
        return cleaned


# How a search reads its matches. Sorting them takes time in proportion to their number; walking the
# (start, id) index newest first and testing each event takes time in proportion to the events passed over
# to fill the pages, fewer the commoner the word. At 1M events the two cost about the same at 4,000 to 5,000
# matches on SQLite, and at 3% of the events on PostgreSQL, whose walk reads each event it passes from the table.
SORT_UP_TO = 5_000
WALK_FROM_PER_MILLE = 30
WALK_FROM_PARTICIPATIONS = 25_000


class NotIndexed(models.Func):
    """`+column`: SQLite then tests the column row by row instead of choosing to read the rows through it."""

    template = "+%(expressions)s"


class AmongGathered(models.Func):
    """`pk = ANY(ARRAY(subquery))`: PostgreSQL gathers the ids once, through their indexes, then reads them by key.

    As `pk IN (subquery)` the planner may walk the events newest first and test each instead: 1.5 s at
    1M events for "2006", whose 14,000 matches all lie in that year, nineteen years of events back.
    """

    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = models.BooleanField()


def _search_terms(search_term: str) -> list[str]:
    terms = []
    for term in smart_split(search_term):
        if term.startswith(('"', "'")) and term[0] == term[-1]:
            term = unescape_string_literal(term)
        terms.append(term)
    return terms


# The text columns each event's search index holds (migration 0005_event_search).
SEARCH_INDEXED = {
    "meeting": ["slug", "summary", "location", "date_text"],
    "drill": ["name", "slug", "summary", "location", "date_text"],
}
TAKING_PART = "participants__actor__"


def split_search_fields(model: type[Meeting | Drill], search_fields: Sequence[str]) -> tuple[list[str], list[str]]:
    """An event admin's `search_fields` as the event's own text fields and the fields of an actor taking part."""
    own, actor = [], []
    for name in search_fields:
        if name.startswith(TAKING_PART):
            actor.append(name.removeprefix(TAKING_PART))
        elif "__" not in name and name[:1] not in "^=@":
            own.append(name)
        else:
            raise ImproperlyConfigured(
                f"{model.__name__} admin search reads its own text fields and {TAKING_PART}…; {name!r} is neither."
            )
    return own, actor


class SearchTerm:
    """One word or quoted phrase of an event search: events whose text holds it, or where an actor so named or aliased takes part.

    The text is a substring on PostgreSQL (trigram indexes) and the start of a word on SQLite (an FTS5
    table). `measure` sizes each term; `condition` then reads it the cheaper way.
    """

    def __init__(self, model: type[Meeting | Drill], vendor: str, term: str, search_fields: Sequence[str]) -> None:
        self.model, self.vendor, self.event = model, vendor, model._meta.model_name
        fields, actor_fields = split_search_fields(model, search_fields)
        matching = [Q(**{f"{field}__icontains": term}) for field in fields]
        self.text = reduce(operator.or_, matching) if matching else Q(pk__in=[])
        self.indexed_text: tuple[str, list[str]] | None = None
        words = re.findall(r"\w+", term)
        # The FTS5 table (migration 0005) holds the event's text columns; searched fields that differ read the columns.
        if vendor == "sqlite" and words and set(fields) == set(SEARCH_INDEXED[self.event]):
            fts = f"{model._meta.db_table}_search"
            self.indexed_text = (f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", ['"' + " ".join(words) + '"*'])
        self.participations: QuerySet | None = None
        if actor_fields:
            actors = Actor.objects.filter(
                reduce(operator.or_, (Q(**{f"{field}__icontains": term}) for field in actor_fields))
            ).values("pk")
            self.participations = Participant.objects.filter(
                actor__in=actors, **{f"{self.event}__isnull": False}
            ).order_by()
        # Filled in by `measure`.
        self.taking_part = 0  # events the actors take part in, up to WALK_FROM_PARTICIPATIONS + 1
        self.text_count: int | None = None  # SQLite: events the text is in, up to SORT_UP_TO + 1
        self.text_per_mille = 0  # PostgreSQL: events in a thousand the text is in, from a sample

    @property
    def size(self) -> int | None:
        """How many events match, when few enough to sort (SQLite only: FTS5 gives its planner no estimate)."""
        if self.text_count is None or self.text_count + self.taking_part > SORT_UP_TO:
            return None
        return self.text_count + self.taking_part

    @property
    def common(self) -> bool:
        """Whether the list should walk the events newest first to find this term's matches."""
        if self.vendor == "sqlite":
            return self.size is None
        return self.text_per_mille >= WALK_FROM_PER_MILLE or self.taking_part > WALK_FROM_PARTICIPATIONS

    def condition(self, *, walked: bool) -> Q:
        """This term's events: tested on each event as the list walks, or read through indexes."""
        if self.participations is None:
            taking_part = None
        else:
            taking_part = self.participations.values(f"{self.event}_id")
        if not walked and self.vendor == "postgresql":
            gathered = self.model._default_manager.filter(self.text).order_by().values("pk")
            return Q(AmongGathered(models.F("pk"), gathered.union(taking_part) if self.taking_part else gathered))
        pk = NotIndexed(models.F("pk")) if walked and self.vendor == "sqlite" else models.F("pk")
        text = Q(In(pk, RawSQL(*self.indexed_text))) if self.indexed_text else self.text
        if not self.taking_part:
            return text
        if walked and self.taking_part > SORT_UP_TO:
            # Correlated, so each event walked probes its own participants: PostgreSQL hashes an EXISTS, reading
            # every participation of a busy actor first (440 ms for the busiest actor's name at 1M events).
            taking_part = taking_part.filter(**{self.event: models.OuterRef("pk")})
        return text | Q(In(pk, taking_part))


def measure(database: str, terms: list[SearchTerm]) -> None:
    """Sizes every term in one query: how many events its actors take part in, and how common its text is.

    SQLite counts the text's events in its FTS5 table, up to SORT_UP_TO + 1. PostgreSQL tests a sample of
    the table (a thousandth of its pages, the same ones each time): counting even a few thousand matches
    of a common word would read tens of thousands of events.
    """
    connection = connections[database]
    parts, params = [], []

    def count(kind: int, index: int, sql: str, more, select: str = "COUNT(*)") -> None:
        parts.append(f"SELECT {index}, {kind}, {select} FROM ({sql}) AS part{len(parts)}")
        params.extend(more)

    for index, term in enumerate(terms):
        if term.participations is not None:
            taking_part, more = term.participations.values_list("pk").query.sql_with_params()
            count(0, index, f"{taking_part} LIMIT {WALK_FROM_PARTICIPATIONS + 1}", more)
        if term.indexed_text:
            fts, phrase = term.indexed_text
            count(1, index, f"{fts} LIMIT {SORT_UP_TO + 1}", phrase)
        elif connection.vendor == "postgresql":
            query = term.model._default_manager.filter(term.text).query
            text, more = query.get_compiler(database).compile(query.where)
            table = connection.ops.quote_name(term.model._meta.db_table)
            sample = f"SELECT ({text}) AS matches FROM {table} TABLESAMPLE SYSTEM (0.1) REPEATABLE (0)"
            count(2, index, sample, more, select="1000 * COUNT(*) FILTER (WHERE matches) / GREATEST(COUNT(*), 1)")
    with connection.cursor() as cursor:
        if not parts:
            return
        cursor.execute(" UNION ALL ".join(parts), params)
        for index, kind, value in cursor.fetchall():
            setattr(terms[index], ("taking_part", "text_count", "text_per_mille")[kind], value)


class EventAdmin(LargeTableAdmin):
    form = EventForm
    date_hierarchy = "start"
    ordering = ["-start", "-id"]
    search_fields = [
        "slug",
        "summary",
        "location",
        "date_text",
        "participants__actor__name",
        "participants__actor__aliases__name",
    ]
    readonly_fields = ["created_at", "updated_at"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """Events matching every word of the search in their text or the name or alias of someone taking part.

        One query first sizes each word (`measure`). A list with a word of few matches is read through
        that word's indexes and sorted; a list of common words walks the (start, id) index newest first
        and tests each event, which fills a page after a few hundred. No join on participants, so no DISTINCT.
        """
        vendor = connections[queryset.db].vendor
        fields = self.get_search_fields(request)
        terms = [SearchTerm(queryset.model, vendor, term, fields) for term in _search_terms(search_term)]
        if not terms:
            return queryset, False
        measure(queryset.db, terms)
        # SQLite reads only the rarest word through its index, and tests the others on that word's events.
        lead = min((term for term in terms if not term.common), key=lambda term: term.size or 0, default=None)
        for term in terms:
            queryset = queryset.filter(term.condition(walked=term.common or (vendor == "sqlite" and term is not lead)))
        return queryset, False

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        # Over search results the hierarchy's per-year seeks re-read the matching ids once a year
        # (3.8 s for "summit" at 1M events); a search is narrowed by the "start" filter instead.
        if changelist.query:
            changelist.date_hierarchy = None
        return changelist

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        participants = Participant.objects.select_related("actor").only("actor__name", "meeting_id", "drill_id")
        return super().get_queryset(request).prefetch_related(Prefetch("participants", queryset=participants))

    @admin.display(description="when", ordering="start")
    def when(self, event: Meeting | Drill) -> str:
        start = format_date(event.start, event.precision) or "date unknown"
        end = format_date(event.end, event.end_precision)
        return f"{start} – {end}" if end else start

    @admin.display(description="who")
    def who(self, event: Meeting | Drill) -> str:
        return ", ".join(sorted(participant.actor.name for participant in event.participants.all()))


@admin.register(Meeting)
class MeetingAdmin(EventAdmin):
    list_display = ["when", "kind", "status", "who", "location", "summary"]
    list_display_links = ["when", "summary"]
    list_filter = ["kind", "status", "precision", "start"]
    fields = [
        "kind",
        "status",
        ("start", "precision"),
        ("end", "end_precision"),
        "date_text",
        "location",
        "summary",
        "slug",
        ("created_at", "updated_at"),
    ]
    inlines = [MeetingParticipantInline, MeetingEvidenceInline]


@admin.register(Drill)
class DrillAdmin(EventAdmin):
    list_display = ["when", "name", "status", "who", "location", "troops", "summary"]
    list_display_links = ["when", "name", "summary"]
    list_filter = ["status", "precision", "start"]
    search_fields = [*EventAdmin.search_fields, "name"]
    fields = [
        "name",
        "status",
        ("start", "precision"),
        ("end", "end_precision"),
        "date_text",
        "location",
        "troops",
        "summary",
        "slug",
        ("created_at", "updated_at"),
    ]
    inlines = [DrillParticipantInline, DrillEvidenceInline]


@admin.register(Participant)
class ParticipantAdmin(LargeTableAdmin):
    list_display = ["actor", "event", "role"]
    list_filter = ["role", ("meeting", admin.EmptyFieldListFilter), ("drill", admin.EmptyFieldListFilter)]
    list_select_related = ["actor", "meeting", "drill"]
    search_fields = ["actor__name", "meeting__summary", "meeting__slug", "drill__name", "drill__slug"]
    autocomplete_fields = ["actor", "meeting", "drill"]


@admin.register(Source)
class SourceAdmin(LargeTableAdmin):
    list_display = ["title", "publisher", "published", "url"]
    list_filter = ["published"]
    date_hierarchy = "published"
    search_fields = ["title", "publisher", "url"]
    readonly_fields = ["text_hash", "created_at"]
    inlines = [SourceEvidenceInline, ReviewedProposalInline]
    # Django 6 will assume https for scheme-less URLs; say so now rather than change behaviour later.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        # A page of sources should not read fifty whole articles; the change form loads the text it shows.
        return super().get_queryset(request).defer("text")


@admin.register(Evidence)
class EvidenceAdmin(LargeTableAdmin):
    list_display = ["event", "source", "excerpt", "start_offset", "end_offset"]
    list_filter = [("meeting", admin.EmptyFieldListFilter), ("drill", admin.EmptyFieldListFilter), "source__published"]
    list_select_related = ["source", "meeting", "drill"]
    search_fields = ["sentence", "source__title", "meeting__summary", "drill__name"]
    autocomplete_fields = ["source", "meeting", "drill"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        # Articles can be long; the list needs their titles, not their text.
        return super().get_queryset(request).defer("source__text")

    @admin.display(description="sentence")
    def excerpt(self, evidence: Evidence) -> str:
        return evidence.sentence if len(evidence.sentence) <= 120 else evidence.sentence[:119] + "…"


# -- feeds and the inbox of articles they bring (tracker/feeds.py) ------------------------------

from tracker.models import Feed, InboxItem  # noqa: E402


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "last_checked", "problem"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    readonly_fields = ["last_checked", "last_error", "created_at"]
    actions = ["fetch_now"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="last error")
    def problem(self, feed: Feed) -> str:
        return feed.last_error.splitlines()[0] if feed.last_error else "—"

    @admin.action(description="Fetch the selected feeds now", permissions=["change"])
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        from tracker.feeds import read_feeds

        for report in read_feeds(queryset):
            level = messages.ERROR if report.error else messages.WARNING if report.problems else messages.SUCCESS
            self.message_user(request, report.summary(), level)
            for problem in report.problems:
                self.message_user(request, problem, messages.WARNING)


class InboxStatusFilter(admin.SimpleListFilter):
    """Waiting articles by default: the inbox is what is left to review."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("waiting", "Waiting for review"), ("imported", "Imported"), ("dismissed", "Dismissed"), ("all", "All")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "waiting") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[InboxItem]) -> QuerySet[InboxItem]:
        value = self.value() or "waiting"
        if value == "waiting":
            return queryset.filter(dismissed_at__isnull=True, imported=False)
        if value == "imported":
            return queryset.filter(imported=True)
        if value == "dismissed":
            return queryset.filter(dismissed_at__isnull=False)
        return queryset


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published", "feed", "meetings", "drills", "new_actors", "status", "review"]
    list_display_links = ["title"]
    list_filter = [InboxStatusFilter, "feed"]
    list_select_related = ["feed"]
    list_per_page = LIST_PER_PAGE
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "published"
    readonly_fields = [
        "title",
        "publisher",
        "published",
        "url",
        "feed",
        "meetings",
        "drills",
        "new_actors",
        "arrived_at",
        "dismissed_at",
        "text",
    ]
    fields = readonly_fields
    actions = ["dismiss_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboxItem]:
        return super().get_queryset(request).with_imported().defer("text", "proposals")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        return super().changelist_view(request, {"title": "Inbox: articles from feeds", **(extra_context or {})})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # articles arrive from feeds; a single article goes through "Import an article"

    def get_urls(self):
        from django.urls import path

        from tracker.admin_import import import_permission_required

        # Reviewing an inbox article is importing it: it needs what the import needs, before anything is read.
        review = self.admin_site.admin_view(import_permission_required(self.review_view))
        return [path("<int:pk>/review/", review, name="tracker_inboxitem_review"), *super().get_urls()]

    @admin.display(description="status")
    def status(self, item: InboxItem) -> str:
        if item.dismissed_at:
            return "dismissed"
        return "imported" if getattr(item, "imported", False) else "waiting"

    @admin.display(description="review")
    def review(self, item: InboxItem) -> str:
        if self.status(item) != "waiting":
            return "—"
        from django.urls import reverse

        url = reverse("admin:tracker_inboxitem_review", args=[item.pk])
        return format_html('<a href="{}" aria-label="Review “{}”">Review</a>', url, item.title)

    @admin.action(description="Dismiss the selected articles", permissions=["change"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[InboxItem]) -> None:
        from tracker.feeds import dismiss

        count = dismiss(queryset)
        self.message_user(request, f"Dismissed {count} {'article' if count == 1 else 'articles'}.", messages.SUCCESS)

    def review_view(self, request: HttpRequest, pk: int):
        """The import review of this inbox article, as if it had been pasted into the import form."""
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseRedirect
        from django.shortcuts import get_object_or_404
        from django.urls import reverse

        from tracker.admin_import import article_input, store_pending
        from tracker.article_import import found_nothing, propose, read_proposals
        from tracker.limits import review_too_long

        item = get_object_or_404(InboxItem, pk=pk)
        if not self.has_change_permission(request, item):
            raise PermissionDenied
        proposals = propose(text=item.text, published=item.published)
        if found_nothing(proposals):
            self.message_user(request, f"Parley found nothing to propose in “{item.title}”.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:tracker_inboxitem_changelist"))
        if too_long := review_too_long(proposals):
            self.message_user(request, too_long, messages.WARNING)
            return HttpResponseRedirect(reverse("admin:tracker_inboxitem_changelist"))
        article = {
            "title": item.title,
            "publisher": item.publisher,
            "url": item.url,
            "published": item.published.isoformat(),
            "text": item.text,
        }
        reading = read_proposals(article=article_input(article), proposals=proposals)
        token = store_pending(request, article=article, reading=reading)
        return HttpResponseRedirect(reverse("admin:review_article", args=[token]))
