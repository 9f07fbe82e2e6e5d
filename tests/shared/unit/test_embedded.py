"""The embedded stack protects its data: a stale lock is cleared, a live server is not
started twice."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from shared.embedded import refuse_if_running


def test_a_stale_postmaster_pid_is_cleared(tmp_path: Path) -> None:
    (tmp_path / "postmaster.pid").write_text("999999999\n/data\n")
    refuse_if_running(tmp_path)
    assert not (tmp_path / "postmaster.pid").exists()


def test_a_pid_file_of_an_unrelated_process_is_stale(tmp_path: Path) -> None:
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n")
    refuse_if_running(tmp_path)
    assert not (tmp_path / "postmaster.pid").exists()


def test_a_second_server_is_never_started_on_live_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "postmaster.pid").write_text("4242\n")
    real_read_text = Path.read_text

    def fake_read_text(self: Path, *args: object, **kwargs: object) -> str:
        if str(self) == "/proc/4242/comm":
            return "postgres\n"
        return real_read_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", fake_read_text)
    with pytest.raises(RuntimeError, match="already running"):
        refuse_if_running(tmp_path)
    assert (tmp_path / "postmaster.pid").exists()


def test_up_refuses_service_ports_already_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.embedded import free_port
    from shared.stack import Stack

    port = free_port()
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()
        assert Stack(data_dir=tmp_path, port_base=port).run() == 1
    assert f"port(s) {port} already in use" in capsys.readouterr().out
    assert not (tmp_path / "postgres").exists(), "nothing may be started"
