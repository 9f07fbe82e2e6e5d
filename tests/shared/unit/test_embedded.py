"""The embedded stack protects its data: a stale lock is cleared, and a server an earlier
run left behind is stopped cleanly before another starts on the same data."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from shared.embedded import EmbeddedPostgres, alive, stop_leftover_server
from tests.ports import service_ports


def test_a_stale_postmaster_pid_is_cleared(tmp_path: Path) -> None:
    (tmp_path / "postmaster.pid").write_text("999999999\n/data\n")
    assert stop_leftover_server(tmp_path) is None
    assert not (tmp_path / "postmaster.pid").exists()


def test_a_pid_file_of_an_unrelated_process_is_stale(tmp_path: Path) -> None:
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n")
    assert stop_leftover_server(tmp_path) is None
    assert not (tmp_path / "postmaster.pid").exists()


@pytest.mark.database
def test_a_server_left_running_on_the_data_is_stopped_and_its_data_kept() -> None:
    data_dir = Path("/tmp") / f"commissioning-leftover-{os.getpid()}"
    left_behind, successor = EmbeddedPostgres(data_dir), EmbeddedPostgres(data_dir)
    try:
        left_behind.start()
        run_sql(left_behind, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")
        assert left_behind.process is not None
        successor.start()
        assert successor.stopped_leftover == left_behind.process.pid
        assert not alive(left_behind.process.pid)
        assert run_sql(successor, "SELECT n FROM kept").strip() == "7"
    finally:
        successor.stop()
        left_behind.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def run_sql(server: EmbeddedPostgres, sql: str) -> str:
    """psql as the `postgres` user the embedded server trusts."""
    done = subprocess.run(
        [
            server._bin("psql"),
            "-AtU",
            "postgres",
            "-h",
            "127.0.0.1",
            "-p",
            f"{server.port}",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_up_refuses_service_ports_already_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.stack import Stack

    # A base whose every service port is free (below the ephemeral range, where another
    # process's connection may take the next port at any moment), then one of them taken.
    port = service_ports()
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()
        assert Stack(data_dir=tmp_path, port_base=port).run() == 1
    assert f"port(s) {port} already in use" in capsys.readouterr().out
    assert not (tmp_path / "postgres").exists(), "nothing may be started"


def test_up_refuses_a_data_dir_another_live_up_is_using(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.stack import Stack

    (tmp_path / "up.pid").write_text(str(os.getppid()))  # a live process that is not us
    assert Stack(data_dir=tmp_path, port_base=service_ports()).run() == 1
    assert f"another commissioning up (pid {os.getppid()}) is running" in capsys.readouterr().out
    assert not (tmp_path / "postgres").exists(), "nothing may be started"
    assert (tmp_path / "up.pid").read_text() == str(os.getppid()), "its lock is left alone"
