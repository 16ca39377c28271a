"""The gunicorn hooks move Python's cycle collector out of requests: off in each worker, run between requests."""

import gc
from types import SimpleNamespace

import pytest

from tracker import gunicorn


@pytest.fixture
def collector():
    """Restores the collector as the test found it, and counts the full collections made meanwhile."""
    was_enabled = gc.isenabled()
    full = []

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full.append(info)

    gc.callbacks.append(seen)
    yield full
    gc.callbacks.remove(seen)
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def test_a_worker_collects_only_between_requests_every_few_requests(collector):
    worker = SimpleNamespace()
    gunicorn.post_fork(None, worker)

    assert not gc.isenabled()
    for _ in range(gunicorn.COLLECT_EVERY - 1):
        gunicorn.post_request(worker, None, {}, None)
    assert collector == []
    gunicorn.post_request(worker, None, {}, None)
    assert len(collector) == 1


def test_gunicorn_reads_the_hooks_from_the_settings_module():
    from gunicorn.app.base import Application
    from gunicorn.config import Config

    app = Application.__new__(Application)
    app.cfg = Config()
    app.load_config_from_module_name_or_filename("python:tracker.gunicorn")

    assert app.cfg.post_fork is gunicorn.post_fork
    assert app.cfg.post_request is gunicorn.post_request
