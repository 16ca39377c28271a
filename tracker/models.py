"""Parley's data: actors, the meetings and drills they take part in, and the sources that report them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Lower

from tracker.limits import DATE_RANGE_TEXT, add_days, date_in_range, validate_date_in_range, validate_web_url


class Precision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


# Up to this many events of a kind, an actor's own participations are a shorter read than probing a
# busy month of the timeline per event. Meetings have per-actor totals in the pair tallies, drills
# do not, so both are told apart the same way: by whether an index holds more entries than this.
FEW_EVENTS = 2000


class ActorQuerySet(models.QuerySet):
    def named(self, name: str) -> ActorQuerySet:
        """Actors whose name, slug or one of whose aliases is `name`, ignoring case."""
        name = name.strip()
        return self.filter(Q(name__iexact=name) | Q(slug__iexact=name) | Q(aliases__name__iexact=name)).distinct()

    def find(self, name: str, slug: str = "") -> Actor | None:
        """The actor `name` names (its own name before an alias or slug), else the one whose slug is `slug`."""
        name = name.strip()
        candidates = list(self.named(name)) if name else []
        exact = [actor for actor in candidates if actor.name.lower() == name.lower()]
        if exact or candidates:
            return (exact or candidates)[0]
        return self.filter(slug__iexact=slug).first() if slug else None

    def by_names(self, names: Iterable[str]) -> dict[str, Actor]:
        """The actors `names` name, by lower-cased name, slug or alias, in two queries (one when no alias is needed)."""
        wanted = {name.strip().lower() for name in names if name.strip()}
        if not wanted:
            return {}
        found: dict[str, Actor] = {}
        lowered = self.annotate(lower_name=Lower("name"), lower_slug=Lower("slug"))
        for actor in lowered.filter(Q(lower_name__in=wanted) | Q(lower_slug__in=wanted)):
            found[actor.lower_name] = actor
            found.setdefault(actor.lower_slug, actor)
        for alias in (
            Alias.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted).select_related("actor")
        ):
            found.setdefault(alias.lower_name, alias.actor)
        return found

    def search(self, text: str) -> ActorQuerySet:
        """Actors whose name, slug or an alias contains `text`, best match first, each with its `rank`:
        0 named exactly, 1 a name that starts with it, 2 a word of a name or an alias that starts with it
        ("Xi" for Xi Jinping, "kish" for Fumio Kishida), 3 found inside a word.
        """
        text = text.strip()
        aliases = Alias.objects.filter(actor=OuterRef("pk"))

        def alias(**lookup) -> Exists:
            return Exists(aliases.filter(**lookup))

        rank = models.Case(
            models.When(Q(name__iexact=text) | Q(slug__iexact=text) | alias(name__iexact=text), then=0),
            models.When(name__istartswith=text, then=1),
            models.When(
                Q(name__icontains=f" {text}") | alias(name__istartswith=text) | alias(name__icontains=f" {text}"),
                then=2,
            ),
            default=3,
            output_field=models.IntegerField(),
        )
        found = self.filter(Q(name__icontains=text) | Q(slug__iexact=text) | alias(name__icontains=text))
        return found.annotate(rank=rank).order_by("rank", "name", "pk")

    def with_busyness(self) -> ActorQuerySet:
        """Annotate `busy_in_meeting` and `busy_in_drill`: whether the actor takes part in more than
        FEW_EVENTS events of that kind.

        Each reads at most FEW_EVENTS + 1 entries of a participants' index, whether the actor is the
        busiest or a rare one; the dashboard uses it to choose how to filter by actor (Filters._common).
        """

        def beyond(field: str) -> Exists:
            taking_part = Participant.objects.filter(actor=OuterRef("pk"), **{f"{field}__isnull": False})
            return Exists(taking_part.order_by().values("pk")[FEW_EVENTS : FEW_EVENTS + 1])

        return self.annotate(busy_in_meeting=beyond("meeting"), busy_in_drill=beyond("drill"))


class ActorManager(models.Manager.from_queryset(ActorQuerySet)):
    def get_by_natural_key(self, slug: str) -> Actor:
        return self.get(slug=slug)


class Actor(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "person"
        STATE = "state", "state"
        ORGANISATION = "organisation", "organisation"
        GROUP = "group", "group"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    title = models.CharField(
        max_length=200, blank=True, help_text="For people: the office they hold, e.g. Foreign Secretary."
    )
    affiliation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="affiliates",
        help_text="The state or organisation a person acts for.",
    )
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="groups",
        help_text="For groups: the actors that make it up.",
    )
    description = models.TextField(blank=True)

    objects = ActorManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="actor_name_unique_ignoring_case",
                violation_error_message="There is already an actor with this name (names are compared ignoring case).",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def clean(self) -> None:
        if self.affiliation_id and self.affiliation_id == self.pk:
            raise ValidationError({"affiliation": "An actor cannot be affiliated to itself."})
        if self.name:
            clash = Alias.objects.filter(name__iexact=self.name.strip())
            if self.pk:
                clash = clash.exclude(actor_id=self.pk)
            alias = clash.select_related("actor").first()
            if alias:
                raise ValidationError({"name": f"“{self.name}” is already an alias of {alias.actor.name}."})


class AliasManager(models.Manager):
    def get_by_natural_key(self, name: str) -> Alias:
        return self.get(name__iexact=name)


class Alias(models.Model):
    """Another name the news uses for an actor: "the Kremlin" for Russia, "Truss" for Liz Truss."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    objects = AliasManager()

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="alias_name_unique_ignoring_case",
                violation_error_message="This alias is already in use (aliases are compared ignoring case).",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    natural_key.dependencies = ["tracker.actor"]

    def clean(self) -> None:
        if not self.name:
            return
        owner = Actor.objects.filter(name__iexact=self.name.strip()).first()
        if owner and owner.pk != self.actor_id:
            raise ValidationError({"name": f"“{self.name}” is the name of {owner.name}."})
        clash = Alias.objects.filter(name__iexact=self.name.strip()).exclude(pk=self.pk)
        alias = clash.select_related("actor").first()
        if alias:
            raise ValidationError({"name": f"“{self.name}” is already an alias of {alias.actor.name}."})


