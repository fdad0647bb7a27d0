"""`make bench`: every benchmark in turn; each writes its own section of docs/benchmarks.md."""

from bench import dashboard, engine, kb_eval, kb_scale, live, sla, staff_live, startup

for benchmark in (startup, kb_eval, kb_scale, engine, live, sla, dashboard, staff_live):
    benchmark.main()
