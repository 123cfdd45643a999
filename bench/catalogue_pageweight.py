"""The report form on a first visit (issue 22): bench/pageweight.py's entry in the catalogue,
in a module of its own (bench/catalogue.py is long enough)."""

from catalogue import Bench, Figure, equals

PAGEWEIGHT = Bench(
    "pageweight",
    "pageweight.py",
    [],
    [],
    3,
    "The report form on a first visit: weight and Lighthouse (issue 22)",
    "The site as `make serve` runs it (gunicorn, whitenoise's compressed static files, "
    "DEBUG off; the gazetteer and 1,000 published demo reports). Chromium (Playwright, a "
    "fresh profile) loads `/report/`: the bytes over the network until it is idle, "
    "headers included (DevTools protocol `encodedDataLength`). gunicorn sends the HTML "
    "itself uncompressed; nginx in front gzips it (docs/deploy.md): the budget figure "
    "counts the HTML gzipped (level 6) as nginx sends it, the next one what gunicorn alone "
    "sent. `tests/test_page_weight.py` counts the same files gzipped, without headers. "
    "The service worker's precache (what it fetches after the load, `/places/"
    "centroids.json` among it) is counted on its own, not in the budget. Installable: "
    "Chromium's `Page.getInstallabilityErrors` (none = yes). Lighthouse 12 "
    "(`bench/package.json`), mobile, simulated slow 3G: 300 ms round trip, 700 kbit/s, "
    "CPU slowed 4 times. Baseline, in the same run: the same page with the full Bootstrap "
    "(compiled from the same sources) in place of the subset.",
    [
        Figure(
            "first visit: bytes over the network (HTML gzipped, as nginx sends it)",
            "subset.first_visit_kb",
            "KB",
            "at most 60 KB",
            lambda v: v <= 60,
            1,
        ),
        Figure(
            "first visit as gunicorn alone sends it (HTML uncompressed)",
            "subset.first_visit_as_sent_kb",
            "KB",
            digits=1,
        ),
        Figure("of which the HTML, uncompressed", "subset.html_kb", "KB", digits=1),
        Figure("baseline (full Bootstrap): first visit", "full.first_visit_kb", "KB", digits=1),
        Figure("first visit: CSS", "subset.css_kb", "KB", digits=1),
        Figure("baseline (full Bootstrap): CSS", "full.css_kb", "KB", digits=1),
        Figure("first visit: JavaScript", "subset.js_kb", "KB", digits=1),
        Figure("first visit: requests", "subset.requests", digits=0),
        Figure(
            "service worker precache after the load (not in the budget)",
            "subset.precache_kb",
            "KB",
            digits=1,
        ),
        Figure("installable (1 = yes)", "subset.installable", "", "yes", equals(1), 0),
        Figure("Lighthouse performance score", "subset.lighthouse.performance", digits=0),
        Figure(
            "baseline (full Bootstrap): performance score",
            "full.lighthouse.performance",
            digits=0,
        ),
        Figure("Lighthouse: first contentful paint", "subset.lighthouse.fcp_ms", "ms", digits=0),
        Figure("baseline: first contentful paint", "full.lighthouse.fcp_ms", "ms", digits=0),
        Figure("Lighthouse: largest contentful paint", "subset.lighthouse.lcp_ms", "ms", digits=0),
        Figure("baseline: largest contentful paint", "full.lighthouse.lcp_ms", "ms", digits=0),
        Figure(
            "Lighthouse: total byte weight",
            "subset.lighthouse.total_byte_weight_kb",
            "KB",
            digits=1,
        ),
        Figure(
            "baseline: total byte weight",
            "full.lighthouse.total_byte_weight_kb",
            "KB",
            digits=1,
        ),
    ],
)
