"""The two places where the template reaches into Copier's private internals, and nowhere else.

Copier has no public hook for either; tests/test_hooks.py checks that the installed Copier still
has what they use (`test_copier_still_has_what_the_patches_use`), so an upgrade that moves it
fails there, not quietly in a user's prompt or update.
"""

from __future__ import annotations

from typing import Any

import yaml

# What each patch relies on, by (module, attribute): checked by tests/test_hooks.py.
RELIES_ON = (
    ("copier._main", "_operation"),  # the ContextVar holding "copy", "update" or "recopy"
    ("copier._user_data", "Question"),  # its get_default_rendered, get_default, get_type_name
)


def updating() -> bool:
    """Whether Copier runs an update (not a copy or a recopy, which render the answers as they
    are). True when Copier keeps the operation elsewhere: the update checks then run always."""
    try:
        from copier._main import _operation  # noqa: PLC0415 - Copier keeps the operation here
    except ImportError:
        return True
    return bool(_operation.get(None) == "update")


def show_yaml_defaults_as_written() -> None:
    """Copier shows a YAML question's default through `yaml.safe_dump`, which sorts mapping keys
    (copier-org/copier#1888): the resources would be shown, and on Enter accepted, with `name`
    after `fields` and every resource's fields in alphabetical order. Show them in their order."""
    try:
        from copier._user_data import Question  # noqa: PLC0415 - no public hook for this
    except ImportError:
        return
    shown = Question.get_default_rendered
    if getattr(shown, "keeps_key_order", False):
        return

    def get_default_rendered(self: Any) -> Any:
        default = self.get_default()
        if self.get_type_name() == "yaml" and isinstance(default, (list, dict)):
            flow = not self.get_multiline()
            return yaml.safe_dump(
                default, default_flow_style=flow, width=2**31 - 1, sort_keys=False
            ).strip()
        return shown(self)

    get_default_rendered.keeps_key_order = True  # type: ignore[attr-defined]
    Question.get_default_rendered = get_default_rendered  # type: ignore[method-assign]
