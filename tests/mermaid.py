"""Mermaid, the library GitHub draws ```mermaid blocks with, fetched once from the npm registry.

The package's tarball is checked against the registry's integrity hash before anything of it is
used, and its one-file browser build is kept in ~/.cache, so later runs need no network.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import urllib.request
from pathlib import Path

VERSION = "11.17.2"
TARBALL = f"https://registry.npmjs.org/mermaid/-/mermaid-{VERSION}.tgz"
INTEGRITY = "sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "copier-fastapi-spec"


def mermaid_js() -> Path:
    """The path of `mermaid.min.js` (downloaded and checked on first use)."""
    target = CACHE / f"mermaid-{VERSION}.min.js"
    if target.is_file():
        return target
    with urllib.request.urlopen(TARBALL, timeout=300) as response:
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise RuntimeError(f"{TARBALL}: integrity {digest}, expected {INTEGRITY}")
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.extractfile("package/dist/mermaid.min.js")
        assert member is not None, f"{TARBALL} has no package/dist/mermaid.min.js"
        script = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")  # parallel workers
    partial.write_bytes(script)
    partial.replace(target)
    return target
