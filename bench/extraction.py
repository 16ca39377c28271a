"""Time the extraction engine: python bench/extraction.py [--hostile]

Prints median and p95 of `extract` on the seed article (when ../shared is there), on each article of
the test corpus, and on synthetic 128 KB to 1 MB articles made by repeating the corpus, with the
time per kilobyte to show that cost grows linearly with length.

--hostile times instead `extract` on 1 MB articles of seven hostile shapes (issue 14 item 8: "a 1 MB
article of any shape in under 3 s"): one drill sentence repeated, distinct dated sentences, the test
corpus repeated, one sentence without punctuation, one line without spaces, capitalised names and
numbers. It prints each shape's size, CPU seconds (time.process_time, so a busy machine does not
inflate them) and PASS or MISS against 3 s, with what was found.

With `--timebank ../shared/timebank` it also reads TimeBank's 183 documents once, with the scorer
kept there, and prints DATE value-F1, span-F1 and the seconds the reading took (target: under 3 s
on one core); the option is skipped with a note when the folder is absent.

With `--corpus ../shared/corpus` it prints instead the corpus figures of the corpus's own score.py (its
last JSON line) beside the reader's CPU milliseconds per 1,000 words on those articles (target: at most
50), so that every change to the reader shows its figures beside its speed.
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.extraction import extract, parse_article  # noqa: E402

SEED = ROOT.parent / "shared" / "articles" / "2022-02-10-russia-belarus-drills.txt"
CORPUS = ROOT / "tests" / "extraction" / "corpus"


def timings(text: str, published: date, runs: int) -> tuple[float, float]:
    extract(text, published)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        extract(text, published)
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


HOSTILE_SENTENCE = "Russia and Belarus began joint military exercises near Brest on Monday, involving 30,000 troops. "
MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
BUDGET = 3.0  # CPU seconds for 1 MB of any shape (issue 14 item 8)


def _repeat(piece: str, size: int) -> str:
    return (piece * (size // len(piece) + 1))[:size]


def _numbered(make, size: int) -> str:
    """Distinct pieces `make(i)` joined until `size` characters: a cache keyed by sentence text never hits."""
    pieces, total, i = [], 0, 0
    while total < size:
        pieces.append(make(i))
        total += len(pieces[-1])
        i += 1
    return "".join(pieces)[:size]


def hostile_shapes(size: int) -> dict[str, str]:
    """Articles of `size` characters shaped to hurt the reader, each a way real or pasted text can look."""
    base = "\n\n".join(parse_article(p.read_text(encoding="utf-8")).body for p in sorted(CORPUS.glob("*.txt")))
    words = "".join(c if c.isalnum() or c.isspace() else " " for c in base).split()
    return {
        "one drill sentence repeated": _repeat(HOSTILE_SENTENCE, size),
        "distinct dated sentences": _numbered(
            lambda i: (
                f"The ministers met on {WEEKDAYS[i % 7]}, {MONTHS[i % 12]} {i % 28 + 1}, {1990 + i % 35}, and "
                f"will meet again in {i % 9 + 2} weeks, a year earlier than planned, note {i} said. "
            ),
            size,
        ),
        "test corpus repeated": _repeat(base, size),
        "one sentence, no punctuation": _repeat(" ".join(words) + " ", size),
        "one line without spaces": _repeat("RussiaBelarusZapad2021drills30000troopsMonday", size),
        "capitalised names": _numbered(
            lambda i: (
                f"President Anna Bee{i} met Prime Minister Carl Dee{i} and Foreign Minister Ede Fay{i} in "
                f"Minsk{i} on Monday. "
            ),
            size,
        ),
        "numbers": _numbered(lambda i: f"{i} {i * 37 % 10000:,} {1900 + i % 130} 12.5 {i % 31}-{i % 12 + 1} ", size),
    }


def hostile() -> None:
    """CPU seconds of `extract` on each hostile shape at 1 MB, against the budget of 3 s."""
    print(f"{'shape':<30} {'size':>9} {'CPU s':>6} {'budget':>7} {'dates':>6} {'meetings':>9} {'drills':>7}")
    extract("Warm-up.", date(2022, 2, 10))  # data loaded once, before the clock starts
    for name, text in hostile_shapes(1024 * 1024).items():
        started = time.process_time()
        extraction = extract(text, date(2022, 2, 10))
        seconds = time.process_time() - started
        verdict = "PASS" if seconds < BUDGET else "MISS"
        print(
            f"{name:<30} {len(text.encode('utf-8')):>9,} {seconds:>6.2f} {verdict:>7} {len(extraction.dates):>6} "
            f"{len(extraction.meetings):>9} {len(extraction.drills):>7}"
        )


def timebank_scorer(folder: Path):
    """TimeBank's own scorer module (it reads the documents and tells a DATE), or None, said, when it is missing."""
    scorer = folder / "score.py"
    if not scorer.exists():
        print(f"(TimeBank not found at {folder}, skipped)")
        return None
    spec = importlib.util.spec_from_file_location("timebank_score", scorer)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    return score


