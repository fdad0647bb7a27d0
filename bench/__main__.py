"""`make bench`: every benchmark in turn; each writes its own section of docs/benchmarks.md."""

from bench import startup

for benchmark in (startup,):
    benchmark.main()
