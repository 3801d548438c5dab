"""The project's layers only point down, without cycles, and private Pulumi SDK names stay in the patches module.

Read from the source with `ast` (imports inside functions count as much as those at the top of a module): a
function-level import is still a dependency, only a later one. The layers, lowest first:

- `litemaas_common`: leaf helpers, nothing of the project.
- `config` (parse and validate the stack config) and `dynamic_providers` (the provider host's code, which must not
  load the config modules): each on `litemaas_common` only.
- `resolve` (the reads after parsing: InferenceServices through the Kubernetes API): on `config`.
- `components` (the Kubernetes and LiteLLM resources), on resolved config and the providers; `litemaas_cli`, the
  command, on the providers and common helpers.
- the program (`__main__.py`) on all of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "litemaas_common": set(),
    "kinds": {"litemaas_common"},  # the kinds' declarations: what config, catalog and providers derive from
    "config": {"kinds", "litemaas_common"},
    "dynamic_providers": {"kinds", "litemaas_common"},
    "resolve": {"config", "kinds", "litemaas_common"},
    "components": {"config", "dynamic_providers", "kinds", "litemaas_common"},
    "litemaas_cli": {"config", "dynamic_providers", "kinds", "litemaas_common"},
    "__main__": {"components", "config", "dynamic_providers", "kinds", "litemaas_common", "resolve"},
}
SDK_PATCHES = "litemaas_common.sdk_patches"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the layered packages, plus the program."""
    found = {"__main__": ROOT / "__main__.py"}
    for package in ALLOWED:
        if package != "__main__":
            found.update({module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))})
    return found


def imported(path: Path, name: str, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every project module `path` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    result = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            result.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                result.append((node.lineno, submodule if submodule in known else base))
    return list(dict.fromkeys((line, module) for line, module in result
                              if module.split(".")[0] in ALLOWED or module in known))


def import_graph() -> dict[str, list[tuple[int, str]]]:
    modules = project_modules()
    known = set(modules)
    return {name: imported(path, name, known) for name, path in modules.items()}


def layer(module: str) -> str:
    return module.split(".")[0]


def test_every_import_points_down_a_layer() -> None:
    upward = [f"{name} (line {line}) imports {target}: {layer(name)} may only use "
              f"{', '.join(sorted(ALLOWED[layer(name)])) or 'nothing of the project'}"
              for name, targets in import_graph().items() for line, target in targets
              if layer(target) != layer(name) and layer(target) not in ALLOWED[layer(name)]]
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of `graph` as the modules along it (first one repeated at the end), or []."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_no_import_cycle_between_project_modules() -> None:
    graph = {name: {t for _, t in targets if t != name} for name, targets in import_graph().items()}
    cycle = find_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "d": {"a", "c"}}) == []


def test_function_level_and_relative_imports_count(tmp_path: Path) -> None:
    module = tmp_path / "virtual_key.py"
    module.write_text("import os\n\ndef later():\n    from config import parse_litellm_duration\n"
                      "    from .provider_base import plain\n")
    found = imported(module, "dynamic_providers.virtual_key", {"dynamic_providers.provider_base"})
    assert found == [(4, "config"), (5, "dynamic_providers.provider_base")]


def private_sdk_names(path: Path) -> list[str]:
    """`pulumi…._name` in imports and attribute reads: the SDK's private names this file relies on."""
    tree = ast.parse(path.read_text(), str(path))
    sdk_aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   and (node.module or "").startswith("pulumi") for alias in node.names}
    sdk_aliases |= {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names if alias.name.startswith("pulumi")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi"):
            found += [f"line {node.lineno}: from {node.module} import {alias.name}" for alias in node.names
                      if alias.name.startswith("_") or any(p.startswith("_") for p in node.module.split("."))]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in sdk_aliases:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return sorted(found, key=lambda text: int(text.split(":")[0].split()[1]))


@pytest.mark.parametrize("name", sorted(n for n in project_modules() if n != SDK_PATCHES))
def test_private_sdk_names_only_in_the_patches_module(name: str) -> None:
    assert not private_sdk_names(project_modules()[name]), \
        f"{name} uses private Pulumi SDK names; go through {SDK_PATCHES} (its test pins their source)"


def test_the_private_name_finder_sees_attribute_and_import_uses(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from pulumi.runtime import rpc\nfrom pulumi.runtime.sync_await import _sync_await\n"
                      "import pulumi\nx = rpc._special_sig_key\ny = pulumi.runtime.settings._get_rpc_manager\n"
                      "z = rpc.UNKNOWN\n")
    assert private_sdk_names(module) == ["line 2: from pulumi.runtime.sync_await import _sync_await",
                                         "line 4: rpc._special_sig_key",
                                         "line 5: pulumi.runtime.settings._get_rpc_manager"]


def test_the_e2e_projects_copy_every_package_the_program_imports() -> None:
    from tests.support.pulumi_cli import PROGRAM_DIRS

    graph = import_graph()
    reached, todo = set(), ["__main__"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(target for _, target in graph.get(module, ()))
    assert {layer(m) for m in reached} - {"__main__"} <= set(PROGRAM_DIRS)
