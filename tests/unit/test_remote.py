"""The code dask-bench runs on workers and the scheduler imports (almost) nothing of dask-bench.

Every worker imports the module of a function it is sent; a heavy module there would cost
every worker of a large sweep its memory and start-up CPU (see ``dask_bench._remote``).
"""

from __future__ import annotations

import subprocess
import sys

#: What a worker may hold of dask-bench after running the harness's functions.
ALLOWED = {"dask_bench", "dask_bench._version", "dask_bench._remote", "dask_bench._kernels"}
#: Heavy packages a worker of the ``tasks`` suite must not be made to import.
HEAVY = ("pandas", "pyarrow", "pydantic", "scipy", "sqlalchemy", "rich", "numpy")


def test_remote_functions_import_nothing_heavy() -> None:
    code = (
        "import sys, pickle, cloudpickle\n"
        "from dask_bench import _kernels, _remote\n"
        "from dask_bench.runner.breakdown import _flush\n"  # the client side may be heavy
        "funcs = [_remote.heartbeat, _remote.cluster_metrics, _remote.read_spans,\n"
        "         _remote.config_values, _remote.node_name, _remote.http_sockets,\n"
        "         _kernels.inc, _kernels.add, _kernels.sleep_then_return]\n"
        "print(cloudpickle.dumps(funcs).hex())\n"
    )
    sent = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    # a fresh interpreter, as a worker: unpickling imports the defining modules
    load = (
        "import sys, pickle\n"
        f"pickle.loads(bytes.fromhex({sent!r}))\n"
        "print(' '.join(m for m in sys.modules if m.startswith('dask_bench')))\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", load], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert set(out[0].split()) <= ALLOWED
    assert out[1].split() == []