class DayDifference(models.Func):
    """Whole days from the second date to the first, in SQL that both databases allow in a generated column."""

    arity = 2
    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is a number of days.
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


class EarliestOverlappingStart(models.Expression):
    """`first` minus the longest event's span: no event that starts earlier can reach `first`.

    It bounds `start` from below, so a window reads one short range of the start index
    instead of every event before it; the longest span comes from an index on `span`.
    """

    output_field = models.DateField()

    def __init__(self, first: date, model: type[models.Model]):
        super().__init__()
        self.first, self.model = first, model

    def _longest(self, connection) -> str:
        table = connection.ops.quote_name(self.model._meta.db_table)
        return f"(SELECT COALESCE(MAX(span), 0) FROM {table})"

    # Never further back than the calendar's first day, which both databases can represent.
    def as_sql(self, compiler, connection):
        reach = (self.first - date.min).days
        return f"(CAST(%s AS date) - LEAST({self._longest(connection)}, %s))", [self.first, reach]

    def as_sqlite(self, compiler, connection):
        reach = (self.first - date.min).days
        return f"date(%s, '-' || MIN({self._longest(connection)}, %s) || ' days')", [self.first.isoformat(), reach]


class DatesFromIndexQuerySet(models.QuerySet):
    """The admin's date hierarchy, answered from the date's index instead of reading every row.

    Only the admin reads through it (`admin_objects`, see tracker.admin); the default managers keep
    Django's own dates() and aggregate().

    Django lists a hierarchy's years with DISTINCT over a date function, and its bounds with
    MIN and MAX in one SELECT; at a million rows either reads the whole table. Here both are
    still one query each: a recursive query that seeks the index once per year (or month, or
    day), and MIN and MAX as two scalar subqueries that each read one end of the index.
    """

    STEPS = {
        "sqlite": {
            "year": "date({}, 'start of year', '+1 year')",
            "month": "date({}, 'start of month', '+1 month')",
            "day": "date({}, '+1 day')",
        },
        "postgresql": {
            "year": "CAST(date_trunc('year', {}) + interval '1 year' AS date)",
            "month": "CAST(date_trunc('month', {}) + interval '1 month' AS date)",
            "day": "CAST({} + interval '1 day' AS date)",
        },
    }

    def _plain_date_field(self, field_name: str) -> models.Field | None:
        if "__" in field_name or self.query.is_sliced or self.query.distinct or self.query.combinator:
            return None
        field = self.model._meta.get_field(field_name)
        if type(field) is not models.DateField or connections[self.db].vendor not in self.STEPS:
            return None
        return field

    def dates(self, field_name: str, kind: str, order: str = "ASC"):
        field = self._plain_date_field(field_name)
        if field is None or kind not in ("year", "month", "day"):
            return super().dates(field_name, kind, order)
        connection = connections[self.db]
        step = self.STEPS[connection.vendor][kind].format("seen.day")
        column = connection.ops.quote_name(field.column)
        rows = self.filter(**{f"{field_name}__isnull": False}).order_by().values(field_name)
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:
            return []
        query = (
            f"WITH RECURSIVE seen(day) AS ("
            f" SELECT MIN(r.{column}) FROM ({sql}) r"
            f" UNION ALL"
            f" SELECT (SELECT MIN(r.{column}) FROM ({sql}) r WHERE r.{column} >= {step}) FROM seen WHERE seen.day IS NOT NULL"
            f") SELECT day FROM seen WHERE day IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, [*params, *params])
            days = [field.to_python(row[0]) for row in cursor.fetchall()]
        truncate = {
            "year": lambda d: d.replace(month=1, day=1),
            "month": lambda d: d.replace(day=1),
            "day": lambda d: d,
        }[kind]
        found = [truncate(day) for day in days]
        return found if order == "ASC" else found[::-1]

    def aggregate(self, *args, **kwargs):
        aggregates = list(kwargs.values())
        names = {getattr(a, "source_expressions", [None])[0] for a in aggregates}
        plain = (
            not args
            and len(aggregates) == 2
            and {type(a) for a in aggregates} == {models.Min, models.Max}
            and all(a.filter is None and not a.distinct for a in aggregates)
            and len(names) == 1
            and isinstance(next(iter(names)), models.F)
        )
        field = self._plain_date_field(next(iter(names)).name) if plain else None
        if field is None:
            return super().aggregate(*args, **kwargs)
        connection = connections[self.db]
        column = connection.ops.quote_name(field.column)
        try:
            sql, params = self.order_by().values(field.name).query.sql_with_params()
        except EmptyResultSet:
            return dict.fromkeys(kwargs)
        selects = ", ".join(
            f"(SELECT {'MIN' if isinstance(a, models.Min) else 'MAX'}(r.{column}) FROM ({sql}) r)" for a in aggregates
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {selects}", [*params, *params])
            row = cursor.fetchone()
        return {alias: field.to_python(value) for alias, value in zip(kwargs, row)}


class AdminManager(models.Manager.from_queryset(DatesFromIndexQuerySet)):
    """The admin's manager: Django's, with the date hierarchy read from the index (DatesFromIndexQuerySet)."""


class EventQuerySet(models.QuerySet):
    def between(self, first: date | None, last: date | None, *, longest: int | None = None) -> EventQuerySet:
        """Events that overlap the days from `first` to `last` (either may be open).

        `longest`, the longest span in days if the caller has read it, turns the lower bound on `start`
        into a date PostgreSQL's planner can see: a long streamed read then walks the start index in
        order instead of sorting a range it guessed to be tiny.
        """
        qs = self
        if last is not None:
            qs = qs.filter(start__lte=last)
        if first is not None:
            earliest = EarliestOverlappingStart(first, self.model) if longest is None else add_days(first, -longest)
            qs = qs.filter(last__gte=first, start__gte=earliest)
        return qs

    def longest_span(self) -> int:
        """The most days any of these events runs past its start; over a whole table, read from the end of the span index."""
        return self.aggregate(longest=models.Max("span"))["longest"] or 0

    def involving(self, *actors: Actor | int) -> EventQuerySet:
        """Events in which every one of `actors` takes part."""
        qs = self
        for actor in actors:
            # EXISTS probes the events at hand; IN (…) would first list every event of a busy actor.
            qs = qs.filter(Exists(Participant.objects.filter(actor=actor, **{self._participant_field: OuterRef("pk")})))
        return qs

    def mentioning(self, text: str) -> EventQuerySet:
        """Events whose summary, place or evidence contains `text`."""
        return self.filter(
            Q(summary__icontains=text)
            | Q(location__icontains=text)
            | Exists(Evidence.objects.filter(sentence__icontains=text, **{self._participant_field: OuterRef("pk")}))
        )

    def chronological(self) -> EventQuerySet:
        return self.order_by(models.F("start").asc(nulls_last=True), "pk")

    @property
    def _participant_field(self) -> str:
        return self.model._meta.model_name


class EventManager(models.Manager.from_queryset(EventQuerySet)):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class Event(models.Model):
    """What meetings and drills share: when, where, and a line that says what happened."""

    slug = models.SlugField(max_length=200, unique=True)
    start = models.DateField(
        null=True,
        blank=True,
        validators=[validate_date_in_range],
        help_text="The first day; the 1st for a month, 1 January for a year.",
    )
    precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    end = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    end_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    # The last day the event covers, kept by the database so windows can use an index.
    last = models.GeneratedField(expression=Coalesce("end", "start"), output_field=models.DateField(), db_persist=True)
    # Days from start to last, so a window can bound `start` by the longest event (see between()).
    span = models.GeneratedField(
        expression=DayDifference(Coalesce("end", "start"), "start"), output_field=models.IntegerField(), db_persist=True
    )
    date_text = models.CharField(
        max_length=200, blank=True, help_text="The date as the article put it, e.g. “on Thursday”."
    )
    location = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventManager()
    admin_objects = AdminManager()

    class Meta:
        abstract = True
        ordering = [models.F("start").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=False, end__gte=models.F("start")),
                name="%(class)s_ends_after_it_starts",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=date_in_range("start") & date_in_range("end"),
                name="%(class)s_dates_in_range",
                violation_error_message=f"Parley keeps dates from {DATE_RANGE_TEXT}.",
            ),
        ]
        indexes = [
            # Covers the window's test on `last` too, so the scan reads no row it does not return.
            models.Index(fields=["start", "id", "last"], name="%(class)s_start_last_idx"),
            models.Index(fields=["span"], name="%(class)s_span_idx"),
            models.Index(fields=["last"], name="%(class)s_last_idx"),
            models.Index(fields=["status", "start"], name="%(class)s_status_start_idx"),
        ]

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Meeting(Event):
    class Kind(models.TextChoices):
        TALKS = "talks", "talks"
        VISIT = "visit", "visit"
        SUMMIT = "summit", "summit"
        PRESS_CONFERENCE = "press_conference", "press conference"
        CALL = "call", "call"
        SIGNING = "signing", "signing"

    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        HELD = "held", "held"
        CANCELLED = "cancelled", "cancelled"
        POSTPONED = "postponed", "postponed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    actors = models.ManyToManyField(
        Actor, through="Participant", through_fields=("meeting", "actor"), related_name="meetings", blank=True
    )

    class Meta(Event.Meta):
        indexes = [
            *Event.Meta.indexes,
            models.Index(fields=["kind", "start"], name="meeting_kind_start_idx"),
        ]

    def __str__(self) -> str:
        return self.summary or f"{self.get_kind_display()} on {self.start or 'an unknown date'}"


