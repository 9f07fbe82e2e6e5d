"""pip-audit over the locked dependencies (every extra), failing on any known vulnerability.

pip-audit asks PyPI's JSON API (`/pypi/<name>/<version>/json`) for each locked version. A
PyPI mirror or proxy may not serve that API: then nothing could be audited, and this says
so loudly instead of passing as if the audit had run.

Usage: python deploy/audit.py REQUIREMENTS.txt   (exported from uv.lock by `./run audit`)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main(requirements: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--require-hashes",
         "--disable-pip", "--progress-spinner", "off", "-f", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stderr, file=sys.stderr)
        return 1
    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for d in vulnerable:
        for v in d["vulns"]:
            fixed = ", ".join(v.get("fix_versions", [])) or "no fixed version"
            print(f"pip-audit: {d['name']} {d['version']}: {v['id']} (fixed in {fixed})")
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {audited} of {len(dependencies)} locked packages audited, "
          f"{len(vulnerable)} with known vulnerabilities")  # fmt: skip
    if skipped and audited == 0:
        print(
            "pip-audit: WARNING: NO AUDIT WAS PERFORMED: the package index does not serve "
            "PyPI's per-version JSON API here; run `./run audit` where pypi.org is reachable"
        )
    elif skipped:
        print(f"pip-audit: could not audit: {', '.join(d['name'] for d in skipped)}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
