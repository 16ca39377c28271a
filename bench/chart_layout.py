#!/usr/bin/env python
"""Time the timeline chart's layout (lanes, marks, labels) on a busy made-up month, and count connector crossings.

    .venv/bin/python bench/chart_layout.py              # 150 events among 40 actors, 30 lanes: the most the chart draws
    .venv/bin/python bench/chart_layout.py --events 60

No database: the layout is pure. A crossing is a lane of an actor not in a meeting that its connector passes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.dashboard import Item, LaneActor, Window, crossings, layout_timeline  # noqa: E402


def made_up_month(events: int, actors: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    items = []
    for n in range(events):
        kind = "drill" if n % 10 == 0 else "meeting"
        start = date(2022, 2, 1) + timedelta(days=rng.randrange(28))
        end = start + timedelta(days=rng.randrange(1, 6)) if kind == "drill" else None
        people = tuple(rng.sample(range(1, actors + 1), rng.randint(2, 4)))
        items.append(Item(f"{kind}-{n}", kind, "held", start, "day", end, "day", people, "", f"/{n}/", "Talks · Name"))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=150)
    parser.add_argument("--actors", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    actors = {i: LaneActor(i, f"a{i}", f"Actor {i}") for i in range(1, args.actors + 1)}
    items = made_up_month(args.events, args.actors, args.seed)
    window = Window.around(date(2022, 2, 10), "month")
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        chart = layout_timeline(items, actors, window, max_lanes=30)
        times.append(time.perf_counter() - started)
    order = [lane.actor.id for lane in chart.lanes]
    groups = Counter(frozenset(i.actor_ids) for i in items if i.type == "meeting")
    first_seen = list(dict.fromkeys(a for i in items for a in i.actor_ids if a in set(order)))
    labelled = sum(bool(m.text) for m in chart.meetings + chart.drills)
    print(f"{args.events} events, {len(order)} lanes: layout median {statistics.median(times) * 1000:.1f} ms")
    print(
        f"crossings: {crossings(first_seen, groups)} in order of first appearance, {crossings(order, groups)} as laid out"
    )
    print(
        f"labels: {labelled} of {len(chart.meetings) + len(chart.drills)} marks, {len(chart.summaries)} '+N more' notes"
    )


if __name__ == "__main__":
    main()
