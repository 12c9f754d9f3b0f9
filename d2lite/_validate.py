"""Argument validation and atomic file writes shared by every d2lite module.

Private: the public modules call these so that every bad argument gets the same
Keras-style message ("Received an invalid value for argument `units`, expected a
positive integer, got 0.") and every cache file is written the same way.
"""

import contextlib
import glob
import math
import numbers
import os
import secrets
from pathlib import Path

__all__ = []  # nothing public


class Described(str):
    """A description of a value ("a list of length 1000"), shown without quotes after "got"."""

    def __repr__(self):
        return str(self)


def shown(value):
    """What an error message shows of `value`: itself if its repr is short, else a summary.

    A megabyte string or a large array would drown the message, so a long repr becomes
    its type and size (or its first characters).

    Example:
        >>> shown(3), shown(list(range(100))), shown("x" * 500)
        (3, a list of length 100, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (502 characters))
    """
    if isinstance(value, Described):
        return value
    if isinstance(value, (list, tuple)) and len(value) > 10:
        return Described(f"a {type(value).__name__} of length {len(value)}")
    text = repr(value)
    if len(text) <= 100:
        return value
    shape = getattr(value, "shape", None)
    if shape is not None:
        return Described(f"a {type(value).__name__} of shape {tuple(shape)}")
    return Described(f"{text[:80]}... ({len(text)} characters)")


def brief(value, limit=60):
    """`repr(value)`, cut to `limit` characters, to put inside a `Described` text."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def invalid(name, expected, got):
    """The ValueError for argument `name`: what was expected and what was received.

    `got` is shown by `shown` (abbreviated when long; a `Described` without quotes).
    """
    return ValueError(
        f"Received an invalid value for argument `{name}`, expected {expected}, "
        f"got {shown(got)!r}."
    )


def flag(value, name):
    """`value` as a bool, if it is one (Python's or NumPy's), not 0 or 1 or a string."""
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_") and (
            type(value).__module__ == "numpy"):
        return bool(value)
    raise invalid(name, "True or False", value)


def integer(value, name, minimum=1):
    """`value` as an int, if it is an integer (not a bool) >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        if minimum == 1:
            expected = "a positive integer"
        elif minimum == 0:
            expected = "a non-negative integer"
        else:
            expected = f"an integer >= {minimum}"
        raise invalid(name, expected, value)
    return int(value)


def is_integer(value):
    """Whether `value` is an integer (Python's or NumPy's) and not a bool."""
    import numpy as np

    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def seed(value, generator=False, name="seed"):
    """`value` if it is None, a non-negative integer or (when `generator`) a np.random.Generator."""
    import numpy as np

    if value is None or (generator and isinstance(value, np.random.Generator)):
        return value
    if not is_integer(value) or value < 0:
        expected = ("None, a non-negative integer or a np.random.Generator" if generator
                    else "None or a non-negative integer")
        raise invalid(name, expected, value)
    return int(value)


def positive_number(value, name):
    """`value` as a float, if it is a finite real number > 0 (not a bool)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or not value > 0):
        raise invalid(name, "a finite positive number", value)
    return float(value)


def string(value, name="text"):
    """`value`, if it is a `str`."""
    if not isinstance(value, str):
        raise invalid(name, "a string", type(value).__name__)
    return value


def _alive(pid):
    """Whether process `pid` exists (a process we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(path):
    """Delete the temporary files that killed writers of `path` left beside it.

    `atomic_write` names its temporary file ``.<name>.<pid>.<random>.tmp``; one whose
    writer process no longer exists is left over from a kill (or a power cut) and is
    removed. A live writer's file, or a file of another name, is left alone.

    Returns:
        The paths removed.
    """
    path = Path(path)
    removed = []
    prefix = f".{path.name}."
    try:
        candidates = list(path.parent.glob(f"{glob.escape(prefix)}*.tmp"))
    except OSError:
        return removed
    for tmp in candidates:
        pid = tmp.name[len(prefix):-len(".tmp")].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


@contextlib.contextmanager
def atomic_write(path, mode="wb", **open_kwargs):
    """Open a temporary file beside `path`; on success, rename it over `path`.

    A reader never sees a half-written file, and a failed write leaves neither
    `path` changed nor the temporary file behind. The file is created with
    ``0o666`` minus the umask (what `open` gives), not `tempfile.mkstemp`'s
    ``0o600``, so a cache in a shared folder stays readable by the others who
    share it. The data is flushed to disk before the rename. Temporary files of
    writers that were killed mid-write are removed first
    (`remove_stale_temporaries`).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with atomic_write(folder / "a.txt", "w", encoding="utf-8") as f:
        ...     _ = f.write("hello")
        >>> (folder / "a.txt").read_text(encoding="utf-8"), sorted(p.name for p in folder.iterdir())
        ('hello', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
