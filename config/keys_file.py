"""`keysFrom`: `keys[]` entries from a YAML or CSV file beside the stack, validated by `parse_keys` like
`keys[]`, with the file's line in every problem."""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Any, Callable, Optional, Sequence

import yaml

from config.keys import DELIVERY_KEYS, KEY_KEYS
from config.reader import PROJECT, Reader, did_you_mean, type_name
from kinds.declarations import VIRTUAL_KEY


KEYS_FROM = "keysFrom"


# CSV cells holding a list, one for each list a key declares: `granite;mistral` or `granite mistral`.
LIST_COLUMNS = frozenset(f.key for f in VIRTUAL_KEY.fields if f.in_config and f.kind == "list")


# Objects become one CSV column per field: `deliverTo.namespace`, `metadata.department`, `modelRpmLimit.granite`.
OBJECT_COLUMNS = {"deliverTo": DELIVERY_KEYS,
                  **{f.key: None for f in VIRTUAL_KEY.fields if f.in_config and f.kind == "dict"}}


# Columns whose text stays text (a user id `12345` is not a number); the others are typed as YAML types them.
TEXT_COLUMNS = frozenset({"alias", "previousAlias", "team", "userId", "budgetDuration", "duration", "rotateEvery",
                          "rotationGracePeriod", "tokenHash"})


INTEGER = re.compile(r"[-+]?\d+")
FLOAT = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")


class EntryReader(Reader):
    """A Reader for one entry of the file: `litemaas:keysFrom keys.csv line 12 (alice): maxBudget must be …`."""

    def __init__(self, problems: list[str], where: str, data: dict[str, Any], known: Sequence[str],
                 field: str = ""):
        self.where = where
        self.field = field
        super().__init__(problems, where, data, known)

    def key_path(self, key: str) -> str:
        return f"{self.where} {self.field}{key}"

    def fail_key(self, key: str, message: str) -> None:
        self.problems.append(f"{PROJECT}:{self.where}: {self.field}{key} {message}")

    def child(self, key: str, known: Sequence[str]) -> "EntryReader":
        return EntryReader(self.problems, self.where, self.mapping(key), known, f"{self.field}{key}.")


class KeysLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: 2,000 entries in 0.2 s, not 0.9 s
    """YAML read as Pulumi reads a stack file (YAML 1.2 scalars): `2026-05-02`, `no` and `on` stay strings."""


KeysLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KeysLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))


def project_directory() -> str:
    """Where Pulumi.yaml is: the root directory the language host passes, else the program's cwd (the Pulumi
    CLI runs the program in the project directory). Without a host the SDK answers a placeholder name."""
    import pulumi

    root = pulumi.get_root_directory()
    return root if root and os.path.isabs(root) and os.path.isdir(root) else os.getcwd()


def read_keys_from(top: Reader, project_dir: str) -> list[Reader]:
    """One Reader per entry of the `keysFrom` file (none when unset); file-level problems go to `top`."""
    name = top.string(KEYS_FROM, check=lambda v: None if v.strip() else
                      "is empty; give the path of a .csv or .yaml file, e.g. `pulumi config set keysFrom keys.csv`")
    if name is None or not name.strip():
        return []
    path = os.path.join(project_dir, os.path.expanduser(name))
    extension = os.path.splitext(name)[1].lower()
    if extension not in (".csv", ".yaml", ".yml"):
        top.fail_key(KEYS_FROM, f"{name!r} is neither a .csv nor a .yaml/.yml file; give a CSV file with a header "
                     "row of keys[] field names, or a YAML list of keys[] entries")
        return []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        top.fail_key(KEYS_FROM, f"{name!r} does not exist (looked for {path}; a relative path is relative to the "
                     "project directory, beside Pulumi.yaml); create it or fix the path with "
                     "`pulumi config set keysFrom <path>`")
        return []
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        top.fail_key(KEYS_FROM, f"cannot read {name!r} ({path}): {reason}; it must be a readable UTF-8 file")
        return []

    def fail_line(line: int, message: str, alias: str = "") -> None:
        top.problems.append(f"{PROJECT}:{KEYS_FROM} {name} line {line}{f' ({alias})' if alias else ''}: {message}")

    def fail_file(message: str) -> None:
        top.fail_key(KEYS_FROM, f"{name!r} {message}")

    entries = (csv_entries if extension == ".csv" else yaml_entries)(text, fail_line, fail_file)
    readers: list[Reader] = []
    for line, entry in entries:
        alias = entry.get("alias")
        where = f"{KEYS_FROM} {name} line {line}" + (f" ({alias})" if isinstance(alias, str) and alias else "")
        if entry.get("accessGroups") not in (None, "", []):
            fail_line(line, "accessGroups is not read from keysFrom: grant the group to the key's team "
                      "(teams[].accessGroups), or move this key to keys[]", alias if isinstance(alias, str) else "")
        readers.append(EntryReader(top.problems, where, entry, KEY_KEYS))
    return readers


