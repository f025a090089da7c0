"""`phnlab bench` as text: the step-time table with its ratios against the targets and the paper, and
the torch.profiler breakdown of one step (`--profile`)."""

from __future__ import annotations

from .bench import DEFAULT_TASKS, DEFAULT_WARMUP, PRESET, Case, paper_ratios, prepare_strategy, random_batch, time_steps
from .config import get_preset, resolve_device

__all__ = ["format_report", "profile_step", "format_profile", "format_stream_costs", "RATIO_TITLES"]


# ---- profile -------------------------------------------------------------------------------------
PHASES = ("forward", "criterion", "backward", "optimizer_step")


def profile_step(case: Case, *, tasks: int = DEFAULT_TASKS, device="cpu", warmup: int = DEFAULT_WARMUP,
                 steps: int = 1, row_limit: int = 15) -> dict:
    """torch.profiler over `steps` training steps of one case after warm-up.

    The strategy's own step methods (and the regulariser's `loss`) are wrapped, on this instance
    only, in `record_function` labels, so the table shows the phases of a step beside the top ops.
    """
    from torch.profiler import ProfilerActivity, profile, record_function

    dev = resolve_device(device)
    preset = get_preset(PRESET)
    s = prepare_strategy(case, tasks=tasks, device=dev, preset=preset)
    batch = random_batch(preset.batch_size, classes=preset.classes_per_experience, task=tasks - 1, device=dev)

    def labelled(name, fn):
        def inner(*a, **kw):
            with record_function(f"phase: {name}"):
                return fn(*a, **kw)
        return inner

    for name in PHASES:
        setattr(s, name, labelled(name, getattr(s, name)))
    if getattr(s, "regularizer", None) is not None:
        s.regularizer.loss = labelled("regulariser forward (loss)", s.regularizer.loss)
    time_steps(s, batch, warmup)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    with profile(activities=activities) as prof:
        walls = time_steps(s, batch, steps)
    events = prof.key_averages()
    sort = "self_cuda_time_total" if dev.type == "cuda" else "self_cpu_time_total"
    phases = sorted(((e.key, e.cpu_time_total / 1000 / steps) for e in events if e.key.startswith("phase: ")),
                    key=lambda kv: -kv[1])
    ops = sorted((e for e in events if not e.key.startswith("phase: ")), key=lambda e: -e.self_cpu_time_total)
    total_self = sum(e.self_cpu_time_total for e in events)
    return {
        "case": case.label, "tasks": tasks, "steps": steps, "device": str(dev),
        "step_ms": [1000 * w for w, _ in walls],
        "phases_ms": dict(phases),
        "top_ops": [{"op": e.key, "self_ms": e.self_cpu_time_total / 1000 / steps, "calls": e.count // steps,
                     "share": e.self_cpu_time_total / total_self} for e in ops[:row_limit]],
        "table": events.table(sort_by=sort, row_limit=row_limit),
    }


def format_profile(p: dict) -> str:
    lines = [f"profile: {p['case']} at task {p['tasks']}, {p['device']}, step(s) "
             + ", ".join(f"{ms:.0f}" for ms in p["step_ms"]) + " ms (under the profiler)",
             "  phase (inclusive, ms per step)"]
    lines += [f"    {k[7:]:<34} {v:9.1f}" for k, v in p["phases_ms"].items()]
    lines += [f"  {'op (self time)':<36} {'ms/step':>9} {'share':>7} {'calls':>6}"]
    lines += [f"    {o['op']:<34} {o['self_ms']:9.1f} {100 * o['share']:6.1f}% {o['calls']:6d}" for o in p["top_ops"]]
    return "\n".join(lines)



# ---- report ----------------------------------------------------------------------------------------
RATIO_TITLES = {
    "lookahead_first_over_none": "look-ahead first / none (max of HN-F, HN-4)",
    "lookahead_first_over_none_hnf": "  HN-F first / none",
    "lookahead_first_over_none_hn4": "  HN-4 first / none",
    "second_over_first_hnf": "second / first order, HN-F",
    "second_over_first_hn4": "second / first order, HN-4",
    "hnf_over_naive": "HN-F (first) / Naive",
    "hn4_over_naive": "HN-4 (first) / Naive",
    "lr4_over_naive": "LR-4 / Naive",
}


def _fmt_paper(lo_hi) -> str:
    lo, hi = lo_hi
    return f"{lo:.2f}" if abs(lo - hi) < 5e-3 else f"{lo:.2f}–{hi:.2f}"


