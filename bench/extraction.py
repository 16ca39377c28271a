"""Time the extraction engine: python bench/extraction.py [--hostile]

Prints median and p95 of `extract` on the seed article (when ../shared is there), on each article of
the test corpus, and on synthetic 128 KB to 1 MB articles made by repeating the corpus, with the
time per kilobyte to show that cost grows linearly with length.

--hostile times instead articles of one drill sentence repeated to 100 KB, 400 KB and 1 MB (issue 14:
drill reading was quadratic, 34 s at 1 MB), with the share of the drill reader, and checks that the
repeats make one drill.
"""

import statistics
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


def hostile() -> None:
    from tracker.extraction import drills

    spent = [0.0]
    read = drills.DrillReader.drills

    def timed(self, sentences):
        started = time.perf_counter()
        try:
            return read(self, sentences)
        finally:
            spent[0] += time.perf_counter() - started

    drills.DrillReader.drills = timed
    print(f"{'repeated drill sentence':<28} {'size':>9} {'extract s':>10} {'drill reader s':>15} {'drills':>7}")
    for kilobytes in (100, 400, 1024):
        size = kilobytes * 1024
        text = (HOSTILE_SENTENCE * (size // len(HOSTILE_SENTENCE) + 1))[:size]
        spent[0] = 0.0
        started = time.perf_counter()
        extraction = extract(text, date(2022, 2, 10))
        seconds = time.perf_counter() - started
        print(f"{'':<28} {size:>9,} {seconds:>10.2f} {spent[0]:>15.2f} {len(extraction.drills):>7}")
    drills.DrillReader.drills = read


def main() -> None:
    if "--hostile" in sys.argv[1:]:
        hostile()
        return
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
