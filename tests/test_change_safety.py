"""The change-safety matrix: for every leaf key of the configuration, the program is rendered before and after a
change of that key, and what the change does to everything that holds data is checked (tests/support/
change_matrix.py says what counts and how effects are told apart). Nothing that holds data is deleted or
replaced by an ordinary change; what would lose data is refused at preview. README's table "What a config change
does to your data" is this matrix, and is checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.change_bases import BASES, CA_PEM, CLUSTER, KEYS_FILE, SECRET_KEYS
from tests.support.change_cases import CASES, CAVEATS, DOCUMENTED, base_config, edits_for
from tests.support.change_matrix import REFUSED, check_failures, classify, edited, leaf_keys, render, summary

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(autouse=True)
def offline_lookups(monkeypatch):
    """An `existing` entry's check asks the gateway, which the matrix has not: every object is found, id made up."""
    from dynamic_providers import lookup

    monkeypatch.setattr(lookup, "FINDERS", {how: (endpoint, lambda api, value: [f"found-{value}"])
                                            for how, (endpoint, _) in lookup.FINDERS.items()})
    yield
    lookup.forget_lookups()


@pytest.fixture(scope="module")
def rendered_bases(tmp_path_factory, test_ca):
    keys_file = tmp_path_factory.mktemp("keys") / "keys.csv"
    keys_file.write_text("alias,models,maxBudget\ncarol,granite,5\n")
    resolved = {CA_PEM: test_ca.ca_pem, KEYS_FILE: str(keys_file)}
    bases = {name: render(resolve(base_config(name), resolved), SECRET_KEYS, CLUSTER.get) for name in BASES}
    for name, base in bases.items():
        assert base.refusal is None, (name, base.refusal)
    return bases, resolved


def resolve(value, resolved):
    if isinstance(value, dict):
        return {k: resolve(v, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, resolved) for v in value]
    return resolved.get(value, value) if value in (CA_PEM, KEYS_FILE) else value


def outcome(rendered_bases, key: str) -> tuple[str, dict[str, str], str]:
    bases, resolved = rendered_bases
    base_name, change, _ = CASES[key]
    before = bases[base_name]
    after = render(edited(base_config(base_name), resolve(edits_for(key, change), resolved)), SECRET_KEYS, CLUSTER.get)
    if after.refusal is not None:
        return REFUSED, {}, after.refusal
    refusals = check_failures(before, after)
    effects = classify(before, after)
    return (REFUSED if refusals else summary(effects)), effects, " ".join(refusals)


def leaf(case: str) -> str:
    return case.split(" (")[0]


def test_every_leaf_key_of_the_configuration_is_in_the_matrix():
    assert sorted(case for case in CASES if leaf(case) == case) == leaf_keys()


@pytest.mark.parametrize("key", sorted(CASES))
def test_a_change_does_to_data_what_the_matrix_says(rendered_bases, key):
    found, effects, reason = outcome(rendered_bases, key)
    expected = CASES[key][2]
    assert found == expected, f"{key}: {found} (expected {expected}); {effects} {reason[:600]}".replace("\n", " ")
    if found == REFUSED and reason:
        path = re.escape(leaf(key)).replace(r"\[\]", r"\[\d+\]")
        assert re.search(rf"litemaas:{path}\b", reason), reason[:600]
    assert found not in ("replaced", "deleted") or key in DOCUMENTED, f"{key} {found}: {effects}"


def test_documented_removals_are_the_ones_the_matrix_finds():
    assert {key for key, (_, _, expected) in CASES.items() if expected in ("replaced", "deleted")} == set(DOCUMENTED)


HEADINGS = {
    "kept": "**Nothing** that holds data changes",
    "updated": "**Updated in place** (Secrets, claims, LiteLLM objects keep their identity and values)",
    "released": "**Released**: leaves the stack, stays in the cluster",
    "rolled": "**Rolls the PostgreSQL pod** on the same claim",
    "rotated": "**A new key value**, as asked (`rotation`)",
    REFUSED: "**Refused at preview**, with the safe path",
    "replaced": "**Replaces** something (below)",
    "deleted": "**Removes** something (below)",
}
README_START = "<!-- change-matrix: generated from tests/test_change_safety.py; do not edit by hand -->"
README_END = "<!-- /change-matrix -->"


def readme_table() -> str:
    rows = ["| What the change does to data | Keys |", "|---|---|"]
    for effect, heading in HEADINGS.items():
        keys = [f"`{key}`" for key, (_, _, expected) in sorted(CASES.items()) if expected == effect]
        if keys:
            rows.append(f"| {heading} | {', '.join(keys)} |")
    notes = [f"- `{key}`: {reason}." for key, reason in sorted({**DOCUMENTED, **CAVEATS}.items())]
    return "\n".join([README_START, "", *rows, "", *notes, "", README_END])


def test_the_readme_table_is_the_matrix():
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    assert start >= 0 and end > start, f"README lacks the change table; put this in it:\n{readme_table()}"
    assert text[start:end + len(README_END)] == readme_table(), f"README's change table is stale; use:\n{readme_table()}"
