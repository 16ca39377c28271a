"""What the seed article reports, as /work/notes/seed_expectations.md lists it: the extraction must find it
and the demo fixture must hold it.

Facts only (names, dates, places, troop numbers), never the article's text.
"""

# (kind, status, start, end, participants, location)
MEETINGS = [
    ("talks", "planned", "2022-02-10", None, frozenset(), ""),
    ("talks", "planned", "2022-02-10", None, frozenset({"Russia", "Ukraine", "France", "Germany"}), ""),
    ("signing", "held", "2014", "2015", frozenset({"Ukraine", "Russia", "France", "Germany"}), "Minsk"),
    ("visit", "planned", "2022-02-10", None, frozenset({"Boris Johnson", "NATO"}), "Brussels"),
    ("visit", "planned", "2022-02-10", None, frozenset({"Boris Johnson", "Poland"}), "Warsaw"),
    ("talks", "planned", "2022-02-10", None, frozenset({"Liz Truss", "Russia"}), "Moscow"),
    ("talks", "planned", "2022-02-10", None, frozenset({"Ben Wallace", "Russia"}), "Moscow"),
    ("talks", "planned", "2022-02-10", None, frozenset({"Olaf Scholz", "Estonia", "Latvia", "Lithuania"}), ""),
    ("press_conference", "held", "2022-02-09", None, frozenset({"Olaf Scholz", "Mette Frederiksen"}), ""),
]
# (name, status, start, end, participants, location, troops)
DRILLS = [("", "ongoing", "2022-02-10", "2022-02-19", frozenset({"Russia", "Belarus"}), "Belarus", 30000)]
# name -> (title, affiliation)
PEOPLE = {
    "Alexander Lukashenko": ("President", "Belarus"),
    "Vladimir Putin": ("President", "Russia"),
    "Vladimir Chizhov": ("Ambassador to the EU", "Russia"),
    "Philippe Etienne": ("Ambassador to the United States", "France"),
    "Boris Johnson": ("Prime Minister", "United Kingdom"),
    "Liz Truss": ("Foreign Secretary", "United Kingdom"),
    "Ben Wallace": ("Defence Secretary", "United Kingdom"),
    "Olaf Scholz": ("Chancellor", "Germany"),
    "Mette Frederiksen": ("Prime Minister", "Denmark"),
}
STATES = {
    "Russia",
    "Belarus",
    "Ukraine",
    "United States",
    "France",
    "Germany",
    "United Kingdom",
    "Estonia",
    "Latvia",
    "Lithuania",
    "Denmark",
    "Poland",
}
ORGANISATIONS = {"NATO", "European Union"}
