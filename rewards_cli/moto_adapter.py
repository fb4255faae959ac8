"""The one place that reaches into moto's internals (tests/integration/test_moto_adapter.py fails loudly
when an upgrade moves any of them; pyproject.toml pins moto to the range these were read from).

What it changes, and why:

- **Rollback by prior images.** moto's ``transact_write_items`` deep-copies every table a transaction
  names before applying it, so that it can restore them: a two-item transaction cost 7 ms at 100 items
  and 413 ms at 20,000. Here the table is no longer copied; instead every item a write touches has its
  prior image remembered on first touch (a ``ChangeSet``), and a cancelled transaction puts back those
  images only: O(items touched). Stream records written by the cancelled transaction are dropped too,
  as the table copy used to drop them: a cancelled transaction announces nothing.
- **Query reads its partition.** moto's ``Table.query`` lists and sorts every item of the table, then
  keeps those of the partition asked for: a Query cost grew with the table (seconds at 200,000 items).
  While a Query runs, ``all_items`` gives it that partition only, unsorted; a query of an index gets
  every item unsorted (a query sorts what matches by its keys itself).
- **UpdateItem all or nothing.** moto applies an update expression in place and may raise half-way
  (an item grown past 400 KB); the prior image is put back then, as real DynamoDB rejects it whole.
- **What a request changed.** The embedded store opens a ``ChangeSet`` around each request to journal
  the after-images of exactly the items it touched (``changes``), or to undo a request it could not
  journal (``rollback``).
- **Loading straight into the engine.** ``load_items`` builds moto's items from saved images without a
  request per item, and without moto's size check per attribute (which re-sums the item each time: 70%
  of a restart's time); they passed it when first written. moto's own ``Item.__deepcopy__`` does the same.

- **One request at a time.** moto dispatches requests without locking; real DynamoDB applies each request
  atomically (see FIELD-NOTES: a counter went below zero). ``atomic_moto_dispatch`` holds one lock around
  moto's dispatch for in-process callers (the tests); rewards_cli/embedded_dynamodb.py holds its own around
  each request it serves. So a ChangeSet only ever sees its own thread's writes.
- **Requests intercepted.** ``intercepted_requests`` hands each request to a test's function before
  moto (tests/support/faults.py injects throttles, lost responses and crashes there).
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, cast

import moto.dynamodb.models as backend_module
from moto.core.botocore_stubber import BotocoreStubber
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamShard, Table

# The moto versions whose internals this module was read from (5.2.5) and tested against: from, up to
# excluded (pyproject.toml pins the same range).
SUPPORTED_MOTO = ((5, 2), (5, 3))

ItemImage = dict[str, Any]  # an item in DynamoDB JSON: {"PK": {"S": "..."}, ...}
Key = tuple[DynamoType, DynamoType | None]

_local = threading.local()
_dispatch_lock = threading.RLock()


def _open_change_sets() -> list[ChangeSet]:
    sets: list[ChangeSet] | None = getattr(_local, "change_sets", None)
    if sets is None:
        sets = _local.change_sets = []
    return sets


@dataclass(frozen=True)
class Change:
    """One item a request touched: where it lives, and its image now (``None``: it does not exist)."""

    account_id: str
    region: str
    table_name: str
    image: ItemImage | None
    key: ItemImage


class ChangeSet:
    """The prior image of every item written while it is open (on this thread), each taken on first touch."""

    def __init__(self) -> None:
        self._priors: dict[tuple[int, Key], tuple[Table, Key, Item | None]] = {}
        self._stream_lengths: dict[int, tuple[StreamShard, int]] = {}

    def note(self, table: Table, key: Key) -> None:
        slot = (id(table), key)
        if slot in self._priors:
            return
        prior = table.get_item(*key)
        # update_item mutates items in place: keep a copy, not the live object.
        self._priors[slot] = (table, key, copy.deepcopy(prior))
        shard = table.stream_shard
        if shard is not None and id(shard) not in self._stream_lengths:
            self._stream_lengths[id(shard)] = (shard, len(shard.items))

    def rollback(self) -> None:
        """Put back every touched item's prior image and drop the stream records written meanwhile."""
        for table, key, prior in self._priors.values():
            _set_item(table, key, prior)
        for shard, length in self._stream_lengths.values():
            del shard.items[length:]
        self._priors.clear()
        self._stream_lengths.clear()

    def changes(self) -> list[Change]:
        """Each touched item's current image, in the order first touched."""
        found = []
        for table, key, _ in self._priors.values():
            key_image = {table.hash_key_attr: key[0].to_json()}
            if table.range_key_attr is not None and key[1] is not None:
                key_image[table.range_key_attr] = key[1].to_json()
            found.append(Change(table.account_id, table.region_name, table.name, current_image(table, key), key_image))
        return found


