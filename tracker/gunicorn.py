"""gunicorn settings for Parley: `gunicorn -c python:tracker.gunicorn tracker.wsgi --workers N --bind ...`.

A dashboard request leaves about 2,400 objects in reference cycles behind (0.7 MB). Left to itself,
Python's collector frees them in the middle of whichever request happens to cross its threshold,
stopping it for 50–70 ms about every dozen requests: on a 40 ms page that is the 95th percentile.
Here each worker collects between requests instead, after the response has been sent, and at once
after a request that left a great many objects behind (a large download), so several of those cannot
pile up before the next scheduled collection. Workers are recycled now and then as a last guard
against memory that grows for any other reason.
"""

import gc

# A young-generation collection every 20 requests takes about 20 ms after twenty fresh renders
# (freeing about 14 MB) and under 1 ms after twenty cached pages; a full one now and then catches
# cycles that were still alive when their young collection ran.
COLLECT_EVERY = 20
FULL_EVERY = 1000
# New container objects since the last collection beyond which the worker collects at once. A fresh
# dashboard page leaves about 3,000, so twenty stay far below it; a 20,000-event Parley JSON download
# leaves 1.5 million, of which 1.2 million are cycles that only a collection frees.
YOUNG_LIMIT = 100_000

# gunicorn settings: restart a worker after about this many requests, at staggered counts so that the
# workers do not all restart at once.
max_requests = 5000
max_requests_jitter = 500


def post_fork(server, worker) -> None:
    gc.disable()
    worker.parley_requests = 0


def post_request(worker, req, environ, resp) -> None:
    worker.parley_requests = served = worker.parley_requests + 1
    if served == 1:
        # The application is loaded by the end of the first request, and lives as long as the worker:
        # later collections need not look at it again.
        gc.collect()
        gc.freeze()
    elif served % FULL_EVERY == 0:
        gc.collect()
    elif served % COLLECT_EVERY == 0 or gc.get_count()[0] >= YOUNG_LIMIT:
        # Every cycle a request leaves is younger than the last collection: the young generation holds it.
        gc.collect(0)
