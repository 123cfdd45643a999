"""The filtered export with stale statistics (issue 20): bench/export_plans.py's entry in
make bench's catalogue."""

from catalogue import Bench, Figure, below

EXPORT_PLANS = Bench(
    "export_plans",
    "export_plans.py",
    ["--size", "1000000", "--timeout", "300"],
    ["--size", "20000", "--timeout", "60"],
    1,
    "The filtered export with stale statistics (issue 20)",
    "`seed_demo --all-published`; `export_anonymized --since --until` of one week, after "
    "ANALYZE and with the statistics of nearly empty tables (bench/export_plans.py says "
    "how); the baseline is PostgreSQL's COPY of the same join with the planner's defaults. "
    "Then the whole export, fresh statistics.",
    [
        Figure("rows of the week", "rows", digits=0),
        Figure("fresh statistics: export_anonymized", "fresh_export_s", "s"),
        Figure("fresh statistics: COPY, planner's defaults", "fresh_old_copy_s", "s"),
        Figure(
            "stale statistics: export_anonymized",
            "stale_export_s",
            "s",
            "no slower than fresh by much",
            below(60),
        ),
        Figure("stale statistics: COPY, planner's defaults", "stale_old_copy_s", "s"),
        Figure("whole export, fresh statistics", "whole_export_s", "s"),
    ],
    "",
)
