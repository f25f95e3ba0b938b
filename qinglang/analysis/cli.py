"""`qinglang analysis …` (placeholder until the extraction module lands)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    print("usage: qinglang analysis extract < text", file=sys.stderr)
    return 2
