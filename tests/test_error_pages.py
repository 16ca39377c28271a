"""Errors answer with Parley's own pages: what happened, whether anything was saved, and a way back."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_address_says_so_and_links_back_to_the_timeline(client):
    response = client.get("/actors/nobody-by-that-name/")

    assert response.status_code == 404
    assert b"Nothing at this address" in response.content
    assert '<a href="/">The timeline</a>, where the actor filter finds any actor' in response.content.decode()
    assert '<a href="/who-meets-whom/">Who meets whom</a>, to see who met whom most' in response.content.decode()


def test_a_request_too_large_to_read_is_refused_with_a_hint_about_long_articles(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = admin_client.post("/admin/import-article/", {"text": "word " * 1000, "title": "Long"})

    assert response.status_code == 400
    assert b"could not read this request" in response.content
    assert b"split a very long one, or upload it as a file" in response.content


def test_a_form_sent_without_its_security_token_says_nothing_was_saved():
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert b"nothing was saved" in response.content


def test_a_server_error_answers_with_a_page_that_needs_neither_the_database_nor_a_script(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("tracker.models.Revision.objects.current", broken)

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert b"Something went wrong on Parley's side" in response.content
    assert b"<script" not in response.content


def test_a_page_an_editor_may_not_open_offers_to_log_in_as_someone_who_may(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("reader", password="a long and good password", is_staff=True)
    )

    response = client.get("/admin/tracker/meeting/add/")

    assert response.status_code == 403
    assert b"You cannot open this page" in response.content
    assert b'href="/admin/login/?next=/admin/tracker/meeting/add/"' in response.content
