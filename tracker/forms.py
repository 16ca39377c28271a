"""Forms of the article import: the article itself, then one form per proposal on the review page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from tracker.article_import import is_html_file, parse_iso_date, split_article
from tracker.limits import (
    human_size,  # noqa: F401  (tracker.web.fetch names the limit with it)
    out_of_range_message,
    too_big_message,
    validate_date_in_range,
    validate_web_url,
)
from tracker.models import Actor, Drill, Meeting, Precision

if TYPE_CHECKING:
    from tracker.web.pages import Page

EMPTY_TEXT = "Paste the article or upload it as a .txt file."
NOT_UTF8 = "The file is not UTF-8 text. Save it as plain text in UTF-8 and upload it again."
BOTH_TEXTS = "Paste the article or upload a file, not both."
NO_TITLE = "Give the title of the article (or start the text with a “title:” header line)."
NO_DATE = "Give the publication date (YYYY-MM-DD), or start the text with a “published:” header line."
END_BEFORE_START = "The end date cannot be before the start date."
NOT_ON_PAGE = "Parley found no {} on the page; give it here."


def invalid_date_message(value: str, where: str = "") -> str:
    return f"“{value}”{where} is not a valid date; give the publication date as YYYY-MM-DD."


class ArticleForm(forms.Form):
    """The article to import: pasted, uploaded or linked, with what the header block or page does not already say."""

    page: Page | None = None

    text = forms.CharField(
        label="Article text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80}),
        help_text=(
            "It may start with a header block of “title:”, “source:”, “url:” and “published:” lines ended by “---”. "
            "Or leave it empty and give the article's URL below: Parley fetches the page and reads it."
        ),
    )
    file = forms.FileField(label="…or upload a .txt file or a saved .html page", required=False)
    title = forms.CharField(max_length=300, required=False)
    publisher = forms.CharField(max_length=200, required=False)
    url = forms.URLField(
        label="URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[validate_web_url],
        help_text="Given without text or file, Parley fetches this page and fills in what it finds.",
    )
    published = forms.CharField(
        label="Publication date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="YYYY-MM-DD. Left blank, the header's “published:” line is used.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        pasted, upload = data.get("text") or "", data.get("file")
        if pasted.strip() and upload:
            raise forms.ValidationError(BOTH_TEXTS)
        page = self._read_page(upload, (data.get("url") or "").strip()) if not pasted.strip() else None
        if page is not None:
            header, body = self._page_header(page), page.text
        else:
            text = self._read_upload(upload) if upload else pasted
            limit = settings.PARLEY_ARTICLE_MAX_BYTES
            size = len(text.encode("utf-8"))
            if size > limit:
                raise forms.ValidationError(too_big_message(size, limit))
            if not text.strip():
                raise forms.ValidationError(EMPTY_TEXT)
            header, body = split_article(text.replace("\r\n", "\n").replace("\r", "\n"))
        if not body.strip():
            raise forms.ValidationError(EMPTY_TEXT)
        data["body"] = body
        for field, key in (("title", "title"), ("publisher", "source"), ("url", "url")):
            if not (data.get(field) or "").strip():
                data[field] = header.get(key, "").strip()
        if not data["title"]:
            self.add_error("title", NOT_ON_PAGE.format("title") if page else NO_TITLE)
        # What the header or the page gave is held to the limits of what the editor types.
        for field in ("title", "publisher", "url"):
            if data.get(field):
                try:
                    data[field] = self.fields[field].clean(data[field])
                except forms.ValidationError as error:
                    self.add_error(field, error)

        typed = (data.get("published") or "").strip()
        written = header.get("published", "").strip()
        if typed:
            data["published"] = parse_iso_date(typed)
            if data["published"] is None:
                self.add_error("published", invalid_date_message(typed))
        elif written:
            data["published"] = parse_iso_date(written)
            if data["published"] is None:
                self.add_error("published", invalid_date_message(written, " in the header"))
        else:
            self.add_error("published", NOT_ON_PAGE.format("publication date") if page else NO_DATE)
        if data.get("published"):
            try:
                validate_date_in_range(data["published"])
            except forms.ValidationError:
                self.add_error("published", out_of_range_message(data["published"]))
                data["published"] = None
        return data

    def _read_page(self, upload: UploadedFile | None, url: str) -> Page | None:
        """The article in an uploaded .html page, or at the URL when nothing else is given; else None."""
        from tracker.web.fetch import FetchRefused
        from tracker.web.pages import NoArticle, fetch_page, read_page

        if upload is not None and not is_html_file(upload.name or ""):
            return None
        if upload is None and not url:
            return None
        try:
            if upload is not None:
                limit = settings.PARLEY_ARTICLE_MAX_BYTES
                if upload.size > limit:
                    raise forms.ValidationError(too_big_message(upload.size, limit))
                page = read_page(upload.read(), url=url)
            else:
                page = fetch_page(url)
        except (FetchRefused, NoArticle) as error:
            raise forms.ValidationError(str(error)) from None
        self.page = page
        # Show the editor what the page gave, so a second submit keeps it without fetching or uploading again.
        self.data = self.data.copy()
        self.data["text"] = page.text
        for field, value in (("title", page.title), ("publisher", page.publisher), ("url", page.url)):
            if value and not (self.data.get(field) or "").strip():
                self.data[field] = value
        if page.published and not (self.data.get("published") or "").strip():
            self.data["published"] = page.published.isoformat()
        return page

    @staticmethod
    def _page_header(page: Page) -> dict[str, str]:
        return {
            "title": page.title,
            "source": page.publisher,
            "url": page.url,
            "published": page.published.isoformat() if page.published else "",
        }

    def _read_upload(self, upload: UploadedFile) -> str:
        limit = settings.PARLEY_ARTICLE_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(too_big_message(upload.size, limit))
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(NOT_UTF8) from None
        if "\x00" in text:  # valid UTF-8, but a binary file all the same
            raise forms.ValidationError(NOT_UTF8)
        return text


def split_names(value: str) -> list[str]:
    names: list[str] = []
    for name in value.split(","):
        name = " ".join(name.split())
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


class ProposalForm(forms.Form):
    keep = forms.BooleanField(required=False, initial=True)

    def full_clean(self) -> None:
        # A row the editor does not keep is dropped as it stands: nothing in it needs to be valid.
        if self.is_bound and not self.fields["keep"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("keep")
        ):
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {"keep": False}
            return
        super().full_clean()


class ActorProposalForm(ProposalForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Actor.Kind.choices)
    title = forms.CharField(max_length=200, required=False)
    affiliation = forms.CharField(max_length=200, required=False, help_text="The name of a state or organisation.")

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class EventProposalForm(ProposalForm):
    """What meetings and drills share; dates are whole days plus the precision they are known to."""

    status = forms.ChoiceField()
    start = forms.DateField(
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    precision = forms.ChoiceField(choices=Precision.choices, initial=Precision.DAY)
    end = forms.DateField(
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_precision = forms.ChoiceField(choices=Precision.choices, initial=Precision.DAY)
    participants = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="Actor names separated by commas.",
    )
    location = forms.CharField(max_length=200, required=False)
    summary = forms.CharField(max_length=300, required=False, widget=forms.TextInput(attrs={"size": 60}))

    def clean_participants(self) -> list[str]:
        return split_names(self.cleaned_data["participants"])

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if end and not start:
            self.add_error("start", "Give the start date too, or clear the end date.")
        elif start and end and end < start:
            self.add_error("end", END_BEFORE_START)
        return data


class MeetingProposalForm(EventProposalForm):
    kind = forms.ChoiceField(choices=Meeting.Kind.choices)
    status = forms.ChoiceField(choices=Meeting.Status.choices)
    field_order = [
        "keep",
        "kind",
        "status",
        "start",
        "precision",
        "end",
        "end_precision",
        "participants",
        "location",
        "summary",
    ]


class DrillProposalForm(EventProposalForm):
    name = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(choices=Drill.Status.choices)
    troops = forms.IntegerField(required=False, min_value=0)
    field_order = [
        "keep",
        "name",
        "status",
        "start",
        "precision",
        "end",
        "end_precision",
        "participants",
        "location",
        "troops",
        "summary",
    ]


ActorFormSet = forms.formset_factory(ActorProposalForm, extra=0)
MeetingFormSet = forms.formset_factory(MeetingProposalForm, extra=0)
DrillFormSet = forms.formset_factory(DrillProposalForm, extra=0)
