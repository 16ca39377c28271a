"""The gunicorn hooks move Python's cycle collector out of requests: off in each worker, run between requests."""

import gc
from types import SimpleNamespace

import pytest

from tracker import gunicorn


@pytest.fixture
def collections():
    """The generations collected meanwhile; restores the collector as the test found it."""
    was_enabled = gc.isenabled()
    seen = []

    def record(phase, info):
        if phase == "stop":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def serve(worker, requests: int) -> None:
    for _ in range(requests):
        gunicorn.post_request(worker, None, {}, None)


def test_a_worker_collects_only_between_requests(collections):
    worker = SimpleNamespace()
    gunicorn.post_fork(None, worker)
    assert not gc.isenabled()
    collections.clear()  # what the collector did before the fork is not the hooks' doing

    serve(worker, 1)
    assert collections == [2] and gc.get_freeze_count() > 0  # the loaded application, frozen

    serve(worker, gunicorn.COLLECT_EVERY - 2)
    assert collections == [2]
    serve(worker, 1)
    assert collections == [2, 0]

    serve(worker, gunicorn.FULL_EVERY - gunicorn.COLLECT_EVERY)
    assert collections.count(0) == gunicorn.FULL_EVERY // gunicorn.COLLECT_EVERY - 1
    assert collections[-1] == 2


def test_gunicorn_reads_the_hooks_from_the_settings_module():
    from gunicorn.app.base import Application
    from gunicorn.config import Config

    app = Application.__new__(Application)
    app.cfg = Config()
    app.load_config_from_module_name_or_filename("python:tracker.gunicorn")

    assert app.cfg.post_fork is gunicorn.post_fork
    assert app.cfg.post_request is gunicorn.post_request


def test_a_request_that_leaves_a_great_many_objects_is_collected_at_once(collections):
    worker = SimpleNamespace()
    gunicorn.post_fork(None, worker)
    collections.clear()
    serve(worker, 1)

    cycles = []
    for _ in range(gunicorn.YOUNG_LIMIT):
        pair = [None]
        pair[0] = pair
        cycles.append(pair)
    del cycles, pair
    serve(worker, 1)

    assert collections == [2, 0]
    assert gc.get_count()[0] < gunicorn.YOUNG_LIMIT


def test_workers_are_recycled_at_staggered_request_counts():
    from gunicorn.app.base import Application
    from gunicorn.config import Config

    app = Application.__new__(Application)
    app.cfg = Config()
    app.load_config_from_module_name_or_filename("python:tracker.gunicorn")

    assert app.cfg.max_requests == 5000
    assert app.cfg.max_requests_jitter == 500
