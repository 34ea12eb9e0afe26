"""TLS on the ``kubernetes`` back-end: the certificates as a Secret, mounted into every pod.

The run's certificates (the study's files, or temporary ones for ``tls: auto``) go
into a ``kubernetes.io/tls`` Secret ``<cluster>-tls`` (``ca.crt``, ``tls.crt``,
``tls.key``), mounted read-only at :data:`MOUNT` in the scheduler and worker pods;
``dask scheduler --protocol tls`` and ``dask worker`` get the files as ``--tls-*``
arguments, and the workers dial the scheduler's service at ``tls://``. The Secret
holds the private key: it goes only to the API server or to the file the user asked
``dask-bench manifest`` for, never into the run's provenance.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.kubernetes._names import label_problem
from dask_bench.deploy.tls import certificates
from dask_bench.errors import ConfigError
from dask_bench.secrets import remember

if TYPE_CHECKING:
    from distributed.security import Security

#: Where the Secret is mounted in every pod.
MOUNT = "/etc/dask-bench/tls"
VOLUME = "dask-bench-tls"
#: Secret key -> the ``--tls-*`` argument that names its file.
FILES = {"ca.crt": "--tls-ca-file", "tls.crt": "--tls-cert", "tls.key": "--tls-key"}
SECRET_TYPES = ("kubernetes.io/tls", "Opaque")
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----\s*", re.S)
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def secret_name(cluster: str) -> str:
    """The Secret of a DaskCluster's certificates."""
    return f"{cluster}-tls"


def tls_args() -> list[str]:
    """``--tls-ca-file /etc/dask-bench/tls/ca.crt --tls-cert ... --tls-key ...``."""
    return [part for key, flag in FILES.items() for part in (flag, f"{MOUNT}/{key}")]


def pem_files(security: Security) -> dict[str, str]:
    """The Secret's files (PEM text) from the run's certificates (text or paths).

    A certificate file that holds its key too gives both (the key split off).

    Raises
    ------
    ConfigError
        When a file cannot be read, or no private key is found.
    """
    fields = certificates(security)
    # one certificate for scheduler, workers and client: make_security gives every role the same
    given = {
        "ca.crt": fields["tls_ca_file"],
        "tls.crt": fields["tls_scheduler_cert"],
        "tls.key": fields["tls_scheduler_key"],
    }
    text = {name: _read(value) for name, value in given.items() if value}
    if "tls.key" not in text and "tls.crt" in text:  # a certificate file holding its key
        blocks = [m.group(0) for m in _PEM_BLOCK.finditer(text["tls.crt"])]
        text["tls.key"] = "".join(b for b in blocks if "PRIVATE KEY-----" in b)
        text["tls.crt"] = "".join(b for b in blocks if "PRIVATE KEY-----" not in b)
    if not text.get("tls.key") or not text.get("tls.crt") or not text.get("ca.crt"):
        raise ConfigError(
            "security.tls: the kubernetes back-end needs a CA certificate, a certificate and "
            "its private key to put into the pods' Secret"
        )
    # the key must never reach a log or the database, in either spelling
    key = text["tls.key"]
    remember([key, base64.b64encode(key.encode()).decode(), *key.strip().splitlines()[1:-1]])
    return text


def _read(value: str) -> str:
    if "-----BEGIN" in value:  # temporary certificates: PEM text already
        return value
    try:
        return Path(value).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"security.tls: cannot read {value} ({exc.strerror})") from None


def tls_secret(
    name: str, namespace: str | None, labels: Mapping[str, str], files: Mapping[str, str]
) -> dict[str, Any]:
    """A ``kubernetes.io/tls`` Secret of ``files`` (base64 ``data``, as the API stores it)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "type": "kubernetes.io/tls",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in files.items()},
    }


def secret_errors(doc: Mapping[str, Any]) -> list[str]:
    """What the API server would refuse in a Secret holding the certificates.

    Kind and version, a DNS-subdomain name, labels, the type, data keys and base64
    values, and the keys ``kubernetes.io/tls`` requires (``tls.crt``, ``tls.key``),
    plus the ``ca.crt`` the pods need.
    """
    errors = [
        f"{key}: {doc.get(key)!r} is not {want!r}"
        for key, want in (("apiVersion", "v1"), ("kind", "Secret"))
        if doc.get(key) != want
    ]
    meta = doc.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _SUBDOMAIN.fullmatch(name):
        errors.append(f"metadata.name: {name!r} is not a valid Secret name")
    errors += [p for k, v in (meta.get("labels") or {}).items() if (p := label_problem(k, v))]
    if doc.get("type") not in SECRET_TYPES:
        errors.append(f"type: {doc.get('type')!r} is not one of {', '.join(SECRET_TYPES)}")
    data = doc.get("data") or {}
    for key, value in data.items():
        if not _DATA_KEY.fullmatch(str(key)):
            errors.append(f"data.{key}: not a valid key")
        try:
            base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            errors.append(f"data.{key}: not base64")
    errors += [f"data.{k}: missing" for k in FILES if k not in data]
    return errors


def validate_secret(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc``, or a one-line ConfigError with :func:`secret_errors`' first error."""
    errors = secret_errors(doc)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"the TLS Secret is not valid: {errors[0]}{more}")
    return dict(doc)


def mount_tls(doc: dict[str, Any], secret: str, scheduler_address: str) -> dict[str, Any]:
    """Mount Secret ``secret`` into every pod of a DaskCluster or DaskWorkerGroup (in place).

    The scheduler listens on ``tls://``; workers get the same files and dial
    ``scheduler_address`` (the operator would give them ``tcp://``).
    """
    spec = doc["spec"]
    pods = [("worker", spec["worker"]["spec"])]
    if "scheduler" in spec:
        pods.append(("scheduler", spec["scheduler"]["spec"]))
    for role, pod in pods:
        # default mode 0644 in the container: the pod's user may not be root
        pod["volumes"] = [
            *(pod.get("volumes") or []),
            {"name": VOLUME, "secret": {"secretName": secret}},
        ]
        for container in pod["containers"]:
            mount = {"name": VOLUME, "mountPath": MOUNT, "readOnly": True}
            container["volumeMounts"] = [*(container.get("volumeMounts") or []), mount]
            protocol = ["--protocol", "tls"] if role == "scheduler" else []
            container["args"] = [*container["args"], *protocol, *tls_args()]
            env = {"DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"}
            if role == "worker":  # the operator only adds its tcp:// address when none is set
                env["DASK_SCHEDULER_ADDRESS"] = scheduler_address
            kept = [e for e in container.get("env") or [] if e["name"] not in env]
            container["env"] = [*kept, *({"name": k, "value": v} for k, v in env.items())]
    return doc


async def create_secret(api: Any, doc: Mapping[str, Any], *, namespace: str | None) -> None:
    """Create the Secret ``doc`` through kr8s ``api``."""
    from kr8s.asyncio.objects import Secret

    await Secret(dict(doc), namespace=namespace, api=api).create()


async def delete_secret(api: Any, name: str, *, namespace: str | None) -> None:
    """Delete the Secret ``name`` through kr8s ``api``."""
    from kr8s.asyncio.objects import Secret

    await Secret({"metadata": {"name": name}}, namespace=namespace, api=api).delete()
