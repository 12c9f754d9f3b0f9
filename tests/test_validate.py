"""d2lite._validate: the shared argument checks and atomic writes."""

import os
import subprocess
import sys

import pytest

from d2lite import _validate


def _dead_pid():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_atomic_write_removes_what_killed_writers_left(tmp_path):
    target = tmp_path / "cache.npz"
    dead = tmp_path / f".cache.npz.{_dead_pid()}.deadbeef.tmp"
    live = tmp_path / f".cache.npz.{os.getppid()}.cafecafe.tmp"  # a running process's write
    other = tmp_path / f".other.npz.{_dead_pid()}.deadbeef.tmp"  # another file's
    for leftover in (dead, live, other):
        leftover.write_bytes(b"partial")
    with _validate.atomic_write(target, "wb") as f:
        f.write(b"complete")
    assert target.read_bytes() == b"complete"
    assert not dead.exists() and live.exists() and other.exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with _validate.atomic_write(target, "w") as f:
            f.write("new")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_written_files_are_readable_by_others_who_share_the_folder(tmp_path):
    old = os.umask(0o022)
    try:
        with _validate.atomic_write(tmp_path / "shared.csv", "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "shared.csv").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("value, expected", [
    (0, "a positive integer"), (True, "a positive integer"), (2.0, "a positive integer"),
    ("3", "a positive integer"), (-1, "a positive integer")])
def test_integer_names_the_value(value, expected):
    with pytest.raises(ValueError, match=rf"argument `n`, expected {expected}, got {value!r}\."):
        _validate.integer(value, "n")


def test_long_values_are_abbreviated_in_messages():
    message = str(_validate.invalid("ticker", "a ticker", "A" * 10_000))
    assert len(message) < 200 and "(10002 characters)" in message
