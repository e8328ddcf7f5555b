from __future__ import annotations

import pytest

from estudio.avatar import get_avatar, list_avatars
from estudio.errors import UnknownAvatar


def test_given_the_catalog_when_listed_then_ana_and_bruno_are_there_with_genders() -> None:
    avatars = {a.id: a for a in list_avatars()}
    assert avatars["ana"].gender == "female"
    assert avatars["bruno"].gender == "male"
    assert all(a.name and a.description for a in avatars.values())


def test_given_a_known_id_when_fetched_then_its_info_comes_back() -> None:
    assert get_avatar("bruno").name == "Bruno"


def test_given_an_unknown_id_when_fetched_then_unknown_avatar_names_the_choices() -> None:
    with pytest.raises(UnknownAvatar) as info:
        get_avatar("carla")
    assert "ana" in info.value.message
    assert info.value.user_error
