"""The admin's "Import an article" views: a form for the article, then a review of what Parley proposes.

Between the two steps the article and the proposals wait in the editor's session under a
random token, never in the database: a 1 MB article fits in a database session row, the
proposals' evidence offsets cannot be tampered with in the browser, and several imports
can be reviewed side by side in different tabs. Proposing, saving and describing the import are
tracker.article_import, which the import_article and extract_article commands call too. The views
are served by the admin site itself (tracker.admin_site.ParleyAdminSite.get_urls).
"""

from __future__ import annotations

import copy
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from tracker.article_import import (
    NOTHING_FOUND,
    ArticleInput,
    article_import,
    found_nothing,
    matching_source,
    propose,
    read_proposals,
    saved_message,
    timeline_url,
)
from tracker.forms import ActorFormSet, ArticleForm, DrillFormSet, MeetingFormSet
from tracker.limits import review_too_long
from tracker.models import Actor, Precision, Source
from tracker.parley_json import format_date, parse_date
from tracker.services import TimelineError

SESSION_KEY = "article_imports"
# Reviews waiting at once per editor; the oldest is dropped so sessions stay small.
PENDING_LIMIT = 3
CONTEXT_CHARS = 160
EVENT_KEYS = ("meetings", "drills")
# What the review offers for an event the reader missed: a blank row, not kept until the editor ticks it.
MISSED_EVENT = {"keep": False, "status": "held", "precision": Precision.DAY, "end_precision": Precision.DAY}


# What an import may write: new actors, aliases, meetings, drills, sources and evidence, and the blanks
# of existing ones (an actor's title and affiliation, an event's end, a source's link and text). An
# editor needs every one of these model permissions to import, as they would to write it by hand.
IMPORT_PERMISSIONS = (
    "tracker.add_actor",
    "tracker.change_actor",
    "tracker.add_alias",
    "tracker.add_meeting",
    "tracker.change_meeting",
    "tracker.add_drill",
    "tracker.change_drill",
    "tracker.add_source",
    "tracker.change_source",
    "tracker.add_evidence",
    "tracker.change_evidence",
)


def missing_import_permissions(user: Any) -> list[str]:
    """The names ("Can add source") of the permissions an import needs that `user` lacks, in IMPORT_PERMISSIONS order."""
    missing = [name for name in IMPORT_PERMISSIONS if not user.has_perm(name)]
    if not missing:
        return []
    codenames = [name.split(".", 1)[1] for name in missing]
    names = dict(
        Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames).values_list(
            "codename", "name"
        )
    )
    return [names.get(codename, codename) for codename in codenames]


def import_permission_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`view`, answered with a 403 page naming what is missing when the editor may not write all an import writes."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        missing = missing_import_permissions(request.user)
        if missing:
            context = admin_context(request, title="You cannot import articles", missing=missing)
            return render(request, "admin/tracker/import_not_allowed.html", context, status=403)
        return view(request, *args, **kwargs)

    return checked


def split_date(value: str | None) -> tuple[date | None, str]:
    """The day and precision of a proposal's Parley JSON date; no day when it is missing or unreadable."""
    try:
        return parse_date(value) if value else (None, Precision.DAY)
    except ValueError:
        return None, Precision.DAY


# -- the session between the two steps ----------------------------------------------------


def store_pending(request: HttpRequest, *, article: dict[str, Any], reading: dict[str, Any]) -> str:
    """Keep the article and what read_proposals made of it for the review; returns the review's token."""
    pending = request.session.get(SESSION_KEY, {})
    while len(pending) >= PENDING_LIMIT:
        pending.pop(next(iter(pending)))
    token = secrets.token_urlsafe(16)
    pending[token] = {"article": article, **reading}
    request.session[SESSION_KEY] = pending
    return token


def load_pending(request: HttpRequest, token: str) -> dict[str, Any] | None:
    return request.session.get(SESSION_KEY, {}).get(token)