def yaml_entries(text: str, fail_line: Callable[..., None],
                 fail_file: Callable[[str], None]) -> list[tuple[int, dict[str, Any]]]:
    """(line, entry) for each item of the YAML list; the line is the item's `- `."""
    loader = KeysLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            fail_file("is empty; it must be a YAML list of keys[] entries (`- alias: alice`)")
            return []
        if not isinstance(node, yaml.SequenceNode):
            fail_line(node.start_mark.line + 1, "the file is not a list; it must be a YAML list of keys[] entries "
                      "(`- alias: alice`, one `-` per key)")
            return []
        items = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        fail_line(mark.line + 1 if mark else 1, f"is not valid YAML: {error.problem or error.context}")
        return []
    except yaml.YAMLError as error:
        fail_file(f"is not valid YAML: {error}")
        return []
    finally:
        loader.dispose()
    entries = []
    for item_node, item in zip(node.value, items):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            fail_line(line, f"must be a keys[] entry (an object such as `- alias: alice`), got {type_name(item)}")
            continue
        entries.append((line, item))
    return entries


def known_columns() -> list[str]:
    columns = [key for key in KEY_KEYS if key not in OBJECT_COLUMNS]
    for key, fields in OBJECT_COLUMNS.items():
        columns += [f"{key}.{field}" for field in fields] if fields else [f"{key}.<name>"]
    return columns


def column_problem(column: str) -> Optional[str]:
    head, _, field = column.partition(".")
    if head in OBJECT_COLUMNS and OBJECT_COLUMNS[head] is None and field:
        return None
    if head in OBJECT_COLUMNS and not field:
        fields = OBJECT_COLUMNS[head]
        example = (" and ".join(f"`{head}.{f}`" for f in fields) if fields else
                   f"`{head}.<name>` (e.g. {head}.department)")
        return f"column `{column}` holds an object; use one column per field: {example}"
    if column in known_columns():
        return None
    return f"unknown column `{column}`{did_you_mean(column, known_columns())}; known columns: " \
           f"{', '.join(known_columns())}"


def csv_entries(text: str, fail_line: Callable[..., None],
                fail_file: Callable[[str], None]) -> list[tuple[int, dict[str, Any]]]:
    """(line, entry) for each non-empty row under the header; the line is where the row starts."""
    rows = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = [cell.strip() for cell in next(rows, [])]
        header_line = rows.line_num
        if not any(header):
            fail_file("is empty; its first line must be a header row of keys[] field names, e.g. "
                      "alias,team,models,maxBudget")
            return []
        header_ok = True
        for index, column in enumerate(header):
            problem = column_problem(column) if column else f"column {index + 1} has no name"
            if column and column in header[:index]:
                problem = f"column `{column}` appears twice"
            if problem:
                fail_line(header_line, problem + (
                    "; the file must be comma-separated" if ";" in column and len(header) == 1 else ""))
                header_ok = False
        if "alias" not in header:
            fail_line(header_line, "there is no `alias` column; every key needs an alias")
            header_ok = False
        if not header_ok:
            return []
        entries = []
        start = rows.line_num + 1
        for row in rows:
            line, start = start, rows.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                fail_line(line, f"has {len(row)} cells but the header has {len(header)} columns; quote a cell "
                          "that contains a comma", row[header.index("alias")].strip())
                continue
            entries.append((line, csv_entry(header, row)))
        return entries
    except csv.Error as error:
        fail_line(rows.line_num, f"is not valid CSV: {error}")
        return []


def csv_entry(header: list[str], row: list[str]) -> dict[str, Any]:
    """A keys[] entry from one row: empty cells are unset, the rest typed like the same value in YAML."""
    entry: dict[str, Any] = {}
    for column, cell in zip(header, row):
        cell = cell.strip()
        if not cell:
            continue
        head, _, field = column.partition(".")
        if field:
            entry.setdefault(head, {})[field] = cell
        elif column in LIST_COLUMNS:
            entry[column] = [item for item in re.split(r"[;\s]+", cell) if item]
        elif column in TEXT_COLUMNS:
            entry[column] = cell
        else:
            entry[column] = scalar(cell)
    return entry


def scalar(cell: str) -> Any:
    """`50` → 50, `2.5` → 2.5, `true` → True, anything else stays text (as YAML 1.2 reads a plain scalar)."""
    if cell in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return cell.lower() == "true"
    if INTEGER.fullmatch(cell):
        return int(cell)
    if FLOAT.fullmatch(cell):
        return float(cell)
    return cell
