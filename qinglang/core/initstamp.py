"""A stamp of init's sources, read without starting Django, so `qinglang up` starts at once.

`qinglang init` writes it into QINGLANG_HOME when the database is current. It digests what
decides whether init has work to do and can be read from files alone: every migration, every
demo module, the reference data and the database address. When the stamp on disk matches,
`up` starts the web server and the worker before its own (full) check of the database; a check
that finds work after all (a database emptied or replaced behind the stamp) restarts them after
init has run.
"""

from __future__ import annotations

import hashlib
import os
from importlib.util import find_spec
from pathlib import Path

STAMP_FILE = ".init-stamp"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _home() -> Path:
    # The same default as the settings (qinglang/settings/base.py).
    return Path(os.environ.get("QINGLANG_HOME", PACKAGE_DIR.parent / "var")).resolve()


def source_stamp(*, demo: bool) -> str:
    """Return a digest of migrations, demo modules, reference data and the database address."""
    digest = hashlib.sha256(f"demo={demo}\0".encode())
    digest.update(os.environ.get("QINGLANG_DATABASE_URL", "").encode() + b"\0")
    digest.update(os.environ.get("QINGLANG_DEMO_PASSWORD", "").encode() + b"\0")
    files = sorted(PACKAGE_DIR.glob("*/migrations/*.py"))
    files += [PACKAGE_DIR / "core" / "regions.py", PACKAGE_DIR / "core" / "initstate.py"]
    if demo:
        files += sorted(PACKAGE_DIR.glob("*/demo*.py"))
    spec = find_spec("stdnum")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin).parent / "cn" / "loc.dat")
    for path in files:
        digest.update(f"\0{path.relative_to(path.parents[1])}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def matches(*, demo: bool) -> bool:
    """Return whether the stamp in QINGLANG_HOME is the one these sources give."""
    try:
        return (_home() / STAMP_FILE).read_text() == source_stamp(demo=demo)
    except OSError:
        return False


def write(*, demo: bool) -> None:
    """Record that the database is current for these sources."""
    (_home() / STAMP_FILE).write_text(source_stamp(demo=demo))


def clear() -> None:
    """Forget the stamp (init is about to change the database)."""
    (_home() / STAMP_FILE).unlink(missing_ok=True)