@contextmanager
def recording() -> Iterator[ChangeSet]:
    """A ChangeSet open for the writes of this thread inside the block."""
    change_set = ChangeSet()
    sets = _open_change_sets()
    sets.append(change_set)
    try:
        yield change_set
    finally:
        sets.remove(change_set)


@contextmanager
def atomic_moto_dispatch() -> Iterator[None]:
    """In-process moto (``mock_aws``) with the adapter installed, each request dispatched under one lock."""
    install()
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with _dispatch_lock:
            return original(self, request)

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]


@contextmanager
def intercepted_requests(intercept: Callable[[Any, Callable[[], Any]], Any]) -> Iterator[None]:
    """Every request in-process moto serves goes through ``intercept(request, serve)`` (the tests' fault
    injection): it answers as moto does (status, headers, body), from ``serve()`` or by itself, or raises
    as the network would."""
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        return intercept(request, lambda: original(self, request))

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]


def _note(table: Table, key: Key) -> None:
    for change_set in _open_change_sets():
        change_set.note(table, key)


def _key_of(table: Table, attributes: dict[str, Any]) -> Key | None:
    """The engine's key of an item or key in DynamoDB JSON; ``None`` when malformed (moto rejects it)."""
    try:
        hash_key = DynamoType(attributes[table.hash_key_attr])
        if table.range_key_attr is None:
            return hash_key, None
        return hash_key, DynamoType(attributes[table.range_key_attr])
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def _all_or_nothing(apply: Callable[[], Any]) -> Any:
    with recording() as change_set:
        try:
            return apply()
        except BaseException:
            change_set.rollback()
            raise


def _one_stream_record(shard: StreamShard, written: int) -> None:
    """An UpdateItem that creates its item makes moto write two INSERT records (the bare key, then the
    item); DynamoDB writes one. Keep the last, numbered as the first."""
    records = shard.items[written:]
    if len(records) > 1:
        records[-1].record["dynamodb"]["SequenceNumber"] = records[0].record["dynamodb"]["SequenceNumber"]
        shard.items[written:] = records[-1:]


class _NoTableCopies:
    """Stands in for the ``copy`` module inside moto's backend: a table "copied" for a transaction's
    rollback is the table itself (the ChangeSet restores what the transaction touched)."""

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def check_supported() -> None:
    """Fail loudly, at import, on a moto this module was not read from."""
    installed = tuple(int(part) for part in version("moto").split(".")[:2])
    low, high = SUPPORTED_MOTO
    if not low <= installed < high:
        raise RuntimeError(f"rewards_cli/moto_adapter.py supports moto {low} to {high}, found {version('moto')}")
    imported = getattr(backend_module, "copy", None)
    if not (imported is copy or isinstance(imported, _NoTableCopies)):
        raise RuntimeError("moto.dynamodb.models no longer imports `copy`: its transaction rollback changed")
    if not {"hash_key", "index_name"} <= set(inspect.signature(Table.query).parameters):
        raise RuntimeError("moto's Table.query no longer takes hash_key and index_name")
    for owner, names in (
        (DynamoDBBackend, ("transact_write_items", "update_item", "get_table")),
        (Table, ("put_item", "delete_item", "get_item", "query", "all_items")),
        (BotocoreStubber, ("process_request",)),
    ):
        missing = [name for name in names if not callable(getattr(owner, name, None))]
        if missing:
            raise RuntimeError(f"moto's {owner.__name__} lost {missing}: re-read rewards_cli/moto_adapter.py")


def install() -> None:
    """Patch moto once per process (idempotent)."""
    if getattr(DynamoDBBackend.transact_write_items, "_rewards_adapter", False):
        return
    check_supported()
    transact_write_items = DynamoDBBackend.transact_write_items
    update_item = DynamoDBBackend.update_item
    put_item = Table.put_item
    delete_item = Table.delete_item

    def atomic_transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        _all_or_nothing(lambda: transact_write_items(self, transact_items))

    def atomic_update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kw: Any) -> Any:
        table = self.get_table(table_name)
        found = _key_of(table, key)
        if found is None:
            return update_item(self, table_name, key, *args, **kw)

        def apply() -> Any:
            _note(table, found)
            shard = table.stream_shard
            written = len(shard.items) if shard is not None else 0
            updated = update_item(self, table_name, key, *args, **kw)
            if shard is not None:
                _one_stream_record(shard, written)
            return updated

        return _all_or_nothing(apply)

    def noting_put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kw: Any) -> Any:
        found = _key_of(self, item_attrs)
        if found is not None:
            _note(self, found)
        return put_item(self, item_attrs, *args, **kw)

    def noting_delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
        _note(self, (hash_key, range_key))
        return delete_item(self, hash_key, range_key)

    atomic_transact_write_items._rewards_adapter = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = atomic_transact_write_items  # type: ignore[method-assign]
    DynamoDBBackend.update_item = atomic_update_item  # type: ignore[method-assign]
    Table.put_item = noting_put_item  # type: ignore[method-assign]
    Table.delete_item = noting_delete_item  # type: ignore[method-assign]
    setattr(backend_module, "copy", _NoTableCopies())  # noqa: B010 - replaces its module reference
    _install_partition_queries()


