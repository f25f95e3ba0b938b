"""The `qinglang` command: init, up, worker, token, manage, and the apps' own commands."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

SETTINGS_MODULES = {
    "embedded": "qinglang.settings.embedded",
    "production": "qinglang.settings.production",
    "test": "qinglang.settings.test",
}


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


def cmd_up(args: argparse.Namespace) -> int:
    """Initialise with demo data, then run the web server and a worker until Ctrl-C."""
    from django.conf import settings

    _manage(["qinglang_init", "--demo"])
    env = dict(os.environ)
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "qinglang.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
    ]
    worker = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "qinglang",
        "worker",
        "--beat",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--schedule",
        str(settings.QINGLANG_HOME / "celerybeat-schedule"),
    ]
    # Children get their own session: Ctrl-C reaches only this process, which then stops
    # them in order (a second signal in the children would turn a warm shutdown cold).
    procs = [subprocess.Popen(cmd, env=env, start_new_session=True) for cmd in (web, worker)]
    print(f"清朗 Qinglang: http://{args.host}:{args.port}/  (Ctrl-C 停止 / to stop)", flush=True)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for proc in procs:
            if proc.poll() is not None:
                name = proc.args[2]  # type: ignore[index]  # the command line is a list
                print(f"process {name!s} exited with {proc.returncode}", file=sys.stderr)
                stopping, code = True, proc.returncode or 1
        time.sleep(0.5)
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print("清朗 Qinglang stopped.", flush=True)
    return code


def cmd_worker(args: argparse.Namespace) -> int:
    """Become a Celery worker (signals such as Ctrl-C then go straight to Celery)."""
    _setup_django()
    cmd = [sys.executable, "-m", "celery", "-A", "qinglang", "worker", "--loglevel", "INFO"]
    if args.concurrency:
        cmd += ["--concurrency", str(args.concurrency)]
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
    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create")
    create.add_argument("username")
    create.add_argument("--name", default="")
    sub.add_parser("manage", help="run a Django management command", add_help=False)
    sub.add_parser("analysis", help="text analysis tools (extract)", add_help=False)

    if argv and argv[0] == "manage":
        _manage(argv[1:])
        return 0
    if argv and argv[0] == "analysis":
        from qinglang.analysis.cli import main as analysis_main

        return analysis_main(argv[1:])
    if argv and argv[0] not in {"init", "up", "worker", "token", "-h", "--help"}:
        # Any other word is an app's management command: `qinglang ledger verify`, …
        _manage(argv)
        return 0
    args = parser.parse_args(argv)
    if args.command == "init":
        _manage(["qinglang_init", *(["--demo"] if args.demo else [])])
        return 0
    if args.command == "up":
        _setup_django()
        return cmd_up(args)
    if args.command == "worker":
        return cmd_worker(args)
    if args.command == "token":
        _manage(["api_token", "create", args.username, "--name", args.name])
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
