"""API keys: one random key, only its hash stored, verification by hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from estudio.adapters.local import SqliteItemStore
from estudio.api.keys import KEY_KIND, create_key, hash_key, revoke_key, verify_key
from estudio.errors import InvalidOptions, Unauthorized


def test_given_a_new_key_when_stored_then_only_its_hash_is_kept(tmp_path: Path) -> None:
    items = SqliteItemStore(tmp_path / "s.sqlite3")
    key = create_key(items, "acme")
    [stored] = items.list(KEY_KIND, "acme")[0]
    assert key not in stored.model_dump_json()
    assert stored.data["hash"] == hash_key(key)
    assert verify_key(items, key) == "acme"


def test_given_two_keys_then_they_differ_and_map_to_their_tenants(tmp_path: Path) -> None:
    items = SqliteItemStore(tmp_path / "s.sqlite3")
    a, b = create_key(items, "acme"), create_key(items, "globex")
    assert a != b and len(a) > 40
    assert (verify_key(items, a), verify_key(items, b)) == ("acme", "globex")


def test_given_a_wrong_or_revoked_key_when_verified_then_unauthorized(tmp_path: Path) -> None:
    items = SqliteItemStore(tmp_path / "s.sqlite3")
    key = create_key(items, "acme")
    with pytest.raises(Unauthorized):
        verify_key(items, key[:-1] + ("A" if key[-1] != "A" else "B"))
    with pytest.raises(Unauthorized):
        verify_key(items, "Bearer-ish nonsense")
    [stored] = items.list(KEY_KIND, "acme")[0]
    revoke_key(items, stored.id)
    with pytest.raises(Unauthorized):
        verify_key(items, key)


@pytest.mark.parametrize("tenant", ["", "Acme", "a b", "../x", "x" * 64])
def test_given_a_bad_tenant_name_when_creating_a_key_then_refused(
    tmp_path: Path, tenant: str
) -> None:
    with pytest.raises(InvalidOptions):
        create_key(SqliteItemStore(tmp_path / "s.sqlite3"), tenant)
