"""Reading articles from the web: safe fetching (fetch.py) and the article in a page (pages.py)."""
