"""Suite ``resources``: a mixed pipeline whose heavy step needs a worker resource.

Pools of several kinds of worker (``deployment.groups``) exist for work that only
some workers can do: the step that needs a GPU, or much memory. The pipeline makes
``chunks`` arrays of ``chunk_size`` values on any worker (light), sorts each and
folds it into a few figures on a worker offering ``resource`` (heavy, annotated with
``dask.annotate(resources=...)``), and sums the figures (light). The tasks of the heavy
step are declared in :attr:`Trial.placement`, so the runner checks from the scheduler
that every one of them ran on a worker offering the resource.

``resource: ""`` runs the same work with no requirement (on a pool of one kind, to
compare the cost); ``annotate: false`` keeps the requirement but leaves the annotation
out, as an optimisation that drops annotations would: the check then catches the heavy
tasks that ran elsewhere.
"""

from __future__ import annotations

import contextlib

import numpy as np
from dask.base import annotate
from dask.delayed import delayed

from dask_bench.workloads._common import expect
from dask_bench.workloads.registry import Trial, WorkloadContext, workload

#: Task prefixes of the three steps (distinct, so the placement check names them).
MAKE, HEAVY, COMBINE = "pipeline_make", "pipeline_heavy", "pipeline_combine"


def pipeline_make(seed: int, index: int, size: int) -> np.ndarray:
    """Chunk ``index``: ``size`` values from a generator seeded by ``seed`` and ``index``."""
    return np.random.default_rng([seed, index]).random(size)


def pipeline_heavy(values: np.ndarray) -> np.ndarray:
    """Sort the chunk and fold it: sum, sum of squares, and the 10 %-quantile stride sum."""
    ordered = np.sort(values, kind="stable")
    stride = max(1, ordered.size // 10)
    return np.array([ordered.sum(), (ordered * ordered).sum(), ordered[::stride].sum()])


def pipeline_combine(*parts: np.ndarray) -> np.ndarray:
    """Add the figures of every chunk."""
    total: np.ndarray = np.sum(parts, axis=0)
    return total


@workload(
    "resources",
    "pipeline",
    "Make chunks anywhere, sort and fold each on a worker offering `resource` "
    "(dask.annotate), sum the figures; checks where the heavy tasks ran",
    options={"resource": "BIGMEM", "amount": 1.0, "annotate": True},
)
def pipeline(ctx: WorkloadContext) -> Trial[np.ndarray]:
    """The mixed pipeline; its heavy step needs ``amount`` of ``resource`` per task."""
    resource, amount = str(ctx.option("resource")), float(ctx.option("amount"))
    annotated = bool(ctx.option("annotate"))
    needs = {resource: amount} if resource else {}
    if needs and annotated:
        _offered(ctx, resource, amount)  # else the heavy tasks would wait forever
    size = ctx.chunk_size

    def run() -> np.ndarray:
        made = [delayed(pipeline_make, pure=False)(ctx.seed, i, size) for i in range(ctx.chunks)]
        with annotate(resources=needs) if needs and annotated else contextlib.nullcontext():
            heavy = [delayed(pipeline_heavy, pure=False)(m) for m in made]
        total = delayed(pipeline_combine, pure=False)(*heavy)
        result: np.ndarray = ctx.compute(total)
        return result

    expected: list[np.ndarray] = []

    def check(result: np.ndarray) -> None:
        if not expected:  # once, outside the timed region
            parts = [pipeline_heavy(pipeline_make(ctx.seed, i, size)) for i in range(ctx.chunks)]
            expected.append(pipeline_combine(*parts))
        expect(
            np.shape(result) == expected[0].shape and np.allclose(result, expected[0], rtol=1e-9),
            f"figures {expected[0].round(6).tolist()}",
            f"{np.asarray(result).round(6).tolist()}",
        )

    return Trial(
        run,
        check,
        nbytes=ctx.chunks * size * 8,
        ntasks=2 * ctx.chunks + 1,
        placement={HEAVY: needs} if needs else {},
    )


def _offered(ctx: WorkloadContext, resource: str, amount: float) -> None:
    workers = ctx.client.scheduler_info(n_workers=-1)["workers"].values()
    if not any(float((w.get("resources") or {}).get(resource, 0)) >= amount for w in workers):
        raise ValueError(
            f"no worker offers {resource}={amount:g}; give a worker group "
            f"resources: {{{resource}: {amount:g}}} in deployment.groups, or set the "
            "option resource: '' to run the same work without the requirement"
        )
