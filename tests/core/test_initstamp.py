"""The init stamp: `qinglang up` starts the web server first only on a home it matches."""

from __future__ import annotations

import pytest

from qinglang.core import initstamp


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QINGLANG_HOME", str(tmp_path))
    return tmp_path


def test_stamp_matches_only_what_was_written(home, monkeypatch):
    assert not initstamp.matches(demo=True)  # a new home
    initstamp.write(demo=True)
    assert initstamp.matches(demo=True)
    assert not initstamp.matches(demo=False)
    monkeypatch.setenv("QINGLANG_DATABASE_URL", "postgres://elsewhere/db")
    assert not initstamp.matches(demo=True)  # another database
    monkeypatch.delenv("QINGLANG_DATABASE_URL")
    initstamp.clear()
    assert not initstamp.matches(demo=True)  # init started and did not finish


def test_stamp_follows_the_migrations(home, monkeypatch, tmp_path_factory):
    initstamp.write(demo=True)
    package = tmp_path_factory.mktemp("pkg")
    (package / "core" / "migrations").mkdir(parents=True)
    (package / "core" / "migrations" / "0001_initial.py").write_text("# a migration\n")
    (package / "core" / "regions.py").write_text("")
    (package / "core" / "initstate.py").write_text("")
    monkeypatch.setattr(initstamp, "PACKAGE_DIR", package)
    assert not initstamp.matches(demo=True)
    initstamp.write(demo=True)
    assert initstamp.matches(demo=True)
    (package / "core" / "migrations" / "0002_more.py").write_text("# a new migration\n")
    assert not initstamp.matches(demo=True)
