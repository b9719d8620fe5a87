"""Plumbing under the numerics: the band reduction behind the ridge path (`band`) and a
job's threads spent on fixed grids (`parallel`).

Every result is the same for any thread count, and every routine matches a plain reference
to rounding: `parallel.matmul`/`gram` numpy's products (tests/test_parallel.py),
`band.shifted_solves` dense solves (tests/test_band.py), and the ridge path built on it the
`scipy.linalg.eigh` definition `srfpipe.ridge.ridge_reference` (tests/test_ridge.py).
"""
