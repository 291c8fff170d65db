"""Benchmarks: each module's ``run()`` returns rows of figures beside their limits."""
