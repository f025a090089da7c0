"""The strategies phnlab runs, each declared in its own file by `DECLARATION = Declaration(...)`.

The CLI, the run specs, the sweeps, the schedule, the progress lines and the book read a strategy's name,
label, freeze depths, hyperparameters, experience-1 dependency and step cost from here, never from a list of
names elsewhere. A new strategy is one file in this package plus its entry in `MODULES`.

A spec is hashed in processes that never train (a sweep's parent, `phnlab store check`, the book's
analysis), so what a spec needs of a strategy is read from its file's source, without importing torch or
Avalanche: the declaration's literal fields and its hyperparameter dataclass's fields (`identity`). Building
the strategy imports the file (`declaration`); a test holds the two readings equal.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..choices import check_bn_policy, check_freeze_depth
from ..errors import BadInput

__all__ = ["Declaration", "Identity", "Hyperparameter", "BuildContext", "NoHyperparameters", "MODULES", "identities",
           "identity", "declaration", "names", "references", "check", "label", "hyperparameter_fields",
           "hyperparameters", "resolve_bn_policy", "step_cost", "build"]

# the files that declare a strategy, in the order the CLI lists them
MODULES = ("naive", "ewc", "latent_replay", "partial_hn", "joint", "replay")

FIRST_EXPERIENCE = ("plain", "own")  # trains experience 1 as Naive does (the plain ResNet), or its own way
AUTHORS_BN = ("running", "batch")  # the policy the authors' code gives a strategy's model
# run-spec options a strategy may read, and how a label shows a value other than the default
OPTIONS = {"lookahead": lambda v: "", "replay_coef": lambda v: "" if v == 1 else f" (c={v:g})"}


KINDS = ("int", "float", "str", "bool")  # the types a hyperparameter may have (or None besides)


@dataclass(frozen=True)
class Hyperparameter:
    """One field of a strategy's hyperparameter dataclass, which is a preset field of its name (`--set`)."""

    default: object
    kinds: tuple[str, ...]  # among KINDS
    optional: bool = False  # None allowed
    after_first: bool = False  # acts only from experience 2 on (metadata "after_first")
    zero_allowed: bool = False  # a number that may be 0 (metadata "zero_allowed"); else it must be positive

    @classmethod
    def read(cls, where: str, annotation: str, default, metadata: Mapping) -> "Hyperparameter":
        """From a field's annotation text ("float | None"), default and metadata."""
        kinds = tuple(k.strip() for k in str(annotation).split("|"))
        optional = "None" in kinds
        kinds = tuple(k for k in kinds if k != "None")
        if not kinds or set(kinds) - set(KINDS):
            raise TypeError(f"{where}: a hyperparameter is one of {', '.join(KINDS)} (or None besides), "
                            f"not {annotation}")
        if default is dataclasses.MISSING:
            raise TypeError(f"{where}: every hyperparameter needs a default")
        return cls(default, kinds, optional, bool(metadata.get("after_first")), bool(metadata.get("zero_allowed")))


@dataclass(frozen=True)
class NoHyperparameters:
    """A strategy with only the schedule and optimiser every strategy shares (Naive, Joint)."""


@dataclass(frozen=True)
class BuildContext:
    """What a strategy is built from: the run's preset and stream sizes, its options, its hyperparameters
    (its own dataclass, read from the preset) and the template arguments every strategy shares (`common`:
    lr, batch sizes, epochs, device, seed, plugins, evaluator, precision, memory format)."""

    preset: object  # config.Preset
    num_tasks: int
    num_classes: int
    freeze_depth: int
    bn_policy: str  # resolved for this strategy and depth
    options: Mapping[str, object]
    hyperparameters: object
    common: Mapping[str, object]


