from types import SimpleNamespace

from lrs.recent_writes import RecentWrites
from tests.conftest import FakeClient


def fake_database(name: str, client=None):
    return SimpleNamespace(name=name, client=client or FakeClient())


def test_remembered_items_are_not_unseen_in_the_same_database_only():
    recent = RecentWrites()
    one, other = fake_database("a"), fake_database("b")
    assert recent.unseen(one, "x")
    recent.remember(one, ["x"])
    assert not recent.unseen(one, "x")
    assert recent.unseen(other, "x")


def test_oldest_items_are_forgotten_past_the_size():
    recent = RecentWrites(size=2)
    database = fake_database("a")
    recent.remember(database, ["x", "y"])
    recent.unseen(database, "x")  # touching keeps it
    recent.remember(database, ["z"])
    assert not recent.unseen(database, "x")
    assert recent.unseen(database, "y")
