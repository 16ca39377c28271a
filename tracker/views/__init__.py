"""The dashboard's pages, one module each (timeline, who_meets_whom, actor, events, suggestions, exports),
with what they share in http (htmx, the page cache), cards (events as the pages show them) and queries."""
