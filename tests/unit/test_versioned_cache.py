"""shared/storage/versioned_cache.py: what it reads, when, and what it keeps."""

from __future__ import annotations

import pytest

from shared.storage.versioned_cache import VersionedCache

MAX_AGE_MS = 5000


class Store:
    """A value and its version, counting how often each is read."""

    def __init__(self) -> None:
        self.version = 1
        self.value = "first"
        self.version_reads = 0
        self.loads = 0

    def read_version(self) -> object:
        self.version_reads += 1
        return self.version

    def load(self) -> str:
        self.loads += 1
        return self.value

    def change(self, value: str) -> None:
        self.version += 1
        self.value = value


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    from shared import clock

    moment = {"ms": 1_000_000}
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: moment["ms"])
    return moment


def read(cache: VersionedCache[str], store: Store, key: str = "app") -> str:
    return cache.get(key, store.read_version, store.load)


def test_within_the_max_age_nothing_is_read_past_it_only_the_version_and_a_load_only_when_it_moved(
    now: dict[str, int],
) -> None:
    cache: VersionedCache[str] = VersionedCache(MAX_AGE_MS, 4)
    store = Store()
    assert read(cache, store) == "first"
    now["ms"] += MAX_AGE_MS - 1
    assert read(cache, store) == "first"
    assert (store.version_reads, store.loads) == (1, 1)
    now["ms"] += 1
    assert read(cache, store) == "first"
    assert (store.version_reads, store.loads) == (2, 1)
    store.change("second")
    assert read(cache, store) == "first"  # checked just now
    now["ms"] += MAX_AGE_MS
    assert read(cache, store) == "second"
    assert (store.version_reads, store.loads) == (3, 2)


def test_a_clock_that_went_back_checks_the_version_again(now: dict[str, int]) -> None:
    cache: VersionedCache[str] = VersionedCache(MAX_AGE_MS, 4)
    store = Store()
    read(cache, store)
    store.change("second")
    now["ms"] -= 1
    assert read(cache, store) == "second"


def test_forget_makes_the_next_read_load_and_a_load_it_overtook_is_not_kept(now: dict[str, int]) -> None:
    cache: VersionedCache[str] = VersionedCache(MAX_AGE_MS, 4)
    store = Store()
    read(cache, store)
    store.change("second")
    cache.forget("app")
    assert read(cache, store) == "second"

    def load_overtaken_by_a_change() -> str:
        value = store.load()
        store.change("third")
        cache.forget("app")  # the writer's container forgets while this read is loading
        return value

    cache.forget("app")
    assert cache.get("app", store.read_version, load_overtaken_by_a_change) == "second"
    assert read(cache, store) == "third"


def test_the_least_recently_read_key_goes_first(now: dict[str, int]) -> None:
    cache: VersionedCache[str] = VersionedCache(MAX_AGE_MS, 2)
    store = Store()
    read(cache, store, "a")
    read(cache, store, "b")
    read(cache, store, "a")
    read(cache, store, "c")  # evicts b
    assert store.loads == 3
    read(cache, store, "a")
    assert store.loads == 3
    read(cache, store, "b")
    assert store.loads == 4


def test_a_value_that_is_its_own_version_is_read_whole_once_per_max_age(now: dict[str, int]) -> None:
    cache: VersionedCache[str] = VersionedCache(MAX_AGE_MS, 4)
    store = Store()
    assert cache.get_whole("app", store.load) == "first"
    store.change("second")
    now["ms"] += MAX_AGE_MS - 1
    assert cache.get_whole("app", store.load) == "first"
    assert store.loads == 1
    now["ms"] += 1
    assert cache.get_whole("app", store.load) == "second"
    assert cache.get_whole("app", store.load) == "second"
    assert store.loads == 2
    store.change("third")
    cache.forget("app")
    assert cache.get_whole("app", store.load) == "third"


def test_clear_every_empties_every_cache_made(now: dict[str, int]) -> None:
    caches: list[VersionedCache[str]] = [VersionedCache(MAX_AGE_MS, 4), VersionedCache(MAX_AGE_MS, 4)]
    store = Store()
    for cache in caches:
        read(cache, store)
    VersionedCache.clear_every()
    for cache in caches:
        read(cache, store)
    assert store.loads == 4
