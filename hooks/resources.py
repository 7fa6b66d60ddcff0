"""One resource of the design: `resource_core.ResourceCore` (its names and fields) with what each
output needs of it, a view of its own: `model_module` (its model module), `resource_access` (who
may do what), `resource_endpoints` (its routes, built on the access rules), `parameters` (its
list's query) and `generated_tests`."""

from __future__ import annotations

from dataclasses import dataclass

from .generated_tests import GeneratedTestFacts
from .model_module import ModelModule
from .parameters import ListParameters
from .resource_endpoints import EndpointTable


@dataclass(frozen=True)
class Resource(ModelModule, EndpointTable, ListParameters, GeneratedTestFacts):
    """A resource with every view of it."""
