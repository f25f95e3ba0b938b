"""`qinglang up` on an initialised home: time to the first answer, and the first analysis.

    uv run python -m bench.cold_start [--repeat 3] [--no-bytecode] [--compare-root DIR]

Initialises a temporary QINGLANG_HOME with a first `qinglang up` (timed too: a new home), then
starts `qinglang up` on it again `--repeat` times and prints the seconds from starting the command
to the first 200 on `/healthz` and on `/`, next to baselines measured in the same run,
interleaved: `python -c "import django"` and a bare gunicorn serving a one-line WSGI app (same
gunicorn settings). Bytecode is compiled once into a cache of the run's own (what
`uv sync --compile-bytecode` gives an install); `--no-bytecode` measures without.
`--compare-root` runs another checkout side by side (e.g. `git archive main` unpacked) for a
before/after in one run.

In the last run of each tree it submits reports one at a time through the public API and reads
the worker's log: the seconds of each worker process's first `analyse_report` next to the later
ones (the dictionaries load at worker start, so the first is no slower).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._up import REPORT, ROOT, Up, free_port, up_env, wait_for

SUCCEEDED = re.compile(
    r"INFO/(?P<proc>[\w-]+)\] Task qinglang\.intake\.tasks\.analyse_report\[[^\]]+\] "
    r"succeeded in (?P<seconds>[\d.]+)s"
)


def _import_django(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import django"], env=env, check=True)
    return time.monotonic() - started


def _bare_gunicorn(env: dict[str, str]) -> float:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - fixed program, our own arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:qinglang.gunicorn_conf",
            "bench._trivial_wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return wait_for([f"http://127.0.0.1:{port}/"], proc, started, 120)[0]
    finally:
        proc.terminate()
        proc.wait()


def _up_once(env: dict[str, str], log: Path, *, analyse: int = 0) -> tuple[float, float, str]:
    up = Up(env, log)
    try:
        healthz, home = wait_for([f"{up.base}/healthz", f"{up.base}/"], up.proc, up.started, 600)
        deadline = time.monotonic() + 300
        while "ready." not in up.text():
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not start")
            time.sleep(0.2)
        for n in range(1, analyse + 1):
            _submit(up.base)
            while len(SUCCEEDED.findall(up.text())) < n:
                if time.monotonic() > deadline:
                    raise RuntimeError("the analysis did not run")
                time.sleep(0.05)
    finally:
        up.stop()
    return healthz, home, up.text()


def _submit(base: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - a local URL
        f"{base}/api/v1/reports/",
        data=json.dumps(REPORT).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local URL
        assert response.status == 201


def _analyses(text: str, since: int) -> tuple[list[float], list[float]]:
    """Return (each process's first analysis, the later ones) in seconds, from log offset."""
    first: list[float] = []
    later: list[float] = []
    seen: set[str] = set()
    for match in SUCCEEDED.finditer(text, since):
        seconds = float(match["seconds"])
        (later if match["proc"] in seen else first).append(seconds)
        seen.add(match["proc"])
    return first, later


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--analyses", type=int, default=6, help="reports analysed in the last run")
    parser.add_argument("--no-bytecode", action="store_true")
    parser.add_argument("--compare-root", type=Path, action="append", default=[])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qinglang-cold-"))
    bytecode = None if args.no_bytecode else work / "pycache"
    trees = [("this tree", ROOT), *((str(p), p.resolve()) for p in args.compare_root)]
    envs = {}
    print(f"bytecode: {'none' if bytecode is None else 'compiled once into ' + str(bytecode)}")
    for name, root in trees:
        home = work / f"home-{len(envs)}"
        home.mkdir()
        envs[name] = up_env(home, bytecode=bytecode, root=root)
        healthz, page, _text = _up_once(envs[name], home / "up.log")
        print(f"{name}: new home, first 200 on /healthz {healthz:.2f} s, on / {page:.2f} s")
    base_env = up_env(work, bytecode=bytecode)
    _bare_gunicorn(base_env)  # compiles gunicorn's bytecode before anything is timed
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    django_s, bare_s = [], []
    analysis: dict[str, tuple[list[float], list[float]]] = {}
    for round_ in range(args.repeat):
        django_s.append(_import_django(base_env))
        bare_s.append(_bare_gunicorn(base_env))
        last = round_ == args.repeat - 1
        for name, _root in trees:
            log = Path(envs[name]["QINGLANG_HOME"]) / "up.log"
            since = log.stat().st_size
            healthz, page, text = _up_once(envs[name], log, analyse=args.analyses if last else 0)
            results[name].append((healthz, page))
            if last:
                analysis[name] = _analyses(text, since)
    django_m, bare_m = statistics.median(django_s), statistics.median(bare_s)
    print(f"\nbaseline: python -c 'import django' {django_m:.2f} s (median of {args.repeat})")
    print(f"baseline: bare gunicorn, one-line WSGI app, first 200 {bare_m:.2f} s")
    print("\ninitialised home, median of", args.repeat, "(ratio to the bare gunicorn)")
    print(f"{'tree':<40} {'/healthz s':>10} {'ratio':>6} {'/ s':>7} {'ratio':>6}")
    for name, rows in results.items():
        healthz = statistics.median(r[0] for r in rows)
        page = statistics.median(r[1] for r in rows)
        print(
            f"{name:<40} {healthz:>10.2f} {healthz / bare_m:>6.1f} "
            f"{page:>7.2f} {page / bare_m:>6.1f}"
        )
    print("\nanalyse_report in the worker (seconds, as Celery logs them)")
    for name, (first, later) in analysis.items():
        later_m = statistics.median(later) if later else float("nan")
        print(
            f"{name:<40} first per process {', '.join(f'{s:.2f}' for s in first)}; "
            f"later median {later_m:.3f} (n={len(later)}); "
            f"ratio first/later {max(first, default=0) / later_m:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
