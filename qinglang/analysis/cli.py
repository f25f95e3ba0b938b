"""`qinglang analysis extract|classify`: read text on stdin, print JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")


def main(argv: list[str]) -> int:
    """Run one analysis subcommand on stdin and print its JSON result."""
    parser = argparse.ArgumentParser(
        prog="qinglang analysis", description="Analyse text read on standard input."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="print the identifiers found, as a JSON list")
    sub.add_parser("classify", help="print the report category, score and reasons, as JSON")
    args = parser.parse_args(argv)
    text = _read_stdin()
    if args.command == "extract":
        from qinglang.analysis.identifiers import extract

        result: object = [identifier.as_dict() for identifier in extract(text)]
    else:
        from qinglang.analysis.classify import classify

        result = classify(text).as_dict()
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
