"""Plumbing under the numerics: the two solvers of the ridge path (`band`: one band
reduction for every lambda; `cholesky`: a refined float32 factorisation per lambda) and a
job's threads spent on fixed grids (`parallel`).

Every result is the same for any thread count, and every routine matches a plain reference
to rounding: `parallel.matmul`/`gram` numpy's products (tests/test_parallel.py),
`band.shifted_solves` dense solves (tests/test_band.py), and the ridge path built on both the
`scipy.linalg.eigh` definition `srfpipe.ridge.ridge_reference` (tests/test_ridge.py).
"""
