from tests.website import running_website, website  # noqa: F401
