"""What a running service loads: its own code and the platform's runtime, never tooling."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.services import declared

TOOLING = ("shared.contracts.export", "shared.scaffold", "bench", "tests")


@pytest.mark.parametrize("service", declared())
def test_a_service_process_never_imports_the_schema_export_or_other_tooling(
    service: str,
) -> None:
    probe = (
        "import sys\n"
        "from shared.runtime import create_app\n"
        "from shared.services import definition\n"
        "from shared.settings import PlatformSettings\n"
        f"create_app(definition({service!r}), PlatformSettings(log_format='text'))\n"
        f"print('\\n'.join(m for m in sys.modules if m.startswith({TOOLING!r})))\n"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()

    assert loaded == []
