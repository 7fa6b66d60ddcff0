"""Names derived from the design's words: class names, plurals, slugs, enum members, articles."""

from __future__ import annotations

import keyword
import re
import unicodedata

IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

# Plurals no suffix rule gives; the last word of a snake_case name is looked up here first.
IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "ox": "oxen",
    "leaf": "leaves",
    "life": "lives",
    "knife": "knives",
    "wife": "wives",
    "half": "halves",
    "shelf": "shelves",
    "wolf": "wolves",
    "thief": "thieves",
    "loaf": "loaves",
    "calf": "calves",
    "analysis": "analyses",
    "basis": "bases",
    "crisis": "crises",
    "thesis": "theses",
    "diagnosis": "diagnoses",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "datum": "data",
    "curriculum": "curricula",
    "appendix": "appendices",
    "index": "indexes",
    "quiz": "quizzes",
    "hero": "heroes",
    "potato": "potatoes",
    "tomato": "tomatoes",
    "echo": "echoes",
    "veto": "vetoes",
    "cactus": "cacti",
    "fungus": "fungi",
    "nucleus": "nuclei",
    "syllabus": "syllabi",
}
UNCOUNTABLE = frozenset(
    {
        "sheep",
        "fish",
        "deer",
        "moose",
        "series",
        "species",
        "news",
        "equipment",
        "information",
        "rice",
        "data",
        "media",
        "feedback",
        "software",
        "hardware",
        "metadata",
        "staff",
        "aircraft",
    }
)
VOWELS = frozenset("aeiou")


def pascal(name: str) -> str:
    """`book_loan` -> `BookLoan`; `book_16` -> `Book16`."""
    return "".join(part.capitalize() for part in name.split("_"))


def plural_word(word: str) -> str:
    """The plural of one lower-case English word, digits kept (`16` -> `16s`)."""
    if word in UNCOUNTABLE:
        return word
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if word[-1].isdigit():
        return word + "s"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in VOWELS:
        return word[:-1] + "ies"
    return word + "s"


def pluralize(name: str) -> str:
    """Plural of a snake_case name: only the last word changes (`book_category` -> `book_categories`)."""
    head, _, last = name.rpartition("_")
    plural = plural_word(last)
    return f"{head}_{plural}" if head else plural


def article(words: str) -> str:
    """`a book`, `an author`, `an hour`, `a user`: by the sound of the first word, for prose."""
    first = words.split(" ", 1)[0]
    vowel_sound = first[:1] in VOWELS
    if first.startswith(("uni", "use", "usu", "uti", "eu", "one", "once")):
        vowel_sound = False
    if first.startswith(("hour", "honest", "honor", "honour", "heir")):
        vowel_sound = True
    return f"{'an' if vowel_sound else 'a'} {words}"


def slugify(text: str) -> str:
    """`Café Orders` -> `cafe-orders`: ASCII letters and digits joined by `-`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def words(name: str) -> str:
    """`book_loan` -> `book loan`, for prose."""
    return name.replace("_", " ")


# Names an enum member may not take: StrEnum's own attributes (`count`, `title`, `mro`, ...),
# and the letters ruff finds ambiguous (E741).
RESERVED_MEMBERS = frozenset(
    {"name", "value", "mro", "l", "O", "I"} | {n for n in dir(str) if not n.startswith("_")}
)


def enum_member(value: str) -> str:
    """Enum member name for a value: `in-progress` -> `in_progress`; `count`, keywords -> `count_`."""
    member = re.sub(r"[^A-Za-z0-9_]", "_", value)
    if member[0].isdigit():
        member = "v_" + member
    if keyword.iskeyword(member) or keyword.issoftkeyword(member) or member in RESERVED_MEMBERS:
        member += "_"
    return member


def identifier_problem(kind: str, name: object) -> str | None:
    """Why `name` cannot name a resource, field, role or plural; None if it can."""
    if not isinstance(name, str) or not name:
        return f"{kind} name {name!r} must be a non-empty string"
    if not IDENTIFIER.fullmatch(name):
        return (
            f"{kind} name {name!r} is not snake_case: use lower-case letters, digits and single "
            "underscores, starting with a letter (e.g. 'book_loan')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{kind} name {name!r} is a Python keyword and would break the generated code: pick another word"
    return None
