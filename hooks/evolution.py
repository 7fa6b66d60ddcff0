"""What an update does to an existing design: the resources and fields it removes (which need
the user's confirmation), and the checksum that tells a hand-edited answers file apart."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Questions added after the first release: an answers file without them (the default) keeps its checksum.
LATER_ANSWERS = ("background_jobs",)
CHECKSUM_LINE = re.compile(r"^# design checksum: (?P<checksum>[0-9a-f]{16})\b", re.MULTILINE)


def removed_parts(old_resources: object, new_resources: object) -> list[str]:
    """`book` for each resource the new design drops, `book.pages` for each field it drops from a
    resource it keeps, in the old design's order."""
    new = _fields_by_resource(new_resources)
    removed: list[str] = []
    for name, fields in _fields_by_resource(old_resources).items():
        if name not in new:
            removed.append(name)
        else:
            removed += [f"{name}.{field}" for field in fields if field not in new[name]]
    return removed


def confirmation_problem(removed: Sequence[str], answer: object) -> str:
    """Why `confirm_removal` does not confirm exactly these removals; empty when it does."""
    given = [word for word in re.split(r"[\s,]+", str(answer or "")) if word]
    if sorted(given) == sorted(removed):
        return ""
    listed = ", ".join(removed)
    if not given:
        return f"the new design removes {listed}: type these names to confirm"
    missing = [name for name in removed if name not in given]
    extra = [word for word in given if word not in removed]
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"not removed: {', '.join(extra)}"] if extra else []
    return f"name exactly what is removed ({listed}); " + "; ".join(parts)


def design_checksum(answers: Mapping[str, Any], keys: Sequence[str]) -> str:
    """A short digest of the design answers, written into the answers file beside them."""
    # A question added later is left out when unanswered, so older checksums still match.
    picked = {key: answers.get(key) for key in keys if key in answers or key not in LATER_ANSWERS}
    text = json.dumps(picked, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def edited_by_hand(answers_text: str, answers: Mapping[str, Any], keys: Sequence[str]) -> bool:
    """The answers file's design no longer matches the checksum written with it. A file without a
    checksum (from a release before it) is taken as it is."""
    match = CHECKSUM_LINE.search(answers_text)
    return match is not None and match["checksum"] != design_checksum(answers, keys)


def _fields_by_resource(resources: object) -> dict[str, list[str]]:
    if not isinstance(resources, Sequence) or isinstance(resources, str):
        return {}
    result: dict[str, list[str]] = {}
    for resource in resources:
        if isinstance(resource, Mapping) and isinstance(resource.get("name"), str):
            fields = resource.get("fields")
            result[resource["name"]] = list(map(str, fields)) if isinstance(fields, Mapping) else []
    return result
