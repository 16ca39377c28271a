"""Hostile strings an editor or an article could bring in; every page and export must show them inert.

Import HOSTILE (name -> text) in any test that stores user text and renders it.
"""

HOSTILE: dict[str, str] = {
    "script tag": "<script>alert(1)</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
    "single-quote breakout": "'><svg onload=alert(1)>",
    "javascript url": "javascript:alert(1)",
    "template syntax": "{{ secret }}{% debug %}",
    "formula hyperlink": '=HYPERLINK("http://x.example","click")',
    "formula plus": "+cmd|' /C calc'!A0",
    "formula minus": "-1+1",
    "formula at": "@SUM(1)",
    "formula tab": "\t=1+1",
    "control characters": "bell\x07 backspace\x08 escape\x1b[31m form\x0cfeed",
    "newlines": "line one\r\nline two\rline three",
    "long word": "x" * 10_000,
    "right-to-left override": "evil\u202egnp.exe",
    "zero width": "zero\u200bwidth\ufeffjoiner",
    "null-ish": "None",
    "null-ish json": "null",
    "emoji": "🕊️ peace talks 🤝🏽",
    "ics injection": "talks\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:forged",
    "json breakout": '</script><script>alert(1)</script>{"a":"',
}

# Fragments that must never appear unescaped in an HTML response.
HTML_DANGERS = ["<script>alert(1)", "<img src=x onerror", "<svg onload", '"><img src=x', "'><svg onload"]

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
