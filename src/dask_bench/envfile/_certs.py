"""The seed's CERT_DIR: which PEM files in it are the CA certificate, certificate and key."""

from __future__ import annotations

from pathlib import Path

from dask_bench.errors import ConfigError

#: File names looked for in CERT_DIR, first found wins: dask's and OpenSSL's usual PEM
#: names, then those of a Kubernetes TLS secret (tls.crt, tls.key, ca.crt).
CERT_NAMES = {
    "ca_file": ("ca.pem", "ca.crt", "ca-cert.pem", "ca_cert.pem", "cacert.pem"),
    "cert": ("cert.pem", "tls.crt", "server.crt", "cert.crt", "server.pem", "server-cert.pem"),
    "key": ("key.pem", "tls.key", "server.key", "server-key.pem"),
}
_CERT_ROLES = {"ca_file": "CA certificate", "cert": "certificate", "key": "private key"}


def find_certificates(cert_dir: str, env: Path) -> dict[str, str | None]:
    """The CA certificate, certificate and key in the seed's ``CERT_DIR``, by file name.

    Parameters
    ----------
    cert_dir
        The ``CERT_DIR`` value; a relative folder is taken from the ``.env`` file's
        folder, where the seed ran.
    env
        The ``.env`` file, named in errors.

    Returns
    -------
    dict
        ``security.tls`` of the study: absolute ``ca_file``, ``cert`` and ``key`` paths,
        the first of :data:`CERT_NAMES` found for each; ``key`` is ``None`` when no key
        file is there but the certificate file holds the private key.

    Raises
    ------
    ConfigError
        One line naming the folder, the names looked for and the fix.
    """
    folder = cert_folder(cert_dir, env)
    fix = "or remove USE_SSL and CERT_DIR from the .env and set security.tls in the study file"
    if not folder.is_dir():
        raise ConfigError(
            f"{env}: CERT_DIR={cert_dir!r}: folder {folder} does not exist; give the folder "
            f"of the PEM files, leave CERT_DIR out for temporary certificates, {fix}"
        )
    found = {
        role: next((str(folder / n) for n in names if (folder / n).is_file()), None)
        for role, names in CERT_NAMES.items()
    }
    # No key file: fine when the certificate file holds the key (key: null).
    cert, key_inside = found["cert"], False
    if found["key"] is None and cert is not None:
        key_inside = _holds_key(Path(cert))
    # No CA file: a self-signed certificate (the seed README's openssl recipe) is its own CA.
    if found["ca_file"] is None and cert is not None and _self_signed(Path(cert)):
        found["ca_file"] = cert
    missing = [r for r, f in found.items() if f is None and not (r == "key" and key_inside)]
    if missing:
        looked = "; ".join(
            f"no {_CERT_ROLES[role]} ({', '.join(CERT_NAMES[role])})" for role in missing
        )
        raise ConfigError(
            f"{env}: CERT_DIR={cert_dir!r}: in {folder}, {looked}; "
            f"put the PEM files there under one of these names, {fix}"
        )
    return found


def cert_folder(cert_dir: str, env: Path) -> Path:
    """The absolute ``CERT_DIR``: a relative one is next to the ``.env`` (where the seed ran)."""
    folder = Path(cert_dir).expanduser()
    return (folder if folder.is_absolute() else env.parent / folder).absolute()


def holds_certificates(folder: Path) -> bool:
    """Whether ``folder`` holds any of the PEM files looked for (else the seed would make them)."""
    return folder.is_dir() and any(
        (folder / name).is_file() for names in CERT_NAMES.values() for name in names
    )


def _self_signed(cert: Path) -> bool:
    try:
        from cryptography import x509

        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except (ImportError, OSError, ValueError):
        return False
    return loaded.issuer == loaded.subject


def _holds_key(cert: Path) -> bool:
    try:
        return "PRIVATE KEY-----" in cert.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
