"""The `phnlab` command line: one subcommand per module in `phnlab.commands`.

Bad input ends with one line on stderr and exit code 2, never a traceback. A run or sweep stopped by
SIGTERM / SIGINT ends with one line saying how to resume and exit code 128 + the signal (143 / 130).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from .errors import PhnlabError
from .experiments.stopping import Interrupted

__all__ = ["main", "COMMANDS"]

# subcommand -> module in phnlab.commands that defines `register(subparsers)`; imported lazily so that
# a light command does not pay for torch/avalanche imports it does not need.
COMMANDS = {
    "params": "params",
    "data": "data",
    "run": "run",
    "sweep": "sweep",
    "results": "results",
    "bench": "bench",
    "store": "store",
    "reproduce": "reproduce",
}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2, named by the command ("phnlab run"),
    and a value outside an option's choices reads as every other refusal: what is wrong, what is allowed."""

    def error(self, message):  # noqa: D401 - argparse API
        found = re.fullmatch(r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", message)
        if found:
            name, value, allowed = found.groups()
            message = f"{name.split('/')[-1]} {value} is not allowed; allowed: {allowed.replace(chr(39), '')}"
        self.exit(2, f"{' '.join(self.prog.split()[:2])}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = OneLineParser(prog="phnlab", description="Partial Hypernetworks for Continual Learning")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=f"see `phnlab {name} --help`", add_help=False)
            continue
        try:
            mod = importlib.import_module(f"phnlab.commands.{module}")
        except ModuleNotFoundError as e:
            if e.name != f"phnlab.commands.{module}":
                raise
            continue
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    wanted = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=wanted if wanted in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors (exit 2) and --help (exit 0)
        return int(e.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except Interrupted as e:  # SIGTERM / SIGINT at a step boundary: the store can resume it
        print(f"phnlab {args.command}: {e}", file=sys.stderr)
        return 128 + e.signum
    except PhnlabError as e:
        print(f"phnlab {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"phnlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`phnlab results list | head`): nothing more to say
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())
