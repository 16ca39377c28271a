"""Time the date reader alone: python bench/dates.py [--timebank ../shared/timebank]

Prints the seconds `find_dates` takes on 1 MB articles of hostile shapes (issue 14 item 8: "a 1 MB
article of any shape in under 3 s"), with the time per 100 KB at three sizes so that a cost growing
faster than the length shows; and, with --timebank, the seconds to read TimeBank's 183 documents
(target: under 3 s on one core). Times are CPU seconds of this process, so that other work on a
shared machine does not inflate them.
"""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extraction import timebank_scorer  # noqa: E402  (bench/extraction.py, beside this script)

from tracker.extraction.dates import find_dates  # noqa: E402

# Each shape is one piece of text repeated to the size wanted.
SHAPES = {
    "dated sentences": "The ministers met on Monday, March 3, and will meet again in two weeks, a year earlier than planned. ",
    "one endless sentence": "on Monday, from 5 to 20 June 2021, a year earlier, in the third quarter and since 1990 ",
    "month words, no breaks": "May March June January ",
    "numbers and years": "1990 2000 2020-2021 12 3 1999 ",
    "verbs and weekdays": "said will had been due to meet Tuesday was scheduled for Friday ",
    "units without numbers": "day week month year years weeks ago later earlier ",
    "whitespace after a number": "10" + " " * 4000 + "\n",
    "punctuation": ". , ; - ( ) ' \" ",
    "letters without spaces": "abcdefghijklmnopqrstuvwxyz" * 40 + " ",
}


def shapes() -> None:
    print(f"{'shape':<28} {'100 KB s':>9} {'400 KB s':>9} {'1 MB s':>8} {'s per 100 KB at 1 MB':>21}")
    for name, piece in SHAPES.items():
        row = []
        for kilobytes in (100, 400, 1024):
            size = kilobytes * 1024
            text = (piece * (size // len(piece) + 1))[:size]
            started = time.process_time()
            find_dates(text, date(2022, 2, 10))
            row.append(time.process_time() - started)
        print(f"{name:<28} {row[0]:>9.2f} {row[1]:>9.2f} {row[2]:>8.2f} {row[2] / 10.24:>21.3f}")


def timebank(folder: Path) -> None:
    score = timebank_scorer(folder)
    if score is None:
        return
    docs = score.load_docs()
    started = time.process_time()
    for d in docs:
        find_dates(d["text"], date.fromisoformat(d["dct"]))
    print(f"TimeBank: {len(docs)} documents read by find_dates in {time.process_time() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timebank", type=Path, help="folder of TimeBank (../shared/timebank) to time")
    args = parser.parse_args()
    if args.timebank:
        timebank(args.timebank)
    shapes()


if __name__ == "__main__":
    main()