def _install_partition_queries() -> None:
    query = Table.query
    all_items = Table.all_items
    query_signature = inspect.signature(query)

    @functools.wraps(query)  # keeps its signature visible to check_supported
    def scoped_query(self: Table, *args: Any, **kw: Any) -> Any:
        arguments = query_signature.bind(self, *args, **kw).arguments
        _local.query_scope = (self, None if arguments.get("index_name") else arguments.get("hash_key"))
        try:
            return query(self, *args, **kw)
        finally:
            _local.query_scope = None

    def scoped_all_items(self: Table) -> list[Item]:
        scope = getattr(_local, "query_scope", None)
        if scope is None or scope[0] is not self:
            return all_items(self)
        items: Any = self.items  # {hash: item}, or {hash: {range: item}} with a range key
        if scope[1] is None:
            if self.range_key_attr is None:
                return list(items.values())
            return [item for partition in items.values() for item in partition.values()]
        partition = items.get(scope[1])
        if partition is None:
            return []
        if self.range_key_attr is None:
            return [partition]
        return list(partition.values())  # the query sorts them by range key

    Table.query = scoped_query  # type: ignore[method-assign]
    Table.all_items = scoped_all_items  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------ the store's view


def tables() -> Iterator[Table]:
    """Every table of every account and region moto holds."""
    for account_id in list(dynamodb_backends.keys()):
        regions = dynamodb_backends[account_id]
        for region in list(regions.keys()):
            yield from list(regions[region].tables.values())


def find_table(account_id: str, region: str, table_name: str) -> Table | None:
    table: Table | None = dynamodb_backends[account_id][region].tables.get(table_name)
    return table


def live_keys(table: Table) -> list[Key]:
    """The keys of the table's items now (call under the store's lock)."""
    if table.range_key_attr is None:
        return [(hash_key, None) for hash_key in table.items]
    return [(hash_key, range_key) for hash_key, partition in table.items.items() for range_key in partition]


def current_image(table: Table, key: Key) -> ItemImage | None:
    item = table.get_item(*key)
    if item is None:
        return None
    attributes: ItemImage = item.to_json()["Attributes"]
    return attributes


def image_at(table: Table, key: ItemImage) -> ItemImage | None:
    """The item at a key given in DynamoDB JSON, read from the engine (no request): the bench's capacity
    counting sizes a write by the item before and after it."""
    found = _key_of(table, key)
    return None if found is None else current_image(table, found)


def _set_item(table: Table, key: Key, item: Item | None) -> None:
    """Put ``item`` in the table at ``key``, or remove what is there (``None``)."""
    items: Any = table.items  # {hash: item}, or {hash: {range: item}} with a range key
    hash_key, range_key = key
    if range_key is None:
        if item is None:
            items.pop(hash_key, None)
        else:
            items[hash_key] = item
    elif item is not None:
        items[hash_key][range_key] = item
    elif (partition := items.get(hash_key)) is not None:
        partition.pop(range_key, None)
        if not partition:
            del items[hash_key]


def _saved_item(key: Key, attributes: ItemImage) -> Item:
    item = cast(Item, Item.__new__(Item))
    item.hash_key, item.range_key = key
    item.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(item.attrs)
    for name, value in attributes.items():
        dict.__setitem__(item.attrs, name, DynamoType(value))
    return item


def load_items(table: Table, images: Iterable[ItemImage]) -> int:
    """Put saved images into the table as they are (no request, no condition, no stream record)."""
    count = 0
    for attributes in images:
        key = _key_of(table, attributes)
        if key is None:
            raise ValueError(f"a saved item of {table.name} has no key: {sorted(attributes)}")
        _set_item(table, key, _saved_item(key, attributes))
        count += 1
    return count


def apply_image(table: Table, key: ItemImage, attributes: ItemImage | None) -> None:
    """Set one item to a journaled image, or remove it (``None``)."""
    found = _key_of(table, key)
    if found is None:
        raise ValueError(f"a journaled key of {table.name} is malformed: {key}")
    _set_item(table, found, None if attributes is None else _saved_item(found, attributes))
