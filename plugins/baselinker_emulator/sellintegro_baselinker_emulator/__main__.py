"""``python -m sellintegro_baselinker_emulator [options]`` -- the same as ``sellintegro baselinker emulator``."""

from __future__ import annotations

import argparse
import sys

from sellintegro_core.api import SellintegroError

from .cli import run, setup_parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sellintegro_baselinker_emulator",
                                     description="Run a local BaseLinker API emulator (connector.php).")
    setup_parser(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except SellintegroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)


if __name__ == "__main__":
    sys.exit(main())
