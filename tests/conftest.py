from pathlib import Path

import pytest

SHARED_ARTICLES = Path(__file__).resolve().parent.parent.parent / "shared" / "articles"
SEED_ARTICLE = SHARED_ARTICLES / "2022-02-10-russia-belarus-drills.txt"
DEMO_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "february-2022.json"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed_article_text() -> str:
    """The seed article from ../shared, which the project may read but never copy."""
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not found at {SEED_ARTICLE} (it lives in ../shared beside the repo)")
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Start each test with no cached pages or fragments: a test may change settings or caps that the cache key does not hold."""
    from django.core.cache import caches

    for name in ("default", "fragments"):
        caches[name].clear()
    yield
    for name in ("default", "fragments"):
        caches[name].clear()
