"""The embedded adapters: a folder of blobs and SQLite state, used for real."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.errors import ConcurrentUpdate, Conflict, InvalidOptions, NotFound


def test_blobs_round_trip_list_and_refuse_escaping_keys(tmp_path: Path) -> None:
    blobs = FolderBlobStore(tmp_path / "b")
    blobs.put_bytes("jobs/a/x.txt", b"one")
    source = tmp_path / "f.bin"
    source.write_bytes(b"two")
    blobs.put_file("jobs/a/y.bin", source)
    assert blobs.list("jobs/a/") == ["jobs/a/x.txt", "jobs/a/y.bin"]
    assert blobs.get_file("jobs/a/y.bin", tmp_path / "out" / "y").read_bytes() == b"two"
    for key in (
        "../evil",
        "/etc/passwd",
        "jobs/../../x",
        "jobs//x",
        "jobs/./x",
        "a\\b",
        "a\x00b",
        "",
    ):
        with pytest.raises(InvalidOptions):
            blobs.put_bytes(key, b"x")
    with pytest.raises(NotFound):
        blobs.get_bytes("jobs/a/missing")
    blobs.delete("jobs/a/x.txt")
    assert not blobs.exists("jobs/a/x.txt")


def test_items_create_is_unique_and_updates_are_conditional(tmp_path: Path) -> None:
    store = SqliteItemStore(tmp_path / "s.db")
    store.create("project", "p1", "t1", {"name": "a"})
    with pytest.raises(Conflict):
        store.create("project", "p1", "t1", {"name": "b"})
    updated = store.update("project", "p1", {"name": "c"}, expect_version=1)
    assert updated.version == 2 and updated.data == {"name": "c"}
    with pytest.raises(ConcurrentUpdate):
        store.update("project", "p1", {"name": "d"}, expect_version=1)
    with pytest.raises(NotFound):
        store.get("project", "nope")


def test_items_pages_newest_first_per_tenant_and_finds_by_field(tmp_path: Path) -> None:
    store = SqliteItemStore(tmp_path / "s.db")
    for i in range(7):
        store.create("project", f"p{i}", "t1", {"hash": f"h{i}"})
    store.create("project", "other", "t2", {"hash": "h1"})
    seen, cursor = [], None
    while True:
        page, cursor = store.list("project", "t1", limit=3, cursor=cursor)
        seen += [item.id for item in page]
        if cursor is None:
            break
    assert seen == [f"p{i}" for i in reversed(range(7))]
    assert {i.id for i in store.find("project", "hash", "h1")} == {"p1", "other"}


def test_items_expire_after_their_ttl(tmp_path: Path) -> None:
    store = SqliteItemStore(tmp_path / "s.db")
    store.create("idem", "k", "t1", {}, ttl_s=-1)  # already expired
    with pytest.raises(NotFound):
        store.get("idem", "k")
    store.create("idem", "k", "t1", {})  # an expired item does not block a new one


def test_concurrent_conditional_increments_lose_nothing(tmp_path: Path) -> None:
    store = SqliteItemStore(tmp_path / "s.db")
    store.create("counter", "c", "t", {"n": 0})

    def bump() -> None:
        for _ in range(25):
            while True:
                item = store.get("counter", "c")
                try:
                    store.update(
                        "counter", "c", {"n": item.data["n"] + 1}, expect_version=item.version
                    )
                    break
                except ConcurrentUpdate:
                    continue

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("counter", "c").data["n"] == 100
