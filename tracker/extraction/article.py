"""Split a pasted article into its optional `key: value` header block and its body."""

from __future__ import annotations

import re

from tracker.extraction.types import Article

HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z_-]{0,30}:[^\n]*")
MAX_HEADER_LINES = 40


def parse_article(raw: str) -> Article:
    """Return the headers (lower-cased keys) and the body with its offset in `raw`."""
    headers: dict[str, str] = {}
    position = 0
    for _ in range(MAX_HEADER_LINES + 1):
        newline = raw.find("\n", position)
        line_end = len(raw) if newline == -1 else newline
        line = raw[position:line_end].rstrip("\r")
        if line.strip() == "---" and headers:
            body_offset = len(raw) if newline == -1 else newline + 1
            return Article(headers=headers, body=raw[body_offset:], body_offset=body_offset)
        if not HEADER_LINE.fullmatch(line) or newline == -1:
            break
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
        position = newline + 1
    return Article(headers={}, body=raw, body_offset=0)
