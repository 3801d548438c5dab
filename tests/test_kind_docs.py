"""The README's per-kind field tables are generated from the kinds' schemas (kinds/declarations.py)."""

from pathlib import Path

from kinds.declarations import KINDS
from kinds.schema import readme_rows

README = Path(__file__).resolve().parents[1] / "README.md"
README_START = "<!-- kind-fields: generated from kinds/declarations.py by tests/test_kind_docs.py; do not edit -->"
README_END = "<!-- /kind-fields -->"


def readme_block() -> str:
    return "\n\n".join([README_START, *(readme_rows(kind) for kind in KINDS), README_END])


def test_the_readme_field_tables_are_the_schemas():
    text = README.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    assert start >= 0 and end > start, f"README lacks the kinds' field tables; put this in it:\n{readme_block()}"
    assert text[start:end + len(README_END)] == readme_block(), f"README's field tables are stale; use:\n{readme_block()}"


def test_every_config_key_of_a_kind_has_a_doc():
    undocumented = [f"{kind.section}[].{f.key}" for kind in KINDS for f in kind.config_fields if not f.doc]
    assert undocumented == []
