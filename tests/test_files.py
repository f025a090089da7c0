"""Files are written all at once or not at all."""

import errno

import pytest

from phnlab.files import atomic_write, atomic_write_bytes


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path):
    path = tmp_path / "sub" / "result.json"
    atomic_write_bytes(path, b"old")
    assert path.read_bytes() == b"old"

    def full_disk(f):
        f.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        atomic_write(path, full_disk)
    assert path.read_bytes() == b"old"
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]
    atomic_write(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new"
