"""Downloads and caches: the Time Machine text and daily stock prices.

Every file is hash-checked or validated before use, and a bad file is never
used. The cache folder is, in this order of precedence:

1. the folder named by the ``D2LITE_DATA`` environment variable;
2. ``data/`` of the source checkout when d2lite is installed from one
   (``pip install -e .``), so the series keeps its data next to the notebooks;
3. ``~/.cache/d2lite`` otherwise.
"""

import hashlib
import os
from pathlib import Path

__all__ = [
    "DataUnavailableError",
    "TIME_MACHINE_SHA1",
    "TIME_MACHINE_URL",
    "data_dir",
    "time_machine",
]

TIME_MACHINE_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
# keras.utils.get_file checks md5 or sha256 only, so it gets the sha256 of the
# same bytes; the sha1 that d2l publishes is checked on top.
TIME_MACHINE_SHA256 = "8424dbd9532ac81f7e5f0b6add90e6952baea29158309d7d1bf3884f4e12c516"
TIME_MACHINE_FILENAME = "timemachine.txt"


class DataUnavailableError(RuntimeError):
    """A data file is neither in the cache nor downloadable right now."""


def data_dir(create=True):
    """Return the d2lite data/cache folder as a `Path`.

    Args:
        create: make the folder if it does not exist (default True).
    """
    env = os.environ.get("D2LITE_DATA")
    if env:
        path = Path(env).expanduser()
    else:
        checkout = Path(__file__).resolve().parent.parent
        if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
            path = checkout / "data"
        else:
            path = Path.home() / ".cache" / "d2lite"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _file_hash(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def time_machine(url=None):
    """Return the raw text of H. G. Wells' *The Time Machine*, as d2l uses it.

    The file is downloaded once with `keras.utils.get_file` into
    `data_dir()` and hash-checked on every call; a cached file with the wrong
    hash is never used: it is replaced by a verified download, atomically.

    Args:
        url: where to download from (default `TIME_MACHINE_URL`, d2l's copy).

    Returns:
        The text as a `str` (178,979 characters).

    Raises:
        DataUnavailableError: offline (or the server failed) and no valid
            cached copy; the message says where to put the file and its sha1.

    Example:
        >>> text = time_machine()
        >>> text[:35]
        'The Time Machine, by H. G. Wells [1'
    """
    url = TIME_MACHINE_URL if url is None else url
    folder = data_dir()
    target = folder / TIME_MACHINE_FILENAME
    hint = (
        f"To use d2lite offline, copy d2l's timemachine.txt (sha1 "
        f"{TIME_MACHINE_SHA1}) to {target}, or point the D2LITE_DATA "
        f"environment variable at a folder that holds it."
    )
    if not (target.is_file() and _file_hash(target, "sha1") == TIME_MACHINE_SHA1):
        _download_verified(url, target, TIME_MACHINE_SHA256, TIME_MACHINE_SHA1, hint)
    return target.read_text(encoding="utf-8")


def _download_verified(url, target, sha256, sha1, hint):
    """Download `url` to `target` atomically, keeping it only if both hashes match.

    `keras.utils.get_file` does the download and the sha256 check into a
    private temporary folder next to `target` (get_file writes in place and
    keeps a bad file, and silently falls back to ~/.keras when a folder is
    not writable); only a verified file is moved into place with
    `os.replace`, so the cache never holds a partial or wrong file.
    """
    import tempfile

    import keras

    target = Path(target)
    try:
        tmp = tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-")
    except OSError as err:
        raise DataUnavailableError(f"Cannot write to the cache folder {target.parent}: {err}. {hint}") from err
    with tmp as tmpdir:
        try:
            path = keras.utils.get_file(
                fname=target.name, origin=url, file_hash=sha256, hash_algorithm="sha256",
                cache_dir=tmpdir, cache_subdir="",
            )
        except Exception as err:  # get_file raises a bare Exception on URL errors
            raise DataUnavailableError(f"Could not download {target.name} from {url}: {err}. {hint}") from err
        got = _file_hash(path, "sha1")
        if got != sha1:  # pragma: no cover - the sha256 matched already
            raise DataUnavailableError(f"{url} served a file with sha1 {got}, expected {sha1}. {hint}")
        os.replace(path, target)
