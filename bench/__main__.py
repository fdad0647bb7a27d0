"""`make bench`: every benchmark in turn; each writes its own section of docs/benchmarks.md."""

from bench import dashboard, engine, kb_eval, kb_scale, live, sla, startup

for benchmark in (startup, kb_eval, kb_scale, engine, live, sla, dashboard):
    benchmark.main()