class Drill(Event):
    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        ONGOING = "ongoing", "ongoing"
        HELD = "held", "held"
        CANCELLED = "cancelled", "cancelled"

    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    troops = models.IntegerField(null=True, blank=True, help_text="Troops taking part, where reported.")
    actors = models.ManyToManyField(
        Actor, through="Participant", through_fields=("drill", "actor"), related_name="drills", blank=True
    )

    class Meta(Event.Meta):
        constraints = [
            *Event.Meta.constraints,
            models.CheckConstraint(
                condition=Q(troops__isnull=True) | Q(troops__gte=0),
                name="drill_troops_not_negative",
                violation_error_message="Troop numbers cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.summary or f"drill from {self.start or 'an unknown date'}"


ONE_EVENT = Q(meeting__isnull=False, drill__isnull=True) | Q(meeting__isnull=True, drill__isnull=False)


class ParticipantManager(models.Manager):
    def get_by_natural_key(self, event_type: str, event_slug: str, actor_slug: str) -> Participant:
        return self.get(**{f"{event_type}__slug": event_slug, "actor__slug": actor_slug})


class Participant(models.Model):
    """One actor's part in one meeting or drill."""

    class Role(models.TextChoices):
        HOST = "host", "host"
        GUEST = "guest", "guest"

    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="participations")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="participants")
    drill = models.ForeignKey(Drill, null=True, blank=True, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)

    objects = ParticipantManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=ONE_EVENT,
                name="participant_in_one_event",
                violation_error_message="A participant belongs to exactly one meeting or drill.",
            ),
            models.UniqueConstraint(
                fields=["meeting", "actor"],
                condition=Q(meeting__isnull=False),
                name="participant_once_per_meeting",
                violation_error_message="This actor already takes part in this meeting.",
            ),
            models.UniqueConstraint(
                fields=["drill", "actor"],
                condition=Q(drill__isnull=False),
                name="participant_once_per_drill",
                violation_error_message="This actor already takes part in this drill.",
            ),
        ]
        indexes = [
            models.Index(fields=["actor", "meeting"], name="participant_actor_meeting_idx"),
            models.Index(fields=["actor", "drill"], name="participant_actor_drill_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} in {self.event}"

    @property
    def event(self) -> Meeting | Drill | None:
        return self.meeting or self.drill

    def natural_key(self) -> tuple[str, str, str]:
        event_type = "meeting" if self.meeting_id else "drill"
        return (event_type, self.event.slug, self.actor.slug)

    natural_key.dependencies = ["tracker.actor", "tracker.meeting", "tracker.drill"]


class SourceManager(models.Manager):
    def get_by_natural_key(self, publisher: str, title: str, published: str) -> Source:
        return self.get(publisher=publisher, title=title, published=published)


class Source(models.Model):
    """A news article that reports meetings or drills."""

    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True, validators=[validate_web_url])
    published = models.DateField(db_index=True, validators=[validate_date_in_range])
    text = models.TextField(blank=True)
    # SHA-256 of the normalised article text, so a second import of the same article is recognised.
    text_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceManager()
    admin_objects = AdminManager()

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "title", "published"],
                name="source_unique_per_publisher_title_day",
                violation_error_message="This article is already a source.",
            ),
            models.CheckConstraint(
                condition=date_in_range("published"),
                name="source_published_in_range",
                violation_error_message=f"Parley keeps dates from {DATE_RANGE_TEXT}.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher}, {self.published:%d %b %Y})" if self.publisher else self.title

    def natural_key(self) -> tuple[str, str, str]:
        return (self.publisher, self.title, self.published.isoformat())


class EvidenceManager(models.Manager):
    def get_by_natural_key(self, event_type: str, event_slug: str, publisher: str, title: str, published: str):
        return self.get(
            **{f"{event_type}__slug": event_slug},
            source=Source.objects.get_by_natural_key(publisher, title, published),
        )


class Evidence(models.Model):
    """Where a source reports a meeting or drill: the sentence and its place in the article."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="evidence")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    drill = models.ForeignKey(Drill, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    sentence = models.TextField(blank=True)
    start_offset = models.PositiveIntegerField(
        null=True, blank=True, help_text="Character offset of the sentence in the article."
    )
    end_offset = models.PositiveIntegerField(null=True, blank=True)

    objects = EvidenceManager()

    class Meta:
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=ONE_EVENT,
                name="evidence_for_one_event",
                violation_error_message="Evidence supports exactly one meeting or drill.",
            ),
            models.CheckConstraint(
                condition=Q(end_offset__isnull=True)
                | Q(start_offset__isnull=False, end_offset__gte=models.F("start_offset")),
                name="evidence_ends_after_it_starts",
                violation_error_message="The sentence cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["source", "meeting"],
                condition=Q(meeting__isnull=False),
                name="evidence_once_per_source_meeting",
                violation_error_message="This source already reports this meeting.",
            ),
            models.UniqueConstraint(
                fields=["source", "drill"],
                condition=Q(drill__isnull=False),
                name="evidence_once_per_source_drill",
                violation_error_message="This source already reports this drill.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} on {self.event}"

    @property
    def event(self) -> Meeting | Drill | None:
        return self.meeting or self.drill

    def natural_key(self) -> tuple[str, ...]:
        event_type = "meeting" if self.meeting_id else "drill"
        return (event_type, self.event.slug, *self.source.natural_key())

    natural_key.dependencies = ["tracker.source", "tracker.meeting", "tracker.drill"]


class ReviewedProposal(models.Model):
    """A proposal the reader made for a source and an editor reviewed: kept, or not.

    A re-import of the source proposes again only what was never reviewed, so the editor's removals
    and corrections, on the review page or later in the admin, stand. An event proposal is known by
    its sentence and kind (`key`), so a reader that later dates or places it differently does not
    bring it back; an actor by the name the reader gave it.
    """

    class What(models.TextChoices):
        ACTOR = "actor", "actor"
        MEETING = "meeting", "meeting"
        DRILL = "drill", "drill"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="reviewed")
    what = models.CharField(max_length=10, choices=What.choices)
    key = models.CharField(max_length=300)
    kept = models.BooleanField()
    description = models.CharField(max_length=300, blank=True, help_text="What was proposed, in a line.")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    drill = models.ForeignKey(Drill, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "what", "key"], name="reviewed_proposal_once_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.description or self.key} ({'kept' if self.kept else 'not kept'})"

    @property
    def event(self) -> Meeting | Drill | None:
        return self.meeting or self.drill


class LoginThrottle(models.Model):
    """Failed admin logins for one username or one client address, shared by every app server."""

    key = models.CharField(max_length=300, unique=True, help_text="“user:<name>” or “address:<ip>”.")
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failed"


class PairTally(models.Model):
    """How many meetings two actors share and when they last met, over the whole database.

    Kept by database triggers (migration 0006) in the same statement as any write of participants
    or of a meeting's start, whoever writes, so the who-meets-whom matrix and an actor's
    counterparts need not count millions of participants. A row whose two actors are the
    same holds that actor's own number of meetings and latest meeting.
    """

    actor_a = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    actor_b = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    meetings = models.PositiveIntegerField()
    last_met = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor_a", "actor_b"], name="pair_tally_once_per_pair"),
            models.CheckConstraint(condition=Q(actor_a__lte=models.F("actor_b")), name="pair_tally_actors_in_order"),
        ]
        indexes = [
            models.Index(fields=["actor_a", "-meetings"], name="pair_tally_a_meetings_idx"),
            models.Index(fields=["actor_b", "-meetings"], name="pair_tally_b_meetings_idx"),
            models.Index(
                fields=["-meetings"], condition=Q(actor_a=models.F("actor_b")), name="pair_tally_busiest_actors_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_a_id} and {self.actor_b_id}: {self.meetings} meetings"


class RevisionQuerySet(models.QuerySet):
    def current(self) -> int | None:
        """The token of the timeline as it stands; None until the first write after the table was emptied."""
        return self.filter(pk=1).values_list("token", flat=True).first()


class Revision(models.Model):
    """One row whose token changes with every write to the timeline, so cached pages can tell they are stale.

    Database triggers (migration 0004) set a new random token in the same transaction as any insert,
    update or delete of actors, aliases, group members, meetings, drills, participants, sources and
    evidence, whoever writes them (admin, imports, loaddata, raw SQL). Random rather than counting,
    so a restored backup cannot bring back a token that once named other data.
    """

    token = models.BigIntegerField()

    objects = RevisionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"revision {self.token}"


class Feed(models.Model):
    """A news feed (RSS or Atom) of an outlet or ministry; fetch_feeds puts its new articles in the inbox."""

    name = models.CharField(max_length=200)
    url = models.URLField("URL", max_length=500, unique=True)
    active = models.BooleanField(default=True, help_text="Only active feeds are read by fetch_feeds.")
    last_checked = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    # The validators the server last sent, so the next read is a conditional request an unchanged feed answers 304.
    etag = models.CharField(max_length=300, blank=True, editable=False)
    modified = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InboxItemQuerySet(models.QuerySet):
    def with_imported(self) -> InboxItemQuerySet:
        """Annotate `imported`: whether the article is a source now (same text, or same publisher, title and day).

        Worked out rather than stored, so an article imported by any way (the review, a pasted text,
        the command) leaves the inbox without that way having to know of it. Both lookups use an index.
        """
        by_text = Source.objects.filter(text_hash=OuterRef("text_hash"))
        by_name = Source.objects.filter(
            publisher=OuterRef("publisher"), title=OuterRef("title"), published=OuterRef("published")
        )
        return self.annotate(imported=Exists(by_text) | Exists(by_name))

    def waiting(self) -> InboxItemQuerySet:
        """Articles still to review: neither dismissed nor imported."""
        return self.with_imported().filter(dismissed_at__isnull=True, imported=False)

    def dismissed(self) -> InboxItemQuerySet:
        return self.filter(dismissed_at__isnull=False)

    def same_article(self, *, url: str, publisher: str, title: str, published: date) -> InboxItemQuerySet:
        return self.filter(Q(url=url) | Q(publisher=publisher, title=title, published=published))


class InboxItem(models.Model):
    """An article that arrived from a feed, with what the reader proposes for it, waiting for an editor."""

    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    url = models.URLField("URL", max_length=500, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    published = models.DateField()
    text = models.TextField()
    text_hash = models.CharField(max_length=64, db_index=True, editable=False)
    proposals = models.JSONField(default=dict, editable=False)
    meetings = models.PositiveIntegerField(default=0)
    drills = models.PositiveIntegerField(default=0)
    new_actors = models.PositiveIntegerField("new actors", default=0)
    arrived_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    objects = InboxItemQuerySet.as_manager()

    class Meta:
        ordering = ["-arrived_at", "-pk"]
        verbose_name = "inbox article"
        verbose_name_plural = "inbox"
        indexes = [models.Index(fields=["publisher", "title", "published"], name="inbox_publisher_title_day")]

    def __str__(self) -> str:
        return self.title


class EventType(models.TextChoices):
    MEETING = "meeting", "Meeting"
    DRILL = "drill", "Drill"


EVENT_TYPES = tuple(EventType.values)


class DayTallyQuerySet(models.QuerySet):
    def counts(self, first: date, last: date, types: Iterable[str] = EVENT_TYPES) -> list[tuple[str, date, int]]:
        """(type, day, events) for each day from `first` to `last` that some event of `types` starts on."""
        rows = self.filter(day__range=(first, last), type__in=list(types), events__gt=0)
        return list(rows.values_list("type", "day", "events"))


class DayTally(models.Model):
    """How many meetings or drills start on a day, over the whole database.

    Kept by database triggers (migration 0010) in the same statement as any write of an event or of its
    start, whoever writes, so a dense window's chart reads its counts per day instead of counting events.
    """

    type = models.CharField(max_length=7, choices=EventType.choices)
    day = models.DateField()
    events = models.IntegerField()

    objects = DayTallyQuerySet.as_manager()

    class Meta:
        # Day first: a window reads a range of days.
        constraints = [models.UniqueConstraint(fields=["day", "type"], name="day_tally_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.events} {self.type}s"


class ActorDayTallyQuerySet(models.QuerySet):
    def counts(
        self, actor_ids: list[int], first: date, last: date, types: Iterable[str] = EVENT_TYPES
    ) -> list[tuple[int, str, date, int]]:
        """(actor, type, day, events) for each of `actor_ids` and each day from `first` to `last` on which an
        event of `types` they take part in starts."""
        rows = self.filter(actor_id__in=actor_ids, day__range=(first, last), type__in=list(types), events__gt=0)
        return list(rows.values_list("actor_id", "type", "day", "events"))


class ActorDayTally(models.Model):
    """How many meetings or drills that start on a day an actor takes part in, over the whole database.

    Kept by the same triggers as DayTally (migration 0010), on writes of participants and of events' starts.
    """

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=7, choices=EventType.choices)
    day = models.DateField()
    events = models.IntegerField()

    objects = ActorDayTallyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "day", "type"], name="actor_day_tally_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} on {self.day}: {self.events} {self.type}s"


class TimelineImport(models.Model):
    """An import_timeline that commits in batches: while it exists, its journal can undo what it wrote.

    A run that is not `finished` when the next import starts was cut short (killed, or its undo failed),
    and is undone before anything else; a finished one only has its journal left to clear.
    """

    started_at = models.DateTimeField(auto_now_add=True)
    finished = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"import started {self.started_at:%Y-%m-%d %H:%M:%S}"


class TimelineImportEntry(models.Model):
    """A row an import created (`changes` is null), or the fields it filled in on a row: {field: [before, after]}."""

    run = models.ForeignKey(TimelineImport, on_delete=models.CASCADE, related_name="entries")
    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    changes = models.JSONField(null=True, encoder=DjangoJSONEncoder)