def timebank(folder: Path) -> None:
    """DATE value-F1, span-F1 and reading time on TimeBank, scored as ../shared/timebank/score.py does."""
    score = timebank_scorer(folder)
    if score is None:
        return
    docs = score.load_docs()
    n_gold = n_pred = span_hit = value_hit = 0
    started = time.perf_counter()
    outputs = [extract(d["text"], date.fromisoformat(d["dct"])).to_json()["dates"] for d in docs]
    seconds = time.perf_counter() - started
    for d, dates in zip(docs, outputs):
        pred = [p for p in dates if score.is_date(p)]
        n_gold += len(d["gold"])
        n_pred += len(pred)
        used: set[int] = set()
        for g in d["gold"]:
            hit = next(
                (i for i, p in enumerate(pred) if i not in used and p["start"] < g["end"] and g["start"] < p["end"]),
                None,
            )
            if hit is not None:
                used.add(hit)
                span_hit += 1
                value_hit += str(pred[hit]["value"]) == g["value"]
    f1 = (lambda hit: 2 * hit / (n_pred + n_gold)) if n_pred + n_gold else (lambda hit: 0.0)
    print(
        f"TimeBank: {len(docs)} documents, DATE value-F1 {f1(value_hit):.3f}, span-F1 {f1(span_hit):.3f}, "
        f"{seconds:.2f} s"
    )


def corpus(folder: Path, runs: int = 5) -> None:
    """The corpus score (score.py, run as the team runs it) and the reader's CPU ms per 1,000 words there."""
    scorer = folder / "score.py"
    if not scorer.exists():
        print(f"(corpus not found at {folder}, skipped)")
        return
    articles = []
    for path in sorted((folder / "articles").glob("*.txt")):
        article = parse_article(path.read_text(encoding="utf-8"))
        articles.append((article.body, date.fromisoformat(article.headers["published"])))
    words = sum(len(body.split()) for body, _ in articles)
    for body, published in articles:
        extract(body, published)  # data loaded once, before the clock starts
    samples = []
    for _ in range(runs):
        started = time.process_time()
        for body, published in articles:
            extract(body, published)
        samples.append(time.process_time() - started)
    ms = statistics.median(samples) * 1000 / (words / 1000)
    scored = subprocess.run(
        [sys.executable, str(scorer), "--python", sys.executable, "--corpus", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    print(scored.stdout.strip().splitlines()[-1])
    print(f"reader: {len(articles)} articles, {words:,} words, {ms:.1f} CPU ms per 1,000 words (median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timebank", type=Path, help="folder of TimeBank (../shared/timebank) to score and time")
    parser.add_argument("--hostile", action="store_true", help="time 1 MB articles of hostile shapes")
    parser.add_argument("--corpus", type=Path, help="folder of the scored corpus (../shared/corpus) to score and time")
    args = parser.parse_args()
    if args.corpus:
        corpus(args.corpus)
        return
    if args.hostile:
        hostile()
        return
    if args.timebank:
        timebank(args.timebank)
    print(f"{'input':<40} {'size':>9} {'median ms':>10} {'p95 ms':>9} {'ms/KB':>7}")
    rows = []
    if SEED.exists():
        article = parse_article(SEED.read_text(encoding="utf-8"))
        rows.append(("seed article", article.body, date.fromisoformat(article.headers["published"]), 50))
    else:
        print("(seed article not found, skipped)")
    bodies = []
    for path in sorted(CORPUS.glob("*.txt")):
        article = parse_article(path.read_text(encoding="utf-8"))
        bodies.append(article.body)
        rows.append((path.stem, article.body, date.fromisoformat(article.headers["published"]), 30))
    base = "\n\n".join(bodies)
    for kilobytes in (128, 256, 512, 1024):
        size = kilobytes * 1024
        rows.append((f"synthetic {kilobytes} KB", (base * (size // len(base) + 1))[:size], date(2022, 2, 10), 3))
    for name, text, published, runs in rows:
        median, p95 = timings(text, published, runs)
        size = len(text.encode("utf-8"))
        print(f"{name:<40} {size:>9,} {median * 1000:>10.1f} {p95 * 1000:>9.1f} {median * 1000 / (size / 1024):>7.2f}")


if __name__ == "__main__":
    main()