def format_report(r: dict) -> str:
    """The table of step times and the ratios against the targets, as text."""
    lines = [
        f"phnlab bench: {r['device']} ({r['device_name']}), torch {r['torch']}",
        f"step at task T = {r['tasks']} ({r['previous_tasks']} previous tasks), batch {r['batch_size']}, 32×32; "
        f"median of {r['repeats']} interleaved rounds after {r['warmup']} warm-up steps"
        + ("; preset fields: " + ", ".join(f"{k}={v}" for k, v in r["overrides"].items()) if r.get("overrides") else ""),
        "",
        f"{'strategy':<13} {'step ms':>9} {'q1–q3 ms':>15} {'steps/s':>8} {'× Naive':>8} {'CPU ms':>8} "
        f"{'state MB':>9}"
        + (f" {'step peak MB':>12}" if r["device"].startswith("cuda") else ""),
    ]
    naive = r["step_ms"].get("Naive")
    for k, ms in r["step_ms"].items():
        q1, q3 = r["step_ms_quartiles"][k]
        rel = f"{ms / naive:8.2f}" if naive else f"{'':8}"
        line = (f"{k:<13} {ms:9.1f} {q1:7.1f}–{q3:<7.1f} {r['steps_per_s'][k]:8.2f} {rel} "
                f"{r['step_cpu_ms'][k]:8.1f} {r['state_mb'][k]:9.1f}")
        if r["device"].startswith("cuda"):
            line += f" {r['step_peak_mb'][k]:12.1f}"
        lines.append(line)
    if r["eval_images_per_s"]:
        lines += ["", f"evaluation (batch {r['eval_batch_size']}, images/s): "
                  + ", ".join(f"{k} {v:.0f}" for k, v in r["eval_images_per_s"].items())]
    lines.append(f"peak memory ({r['peak_memory_kind']}): {r['peak_memory_mb']:.0f} MB")
    lines += ["", f"{'ratio (median of per-round ratios)':<44} {'ours':>6} {'target':>8} {'met':>4} {'CPU time':>9} "
              f"{'paper':>10}"]
    paper_r = paper_ratios()
    for name, title in RATIO_TITLES.items():
        if name not in r:
            continue
        t = r["targets"].get(name)
        target = f"≤ {t['target']:.2f}" if t else ""
        met = ("yes" if t["met"] else "NO") if t else ""
        lines.append(f"{title:<44} {r[name]:6.2f} {target:>8} {met:>4} {r['ratios_cpu_time'][name]:9.2f} "
                     f"{_fmt_paper(paper_r[name]):>10}")
    lines.append("(CPU time: the same ratio of the process's CPU time, all threads; paper: ratios of whole-run "
                 "minutes on the authors' GPU, Tables 2, 4, 5)")
    if "scaling" in r:
        sc = r["scaling"]
        lines += ["", f"scaling: {sc['case']} step against previous tasks (median of {sc['repeats']} interleaved "
                  f"rounds; Naive {sc['naive_step_ms']:.0f} ms)",
                  f"  {'previous':>8} {'step ms':>9} {'× Naive':>8} {'state MB':>9}"]
        for row in sc["rows"]:
            lines.append(f"  {row['previous_tasks']:>8} {row['step_ms']:9.1f} {row['over_naive']:8.2f} "
                         f"{row['state_mb']:9.1f}")
    load = r.get("machine_load", {})
    before, after = load.get("before", {}), load.get("after", {})
    lines.append(f"\n({r['wall_s']:.0f} s in all; load average {before.get('loadavg_1min', float('nan')):.1f} before, "
                 f"{after.get('loadavg_1min', float('nan')):.1f} after, on {before.get('cpus')} CPUs)")
    return "\n".join(lines)


def format_stream_costs(r: dict) -> str:
    """`run_stream_costs` as a table: ms per step at each experience, and the training minutes of a whole run."""
    n, steps = r["experiences"], r["steps_per_experience"]
    head = f"{'case':<16}" + "".join(f"{f'exp {i + 1}':>9}" for i in range(n)) + f"{'run (min)':>11}"
    lines = [f"training-step time (ms, median of {r['repeats']}) at every experience of preset {r['preset']}'s split "
             f"stream on {r['device_name']}; a run trains {steps or 'an unknown number of'} steps per experience",
             head, "-" * len(head)]
    for label, ms in r["step_ms"].items():
        run = f"{steps * sum(ms) / 60000:>11.1f}" if steps else f"{'—':>11}"
        lines.append(f"{label:<16}" + "".join(f"{v:>9.0f}" for v in ms) + run)
    return "\n".join(lines)
