"""Benchmarks (``openbss bench ...``): they print figures; they are not tests.

:mod:`openbss.bench.api` measures the HTTP API against a bare Starlette
ceiling; :mod:`openbss.bench.bulk` fills a database fast with the rows the
API would write; :mod:`openbss.bench.client` is the load generator.
"""
