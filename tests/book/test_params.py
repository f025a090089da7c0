import pytest

from phnlab.book.params import ChapterParams, check_params
from phnlab.config import get_preset, parse_seeds
from phnlab.errors import BadInput


def test_defaults_and_describe(tmp_path):
    results = tmp_path / "a" / "results"
    p = check_params("quick", "cpu", "", str(results), seeds="")
    assert isinstance(p, ChapterParams)
    assert p.preset == get_preset("quick") and p.device == "cpu" and p.data_root is None
    assert p.results_dir == results.resolve() and results.is_dir()
    assert p.seeds == get_preset("quick").seeds
    line = p.describe()
    assert "\n" not in line and "quick" in line and "cpu" in line and "default location" in line
    assert p._repr_markdown_() == line
    assert str(tmp_path) not in line and "`results`" in line  # outside the working directory: by name


def test_describe_shows_paths_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    line = check_params("ci", "cpu", tmp_path / "data", tmp_path / "out" / "results").describe()
    assert "`out/results`" in line and "`data`" in line and str(tmp_path) not in line


def test_strings_as_papermill_passes_them(tmp_path):
    p = check_params("ci", "auto", str(tmp_path), tmp_path / "r", seeds="0,1, 2")
    assert p.seeds == (0, 1, 2) and p.data_root == tmp_path.resolve()
    assert p.device in {"cpu", "cuda"} or p.device.startswith("cuda")
    assert check_params("ci", "cpu", None, tmp_path, seeds=[3]).seeds == (3,)
    assert check_params("ci", "cpu", None, tmp_path, seeds=5).seeds == (5,)
    assert check_params("ci", "cpu", None, tmp_path, jobs="2").jobs == 2
    assert check_params("ci", "cpu", None, tmp_path).jobs == 1


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(preset="fast"), ["unknown preset", "ci", "quick", "paper"]),
        (dict(device="tpu"), ["unknown device", "auto", "cpu"]),
        (dict(seeds="0,x"), ["seeds", "integers"]),
        (dict(seeds="1,1"), ["twice"]),
        (dict(seeds="-1"), ["negative"]),
        (dict(data_root="/no/such/dir"), ["does not exist", "default"]),
        (dict(jobs="two"), ["jobs", "integer >= 1"]),
        (dict(jobs=0), ["jobs 0", "integer >= 1"]),
        (dict(jobs=True), ["jobs", "integer >= 1"]),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, kwargs, words):
    args = dict(preset="ci", device="cpu", data_root="", results_dir=str(tmp_path), seeds=None) | kwargs
    with pytest.raises(BadInput) as err:
        check_params(**args)
    msg = str(err.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg


def test_paths_that_are_files_are_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(BadInput, match="not a directory"):
        check_params("ci", "cpu", "", f)
    with pytest.raises(BadInput, match="not a directory"):
        check_params("ci", "cpu", f, tmp_path)


def test_parse_seeds():
    assert parse_seeds("0 1") == (0, 1)
    assert parse_seeds((2, 0)) == (2, 0)
    with pytest.raises(BadInput):
        parse_seeds(",")
    with pytest.raises(BadInput):
        parse_seeds([1.5])
