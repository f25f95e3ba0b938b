"""The `qinglang` command: init, up, worker, token, manage, and the apps' own commands."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SETTINGS_MODULES = {
    "embedded": "qinglang.settings.embedded",
    "production": "qinglang.settings.production",
    "test": "qinglang.settings.test",
}
# Threads of the worker that serves the network-bound queue (captures, mail) under `up`.
IO_THREADS = 4


def _setup_django() -> None:
    """Select settings: QINGLANG_SETTINGS (embedded/production), else DJANGO_SETTINGS_MODULE."""
    mode = os.environ.get("QINGLANG_SETTINGS")
    if mode:
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULES.get(mode, mode)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULES["embedded"])
    import django

    django.setup()


def _manage(argv: list[str]) -> None:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["qinglang manage", *argv])


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent() -> Callable[[], None] | None:
    """Return a pre-exec hook giving the child SIGTERM when `up` dies, even by SIGKILL (Linux).

    `up` stops its children in order when it is asked to; killed outright it cannot, and
    gunicorn and the workers would go on serving and sending the schedule with nobody to
    supervise them. The kernel's parent-death signal survives exec. It fires when the forking
    thread ends, so children are only started from `up`'s main thread. libc is loaded here,
    before the fork: the hook itself only makes two system calls. Elsewhere (no prctl) the
    service manager kills the whole group (systemd's KillMode=control-group, the default).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # `up` died between the fork and the prctl
            os._exit(1)

    return hook


@dataclass
class Child:
    """One supervised process of `qinglang up`: restarted with back-off whenever it dies."""

    name: str
    cmd: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None

    def start(self, env: dict[str, str]) -> None:
        # Its own session: Ctrl-C reaches only `qinglang up`, which stops children in order
        # (a second signal in the children would turn a warm shutdown cold); on Linux, a
        # parent-death signal: they stop too if `up` is killed outright.
        self.proc = subprocess.Popen(
            self.cmd, env=env, start_new_session=True, preexec_fn=_die_with_parent()
        )
        self.started_at, self.restart_at = time.monotonic(), None

    def end_group(self) -> None:
        """Kill what is left of the child's process group once the child itself has exited.

        A child killed with SIGKILL cannot stop what it started: the worker's embedded beat
        would go on sending the schedule beside the restarted worker's own beat (its pool
        processes die with it), and a web server's workers would hold the port. The child leads
        a session of its own, so its group is exactly what it started, and the group id stays
        taken (it cannot name another process) while any member remains.
        """
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left
            os.killpg(self.proc.pid, signal.SIGKILL)

    def check(self, now: float, env: dict[str, str]) -> None:
        """Restart a dead child: 1 s, 2 s, 4 s … up to 30 s; a child that ran a minute resets."""
        if self.proc is not None and self.proc.poll() is not None and self.restart_at is None:
            self.end_group()
            if now - self.started_at > 60:
                self.failures = 0
            delay = min(30.0, 2.0**self.failures)
            self.failures += 1
            print(
                f"qinglang up: {self.name} (pid {self.proc.pid}) exited with "
                f"{self.proc.returncode}; restarting in {delay:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            self.restart_at = now + delay
        if self.restart_at is not None and now >= self.restart_at:
            self.start(env)
            print(f"qinglang up: {self.name} restarted (pid {self.proc.pid})", flush=True)  # type: ignore[union-attr]


def _web_command(args: argparse.Namespace) -> list[str]:
    """Return the gunicorn command line of `qinglang up`."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:qinglang.gunicorn_conf",
        "qinglang.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
    ]


def _wait_for_answer(args: argparse.Namespace, web: Child, limit: float = 20.0) -> None:
    """Wait until the web server answers (or dies, or `limit` s pass): it starts alone."""
    import urllib.request

    url = f"http://{args.host}:{args.port}/healthz"
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and web.proc is not None and web.proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.05)


class _Signals:
    """SIGINT and SIGTERM for `qinglang up`, installed before its first child starts.

    Until the supervisor loop runs, a signal interrupts what `up` is doing (the check, init) as
    Ctrl-C does, and `cmd_up` stops every child already started, the worker included; in the
    loop it only asks the loop to stop them in order. The previous handlers come back at the end.
    """

    def __init__(self) -> None:
        self.in_loop = False
        self.stopping = False
        self.received: int = signal.SIGINT
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, _frame: object) -> None:
        self.received = signum
        if self.in_loop:
            self.stopping = True
        else:
            raise KeyboardInterrupt(signal.Signals(signum).name)


def cmd_up(args: argparse.Namespace) -> int:
    """Initialise with demo data, then supervise the web server and a worker until Ctrl-C."""
    from qinglang.core import initstamp

    # On a home whose stamp matches, the web server starts first and alone; this process then
    # checks the database (a Django start-up of its own) and starts the worker.
    early = initstamp.matches(demo=True)
    env = dict(os.environ)
    children = [Child("web", _web_command(args))]
    with _Signals() as signals:
        try:
            if early:
                children[0].start(env)
            return _up(args, env, children, signals, early=early)
        except KeyboardInterrupt:
            # A signal before the supervisor loop began: stop whatever already runs.
            signals.in_loop = True  # a second Ctrl-C must not interrupt the stopping
            _stop(children)
            print("清朗 Qinglang stopped.", flush=True)
            return 128 + int(signals.received)


def _up(
    args: argparse.Namespace,
    env: dict[str, str],
    children: list[Child],
    signals: _Signals,
    *,
    early: bool,
) -> int:
    web_child = children[0]
    if early:
        _wait_for_answer(args, web_child)
    _setup_django()
    from django.conf import settings

    from qinglang.core import initstate

    celery = [sys.executable, "-m", "celery", "-A", "qinglang", "worker", "--loglevel", "INFO"]
    # Two workers: processes for the analyses (and beat), threads for the tasks that wait on
    # the network (captures, mail), so a slow website never holds an analysis up.
    worker = [
        *celery,
        *("--hostname", "analysis@%h", "--queues", settings.CELERY_TASK_DEFAULT_QUEUE),
        *("--concurrency", "2", "--beat"),
        *("--schedule", str(settings.QINGLANG_HOME / "celerybeat-schedule")),
    ]
    io_worker = [
        *celery,
        *("--hostname", "io@%h", "--queues", settings.QINGLANG_IO_QUEUE),
        *("--pool", "threads", "--concurrency", str(IO_THREADS)),
    ]
    worker_child = Child("worker", worker)
    io_child = Child("io-worker", io_worker)
    children += [worker_child, io_child]
    current = initstate.is_current(initstate.fingerprint(demo=True))
    static_marker = settings.STATIC_ROOT / ".qinglang-sources"
    static_before = static_marker.read_text() if static_marker.exists() else None
    _manage(["qinglang_init", "--demo"])
    if early and static_marker.exists() and static_marker.read_text() != static_before:
        current = False  # collectstatic ran: the web server must read the new manifest
    if early and not current:
        print("qinglang up: init changed something; restarting the web server", flush=True)
        _stop([web_child])
    if not early or not current:
        web_child.start(env)
    # The worker (its pool loads the analysis dictionaries) starts once the check is done, so
    # that on two cores it does not delay the web server's first answer.
    worker_child.start(env)
    io_child.start(env)
    print(f"清朗 Qinglang: http://{args.host}:{args.port}/  (Ctrl-C 停止 / to stop)", flush=True)
    signals.in_loop = True
    while not signals.stopping:
        now = time.monotonic()
        for child in children:
            child.check(now, env)
        time.sleep(0.5)
    _stop(children)
    print("清朗 Qinglang stopped.", flush=True)
    return 0


def _stop(children: list[Child], *, timeout: float = 30.0) -> None:
    """Stop the children in order: SIGTERM to each, then wait (killing one that hangs).

    Whatever a child leaves behind in its process group (a killed worker's beat) goes too.
    """
    started = [(c, c.proc) for c in children if c.proc is not None]
    for _child, proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for child, proc in started:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        child.end_group()


def cmd_worker(args: argparse.Namespace) -> int:
    """Become a Celery worker (signals such as Ctrl-C then go straight to Celery)."""
    _setup_django()
    cmd = [sys.executable, "-m", "celery", "-A", "qinglang", "worker", "--loglevel", "INFO"]
    if args.concurrency:
        cmd += ["--concurrency", str(args.concurrency)]
    if args.queues:
        cmd += ["--queues", args.queues]
    if args.pool:
        cmd += ["--pool", args.pool]
    if args.beat:
        from django.conf import settings

        cmd += ["--beat", "--schedule", str(settings.QINGLANG_HOME / "celerybeat-schedule")]
    os.execv(sys.executable, cmd)  # noqa: S606 - fixed program, our own arguments
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="qinglang", description="清朗 Qinglang")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="migrate, load reference data (and demo data)")
    init.add_argument("--demo", action="store_true")
    up = sub.add_parser("up", help="init --demo, then run the web server and a worker")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--workers", type=int, default=2)
    worker = sub.add_parser("worker", help="run a Celery worker")
    worker.add_argument(
        "--beat",
        action="store_true",
        help="also run the scheduler (exactly one process in a deployment)",
    )
    worker.add_argument("--concurrency", type=int, default=0, help="worker processes")
    worker.add_argument(
        "--queues",
        default="",
        help="only these queues, comma-separated: celery (analyses, the default), io (network)",
    )
    worker.add_argument(
        "--pool", choices=["prefork", "threads"], default="", help="threads suits --queues io"
    )
    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create")
    create.add_argument("username")
    create.add_argument("--name", default="")
    sub.add_parser("manage", help="run a Django management command", add_help=False)
    sub.add_parser(
        "analysis", help="text analysis (extract, classify, train, export-labels)", add_help=False
    )

    if argv and argv[0] == "manage":
        _manage(argv[1:])
        return 0
    if argv and argv[0] == "analysis":
        from qinglang.analysis.cli import main as analysis_main

        return analysis_main(
            argv[1:], export_labels=lambda extra: _manage(["export_labels", *extra])
        )
    if argv and argv[0] not in {"init", "up", "worker", "token", "-h", "--help"}:
        # Any other word is an app's management command: `qinglang ledger verify`, …
        _manage(argv)
        return 0
    args = parser.parse_args(argv)
    if args.command == "init":
        _manage(["qinglang_init", *(["--demo"] if args.demo else [])])
        return 0
    if args.command == "up":
        return cmd_up(args)
    if args.command == "worker":
        return cmd_worker(args)
    if args.command == "token":
        _manage(["api_token", "create", args.username, "--name", args.name])
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
