"""sellintegro benchmarks: ``python benchmarks/run.py [--quick|--long]`` runs them all (docs/benchmarks.md)."""
