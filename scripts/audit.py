"""Audit the locked Python and npm dependencies; see scripts/audit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def python_findings() -> tuple[list[str], list[str]] | None:
    """Return (fixable, unfixable) findings, or None when the service is unreachable."""
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        subprocess.run(  # noqa: S603 - fixed program and arguments
            [
                shutil.which("uv") or "uv",
                "export",
                "--frozen",
                "--no-hashes",
                "--all-extras",
                "--no-emit-project",
                "--output-file",
                str(requirements),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        result = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--requirement",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--format",
                "json",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        say(f"warning: pip-audit could not run: {result.stderr.strip()[-500:]}")
        return None
    fixable, unfixable = [], []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            line = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixable.append(line)
    return fixable, unfixable


def npm_findings() -> tuple[list[str], list[str]] | None:
    npm = shutil.which("npm")
    if npm is None:
        say("warning: npm is not installed; npm audit skipped")
        return None
    result = subprocess.run(  # noqa: S603
        [npm, "audit", "--json", "--package-lock-only"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout or "{}")
    except ValueError:
        say(f"warning: npm audit could not run: {result.stderr.strip()[-500:]}")
        return None
    if "error" in report:
        say(
            f"warning: npm audit could not reach the registry: {report['error'].get('summary', '')}"
        )
        return None
    fixable, unfixable = [], []
    for name, vuln in report.get("vulnerabilities", {}).items():
        line = f"{name} ({vuln.get('severity')}): {vuln.get('range', '')}"
        (fixable if vuln.get("fixAvailable") else unfixable).append(line)
    return fixable, unfixable


def main() -> int:
    failed = False
    for label, findings in (("Python", python_findings()), ("npm", npm_findings())):
        if findings is None:
            continue
        fixable, unfixable = findings
        for line in unfixable:
            say(f"note: {label} vulnerability without a fixed release yet: {line}")
        for line in fixable:
            say(f"FAIL: {label} vulnerability with a fix available: {line}")
        failed = failed or bool(fixable)
        if not fixable and not unfixable:
            say(f"{label}: no known vulnerabilities")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