def drop_pending(request: HttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    if pending.pop(token, None) is not None:
        request.session[SESSION_KEY] = pending


def article_input(stored: dict[str, Any]) -> ArticleInput:
    return ArticleInput(
        title=stored["title"],
        publisher=stored["publisher"],
        url=stored["url"],
        published=date.fromisoformat(stored["published"]),
        text=stored["text"],
    )


# -- what the review page shows --------------------------------------------------------------


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


def event_rows(
    text: str, formset: BaseFormSet, proposals: list[dict[str, Any]], states: list[dict[str, str]]
) -> list[tuple]:
    """(form, evidence in context, proposal, what Parley holds of it) per proposal, then the blank row for a missed event."""
    states = [*states, *[{"state": ""}] * len(proposals)][: len(proposals)]
    return [
        (form, in_context(text, proposal), proposal, state)
        for form, proposal, state in zip(formset.forms, [*proposals, {}], [*states, None])
    ]


def initial_actor(actor: dict[str, Any]) -> dict[str, Any]:
    return {"keep": True, **{field: actor.get(field, "") for field in ("name", "kind", "title", "affiliation")}}


def initial_event(event: dict[str, Any], key: str) -> dict[str, Any]:
    start, precision = split_date(event.get("start"))
    end, end_precision = split_date(event.get("end"))
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
        **{key: [*(initial_event(event, key) for event in proposals.get(key, [])), MISSED_EVENT] for key in EVENT_KEYS},
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
                and formset.total_form_count() != len(proposals.get(key, [])) + (key in EVENT_KEYS)
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
            for form, proposal in zip(formset.forms, [*proposals.get(key, []), {}])
            if form.cleaned_data.get("keep")
        ]
        for key, formset in (("meetings", review.meetings), ("drills", review.drills))
    }

    referenced = [a["affiliation"] for _, a in kept_actors if a["affiliation"]]
    referenced += [name for rows in events.values() for _, e in rows for name in e["participants"]]
    referenced += [m for _, a in kept_actors for m in a.get("members", [])]
    existing = Actor.objects.by_names([n for n in referenced if n.lower() not in kept_names])

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
    """A proposed meeting or drill (or one the editor added) with what the editor typed in its form."""
    event = copy.deepcopy(proposal)
    event.update(
        status=data["status"],
        participants=[rename(name) for name in data["participants"]],
        location=data["location"].strip(),
        summary=data["summary"].strip(),
    )
    event["start"] = format_date(data["start"], data["precision"])
    event["end"] = format_date(data["end"], data["end_precision"])
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


def admin_context(request: HttpRequest, **context: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "opts": Source._meta, **context}


# -- views (served by the admin site: tracker.admin_site.ParleyAdminSite) ---------------------------


@require_http_methods(["GET", "POST"])
@import_permission_required
def import_article(request: HttpRequest) -> HttpResponse:
    """The article form; a valid article goes to its review page."""
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        proposals = propose(text=data["body"], published=data["published"])
        if found_nothing(proposals):
            form.add_error(None, NOTHING_FOUND)
        elif too_long := review_too_long(proposals):
            form.add_error(None, too_long)
        else:
            article = {
                "title": data["title"],
                "publisher": data["publisher"],
                "url": data["url"],
                "published": data["published"].isoformat(),
                "text": data["body"],
                "not_on_page": form.page.missing if form.page else [],
            }
            reading = read_proposals(article=article_input(article), proposals=proposals)
            token = store_pending(request, article=article, reading=reading)
            return HttpResponseRedirect(reverse("admin:review_article", args=[token]))
    return render(
        request,
        "admin/tracker/import_article.html",
        admin_context(request, form=form, title="Import an article"),
    )


@require_http_methods(["GET", "POST"])
@import_permission_required
def review_article(request: HttpRequest, token: str) -> HttpResponse:
    """The proposals for a pasted article, to correct and confirm; confirming saves them all."""
    pending = load_pending(request, token)
    if pending is None:
        messages.warning(request, "This import is no longer waiting for review; start it again.")
        return HttpResponseRedirect(reverse("admin:import_article"))
    article, proposals = pending["article"], pending["proposals"]

    if request.method == "POST" and "cancel" in request.POST:
        drop_pending(request, token)
        messages.info(request, f"Import of “{article['title']}” cancelled; nothing was saved.")
        return HttpResponseRedirect(reverse("admin:import_article"))

    review = review_formsets(proposals, request.POST if request.method == "POST" else None)
    if request.method == "POST" and review.is_valid():
        corrected = corrected_proposals(review, proposals)
        if corrected is not None:
            try:
                report = article_import(article=article_input(article), proposals=corrected, reviewed=proposals)
            except TimelineError as error:
                messages.error(request, f"Nothing was saved: {error}")
            else:
                drop_pending(request, token)
                messages.success(request, saved_message(report, article["title"]))
                destination = timeline_url(report.saved)
                if destination is None:
                    source = matching_source(**{k: article[k] for k in ("title", "publisher", "published", "text")})
                    destination = reverse("admin:tracker_source_change", args=[source.pk])
                return HttpResponseRedirect(destination)

    matches = Actor.objects.by_names([form.initial.get("name", "") for form in review.actors.forms])
    states = pending.get("states") or {}
    context = admin_context(
        request,
        title=f"Review “{article['title']}”",
        article=article,
        token=token,
        already=matching_source(**{k: article[k] for k in ("title", "publisher", "published", "text")}),
        reviewed_before=pending.get("already") or [],
        actor_rows=[(form, matches.get(form.initial.get("name", "").strip().lower())) for form in review.actors.forms],
        event_sections=[
            (heading, formset, event_rows(article["text"], formset, proposals.get(key, []), states.get(key, [])), noun)
            for heading, formset, key, noun in (
                ("Meetings", review.meetings, "meetings", "meeting"),
                ("Drills", review.drills, "drills", "drill"),
            )
        ],
        review=review,
        has_errors=request.method == "POST",
    )
    return render(request, "admin/tracker/review_article.html", context)
