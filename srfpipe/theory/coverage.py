"""Which problems the asymptotic theory covers: the predicates used by config and theory."""

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


def several_types(problem: Problem) -> bool:
    """Whether the neurons of a spiked sRF of `problem` come in several types (docs/theory.md
    section 11): a Gaussian readout, or a +-1 readout with a non-odd `sigma`."""
    init = problem.readout_init
    return init == "gaussian" or (init == "rademacher" and not problem.sigma.odd)


def conditional_gap(problem: Problem) -> str | None:
    """Why the conditional theory of a spiked first layer does not cover `problem` (it has
    one neuron type), or None."""
    if several_types(problem):
        return (
            f"readout_init={problem.readout_init!r} with activation={problem.activation!r}: "
            "the conditional theory has one neuron type (a +-1 readout needs an odd sigma)"
        )
    if problem.readout_init == "constant" and problem.sigma.mu1 * problem.target.c1 < 0:
        return (
            "readout_init='constant' with a target whose linear part has the opposite sign "
            "of sigma's (c1 mu1 < 0): the step's spike points against theta (r < 0), which "
            "the conditional theory does not cover"
        )
    return theory_gap(problem)
