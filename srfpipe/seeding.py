"""Named, reproducible random streams.

Every random draw in srfpipe comes from `stream(seed, name, *index)`: a
`numpy.random.Generator` whose `SeedSequence` has the user's seed as entropy and a spawn key
derived from the stream name (and block index). Streams never share state, do not depend on
the order in which jobs run, and a given stream yields the same numbers in every process.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *index: int) -> np.random.Generator:
    """Generator for stream `name` of `seed` (optionally one block `index` of it); the names
    are `teacher`, `init`, `spike` and the data splits `step`, `train`, `test`."""
    key = (zlib.crc32(name.encode()), *(int(i) for i in index))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))
