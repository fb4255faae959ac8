"""The layers of shared/ point one way and hold no import cycle, read statically (tests/support/import_graph.py):
api (with its schemas) > domain > storage > entities > the kernel at the root of shared/."""

from __future__ import annotations

from tests.support.import_graph import (
    LAYERS,
    UNPLACED,
    Edge,
    cycles,
    edges_within,
    layer_of,
    read,
    upward_edges,
)

GRAPH = read()


def _named(edges: list[Edge]) -> str:
    return "\n".join(f"  {a} ({layer_of(a)}) -> {b} ({layer_of(b)})" for a, b in edges)


def test_the_graph_is_read() -> None:
    assert {"shared.errors", "shared.api.errors", "shared.domain.points", "shared.storage.keys"} <= set(GRAPH.files)
    assert ("shared.api.errors", "shared.errors") in GRAPH.edges


def test_imports_point_down_the_layers() -> None:
    upward = upward_edges(GRAPH)
    assert not upward, (
        f"imports against the layering ({' < '.join(LAYERS)}; a root module outside the kernel is "
        f"{UNPLACED}):\n{_named(upward)}"
    )


def test_no_import_cycle() -> None:
    edges = GRAPH.edges
    found = cycles(edges)
    assert not found, "import cycles (each with its imports):\n" + "\n".join(
        f"- {' <-> '.join(component)}\n{_named(edges_within(component, edges))}" for component in found
    )
