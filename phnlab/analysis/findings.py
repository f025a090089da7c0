"""The book's findings: each claim of the paper × data set × the verdict a chapter computed, with its noise.

A chapter records the claims it settled (`record`) into its results store, under the book's preset; the book
build writes the table (`summary_markdown`) into the introduction after the chapters ran. Nothing here
decides a verdict: it collects the chapters' `Claim`s.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .claims import Claim, effect_text

__all__ = ["PaperClaim", "PAPER_CLAIMS", "MARKER", "record", "clear", "load", "summary_markdown"]

MARKER = "<!-- findings -->"  # where the build writes the table into intro.md


@dataclass(frozen=True)
class PaperClaim:
    id: str
    text: str  # the claim, as the paper makes it
    paper: str  # the paper's own figure
    where: str  # the paper's section, table or figure
    chapter: str  # the page that tests it (a notebook of the book)


PAPER_CLAIMS = (
    PaperClaim("transfer", "The similar pair of data sets loses less after the cut than the dissimilar one, at every "
               "freeze depth", "at \"most versions of ResNet-k\"", "Section 4.1, Figure 4", "02-freeze-depth-transfer.ipynb"),
    PaperClaim("noisy-lr", "Latent replay ends lower on experience 1 in a noisy stream than in a normal one",
               "yes", "Section 4.2, Figure 5", "03-noisy-robustness.ipynb"),
    PaperClaim("noisy-hn", "At the end of the noisy stream HN holds experience 1 at least as well as LR",
               "yes", "Section 4.2, Figure 5, Table 1", "03-noisy-robustness.ipynb"),
    PaperClaim("hn-beats-lr", "HN-k beats LR-k in ACA at every freeze depth (our normalisation)", "4 of 4 (no LR-0 row)",
               "Section 4.3, Table 2", "04-split-benchmarks.ipynb"),
    PaperClaim("hn-beats-lr-authors", "HN-k beats LR-k in ACA at every freeze depth (the authors' normalisation)",
               "4 of 4 (no LR-0 row)", "Section 4.3, Table 2", "04-split-benchmarks.ipynb"),
    PaperClaim("lr-forgets", "LR forgets as much as the paper's LR, 27-43 points (our normalisation)", "27.3-43.0",
               "Table 2", "04-split-benchmarks.ipynb"),
    PaperClaim("lr-forgets-authors", "LR forgets as much as the paper's LR, 27-43 points (the authors' "
               "normalisation)", "27.3-43.0", "Table 2", "04-split-benchmarks.ipynb"),
    PaperClaim("authors-norm", "The authors' normalisation turns the ordering into the paper's (not a claim of the "
               "paper: what its code does)", "—", "Table 2 under both normalisations", "04-split-benchmarks.ipynb"),
    PaperClaim("hn-forgets-less", "HN-k forgets less than LR-k at every freeze depth", "4 of 4", "Table 2, Figure 8",
               "04-split-benchmarks.ipynb"),
    PaperClaim("hn2-hnf", "HN-2 reaches about HN-F's ACA in less time", "−1.4 points in 0.61× the time",
               "Section 4.3, Table 2", "04-split-benchmarks.ipynb"),
    PaperClaim("lookahead", "Look-ahead improves the final ACA", "most depths", "Appendix B, Table 4",
               "05-look-ahead.ipynb"),
    PaperClaim("first-order", "First-order look-ahead is the better trade-off against second order", "yes",
               "Appendix B, Table 5", "05-look-ahead.ipynb"),
    PaperClaim("conflict-fig12", "The cross-entropy and look-ahead gradients point apart (negative cosine) in the first "
               "epoch of experience 2, whatever the seed", "yes (HN-4)", "Appendix E, Figure 12",
               "06-gradient-cosine.ipynb"),
    PaperClaim("conflict", "The same conflict at every later experience (not a claim of the paper: it plots "
               "experience 2)", "—", "Appendix E, Figure 12, extended", "06-gradient-cosine.ipynb"),
)
_BY_ID = {c.id: c for c in PAPER_CLAIMS}


def _folder(results_dir, preset: str) -> Path:
    return Path(results_dir) / "findings" / preset


def record(params, chapter: str, claims: Mapping[str, Claim | None], data: str | None = None,
           schedule: str | None = None) -> None:
    """Keep a chapter's settled claims, by paper claim id, for data set `data` (default: the chapter's preset's)
    in its results store under the book's preset (`params`: `book.params.check_params`'s). One file per
    chapter, rewritten whole: a reader never sees half of it. A None claim (not checked) is left out.
    `schedule`: a caveat on the runs' schedule (`convergence.ScheduleCheck.caveat`), shown with each verdict."""
    results_dir, preset, data = params.results_dir, params.preset.name, data or params.preset.dataset
    unknown = sorted(set(claims) - set(_BY_ID))
    if unknown:
        raise KeyError(f"unknown paper claim(s) {unknown}; known: {', '.join(_BY_ID)}")
    folder = _folder(results_dir, preset)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter}.json"
    kept = json.loads(path.read_text()) if path.is_file() else {}
    kept.setdefault(data, {}).update({cid: {**asdict(c), "verdict": c.verdict, "schedule": schedule}
                                      for cid, c in claims.items() if c is not None})
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(kept, f, indent=1)
    os.replace(tmp, path)


def clear(results_dir, preset: str, chapters: Iterable[str]) -> None:
    """Forget what the given chapters recorded (before they run again)."""
    for chapter in chapters:
        (_folder(results_dir, preset) / f"{chapter}.json").unlink(missing_ok=True)


def load(results_dir, preset: str) -> dict[str, dict[str, dict]]:
    """{claim id: {data set: claim record}} over every chapter's file."""
    out: dict[str, dict[str, dict]] = {}
    folder = _folder(results_dir, preset)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        for data, claims in json.loads(path.read_text()).items():
            for cid, rec in claims.items():
                out.setdefault(cid, {})[data] = rec
    return out


def _cell(rec: dict | None) -> str:
    if rec is None:
        return "not computed"
    text = f"**{rec['verdict']}**"
    if rec["verdict"] == "not resolved":
        short = rec.get("seeds_needed") and (rec.get("seeds") or 0) < rec["seeds_needed"]
        why = "; ".join(([f"{rec.get('seeds') or 0} of {rec['seeds_needed']} seeds"] if short else [])
                        + (["within the noise"] if rec.get("clear") is False else []))
        text += f" (point estimate: {'yes' if rec['holds'] else 'no'}; {why})"
    text += f": {rec['ours']}"
    if rec.get("effect") is not None:
        text += f" ({effect_text(rec['effect'], rec.get('se'), rec.get('seeds') or None, rec.get('decimals', 1))})"
    if rec.get("schedule"):
        text += f"; {rec['schedule']}"
    return text.replace("|", "/")


def summary_markdown(results_dir, preset: str, data_names: Mapping[str, str], pages: Iterable[str] | None = None) -> str:
    """The findings table: one row per claim of the paper, one column per data set (`data_names`: key →
    heading, in column order), each cell the verdict with its noise, or "not computed". `pages`: the chapter
    files of this build (None: all), each claim linked to its chapter where it is one of them."""
    found = load(results_dir, preset)
    head = "| claim of the paper | paper | " + " | ".join(data_names.values()) + " |"
    rows = [head, "|" + "---|" * (2 + len(data_names))]
    for c in PAPER_CLAIMS:
        cells = [_cell(found.get(c.id, {}).get(key)) for key in data_names]
        where = f"[{c.where}]({c.chapter})" if pages is None or c.chapter in set(pages) else c.where
        rows.append(f"| {c.text} ({where}) | {c.paper} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
