"""`phnlab run`: one continual-learning run through the results store."""

from __future__ import annotations

import json

from ..choices import FREEZE_DEPTHS, LOOKAHEAD_MODES, STREAM_KINDS
from ..config import BOOK_PRESET, DEFAULT_RESULTS_DIR, PRESETS
from ..experiments.logs import LOG_BACKENDS, check_log
from ..strategies import registry

__all__ = ["register", "add_common", "add_overrides", "overrides_of"]


def add_common(p) -> None:
    """Options shared by run and sweep."""
    p.add_argument("--preset", default=BOOK_PRESET, choices=tuple(PRESETS),
                   help=f"sizes, schedule and hyperparameters (default: {BOOK_PRESET}, the one `make book` runs)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--results-dir", default=DEFAULT_RESULTS_DIR, help="the results store (default: ./results)")
    p.add_argument("--data-root", default=None, help="where data sets live (default: $PHNLAB_DATA or the cache)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--log", default=None, choices=LOG_BACKENDS,
                   help="also write each run's loss and accuracy curves beside it, in <results-dir>/<key>/logs/ "
                        "(Avalanche's loggers; tensorboard and wandb: pip install 'phnlab[logging]')")


def add_overrides(p, epochs_help: str) -> None:
    """--epochs N and --set FIELD=VALUE: preset fields changed for a run (and selected by `results`)."""
    p.add_argument("--epochs", type=int, default=None, help=epochs_help)
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="overrides",
                   help="a preset field, e.g. --set task_lr=0.01 --set reg_tasks_per_step=8 (repeatable)")


def overrides_of(args) -> tuple[tuple[str, object], ...]:
    from ..config import Preset

    overrides = dict(Preset.parse_override(text) for text in args.overrides)
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    return tuple(sorted(overrides.items()))


def register(sub) -> None:
    p = sub.add_parser("run", help="run one strategy on one stream (skipped when stored)")
    p.add_argument("--stream", required=True, choices=STREAM_KINDS)
    p.add_argument("--dataset", default=None, help="data set (default: the preset's)")
    p.add_argument("--dataset2", default=None, help="second data set of the transfer stream")
    p.add_argument("--strategy", required=True, choices=registry.names(),
                   help="; ".join(f"{i.name}: {i.description or i.label}" for i in registry.identities().values()))
    p.add_argument("--freeze-depth", type=int, default=0, choices=FREEZE_DEPTHS, help="k (hn: 0 = HN-F)")
    p.add_argument("--lookahead", default="first", choices=LOOKAHEAD_MODES, help="look-ahead of hn (default: first)")
    p.add_argument("--replay-coef", type=float, default=1.0, help="c, weight of the replay loss (lr)")
    p.add_argument("--seed", type=int, default=0)
    add_overrides(p, "override the preset's epochs per experience")
    p.add_argument("--json", action="store_true", help="end with one JSON object of the metrics")
    p.add_argument("--no-wait", dest="wait", action="store_false",
                   help="exit 2 when another process is computing this run (default: wait for it, then print it)")
    add_common(p)
    p.set_defaults(func=main)


def main(args) -> int:
    import sys

    from ..experiments.runner import run
    from ..experiments.spec import RunSpec
    from ..experiments.stopping import graceful
    from ..experiments.store import SpecLocked

    overrides = overrides_of(args)
    spec = RunSpec(args.stream, args.strategy, args.freeze_depth, args.lookahead, args.replay_coef, args.seed,
                   args.preset, args.dataset, args.dataset2, overrides)
    kwargs = dict(results_dir=args.results_dir, device=args.device, data_root=args.data_root, quiet=args.quiet,
                  log=check_log(args.log))
    with graceful():
        try:
            result = run(spec, **kwargs)
        except SpecLocked:
            if not args.wait:
                raise
            print(f"phnlab run: {spec.label()} ({spec.key()}) is being computed by another process; waiting for it "
                  "(--no-wait to exit instead)", file=sys.stderr, flush=True)
            result = run(spec, **kwargs, wait=True)
            if result.computed:  # the other process stopped before the end; this one took over from its checkpoint
                print(f"phnlab run: the other process stopped before finishing; resumed from experience "
                      f"{result.resumed_from + 1} here", file=sys.stderr)
    m = result.metrics
    if args.json:
        print(json.dumps({k: m[k] for k in ("label", "aca", "forgetting", "learning_accuracy", "accuracy_matrix",
                                             "wall_time_s", "memory_bytes", "device")}
                         | {"key": spec.key(), "computed": result.computed}))
    else:
        how = "computed" if result.computed else "from the store"
        print(f"{m['label']}: ACA {100 * m['aca']:.1f}%, forgetting {100 * m['forgetting']:.1f}, learning accuracy "
              f"{100 * m['learning_accuracy']:.1f}%, {m['wall_time_s']:.1f} s ({how}, {spec.key()})")
    return 0
