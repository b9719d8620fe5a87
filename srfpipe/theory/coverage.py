"""Which problems the asymptotic theory covers: the one predicate used by config and theory."""

from __future__ import annotations

from srfpipe.problem import Problem


def theory_gap(problem: Problem, spiked: bool = True) -> str | None:
    """Why the theory does not cover `problem` (with a spike unless `spiked=False`), or None.

    Without a spike (`r = 0`, the RF model) the readout never enters the features, so every
    readout init is covered; `init_output` must be 'zero' (an iid `W0`, a step on `y`)."""
    if problem.init_output != "zero":
        return (
            f"init_output={problem.init_output!r}: the theory assumes an iid W0 and a step on "
            "the residual y (init_output 'zero')"
        )
    if not spiked:
        return None
    if problem.readout_init == "gaussian":
        return (
            "readout_init='gaussian' with a spike: the spike strengths r*a_i then vary "
            "continuously across neurons, which these equations do not cover; use "
            "'rademacher' (odd sigma) or 'constant'"
        )
    if problem.readout_init == "rademacher" and not problem.sigma.odd:
        return (
            f"readout_init='rademacher' with a spike needs an odd activation (got "
            f"{problem.activation!r}): neurons with a_i = +1 and -1 then have different "
            "coefficients, which these equations do not cover; use readout_init='constant'"
        )
    return None
