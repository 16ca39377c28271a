"""The admin's "Import an article" views: a form for the article, then a review of what Parley proposes.

Between the two steps the article and the proposals wait in the editor's session under a
random token, never in the database: a 1 MB article fits in a database session row, the
proposals' evidence offsets cannot be tampered with in the browser, and several imports
can be reviewed side by side in different tabs. The saving itself is services.article_import;
the import_article and extract_article commands reuse propose() and saved_message() from here.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Q
from django.db.models.functions import Lower
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from tracker import services
from tracker.forms import (
    NOTHING_FOUND,
    ActorFormSet,
    ArticleForm,
    DrillFormSet,
    MeetingFormSet,
)
from tracker.models import Actor, Alias, Precision, Source
from tracker.parley_json import format_date, parse_date

SESSION_KEY = "article_imports"
# Reviews waiting at once per editor; the oldest is dropped so sessions stay small.
PENDING_LIMIT = 3
CONTEXT_CHARS = 160
# Where a meeting and a drill keep their first and last day in Parley JSON.
DATE_KEYS = {"meetings": ("date", "end_date"), "drills": ("start", "end")}


def known_actors() -> list:
    """Every actor in the database, with its aliases, as the extraction engine expects them."""
    from tracker.extraction import KnownActor

    actors = Actor.objects.select_related("affiliation").prefetch_related("aliases").order_by("pk")
    return [
        KnownActor(
            name=actor.name,
            slug=actor.slug,
            kind=actor.kind,
            aliases=tuple(alias.name for alias in actor.aliases.all()),
            title=actor.title,
            affiliation=actor.affiliation.name if actor.affiliation else "",
        )
        for actor in actors
    ]


def propose(*, text: str, published: date) -> dict[str, Any]:
    """What the extraction engine proposes for `text`, as Parley JSON without the list of dates."""
    from tracker.extraction import extract

    proposals = extract(text, published, known_actors()).to_json()
    proposals.pop("dates", None)
    return proposals


def found_nothing(proposals: dict[str, Any]) -> bool:
    return not any(proposals.get(key) for key in ("actors", "meetings", "drills"))


def split_date(value: str | None) -> tuple[date | None, str]:
    """The day and precision of a proposal's Parley JSON date; no day when it is missing or unreadable."""
    try:
        return parse_date(value) if value else (None, Precision.DAY)
    except ValueError:
        return None, Precision.DAY


# -- the session between the two steps ----------------------------------------------------


def store_pending(request: HttpRequest, *, article: dict[str, Any], proposals: dict[str, Any]) -> str:
    pending = request.session.get(SESSION_KEY, {})
    while len(pending) >= PENDING_LIMIT:
        pending.pop(next(iter(pending)))
    token = secrets.token_urlsafe(16)
    pending[token] = {"article": article, "proposals": proposals}
    request.session[SESSION_KEY] = pending
    return token


def load_pending(request: HttpRequest, token: str) -> dict[str, Any] | None:
    return request.session.get(SESSION_KEY, {}).get(token)


