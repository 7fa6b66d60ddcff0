"""The file Copier loads (copier.yml's `_jinja_extensions`): the entrance to the `hooks` package.

Everything is in the package; its `copier_bridge` module holds the two classes named here. Copier
loads this file by path, and twice in one process during an update (the old and the new template
version), so the package is imported under a name unique to its folder: each version keeps its
own modules. Read on in `hooks/__init__.py`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

HOOKS = Path(__file__).resolve().parent
PACKAGE = f"copier_fastapi_spec_{hashlib.sha1(str(HOOKS).encode()).hexdigest()[:12]}"

if PACKAGE not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        PACKAGE, HOOKS / "__init__.py", submodule_search_locations=[str(HOOKS)]
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules[PACKAGE] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[PACKAGE])

if TYPE_CHECKING:  # the same two classes, by the import a reader and an IDE follow
    from hooks.copier_bridge import DesignContext, DesignFilters
else:
    DesignContext = importlib.import_module(f"{PACKAGE}.copier_bridge").DesignContext
    DesignFilters = importlib.import_module(f"{PACKAGE}.copier_bridge").DesignFilters
