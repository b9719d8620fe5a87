"""Which problems the asymptotic theory covers: the one predicate used by config and theory."""

from __future__ import annotations

from srfpipe.problem import Problem


def theory_gap(problem: Problem) -> str | None:
    """Why the theory does not cover `problem`, or None: every activation x readout init is
    covered (neurons in types, docs/theory.md section 11); `init_output` must be 'zero' (an
    iid `W0`, a step on the labels), 'symmetric' and 'full' are a documented limit."""
    if problem.init_output != "zero":
        return (
            f"init_output={problem.init_output!r}: the theory assumes an iid W0 and a step on "
            "the residual y (init_output 'zero'); 'symmetric' pairs the rows of W0 and 'full' "
            "adds a second, W0-dependent spike"
        )
    return None