def drop_pending(request: HttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    if pending.pop(token, None) is not None:
        request.session[SESSION_KEY] = pending


def article_input(stored: dict[str, Any]) -> services.ArticleInput:
    return services.ArticleInput(
        title=stored["title"],
        publisher=stored["publisher"],
        url=stored["url"],
        published=date.fromisoformat(stored["published"]),
        text=stored["text"],
    )


# -- what the review page shows --------------------------------------------------------------


def existing_actors(names: list[str]) -> dict[str, Actor]:
    """Existing actors by the lower-cased name or alias they are known by, in two queries."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    if not wanted:
        return {}
    found: dict[str, Actor] = {}
    for actor in Actor.objects.annotate(key=Lower("name")).filter(Q(key__in=wanted) | Q(slug__in=wanted)):
        found[actor.key] = actor
        found.setdefault(actor.slug, actor)
    for alias in Alias.objects.annotate(key=Lower("name")).filter(key__in=wanted).select_related("actor"):
        found.setdefault(alias.key, alias.actor)
    return found


def in_context(text: str, proposal: dict[str, Any]) -> dict[str, str] | None:
    """The evidence sentence with a little of the text around it, as three plain strings."""
    start, end = proposal.get("evidence_start"), proposal.get("evidence_end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(text):
        sentence = proposal.get("evidence") or ""
        return {"before": "", "sentence": sentence, "after": ""} if sentence else None
    first, last = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    before, after = text[first:start], text[end:last]
    if first > 0:
        before = "…" + before.split(" ", 1)[-1]
    if last < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    return {"before": before, "sentence": text[start:end], "after": after}


def event_rows(text: str, formset: BaseFormSet, proposals: list[dict[str, Any]]) -> list[tuple]:
    return [(form, in_context(text, proposal), proposal) for form, proposal in zip(formset.forms, proposals)]


def initial_actor(actor: dict[str, Any]) -> dict[str, Any]:
    return {"keep": True, **{field: actor.get(field, "") for field in ("name", "kind", "title", "affiliation")}}


def initial_event(event: dict[str, Any], key: str) -> dict[str, Any]:
    start_key, end_key = DATE_KEYS[key]
    start, precision = split_date(event.get(start_key))
    end, end_precision = split_date(event.get(end_key))
    row = {
        "keep": True,
        "status": event.get("status", ""),
        "start": start,
        "precision": precision,
        "end": end,
        "end_precision": end_precision,
        "participants": ", ".join(event.get("participants", [])),
        "location": event.get("location", ""),
        "summary": event.get("summary", ""),
    }
    if key == "meetings":
        row["kind"] = event.get("kind", "")
    else:
        row.update(name=event.get("name", ""), troops=event.get("troops"))
    return row


def initial_forms(proposals: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {
        "actors": [initial_actor(actor) for actor in proposals.get("actors", [])],
        **{key: [initial_event(event, key) for event in proposals.get(key, [])] for key in DATE_KEYS},
    }


@dataclass
class Review:
    actors: BaseFormSet
    meetings: BaseFormSet
    drills: BaseFormSet

    @property
    def formsets(self) -> tuple[BaseFormSet, BaseFormSet, BaseFormSet]:
        return (self.actors, self.meetings, self.drills)

    def is_valid(self) -> bool:
        return all([formset.is_valid() for formset in self.formsets])


def review_formsets(proposals: dict[str, Any], data: Any = None) -> Review:
    initial = initial_forms(proposals)
    formsets = Review(
        actors=ActorFormSet(data, initial=initial["actors"], prefix="actor"),
        meetings=MeetingFormSet(data, initial=initial["meetings"], prefix="meeting"),
        drills=DrillFormSet(data, initial=initial["drills"], prefix="drill"),
    )
    if data is not None:
        for formset, key in zip(formsets.formsets, ("actors", "meetings", "drills")):
            if (
                formset.is_bound
                and formset.management_form.is_valid()
                and formset.total_form_count() != len(proposals.get(key, []))
            ):
                raise Http404("The review does not match the proposals; start the import again.")
    return formsets


def corrected_proposals(review: Review, proposals: dict[str, Any]) -> dict[str, Any] | None:
    """The proposals with the editor's ticks and corrections, or None after adding form errors.

    Every participant and affiliation must name an actor kept here or one already in the
    database; renaming a proposed actor renames it in the events that name it too.
    """
    kept_actors: list[tuple[Any, dict[str, Any]]] = []
    renamed: dict[str, str] = {}
    for form, proposal in zip(review.actors.forms, proposals.get("actors", [])):
        data = form.cleaned_data
        if not data.get("keep"):
            continue
        actor = copy.deepcopy(proposal)
        original = proposal.get("name", "")
        if data["name"] != original:
            renamed[original.lower()] = data["name"]
            actor["slug"] = slugify(data["name"])
            actor["aliases"] = [a for a in actor.get("aliases", []) if a.lower() != data["name"].lower()]
        actor.update(name=data["name"], kind=data["kind"], title=data["title"], affiliation=data["affiliation"].strip())
        kept_actors.append((form, actor))

    kept_names = {actor["name"].lower() for _, actor in kept_actors}
    if len(kept_names) != len(kept_actors):
        review.actors.non_form_errors().append("Two actors you keep have the same name; untick or rename one.")
        return None

    def rename(name: str) -> str:
        return renamed.get(name.lower(), name)

    events: dict[str, list[tuple[Any, dict[str, Any]]]] = {
        key: [
            (form, corrected_event(form.cleaned_data, proposal, key, rename))
            for form, proposal in zip(formset.forms, proposals.get(key, []))
            if form.cleaned_data.get("keep")
        ]
        for key, formset in (("meetings", review.meetings), ("drills", review.drills))
    }

    referenced = [a["affiliation"] for _, a in kept_actors if a["affiliation"]]
    referenced += [name for rows in events.values() for _, e in rows for name in e["participants"]]
    referenced += [m for _, a in kept_actors for m in a.get("members", [])]
    existing = existing_actors([n for n in referenced if n.lower() not in kept_names])

    def known(name: str) -> bool:
        return name.lower() in kept_names or name.lower() in existing

    ok = True
    for form, actor in kept_actors:
        if actor["affiliation"] and not known(actor["affiliation"]):
            form.add_error("affiliation", unknown_actor_message([actor["affiliation"]]))
            ok = False
        # Members are not editable here: those the editor dropped simply leave the group.
        actor["members"] = [rename(m) for m in actor.get("members", []) if known(rename(m))]
    for rows in events.values():
        for form, event in rows:
            unknown = [name for name in event["participants"] if not known(name)]
            if unknown:
                form.add_error("participants", unknown_actor_message(unknown))
                ok = False
    if not ok:
        return None
    return {
        "actors": [actor for _, actor in kept_actors],
        "meetings": [event for _, event in events["meetings"]],
        "drills": [event for _, event in events["drills"]],
    }


def corrected_event(
    data: dict[str, Any], proposal: dict[str, Any], key: str, rename: Callable[[str], str]
) -> dict[str, Any]:
    """A proposed meeting or drill with what the editor typed in its form."""
    start_key, end_key = DATE_KEYS[key]
    event = copy.deepcopy(proposal)
    event.update(
        status=data["status"],
        participants=[rename(name) for name in data["participants"]],
        location=data["location"].strip(),
        summary=data["summary"].strip(),
    )
    event[start_key] = format_date(data["start"], data["precision"])
    event[end_key] = format_date(data["end"], data["end_precision"])
    if key == "meetings":
        event["kind"] = data["kind"]
    else:
        event.update(name=data["name"].strip(), troops=data["troops"])
    return event


def unknown_actor_message(names: list[str]) -> str:
    quoted = ", ".join(f"“{name}”" for name in names)
    return (
        f"Unknown actor: {quoted}. Use the name of an actor you keep above or of an existing actor."
        if len(names) == 1
        else f"Unknown actors: {quoted}. Use the names of actors you keep above or of existing actors."
    )


def counted(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def saved_message(report: Any, title: str) -> str:
    created = (report.meetings_created, report.drills_created, report.actors_created)
    # Each new event has one evidence row from this article; the rest went to events known before.
    gained = report.evidence_created - report.meetings_created - report.drills_created
    also = f"{counted(gained, 'event', 'events')} already known gained this source."
    if any(created):
        parts = [
            counted(created[0], "meeting", "meetings"),
            counted(created[1], "drill", "drills"),
            counted(created[2], "actor", "actors"),
        ]
        return f"Saved {listed(parts)} from “{title}”." + (f" {also}" if gained > 0 else "")
    if gained > 0:
        return f"No new meeting, drill or actor in “{title}”; {also}"
    return f"Nothing new in “{title}”: everything kept was already saved."


def matching_source(article: dict[str, Any]) -> Source | None:
    """The source this article was already imported as, if it was."""
    return Source.objects.filter(
        Q(text_hash=services.article_text_hash(article["text"]))
        | Q(publisher=article["publisher"], title=article["title"], published=article["published"])
    ).first()


def admin_context(request: HttpRequest, **context: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "opts": Source._meta, **context}


# -- views -------------------------------------------------------------------------------------


@admin.site.admin_view
@staff_member_required
@require_http_methods(["GET", "POST"])
def import_article(request: HttpRequest) -> HttpResponse:
    """The article form; a valid article goes to its review page."""
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        proposals = propose(text=data["body"], published=data["published"])
        if found_nothing(proposals):
            form.add_error(None, NOTHING_FOUND)
        else:
            article = {
                "title": data["title"],
                "publisher": data["publisher"],
                "url": data["url"],
                "published": data["published"].isoformat(),
                "text": data["body"],
                "not_on_page": form.page.missing if form.page else [],
            }
            token = store_pending(request, article=article, proposals=proposals)
            return HttpResponseRedirect(reverse("review_article", args=[token]))
    return render(
        request,
        "admin/tracker/import_article.html",
        admin_context(request, form=form, title="Import an article"),
    )


@admin.site.admin_view
@staff_member_required
@require_http_methods(["GET", "POST"])
def review_article(request: HttpRequest, token: str) -> HttpResponse:
    """The proposals for a pasted article, to correct and confirm; confirming saves them all."""
    pending = load_pending(request, token)
    if pending is None:
        messages.warning(request, "This import is no longer waiting for review; start it again.")
        return HttpResponseRedirect(reverse("import_article"))
    article, proposals = pending["article"], pending["proposals"]

    if request.method == "POST" and "cancel" in request.POST:
        drop_pending(request, token)
        messages.info(request, f"Import of “{article['title']}” cancelled; nothing was saved.")
        return HttpResponseRedirect(reverse("import_article"))

    review = review_formsets(proposals, request.POST if request.method == "POST" else None)
    if request.method == "POST" and review.is_valid():
        corrected = corrected_proposals(review, proposals)
        if corrected is not None:
            try:
                report = services.article_import(article=article_input(article), proposals=corrected)
            except services.TimelineError as error:
                messages.error(request, f"Nothing was saved: {error}")
            else:
                drop_pending(request, token)
                messages.success(request, saved_message(report, article["title"]))
                source = matching_source(article)
                return HttpResponseRedirect(reverse("admin:tracker_source_change", args=[source.pk]))

    matches = existing_actors([form.initial.get("name", "") for form in review.actors.forms])
    context = admin_context(
        request,
        title=f"Review “{article['title']}”",
        article=article,
        token=token,
        already=matching_source(article),
        actor_rows=[(form, matches.get(form.initial.get("name", "").strip().lower())) for form in review.actors.forms],
        event_sections=[
            (heading, formset, event_rows(article["text"], formset, proposals.get(key, [])), noun)
            for heading, formset, key, noun in (
                ("Meetings", review.meetings, "meetings", "meeting"),
                ("Drills", review.drills, "drills", "drill"),
            )
        ],
        review=review,
        has_errors=request.method == "POST",
    )
    return render(request, "admin/tracker/review_article.html", context)
