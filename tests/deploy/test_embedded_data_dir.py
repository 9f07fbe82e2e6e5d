"""`commissioning up` as root works from any directory, and says where the data went.

PostgreSQL refuses to run as root, so the embedded server runs as the `commissioning`
user, which cannot enter a private directory such as a `mktemp -d` or /root. Then the data
goes to a directory of its own under /var/lib/commissioning, one per requested path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared import embedded
from shared.embedded import EmbeddedPostgres, server_data_dir


@pytest.fixture
def fallback_root(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    # Somewhere every user can traverse, standing in for /var/lib/commissioning.
    root = Path("/tmp") / f"commissioning-fallback-{os.getpid()}-{id(monkeypatch)}"
    monkeypatch.setattr(embedded, "FALLBACK_ROOT", root)
    return root


def private_dir(tmp_path: Path) -> Path:
    home = tmp_path / "private"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    return home / "project" / ".commissioning"


def test_a_reachable_data_dir_is_kept_and_nothing_is_said(tmp_path: Path) -> None:
    said: list[str] = []
    wanted = Path("/tmp") / f"reachable-{os.getpid()}"
    assert server_data_dir(wanted, said.append) == wanted
    assert said == []


def test_an_unreachable_data_dir_moves_to_a_stable_place_and_says_so(
    tmp_path: Path, fallback_root: Path
) -> None:
    said: list[str] = []
    wanted = private_dir(tmp_path)
    chosen = server_data_dir(wanted, said.append)
    assert chosen.parent == fallback_root
    assert server_data_dir(wanted, said.append) == chosen, "the same data on every run"
    assert server_data_dir(wanted.parent / "other", said.append) != chosen
    (message, *_) = said
    assert str(tmp_path / "private") in message and str(chosen) in message
    assert "COMMISSIONING_DATA_DIR" in message
    assert (chosen / "wanted-by").read_text(encoding="utf-8").strip() == str(wanted.resolve())


@pytest.mark.database
@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback is for root only")
def test_as_root_the_embedded_server_starts_from_a_private_directory(
    tmp_path: Path, fallback_root: Path
) -> None:
    server = EmbeddedPostgres(private_dir(tmp_path))
    try:
        server.start()
        assert server.data_dir.parent == fallback_root
        assert (server.data_dir / "pgdata" / "PG_VERSION").exists()
    finally:
        server.stop()
        import shutil

        shutil.rmtree(fallback_root, ignore_errors=True)
