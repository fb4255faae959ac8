"""The import graph of ``shared/``, read from the source (AST): nothing is imported, so imports inside
functions and under ``TYPE_CHECKING`` count too (each is a dependency all the same).

The agreed layering (issue 22), bottom to top: the kernel (the named modules at the root of ``shared/``),
``shared.entities``, ``shared.storage``, ``shared.domain``, ``shared.api`` (with its schemas). A module may
import from its own layer or a lower one. tests/unit/test_layers.py checks it;
``python -m tests.support.import_graph`` prints the picture in numbers.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "shared"
LAYERS = ("kernel", "entities", "storage", "domain", "api")  # bottom to top
KERNEL = frozenset(
    f"{PACKAGE}.{name}" if name else PACKAGE
    for name in (
        "",
        "auth",
        "clock",
        "errors",
        "ids",
        "limits",
        "messaging",
        "object_store",
        "observability",
        "outbound",
        "retries",
        "settings",
        "snapstart",
        "values",
    )
)
UNPLACED = "unplaced"  # a root module the layering does not name: nothing may import it, it may import nothing

Edge = tuple[str, str]  # (importer, imported)


@dataclass(frozen=True)
class ImportGraph:
    files: dict[str, Path]  # module -> its source file
    edges: frozenset[Edge]

    def lines(self, module: str) -> int:
        return len(self.files[module].read_text().splitlines())


def read(root: Path = ROOT) -> ImportGraph:
    files = {_module_name(path.relative_to(root)): path for path in sorted((root / PACKAGE).rglob("*.py"))}
    edges = {
        (module, imported)
        for module, path in files.items()
        for imported in _imports(module, path, files)
        if imported != module
    }
    return ImportGraph(files, frozenset(edges))


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS[1:]:
        return parts[1]
    return "kernel" if module in KERNEL else UNPLACED


def upward_edges(graph: ImportGraph) -> list[Edge]:
    """Edges that break the layering: an import of a higher layer, or one to or from an unplaced module."""
    return sorted(edge for edge in graph.edges if _upward(*edge))


def _upward(importer: str, imported: str) -> bool:
    low, high = layer_of(imported), layer_of(importer)
    return UNPLACED in (low, high) or LAYERS.index(low) > LAYERS.index(high)


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted, largest first."""
    successors: dict[str, list[str]] = {}
    for importer, imported in sorted(edges):
        successors.setdefault(importer, []).append(imported)
        successors.setdefault(imported, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for successor in successors[module]:
            if successor not in index:
                visit(successor)
                low[module] = min(low[module], low[successor])
            elif successor in on_stack:
                low[module] = min(low[module], index[successor])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                on_stack.discard(member)
                component.append(member)
            on_stack.discard(module)
            if component:
                found.append(sorted([module, *component]))

    for module in successors:
        if module not in index:
            visit(module)
    return sorted(found, key=lambda component: (-len(component), component))


def edges_within(component: Iterable[str], edges: Iterable[Edge]) -> list[Edge]:
    members = set(component)
    return sorted(edge for edge in edges if edge[0] in members and edge[1] in members)


def picture(graph: ImportGraph, largest: int = 10) -> Iterator[str]:
    """The layer picture in numbers, line by line."""
    per_layer = Counter(layer_of(module) for module in graph.files)
    layers = [*LAYERS, UNPLACED] if per_layer[UNPLACED] else list(LAYERS)
    yield f"modules: {len(graph.files)}, imports: {len(graph.edges)}"
    yield "modules per layer: " + ", ".join(f"{layer} {per_layer[layer]}" for layer in layers)
    between = Counter((layer_of(importer), layer_of(imported)) for importer, imported in graph.edges)
    yield "imports between layers (importer -> imported: count):"
    for (high, low), count in sorted(between.items(), key=lambda item: (layers.index(item[0][0]), item[0][1])):
        yield f"  {high} -> {low}: {count}"
    upward = upward_edges(graph)
    yield f"back-edges (upward, or to/from an unplaced module): {len(upward)}"
    yield from (f"  {importer} -> {imported}" for importer, imported in upward)
    components = cycles(graph.edges)
    yield f"import cycles: {len(components)}"
    for component in components:
        yield "  " + " <-> ".join(component)
    yield f"largest modules (lines), of {len(graph.files)}:"
    sizes = sorted(((graph.lines(module), module) for module in graph.files), reverse=True)
    yield from (f"  {lines:5} {module}" for lines, module in sizes[:largest])


def _module_name(relative: Path) -> str:
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(module: str, path: Path, files: dict[str, Path]) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known(alias.name, files)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield from _known(submodule if submodule in files else base, files)


def _known(name: str, files: dict[str, Path]) -> Iterator[str]:
    """The module of ``files`` that ``name`` (a module, or a name inside one) lives in, if any."""
    while name and name not in files:
        name = name.rpartition(".")[0]
    if name:
        yield name


def main() -> int:
    for line in picture(read()):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