@dataclass(frozen=True)
class Declaration:
    """One strategy, as its file declares it. Every field but `hyperparameters` and `build` is a literal.

    - `name`: what `--strategy` and a run spec call it; `label`: the paper's name, "{k}" the freeze depth
      (`labels`: a depth's own, e.g. {0: "HN-F"}); an option other than its default is shown after it.
    - `depths`: the freeze depths it runs at ((0,) for a model that freezes nothing).
    - `hyperparameters`: its own dataclass; each field (int, float, str or bool, or None besides, with a
      default) is a preset field of that name (`--set`); metadata `after_first=True`: it acts only from
      experience 2 on; `zero_allowed=True`: a number that may be 0 (else it must be positive).
    - `build(ctx: BuildContext)`: the strategy (an Avalanche template) with its model.
    - `first_experience`: "plain" if experience 1 trains the plain multi-head ResNet on cross-entropy alone,
      as Naive does (such runs share it), else "own".
    - `authors_bn`: the BatchNorm policy the authors' pairing gives its model ("running" or "batch").
    - `step_cost`: a training step's time against Naive's, by freeze depth (`phnlab bench`), for estimates
      before any run of it is stored; `option_cost`: multiples by option value and depth.
    - `options`: the run-spec options it reads (`OPTIONS`); a spec resets the others.
    - `in_paper`: False for a reference strategy the paper does not report.
    """

    name: str
    label: str
    depths: tuple[int, ...]
    hyperparameters: type
    build: Callable
    first_experience: str
    authors_bn: str
    step_cost: Mapping[int, float]
    options: tuple[str, ...] = ()
    labels: Mapping[int, str] = field(default_factory=dict)
    option_cost: Mapping[str, Mapping[str, Mapping[int, float]]] = field(default_factory=dict)
    in_paper: bool = True
    description: str = ""

    def __post_init__(self):
        if not dataclasses.is_dataclass(self.hyperparameters):
            raise TypeError(f"strategy {self.name!r}: hyperparameters must be a dataclass")
        _check_identity(self.name, self.first_experience, self.authors_bn, self.options, self.depths, self.step_cost)

    def identity(self) -> "Identity":
        literal = {f.name: getattr(self, f.name) for f in dataclasses.fields(Identity) if f.name != "hyperparameters"}
        where = f"strategy {self.name!r}"
        fields = {f.name: Hyperparameter.read(where, f.type, f.default, f.metadata)
                  for f in dataclasses.fields(self.hyperparameters)}
        return Identity(**literal, hyperparameters=fields)


LITERAL = tuple(f.name for f in dataclasses.fields(Declaration) if f.name not in ("hyperparameters", "build"))
REQUIRED = tuple(f.name for f in dataclasses.fields(Declaration)
                 if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)


@dataclass(frozen=True)
class Identity:
    """What a run spec needs of a strategy, read from its file's source (no torch): the declaration's literal
    fields, and its hyperparameters by name."""

    name: str
    label: str
    depths: tuple[int, ...]
    first_experience: str
    authors_bn: str
    step_cost: Mapping[int, float]
    hyperparameters: Mapping[str, Hyperparameter]
    options: tuple[str, ...] = ()
    labels: Mapping[int, str] = field(default_factory=dict)
    option_cost: Mapping[str, Mapping[str, Mapping[int, float]]] = field(default_factory=dict)
    in_paper: bool = True
    description: str = ""

    @property
    def freezes(self) -> bool:
        """Whether it freezes a prefix at some depth (k = 0 freezes nothing)."""
        return any(k > 0 for k in self.depths)

    def after_first(self) -> tuple[str, ...]:
        return tuple(n for n, h in self.hyperparameters.items() if h.after_first)


def _check_identity(name, first_experience, authors_bn, options, depths, step_cost) -> None:
    if first_experience not in FIRST_EXPERIENCE:
        raise TypeError(f"strategy {name!r}: first_experience must be one of {FIRST_EXPERIENCE}")
    if authors_bn not in AUTHORS_BN:
        raise TypeError(f"strategy {name!r}: authors_bn must be one of {AUTHORS_BN}")
    if set(options) - set(OPTIONS):
        raise TypeError(f"strategy {name!r}: options must be among {tuple(OPTIONS)}")
    if set(depths) - set(step_cost):
        raise TypeError(f"strategy {name!r}: step_cost needs every depth of {depths}")


# ---- reading a strategy file ------------------------------------------------------------------------------
def _source(module_name: str) -> Path:
    return Path(__file__).with_name(f"{module_name}.py")


def _read_identity(module_name: str) -> Identity:
    """The declaration of a strategy file, read from its source; one line naming what is missing otherwise."""
    path = _source(module_name)
    tree = ast.parse(path.read_text(), filename=str(path))
    call = next((node.value for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                 and any(getattr(t, "id", None) == "DECLARATION" for t in node.targets)), None)
    if call is None or getattr(call.func, "id", None) != "Declaration":
        raise TypeError(f"strategy file {path.name} declares no DECLARATION = Declaration(...) "
                        f"(it needs: {', '.join(REQUIRED)})")
    kwargs = {kw.arg: kw.value for kw in call.keywords}
    missing = [n for n in REQUIRED if n not in kwargs]
    if missing:
        raise TypeError(f"strategy file {path.name}: its Declaration lacks {', '.join(missing)}")
    try:
        literal = {n: ast.literal_eval(kwargs[n]) for n in LITERAL if n in kwargs}
    except ValueError:
        raise TypeError(f"strategy file {path.name}: the Declaration's fields {', '.join(LITERAL)} must be "
                        "literals (read without importing the file)") from None
    hp_class = getattr(kwargs["hyperparameters"], "id", None)
    klass = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == hp_class), None)
    if hp_class == NoHyperparameters.__name__:
        klass = ast.ClassDef(name=hp_class, body=[], bases=[], keywords=[], decorator_list=[])
    if klass is None:
        raise TypeError(f"strategy file {path.name}: hyperparameters must name a dataclass defined in the file")
    fields = {}
    for stmt in klass.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            value, meta = stmt.value, None
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "field":
                keywords = {kw.arg: kw.value for kw in value.keywords}
                value, meta = keywords.get("default"), keywords.get("metadata")
            default = dataclasses.MISSING if value is None else ast.literal_eval(value)
            fields[stmt.target.id] = Hyperparameter.read(f"strategy file {path.name}", ast.unparse(stmt.annotation),
                                                         default, {} if meta is None else ast.literal_eval(meta))
    identity = Identity(**literal, hyperparameters=fields)
    _check_identity(identity.name, identity.first_experience, identity.authors_bn, identity.options,
                    identity.depths, identity.step_cost)
    return identity


