"""`phnlab bench`: steady-state training-step times of every strategy, and the ratios against targets."""

from __future__ import annotations

import json
import sys

__all__ = ["register"]


def register(sub) -> None:
    from ..bench import DEFAULT_REPEATS, DEFAULT_TASKS, DEFAULT_WARMUP, PRESET
    from ..config import PRESETS

    p = sub.add_parser("bench", help="time one training step of each strategy (no data set needed)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--preset", default=PRESET, choices=tuple(PRESETS),
                   help=f"the preset whose step is timed (default: {PRESET}, the paper's step: what docs/ quote)")
    p.add_argument("--tasks", type=int, default=DEFAULT_TASKS,
                   help=f"time the step at task T, with T-1 previous tasks (default {DEFAULT_TASKS})")
    p.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                   help=f"timed steps per strategy, interleaved; the median is reported (default {DEFAULT_REPEATS})")
    p.add_argument("--warmup", type=int, default=DEFAULT_WARMUP,
                   help=f"untimed steps per strategy first (default {DEFAULT_WARMUP})")
    p.add_argument("--eval-repeats", type=int, default=None,
                   help="timed evaluation batches per model (default: from --repeats)")
    p.add_argument("--batch-size", type=int, default=None, help="training batch (default 64, the paper's)")
    p.add_argument("--eval-batch-size", type=int, default=None, help="evaluation batch (default 256, the paper's)")
    p.add_argument("--scaling", action="store_true",
                   help="also HN-F step time for 2, 5, 20, 50, 100 previous tasks")
    p.add_argument("--profile", action="store_true",
                   help="instead: torch.profiler tables of one HN-F and one HN-4 first-order step")
    p.add_argument("--stream-costs", action="store_true",
                   help="instead: the step time of HN-F and HN-1..4 under each update at every experience of the "
                        "preset's split stream, the whole-run time model of the shipped runs' time claims "
                        "(docs/stream-costs-<preset>-cpu.json)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="overrides",
                   help="a preset field for every strategy, e.g. --set channels_last=True --set precision=bf16")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--verbose", action="store_true", help="progress on stderr")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..bench import check_bench_args, run_bench
    from ..bench_report import format_report
    from ..config import resolve_device
    from ..errors import BadInput

    check_bench_args(tasks=args.tasks, repeats=args.repeats, warmup=args.warmup, batch_size=args.batch_size,
                     eval_batch_size=args.eval_batch_size)
    if args.eval_repeats is not None and args.eval_repeats < 1:
        raise BadInput(f"--eval-repeats must be an integer >= 1, got {args.eval_repeats!r}")
    resolve_device(args.device)  # bad device: one line before any work
    from ..config import Preset

    overrides = dict(Preset.parse_override(text) for text in args.overrides)
    log = (lambda msg: print(msg, file=sys.stderr, flush=True)) if args.verbose else None
    if args.profile:
        from ..bench import CASES
        from ..bench_report import format_profile, profile_step

        cases = [c for c in CASES if c.label in ("HN-F first", "HN-4 first")]
        profiles = [profile_step(c, tasks=args.tasks, device=args.device, warmup=max(1, args.warmup)) for c in cases]
        if args.json:
            print(json.dumps([{k: v for k, v in p.items() if k != "table"} for p in profiles]))
        else:
            print("\n\n".join(format_profile(p) for p in profiles))
        return 0
    if args.stream_costs:
        from ..bench import run_stream_costs
        from ..bench_report import format_stream_costs

        if overrides:
            raise BadInput("--stream-costs times the preset as its runs train it: allowed without --set")
        costs = run_stream_costs(device=args.device, preset_name=args.preset, repeats=args.repeats,
                                 warmup=args.warmup, log=log)
        print(json.dumps(costs) if args.json else format_stream_costs(costs))
        return 0
    result = run_bench(device=args.device, tasks=args.tasks, repeats=args.repeats, warmup=args.warmup,
                       scaling=args.scaling, eval_repeats=args.eval_repeats, batch_size=args.batch_size,
                       eval_batch_size=args.eval_batch_size, log=log, overrides=overrides,
                       preset_name=args.preset)
    print(json.dumps(result) if args.json else format_report(result))
    return 0
