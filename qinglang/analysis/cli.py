"""`qinglang analysis extract|classify|train|export-labels`.

`extract` and `classify` read text on stdin and print JSON on stdout. `train` refits the genre
model from the corpus (scikit-learn, offline) and rewrites the shipped weights. `export-labels`
writes the labels that handlers' decisions produce (it needs the database, so it runs the
Django command `export_labels`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

EXTRACT_HELP = """\
print the identifiers found, as a JSON list of {kind, value, start, end}; start/end are
offsets into the input. Values: qq digits; wechat lower-case ID (or the bound mobile as 11
digits); phone E.164 (+8613812345678, +861062345678); email lower-case; url as written with a
scheme; domain registrable, lower-case; bank_card digits; alipay as written: a phone-shaped
account as 11 digits, an e-mail account lower-case; uscc upper-case; icp with the site suffix
(京ICP备12345678号-1), correlation also indexes the main number (京ICP备12345678号)."""


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")


def _print(result: object) -> None:
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def main(
    argv: list[str] | None = None,
    *,
    export_labels: Callable[[list[str]], None] | None = None,
) -> int:
    """Run one analysis subcommand and print its result."""
    parser = argparse.ArgumentParser(
        prog="qinglang analysis",
        description="Analyse text read on standard input; train the genre model.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "extract",
        help="print the identifiers found, as JSON",
        description=EXTRACT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_parser(
        "classify",
        help='print {"genre", "category", "score", "reasons"} as JSON',
        description="genre (offer threat report rules fiction other); category only for offer "
        "and threat, else null; score 0..1 (how likely the text holds an offer or a threat); "
        "reasons: phrases with start/end offsets into the input and their weight.",
    )
    train = sub.add_parser("train", help="refit the genre model from the corpus and write it")
    train.add_argument(
        "--output", type=Path, default=None, help="write here instead of the shipped model file"
    )
    train.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="also train on this JSON-lines file (e.g. from export-labels); repeatable",
    )
    export = sub.add_parser(
        "export-labels",
        help="print labels from handler decisions as JSON lines {text, genre, label, source}",
    )
    export.add_argument("--output", type=Path, default=None, help="write to a file, not stdout")
    args = parser.parse_args(argv)
    if args.command == "extract":
        from qinglang.analysis.identifiers import extract

        _print([identifier.as_dict() for identifier in extract(_read_stdin())])
    elif args.command == "classify":
        from qinglang.analysis.classify import classify

        _print(classify(_read_stdin()).as_dict())
    elif args.command == "train":
        return _train(args.output, args.extra)
    else:
        # Labels come from handlers' decisions in the database: the `qinglang` command passes
        # the Django-aware exporter in, so this package itself never imports Django.
        if export_labels is None:
            print("export-labels runs through the `qinglang analysis` command", file=sys.stderr)
            return 2
        export_labels(["--output", str(args.output)] if args.output else [])
    return 0


def _train(output: Path | None, extra: list[Path]) -> int:
    from qinglang.analysis import training
    from qinglang.analysis.genre import MODEL_PATH

    paths = None
    if extra:
        paths = [*sorted(training.CORPUS_DIR.glob("*.jsonl")), *extra]
    target = output or MODEL_PATH
    data = training.train(target, paths)
    print(f"wrote {target} ({len(data)} bytes)", file=sys.stderr)
    return 0
