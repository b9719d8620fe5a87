"""Plumbing under the numerics: the band reduction behind the ridge path (its in-place BLAS
calls without the GIL), and a job's threads spent on fixed grids.

Guarantees: every result is the same for any thread count (`parallel`: BLAS on one thread
inside a job, work split on grids that do not depend on the count), and every routine
matches a plain reference to rounding: `parallel.matmul`/`gram` against `numpy` products
(tests/test_parallel.py); `band.shifted_solves` against dense solves (tests/test_band.py)
and the ridge path built on it against `srfpipe.ridge.ridge_reference`, the
`scipy.linalg.eigh` definition (tests/test_ridge.py); its reflector blocks against products
of reflections (tests/test_band.py).
"""
