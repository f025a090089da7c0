import os

os.environ.setdefault("MPLBACKEND", "Agg")  # figures render off-screen, before any test imports pyplot
os.environ["PHNLAB_NO_APT"] = "1"  # tests never install a package (phnlab.data.system_copies)

import pytest
import torch


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """The synthetic data sets, generated once for the whole session (each costs seconds to render)."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def pytest_collection_modifyitems(config, items):
    """The one place that chooses tests by their markers: `cuda` runs where a CUDA device is, `long` (minutes
    of real training) only with PHNLAB_LONG=1; `slow` (deliberate end-to-end checks) always runs."""
    skips = {}
    if not torch.cuda.is_available():
        skips["cuda"] = pytest.mark.skip(reason="needs a CUDA device")
    if os.environ.get("PHNLAB_LONG") != "1":
        skips["long"] = pytest.mark.skip(reason="minutes of training: set PHNLAB_LONG=1")
    for item in items:
        for marker, skip in skips.items():
            if marker in item.keywords:
                item.add_marker(skip)
