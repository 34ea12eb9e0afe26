"""How the seed read some of its ``.env`` values.

Memory units, virtual environments, the Kubernetes scheduler pod, and the certificates
it generated in ``CERT_DIR``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dask.utils import parse_bytes

#: A number without a unit (``MEM_PER_NODE=300``).
_BARE = re.compile(r"\d+(\.\d+)?")


def node_memory(text: str, kube: bool) -> tuple[int, str | None]:
    """Bytes of ``MEM_PER_NODE``, and the unit the seed gave a bare number (else None).

    The seed's README: memory values are GB on Slurm and Gi on Kubernetes.

    Raises
    ------
    ValueError
        When the text is not a memory size.
    """
    value = text.strip()
    if _BARE.fullmatch(value):
        unit = "GiB" if kube else "GB"
        return int(parse_bytes(f"{value}{unit}")), unit
    return int(parse_bytes(value)), None


def source_lines(path: str) -> list[str]:
    """The prologue for ``ENV_TO_SOURCE``: a virtual environment's ``bin/activate``, or the file.

    The seed sourced ``bin/activate`` inside the folder it was given; a file (a module
    setup script) is sourced as it is. Unquoted, so that ``~`` and ``$VARS`` expand in
    the job.
    """
    folder = Path(path).expanduser()
    if path.endswith("/") or folder.is_dir():
        return [f"source {path.rstrip('/')}/bin/activate"]
    return [f"source {path}"]


def scheduler_pod(values: dict[str, str]) -> dict[str, Any]:
    """Kubernetes options for ``SCHEDULER_HOST``, ``SCHEDULER_CORES`` and ``SCHEDULER_MEM``.

    The node the scheduler pod runs on (by host name) and its cpu and memory (Gi, the
    seed's Kubernetes unit), requested and limited alike.

    Raises
    ------
    ValueError
        Naming the key whose value is not a positive number.
    """
    options: dict[str, Any] = {}
    if values.get("SCHEDULER_HOST"):
        options["scheduler_node_selector"] = {"kubernetes.io/hostname": values["SCHEDULER_HOST"]}
    amounts = {}
    if "SCHEDULER_CORES" in values:
        cores = values["SCHEDULER_CORES"].strip()
        if not _BARE.fullmatch(cores) or float(cores) <= 0:
            raise ValueError("SCHEDULER_CORES")
        amounts["cpu"] = cores
    if "SCHEDULER_MEM" in values:
        memory = values["SCHEDULER_MEM"].strip()
        try:  # a bare number is Gi, the seed's Kubernetes unit; else bytes
            amounts["memory"] = (
                f"{memory}Gi" if _BARE.fullmatch(memory) else str(parse_bytes(memory))
            )
        except ValueError:
            raise ValueError("SCHEDULER_MEM") from None
        if float(memory) <= 0 if _BARE.fullmatch(memory) else parse_bytes(memory) <= 0:
            raise ValueError("SCHEDULER_MEM")
    if amounts:
        options["scheduler_resources"] = {"requests": amounts, "limits": dict(amounts)}
    return options


def write_certificates(folder: str) -> dict[str, str]:
    """Make a self-signed certificate (its own CA) and key in ``folder``, as the seed did.

    Returns the ``security.tls`` files. The key is created readable by its owner only.
    """
    import os

    from distributed.security import Security

    made = Security.temporary()
    os.makedirs(folder, exist_ok=True)
    files = {}
    for role, name, text, mode in (
        ("ca_file", "ca.pem", made.tls_ca_file, 0o644),
        ("cert", "cert.pem", made.tls_scheduler_cert, 0o644),
        ("key", "key.pem", made.tls_scheduler_key, 0o600),
    ):
        path = os.path.join(folder, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w") as out:
            out.write(str(text))
        files[role] = path
    return files
