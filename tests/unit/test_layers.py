"""The layers of shared/ point one way and hold no import cycle, read statically (tests/support/import_graph.py).

``ALLOWED_BACK_EDGES`` names the back-edges main still had when this test came (issue 22): it may only
shrink, since a second test fails once one of them is gone, until it is empty.
"""

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

ALLOWED_BACK_EDGES: frozenset[Edge] = frozenset(
    {
        ("shared.api.schemas.ledger", "shared.lots"),
        ("shared.api.schemas.points", "shared.lots"),
        ("shared.domain.campaigns", "shared.api.schemas.campaigns"),
        ("shared.domain.coupons", "shared.api.schemas.coupons"),
        ("shared.domain.customers", "shared.api.schemas.customers"),
        ("shared.domain.events", "shared.api.schemas.events"),
        ("shared.domain.events", "shared.lots"),
        ("shared.domain.outbox", "shared.api.schemas.ledger"),
        ("shared.domain.points", "shared.api.schemas.points"),
        ("shared.domain.points", "shared.lots"),
        ("shared.domain.redemptions", "shared.api.schemas.redemptions"),
        ("shared.domain.redemptions", "shared.api.schemas.rewards"),
        ("shared.domain.rewards", "shared.api.schemas.rewards"),
        ("shared.storage.campaigns", "shared.domain.rules"),
        ("shared.storage.coupons", "shared.domain.coupon_rules"),
        ("shared.storage.customers", "shared.lots"),
        ("shared.storage.ledger", "shared.lots"),
        ("shared.storage.points", "shared.lots"),
        ("shared.storage.progress", "shared.domain.rules"),
        ("shared.storage.stream", "shared.domain.outbox"),
    }
)

GRAPH = read()


def _named(edges: list[Edge]) -> str:
    return "\n".join(f"  {a} ({layer_of(a)}) -> {b} ({layer_of(b)})" for a, b in edges)


def test_the_graph_is_read() -> None:
    assert {"shared.errors", "shared.api.errors", "shared.domain.points", "shared.storage.keys"} <= set(GRAPH.files)
    assert ("shared.api.errors", "shared.errors") in GRAPH.edges


def test_imports_point_down_the_layers() -> None:
    upward = [edge for edge in upward_edges(GRAPH) if edge not in ALLOWED_BACK_EDGES]
    assert not upward, (
        f"imports against the layering ({' < '.join(LAYERS)}; a root module outside the kernel is "
        f"{UNPLACED}):\n{_named(upward)}"
    )


def test_every_allowed_back_edge_still_exists() -> None:
    gone = sorted(ALLOWED_BACK_EDGES - set(upward_edges(GRAPH)))
    assert not gone, f"no longer imported upward: take them out of ALLOWED_BACK_EDGES:\n{_named(gone)}"


def test_no_import_cycle() -> None:
    # Every cross-layer cycle runs through a back-edge: an allowed one accounts for the cycles it closes.
    edges = GRAPH.edges - ALLOWED_BACK_EDGES
    found = cycles(edges)
    assert not found, "import cycles (each with its imports):\n" + "\n".join(
        f"- {' <-> '.join(component)}\n{_named(edges_within(component, edges))}" for component in found
    )
