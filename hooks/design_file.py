"""The project's `design.yml`: the design answers in the layout people write by hand (block
mappings, one-line lists of words, long text on one line), so an edit applied with
`copier update --data-file design.yml` comes back from the render exactly as written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from .design_schema import SCHEMA_FILE

HEADER = f"""\
# yaml-language-server: $schema={SCHEMA_FILE}
# The design this project is rendered from. Change it here, commit, then apply it:
#   copier update --trust --defaults --data-file design.yml
# The update writes this file back from the design it applied, in this layout.
"""


class _HandWritten(yaml.SafeDumper):
    """Mappings in block style, lists of words on one line, a list's dashes indented."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _mapping(dumper: yaml.SafeDumper, data: Mapping[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


def _sequence(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    words = all(not isinstance(item, (dict, list)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=words)


_HandWritten.add_representer(dict, _mapping)
_HandWritten.add_representer(list, _sequence)


def design_file_text(answers: Mapping[str, Any]) -> str:
    """The design file for these answers (the design's keys only, in the questions' order)."""
    design = {key: value for key, value in answers.items() if value is not None}
    body = yaml.dump(
        design, Dumper=_HandWritten, sort_keys=False, allow_unicode=True, width=1_000_000
    )
    return HEADER + body
