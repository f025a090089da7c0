"""A verdict as a record: each claim of the paper, what we measured, the paper's figure, whether the
claim holds here and whether the effect is clear of the test sets' sampling noise. One renderer turns a
verdict into the markdown a chapter shows; tests read the records, not the sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Claim", "Verdict", "answer", "effect_text", "UNTIMED"]

# what a time claim says where its runs' wall times cannot be compared (e.g. shipped runs computed in the background)
UNTIMED = "the time is not compared: these runs' wall times were not measured under one load"


@dataclass(frozen=True)
class Claim:
    """One claim checked on our results."""

    claim: str  # the claim in a few words, e.g. "HN-k beats LR-k in ACA"
    holds: bool | None  # here; None: this preset cannot check it
    ours: str  # what we measured, e.g. "0 of 5 depths"
    paper: str | None = None  # the paper's figure, e.g. "5 of 5"
    clear: bool | None = None  # the effect is larger than twice its sampling error; None: not assessed
    detail: str = ""  # the numbers behind `ours`
    effect: float | None = None  # the measured effect, in the unit `rule` names (e.g. points of ACA)
    se: float | None = None  # its standard error (over seeds, or the rule's other source of noise)
    seeds: int | None = None  # the seeds behind it
    rule: str = ""  # how `clear` was decided, e.g. "|effect| > 2 SE over seeds"
    seeds_needed: int | None = None  # a headline claim: fewer seeds than this leave it unresolved
    decimals: int = 1  # how `effect` and `se` print (2 for a cosine, whose effects are fractions of 1)

    @property
    def short_of_seeds(self) -> bool:
        return self.seeds_needed is not None and (self.seeds or 0) < self.seeds_needed

    def __post_init__(self):  # numpy's bools compare as records should: plain True / False / None
        for name in ("holds", "clear"):  # (effect, se: plain floats too)
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, bool(value))

    @property
    def verdict(self) -> str:
        """yes or no only when the effect is clear of its noise (or no noise check applies) and has the seeds it
        needs; else not resolved."""
        unsettled = self.clear is False or self.short_of_seeds
        return "not resolved" if self.holds is not None and unsettled else answer(self.holds)

    def render(self, rule: bool = True) -> str:
        """One markdown list item; `rule=False` leaves the rule out (a verdict lists its rules once)."""
        text = f"- {self.claim}: **{self.verdict}**"
        if self.verdict == "not resolved":
            why = "; ".join(([f"{self.seeds or 0} of the {self.seeds_needed} seeds it needs"] if self.short_of_seeds else [])
                            + (["within the noise"] if self.clear is False else []))
            text += f" (the point estimate says {answer(self.holds)}; {why})"
        text += f", {self.ours}"
        if self.paper is not None:
            text += f" (paper: {self.paper})"
        if self.clear is not None:
            text += f"; clear of its noise: **{answer(self.clear)}**"
        if self.effect is not None:
            text += (f" ({effect_text(self.effect, self.se, self.seeds, self.decimals)}"
                     f"{'; ' + self.rule if self.rule and rule else ''})")
        return text + (f". {self.detail.rstrip('.')}." if self.detail else ".")


@dataclass(frozen=True)
class Verdict:
    """The claims of one table or figure, and notes on what limits their reading (in order)."""

    claims: tuple[Claim, ...]
    notes: tuple[str, ...] = field(default=())
    details: tuple[str, ...] = field(default=())  # per-row numbers, shown as a list below the notes

    def __getitem__(self, claim: str) -> Claim:
        """The claim whose text starts with `claim`."""
        found = [c for c in self.claims if c.claim.startswith(claim)]
        if len(found) != 1:
            raise KeyError(f"{claim!r} matches {len(found)} claims of {[c.claim for c in self.claims]}")
        return found[0]

    def get(self, claim: str) -> Claim | None:
        """The claim whose text starts with `claim`, or None where this verdict has none (one match at most)."""
        try:
            return self[claim]
        except KeyError:
            return None

    def render(self) -> str:
        """Markdown: the claims as a list, the rules that decided them (each once), then the notes, then the details
        ('' for an empty verdict)."""
        if not (self.claims or self.notes or self.details):
            return ""
        parts = ["**Verdict:**", "\n".join(c.render(rule=False) for c in self.claims)]
        rules: dict[str, list[int]] = {}  # rule -> the claims (1-based) it decided
        for i, c in enumerate(self.claims, 1):
            if c.rule and c.effect is not None:
                rules.setdefault(c.rule, []).append(i)
        if rules:
            parts.append("*How they are decided*: " + "; ".join(
                f"claim{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}: {rule}" for rule, ids in rules.items())
                + ".")
        parts += list(self.notes)
        if self.details:
            parts.append("\n".join(f"- {d}" for d in self.details))
        return "\n\n".join(p for p in parts if p)

    def _repr_markdown_(self) -> str:  # `display(verdict)` in a chapter
        return self.render()


def effect_text(effect: float, se: float | None, seeds: int | None, decimals: int = 1) -> str:
    """'effect +1.2 ± 0.4 SE, 3 seeds' (the error and the seeds where known)."""
    noise = "" if se is None else f" ± {se:.{decimals}f} SE"
    count = "" if seeds is None else f", {seeds} seed{'s' if seeds != 1 else ''}"
    return f"effect {effect:+.{decimals}f}{noise}{count}"


def answer(flag: bool | None) -> str:
    return "cannot tell" if flag is None else "yes" if flag else "no"
