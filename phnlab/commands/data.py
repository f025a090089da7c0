"""`phnlab data list | get | show`: what data is where, fetch it, look at a stream (Figure 5)."""

from __future__ import annotations

import json
from pathlib import Path

from ..choices import STREAM_KINDS
from ..config import BOOK_PRESET, PRESETS
from ..errors import BadInput

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("data", help="data sets: list, get (download / generate), show a stream")
    p.set_defaults(func=_need_action)
    actions = p.add_subparsers(dest="data_action", metavar="ACTION", parser_class=type(p))

    a = actions.add_parser("list", help="every data set, present or not, where, sizes")
    a.add_argument("--data-root", help="data directory (default: $PHNLAB_DATA or ~/.cache/phnlab/data)")
    a.add_argument("--json", action="store_true", help="print a JSON list")
    a.set_defaults(func=run_list)

    a = actions.add_parser("get", help="download a real data set / generate a synthetic one")
    a.add_argument("name", help="data set name (see `phnlab data list`)")
    a.add_argument("--data-root", help="data directory (default: $PHNLAB_DATA or ~/.cache/phnlab/data)")
    a.set_defaults(func=run_get)

    a = actions.add_parser("show", help="a grid of samples per experience of a stream (PNG)")
    a.add_argument("stream", choices=STREAM_KINDS)
    a.add_argument("--dataset", help="data set (default: the preset's)")
    a.add_argument("--dataset2", help="second data set of a transfer stream")
    a.add_argument("--seed", type=int, default=0, help="stream seed (class order and samples)")
    a.add_argument("--out", required=True, help="output .png file")
    a.add_argument("--preset", default=BOOK_PRESET, choices=tuple(PRESETS),
                   help=f"preset giving the stream's sizes (default: {BOOK_PRESET})")
    a.add_argument("--per-experience", type=int, default=8, help="images per experience (row)")
    a.add_argument("--data-root", help="data directory (default: $PHNLAB_DATA or ~/.cache/phnlab/data)")
    a.set_defaults(func=run_show)


def _need_action(args) -> int:
    raise BadInput("missing action; allowed: list, get, show (see `phnlab data --help`)")


def _fmt(v) -> str:
    return "-" if v is None else f"{v:,}" if isinstance(v, int) else str(v)


def run_list(args) -> int:
    from ..data.datasets import DATASETS, dataset_info
    from ..data.synthetic import DOMAINS as SYNTHETIC

    rows = [dataset_info(name, args.data_root) for name in DATASETS]
    if args.json:
        keys = ("name", "present", "train_size", "test_size", "num_classes", "path")
        print(json.dumps([{k: r.get(k) for k in keys} | ({"error": r["error"]} if "error" in r else {}) for r in rows]))
        return 0
    print(f"{'name':<20}{'present':<9}{'train':>9}{'test':>9}{'classes':>9}  path")
    for r in rows:
        state = "CORRUPT" if "error" in r else "yes" if r["present"] else "on use" if r["name"] in SYNTHETIC else "no"
        print(f"{r['name']:<20}{state:<9}{_fmt(r['train_size']):>9}{_fmt(r['test_size']):>9}"
              f"{_fmt(r['num_classes']):>9}  {r['path']}")
    for r in rows:
        if "error" in r:
            print(f"  {r['name']}: {r['error']}")
    return 0


def run_get(args) -> int:
    from ..data.datasets import download_dataset

    info = download_dataset(args.name, data_root=args.data_root)
    if "error" in info:
        from ..errors import DataCorrupt

        raise DataCorrupt(info["error"])
    print(f"{info['name']}: present at {info['path']} ({_fmt(info['train_size'])} train / "
          f"{_fmt(info['test_size'])} test images, {_fmt(info['num_classes'])} classes)")
    return 0


def run_show(args) -> int:
    from ..config import get_preset
    from ..files import atomic_write
    from ..data.streams import STREAM_KINDS, build_stream

    if args.stream not in STREAM_KINDS:
        raise BadInput(f"unknown stream {args.stream!r}; allowed: {', '.join(STREAM_KINDS)}")
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise BadInput(f"--out {args.out!r} must end in .png")
    if not out.parent.resolve().is_dir():
        raise BadInput(f"--out directory {out.parent} does not exist; allowed: a file in an existing directory")
    if not 1 <= args.per_experience <= 32:
        raise BadInput(f"--per-experience {args.per_experience} is not allowed; allowed: 1..32")
    preset = get_preset(args.preset)
    stream = build_stream(args.stream, preset=preset, seed=args.seed, dataset=args.dataset,
                          dataset2=args.dataset2, data_root=args.data_root)
    from ..book.grids import render_stream_grid

    fig = render_stream_grid(stream, args.per_experience, seed=args.seed)
    atomic_write(out, lambda f: fig.savefig(f, format="png", dpi=130))  # Agg canvas
    print(f"wrote {out} ({len(stream)} experiences × {args.per_experience} images)")
    return 0