@cache
def identities() -> dict[str, Identity]:
    """Every declared strategy by name, in `MODULES` order (read from source)."""
    found = [_read_identity(m) for m in MODULES]
    by_name = {i.name: i for i in found}
    if len(by_name) != len(found):
        raise TypeError(f"two strategy files declare the same name: {[i.name for i in found]}")
    return by_name


def names() -> tuple[str, ...]:
    return tuple(identities())


def references() -> tuple[Identity, ...]:
    """The reference strategies the paper does not report (rows of Table 2 marked as such)."""
    return tuple(i for i in identities().values() if not i.in_paper)


def identity(name: str) -> Identity:
    try:
        return identities()[name]
    except KeyError:
        raise BadInput(f"unknown strategy {name!r}; allowed: {', '.join(identities())}") from None


def declaration(name: str) -> Declaration:
    """The full declaration (imports the strategy's file, and with it torch and Avalanche)."""
    identity(name)
    module = importlib.import_module(f"{__package__}.{MODULES[list(identities()).index(name)]}")
    return module.DECLARATION


# ---- what specs, schedules and labels ask of a strategy ------------------------------------------------------
def check(name: str, freeze_depth: int) -> Identity:
    """The strategy's identity, or one BadInput line: an unknown name, or a depth it does not run at."""
    found = identity(name)
    check_freeze_depth(freeze_depth)
    if freeze_depth not in found.depths:
        what = ("freezes nothing: freeze depth must be 0" if found.depths == (0,)
                else f"runs at freeze depths {', '.join(map(str, found.depths))}")
        raise BadInput(f"strategy {name} {what}, got {freeze_depth}")
    return found


def label(name: str, freeze_depth: int = 0, replay_coef: float = 1.0, lookahead: str = "first") -> str:
    """The paper's name of a run's model: Naive, EWC, LR-k, HN-k, HN-F (k = 0)."""
    found = identity(name)
    values = {"lookahead": lookahead, "replay_coef": replay_coef}
    base = found.labels.get(freeze_depth, found.label).format(k=freeze_depth)
    return base + "".join(OPTIONS[o](values[o]) for o in found.options)


def hyperparameter_fields() -> dict[str, tuple[str, ...]]:
    """Every strategy hyperparameter (a preset field) → the strategies that declare it (two replay strategies
    may share their buffer's size)."""
    out: dict[str, tuple[str, ...]] = {}
    for i in identities().values():
        for n in i.hyperparameters:
            out[n] = out.get(n, ()) + (i.name,)
    return out


@cache
def hyperparameters() -> dict[str, Hyperparameter]:
    """Every strategy hyperparameter by name; two strategies that share one (a buffer's size) declare it alike."""
    out: dict[str, Hyperparameter] = {}
    for i in identities().values():
        for n, h in i.hyperparameters.items():
            if out.setdefault(n, h) != h:
                raise TypeError(f"strategy {i.name!r} declares hyperparameter {n!r} otherwise than another "
                                f"strategy: {h} against {out[n]}")
    return out


def resolve_bn_policy(policy: str, strategy: str, freeze_depth: int | None = None) -> str:
    """The policy a strategy's model runs under: "authors" → each strategy's own (running for LR, batch for
    the others). Given the freeze depth, "batch" on a model with no frozen prefix (Naive, EWC, HN-F, LR-0) is
    "population": the two compute the same thing there, so they share one stored result."""
    check_bn_policy(policy)
    found = identity(strategy)
    if policy == "authors":
        policy = found.authors_bn
    no_prefix = not found.freezes or freeze_depth == 0
    return "population" if policy == "batch" and freeze_depth is not None and no_prefix else policy


def step_cost(name: str, freeze_depth: int, options: Mapping[str, object]) -> float:
    """A training step's time against Naive's, as the strategy declares it."""
    found = identity(name)
    cost = found.step_cost[freeze_depth]
    for option, by_value in found.option_cost.items():
        cost *= by_value.get(options.get(option), {}).get(freeze_depth, 1.0)
    return cost


def build(name: str, **ctx_fields):
    """The strategy `name`, built from `BuildContext` fields (its hyperparameters read from the preset)."""
    d = declaration(name)
    preset = ctx_fields["preset"]
    hp = d.hyperparameters(**{f.name: getattr(preset, f.name) for f in dataclasses.fields(d.hyperparameters)})
    return d.build(BuildContext(hyperparameters=hp, **ctx_fields))
