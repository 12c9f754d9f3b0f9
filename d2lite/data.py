"""Downloads and caches: the Time Machine text and daily stock prices.

Every file is hash-checked or validated before use, and a bad file is never
used. The cache folder is, in this order of precedence:

1. the folder named by the ``D2LITE_DATA`` environment variable;
2. ``data/`` of the source checkout when d2lite is installed from one
   (``pip install -e .``), so the series keeps its data next to the notebooks;
3. ``~/.cache/d2lite`` otherwise.

A cache folder that cannot be written (read-only, or a folder where the file
should be) never costs a verified download: the data is returned with a
`CacheNotWrittenWarning` that names the folder. Price files of your own (from
Yahoo, Kaggle or Nasdaq.com) are read with `read_prices`, validated like a
download.
"""

import datetime
import errno
import hashlib
import math
import os
import re
import warnings
from pathlib import Path

from d2lite import _validate

__all__ = [
    "COMMITTED_STOCK_FILES",
    "CacheNotWrittenWarning",
    "DataUnavailableError",
    "InvalidDataError",
    "REPOSITORY_URL",
    "SP500_END",
    "SP500_START",
    "SP500_TICKER",
    "STOCK_COLUMNS",
    "TIME_MACHINE_SHA1",
    "TIME_MACHINE_URL",
    "data_dir",
    "read_prices",
    "snapshot_url",
    "stock_cache_path",
    "stock_prices",
    "time_machine",
]

# Where the series lives. Colab installs d2lite from here (the first code cell of every
# notebook), and an installed d2lite without a source checkout fetches the committed
# data snapshots from here, hash-checked.
REPOSITORY_URL = "https://github.com/d2lite/d2lite"
_REPOSITORY_RAW = REPOSITORY_URL.replace("https://github.com/", "https://raw.githubusercontent.com/") + "/main"

TIME_MACHINE_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
# The sha256 of the same bytes, checked on top of the sha1 that d2l publishes.
TIME_MACHINE_SHA256 = "8424dbd9532ac81f7e5f0b6add90e6952baea29158309d7d1bf3884f4e12c516"
TIME_MACHINE_FILENAME = "timemachine.txt"

# Downloads never hang: a socket that stays silent this long, or a whole download
# that takes longer than the deadline, is a failed download; so is a body larger than
# any file d2lite fetches could be (a captive portal streaming forever).
_DOWNLOAD_TIMEOUT = 30.0  # seconds, per socket operation
_DOWNLOAD_DEADLINE = 600.0  # seconds, per download
_MAX_DOWNLOAD_BYTES = 64 << 20
_URL_SCHEMES = ("http", "https", "ftp", "file")


class DataUnavailableError(RuntimeError):
    """A data file is neither in the cache nor downloadable right now."""


class InvalidDataError(ValueError):
    """Data (downloaded, cached or read from a file) failed validation and was not used."""


class CacheNotWrittenWarning(UserWarning):
    """Verified data was returned, but the cache folder could not be written to keep it."""


def _checkout():
    """The root of the source checkout d2lite is installed from (`pip install -e .`), or None."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root
    return None


def data_dir(create=True):
    """Return the d2lite data/cache folder as a `Path`.

    Args:
        create: make the folder if it does not exist (default True).

    Raises:
        ValueError: `create` is not a bool, or ``D2LITE_DATA`` holds a NUL character.
        NotADirectoryError: with `create`, the folder's path names a file.
        PermissionError: with `create`, the folder cannot be made; the message
            says to point ``D2LITE_DATA`` at a writable folder.

    Example:
        >>> isinstance(data_dir(create=False), Path)
        True
    """
    create = _validate.flag(create, "create")
    env = os.environ.get("D2LITE_DATA", "")
    if env.strip():  # unset, "" and blanks all mean "not set"
        if "\0" in env:
            raise ValueError(f"The D2LITE_DATA environment variable holds a NUL character "
                             f"({env!r}); expected the path of a folder.")
        path, origin = Path(env).expanduser(), "named by the D2LITE_DATA environment variable"
    elif _checkout() is not None:
        path, origin = _checkout() / "data", "the source checkout's data folder"
    else:
        path, origin = Path.home() / ".cache" / "d2lite", "the default cache folder"
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as err:
            raise NotADirectoryError(
                f"The d2lite cache folder {path} ({origin}) cannot be made: it, or a folder above it, "
                "is a file. Point the D2LITE_DATA environment variable at a folder.") from err
        except PermissionError as err:
            raise PermissionError(
                f"The d2lite cache folder {path} ({origin}) cannot be made: {err.strerror}. Point the "
                "D2LITE_DATA environment variable at a folder you can write to.") from err
    return path


def _file_hash(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_url(url):
    """`url`, if it is an http(s), ftp or file URL (a `str`)."""
    from urllib.parse import urlsplit

    expected = "an http://, https://, ftp:// or file:// URL (a str)"
    if not isinstance(url, str):
        raise _validate.invalid("url", expected, _validate.shown(url))
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise _validate.invalid("url", expected, _validate.shown(url)) from None
    if (parts.scheme not in _URL_SCHEMES or (parts.scheme != "file" and not host)
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise _validate.invalid("url", expected, _validate.shown(url))
    return url


def _read_file_or_none(path):
    """The bytes of `path` if it is a readable regular file, else None."""
    try:
        if not path.is_file():
            return None
        return path.read_bytes()
    except OSError:
        return None


def _cannot_write(err):
    """Whether `err` says the cache folder cannot be written (not a transient failure)."""
    return (isinstance(err, (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError))
            or err.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR))


def _store(target, payload, what, stacklevel=3):
    """Write `payload` to `target` atomically; return True, or warn and return False.

    A folder that cannot be written (permissions, a read-only file system, a
    file or folder in the way) is a `CacheNotWrittenWarning` naming the folder:
    the caller still returns the verified data. Other failures (a full disk, an
    interrupt) propagate, and leave nothing behind (`_validate.atomic_write`).
    """
    try:
        with _validate.atomic_write(target, "wb") as f:
            f.write(payload)
    except OSError as err:
        if not _cannot_write(err):
            raise
        warnings.warn(CacheNotWrittenWarning(
            f"Could not write {target.name} to the cache folder {target.parent} "
            f"({err.strerror or err}); {what} is returned but not cached, so the next call "
            "downloads it again. Point the D2LITE_DATA environment variable at a folder you "
            "can write to keep a cache."), stacklevel=stacklevel)
        return False
    return True


def time_machine(url=None):
    """Return the raw text of H. G. Wells' *The Time Machine*, as d2l uses it.

    The file is downloaded once into `data_dir()` and hash-checked (sha1 and
    sha256) on every call; a cached file with the wrong hash is never used: it
    is replaced by a verified download, atomically. A download never hangs (a
    silent server times out after 30 s). If the cache folder cannot be written,
    the verified text is returned with a `CacheNotWrittenWarning`.

    Args:
        url: where to download from (default `TIME_MACHINE_URL`, d2l's copy);
            an http(s), ftp or file URL.

    Returns:
        The text as a `str` (178,979 characters).

    Raises:
        ValueError: `url` is not an http(s), ftp or file URL.
        DataUnavailableError: offline (or the server failed, or sent other
            bytes) and no valid cached copy; the message says where to put the
            file and its sha1.

    Example:
        >>> text = time_machine()
        >>> text[:35]
        'The Time Machine, by H. G. Wells [1'
    """
    url = TIME_MACHINE_URL if url is None else _check_url(url)
    target = data_dir(create=False) / TIME_MACHINE_FILENAME
    hint = (
        f"To use d2lite offline, copy d2l's timemachine.txt (sha1 "
        f"{TIME_MACHINE_SHA1}) to {target}, or point the D2LITE_DATA "
        f"environment variable at a folder that holds it."
    )
    payload = _read_file_or_none(target)
    if payload is None or hashlib.sha1(payload).hexdigest() != TIME_MACHINE_SHA1:
        payload = _download_verified(url, target.name, TIME_MACHINE_SHA256, TIME_MACHINE_SHA1, hint)
        _store(target, payload, "the text")
    return payload.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _download_verified(url, name, sha256, sha1, hint):
    """Download `url` into memory; return its bytes only if both hashes match.

    Nothing is written here: the caller stores the verified bytes (`_store`),
    so the cache never holds a partial or wrong file. A socket silent for
    `_DOWNLOAD_TIMEOUT` seconds, a download longer than `_DOWNLOAD_DEADLINE`
    or larger than `_MAX_DOWNLOAD_BYTES` is a `DataUnavailableError`.
    """
    import http.client
    import time
    import urllib.error
    import urllib.request

    from d2lite import __version__

    deadline = time.monotonic() + _DOWNLOAD_DEADLINE
    chunks, size = [], 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": f"d2lite/{__version__}"})
        with urllib.request.urlopen(request, timeout=_DOWNLOAD_TIMEOUT) as response:
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > _MAX_DOWNLOAD_BYTES:
                    raise DataUnavailableError(
                        f"Could not download {name} from {url}: the server sent more than "
                        f"{_MAX_DOWNLOAD_BYTES} bytes, far more than the file has. {hint}")
                if time.monotonic() > deadline:
                    raise DataUnavailableError(
                        f"Could not download {name} from {url}: it took longer than "
                        f"{_DOWNLOAD_DEADLINE:g} s. {hint}")
                chunks.append(chunk)
    except DataUnavailableError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as err:  # URLError, HTTPError, timeouts
        if isinstance(err, urllib.error.HTTPError):
            err.close()  # it holds the response's socket
        raise DataUnavailableError(f"Could not download {name} from {url}: {err}. {hint}") from err
    payload = b"".join(chunks)
    got256, got1 = hashlib.sha256(payload).hexdigest(), hashlib.sha1(payload).hexdigest()
    if got256 != sha256 or got1 != sha1:
        raise DataUnavailableError(
            f"Could not download {name} from {url}: the server sent {len(payload)} bytes with "
            f"sha256 {got256} and sha1 {got1}, expected sha256 {sha256} and sha1 {sha1}, so "
            f"they were not used. {hint}")
    return payload


# ----------------------------------------------------------------------------- stock prices
#
# Range convention: `start` and `end` are both *inclusive* calendar dates, so
# the cache file ``^GSPC_1999-01-04_2018-12-31.csv`` holds exactly the trading
# days from 1999-01-04 to 2018-12-31. yfinance's own `end` is *exclusive*
# ("for end='2023-01-01' the last data point will be on 2022-12-31"), so the
# download asks it for ``end + 1 day``.
#
# Cache files: a download is cached as the CSV followed by one manifest line,
#     # d2lite-cache rows=<data rows> sha256=<sha256 of every byte before this line>
# written in one atomic write (temporary file, then rename), so it cannot be
# half-written; a file is used only if its manifest matches (or, for a committed
# snapshot, its sha256 is the one in COMMITTED_STOCK_FILES). A CSV cut at a line
# boundary loses or contradicts its manifest, so it is caught.

STOCK_COLUMNS = ("Open", "High", "Low", "Close", "Volume")
_PRICE_COLUMNS = ("Open", "High", "Low", "Close")
SP500_TICKER = "^GSPC"
SP500_START = "1999-01-04"
SP500_END = "2018-12-31"
# Committed snapshots (see data/README.md), hash-checked on every read: a file
# cut short at a line boundary still parses, so only a hash can catch it.
COMMITTED_STOCK_FILES = {
    "^GSPC_1999-01-04_2018-12-31.csv": "bad175054af993b4bfbe39c045bd883db38fed2fbc440c7a8e7f938285a73804",
}
# sha1 of the same files, checked on top of the sha256.
_COMMITTED_STOCK_SHA1 = {
    "^GSPC_1999-01-04_2018-12-31.csv": "6a49852362d6a00158383a988065e34463c896b2",
}
# Letters, digits, ".", "^", "=", "-", never starting with "." or "-": a ticker
# becomes part of a file name, so it must not hold "/", "\\" or whitespace.
_TICKER_RE = re.compile(r"[A-Za-z0-9^][A-Za-z0-9.^=-]{0,19}")
_MANIFEST_PREFIX = b"# d2lite-cache"
_MANIFEST_RE = re.compile(rb"# d2lite-cache rows=(0|[1-9][0-9]{0,8}) sha256=([0-9a-f]{64})")
# Dates d2lite accepts: wide enough for any price history, narrow enough that
# `end + 1 day` and pandas' nanosecond timestamps never overflow.
_EARLIEST_DATE = datetime.date(1800, 1, 1)
_LATEST_DATE = datetime.date(2199, 12, 31)
# Plausibility bounds: no price (in any currency unit) or daily volume comes near these,
# so a value beyond is a corrupt file, not a market.
_MAX_PRICE = 1e15
_MAX_VOLUME = 1e18
_RANGE_TOLERANCE = 1e-9  # relative: Low <= Open, Close <= High up to float rounding
# A one-day jump by one of these factors (or 1/factor), within 3 %, in one price column
# while the others do not follow, is a split left unadjusted in that column.
_SPLIT_FACTORS = (1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 15, 20, 25, 30, 40, 50, 100, 1000)
_SPLIT_TOLERANCE = 0.03
# The most recent days of a range may still change (a trading day in progress somewhere,
# Yahoo's late corrections): a range ending later than this many days ago is not cached.
_SETTLE_DAYS = 2


def _check_ticker(ticker):
    """Return `ticker` upper-cased, or raise ValueError if it is not a safe ticker."""
    if isinstance(ticker, str) and _TICKER_RE.fullmatch(ticker):  # before upper(): "ß" -> "SS"
        return ticker.upper()
    raise ValueError(
        "Received an invalid value for argument `ticker`, expected 1 to 20 letters, digits, "
        "'.', '^', '=' or '-' starting with a letter, digit or '^' (e.g. 'AAPL', '^GSPC', "
        f"'BRK-B', 'EURUSD=X'), got {_validate.shown(ticker)!r}."
    )


def _check_date(value, name):
    """Return `value` (a 'YYYY-MM-DD' string, a date/datetime or a numpy.datetime64) as a `datetime.date`."""
    day = None
    if isinstance(value, datetime.datetime):  # includes pandas.Timestamp, and pandas.NaT
        day = value.date() if value == value else None
    elif isinstance(value, datetime.date):
        day = value
    elif type(value).__module__ == "numpy" and type(value).__name__ == "datetime64":
        day = value.astype("datetime64[D]").item()  # None for NaT, an int out of range
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            pass
    if not isinstance(day, datetime.date) or not _EARLIEST_DATE <= day <= _LATEST_DATE:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a date as 'YYYY-MM-DD' "
            f"or a datetime.date, from {_EARLIEST_DATE} to {_LATEST_DATE}, got {_validate.shown(value)!r}."
        )
    return day


def _check_range(start, end):
    start, end = _check_date(start, "start"), _check_date(end, "end")
    if start > end:
        raise ValueError(
            f"Received `start`={start.isoformat()} after `end`={end.isoformat()}; expected "
            "start <= end (both dates are inclusive)."
        )
    return start, end


def stock_cache_path(ticker, start, end):
    """Return the cache file for daily prices of `ticker` from `start` to `end`.

    The file is ``<data_dir()>/stocks/<TICKER>_<start>_<end>.csv`` with both
    dates inclusive and the ticker upper-cased. Nothing is created or read.

    Args:
        ticker: a ticker symbol, e.g. "^GSPC" (checked as in `stock_prices`).
        start: first day, inclusive ('YYYY-MM-DD', a `datetime.date` or a
            `numpy.datetime64`, from 1800-01-01 to 2199-12-31).
        end: last day, inclusive.

    Returns:
        A `pathlib.Path`.

    Raises:
        ValueError: for a bad ticker, a bad date, or `start` after `end`.

    Example:
        >>> stock_cache_path("^gspc", "1999-01-04", "2018-12-31").name
        '^GSPC_1999-01-04_2018-12-31.csv'
    """
    ticker = _check_ticker(ticker)
    start, end = _check_range(start, end)
    name = f"{ticker}_{start.isoformat()}_{end.isoformat()}.csv"
    return data_dir(create=False) / "stocks" / name


def _checkout_stocks_dir():
    """The committed `data/stocks` of a source checkout, or None."""
    checkout = _checkout()
    return None if checkout is None else checkout / "data" / "stocks"


def snapshot_url(name):
    """The download address of a committed snapshot in the repository.

    Args:
        name: a file name of `COMMITTED_STOCK_FILES`.

    Returns:
        The raw-file URL of ``data/stocks/<name>`` on the repository's main branch
        (``^`` percent-encoded).

    Raises:
        ValueError: if `name` is not a committed snapshot.

    Example:
        >>> snapshot_url("^GSPC_1999-01-04_2018-12-31.csv")
        'https://raw.githubusercontent.com/d2lite/d2lite/main/data/stocks/%5EGSPC_1999-01-04_2018-12-31.csv'
    """
    from urllib.parse import quote

    if not isinstance(name, str) or name not in COMMITTED_STOCK_FILES:
        raise ValueError(
            f"Received an invalid value for argument `name`, expected one of "
            f"{sorted(COMMITTED_STOCK_FILES)}, got {_validate.shown(name)!r}.")
    return f"{_REPOSITORY_RAW}/data/stocks/{quote(name)}"


def _fetch_snapshot(target):
    """Download a committed snapshot, hash-checked; cache it atomically; return its bytes."""
    hint = (f"It is committed to the repository ({REPOSITORY_URL}) as data/stocks/{target.name}; "
            f"copy it to {target}, or install d2lite from a checkout (pip install -e .).")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # where it will go; a failure is _store's to report
    except OSError:
        pass
    payload = _download_verified(snapshot_url(target.name), target.name, COMMITTED_STOCK_FILES[target.name],
                                 _COMMITTED_STOCK_SHA1[target.name], hint)
    _store(target, payload, "the snapshot", stacklevel=4)
    return payload


def _fmt(x):
    return repr(float(x))


def _split_problem(frame, columns):
    """The first unadjusted split in `frame`: a one-column jump by a split factor, or None.

    On a day when column c moves by a factor within 3 % of a split factor
    (`_SPLIT_FACTORS` or its inverse) and every other price column moved, in
    log terms, by less than half as much relative to c, c is inconsistent with
    the others: a split (or reverse split) adjusted in some columns but not c.
    A day when every column moves together (a crash) is never flagged.
    """
    import numpy as np

    if len(frame) < 2 or len(columns) < 2:
        return None
    logs = np.log(frame.loc[:, list(columns)].to_numpy(dtype=float))
    steps = np.diff(logs, axis=0)
    factors = np.log(np.asarray(_SPLIT_FACTORS, dtype=float))
    factors = np.concatenate([factors, -factors])
    labels = ["3/2" if f == 1.5 else f"{f:g}" for f in _SPLIT_FACTORS]
    labels += ["2/3" if f == 1.5 else f"1/{f:g}" for f in _SPLIT_FACTORS]
    tolerance = math.log1p(_SPLIT_TOLERANCE)
    found = None
    for j, column in enumerate(columns):
        step = steps[:, j]
        distance = np.abs(step[:, None] - factors[None, :])
        near = distance.min(axis=1) <= tolerance
        others = np.delete(steps, j, axis=1)
        alone = (np.abs(others - step[:, None]) >= np.abs(step)[:, None] / 2).all(axis=1)
        hits = np.flatnonzero(near & alone)
        if hits.size and (found is None or hits[0] < found[0]):
            i = int(hits[0])
            found = (i, column, math.exp(step[i]), labels[int(distance[i].argmin())])
    if found is None:
        return None
    i, column, ratio, label = found
    before, day = frame.index[i].date(), frame.index[i + 1].date()
    return (f"column {column!r} jumps by a factor of {ratio:.4g} (about {label}) "
            f"from {before} to {day} while the other price columns do not: a split or reverse "
            f"split left unadjusted in {column!r}? Use prices adjusted in every column (Yahoo's "
            "Adj Close, yfinance's auto_adjust=True)")


def _check_values(frame, bad, extra=(), volume=True):
    """Every column of a date-indexed frame: missing, finite, positive, plausible, consistent."""
    import numpy as np

    dates = frame.index
    prices = ("Close", "Open", "High", "Low") + tuple(extra)
    columns = prices + (("Volume",) if volume else ())
    values = {c: frame[c].to_numpy(dtype=float) for c in columns}

    def first(mask):
        i = int(np.flatnonzero(mask)[0])
        return dates[i].date(), i

    for c in columns:
        missing = np.isnan(values[c])
        if missing.any():
            day, _ = first(missing)
            bad(f"{int(missing.sum())} missing {c.lower()}(s) (column {c!r}), the first on {day}")
    checks = [(c, "non-finite", ~np.isfinite(values[c]), "") for c in columns]
    checks += [(c, "non-positive", values[c] <= 0, "; prices must be > 0") for c in prices]
    checks += [(c, "implausibly large", values[c] > _MAX_PRICE, f"; expected at most {_MAX_PRICE:g}")
               for c in prices]
    if volume:
        v = values["Volume"]
        checks += [("Volume", "negative", v < 0, "; volumes must be >= 0"),
                   ("Volume", "implausibly large", v > _MAX_VOLUME, f"; expected at most {_MAX_VOLUME:g}")]
    for c, what, mask, note in checks:
        if mask.any():
            day, i = first(mask)
            article = "an" if what[0] in "aeiou" else "a"
            bad(f"{article} {what} {c.lower()} on {day} (column {c!r}: {_fmt(values[c][i])}){note}")
    problem = _split_problem(frame, _PRICE_COLUMNS + tuple(extra))
    if problem:
        bad(problem)
    low, high = values["Low"], values["High"]
    upper, lower = high * (1 + _RANGE_TOLERANCE), low * (1 - _RANGE_TOLERANCE)
    crossed = high < lower
    if crossed.any():
        day, i = first(crossed)
        bad(f"High below Low on {day} (column 'High': {_fmt(high[i])} < column 'Low': {_fmt(low[i])})")
    for c in ("Close", "Open"):
        outside = (values[c] < lower) | (values[c] > upper)
        if outside.any():
            day, i = first(outside)
            bad(f"{c} outside [Low, High] on {day} (column {c!r}: {_fmt(values[c][i])}, "
                f"Low {_fmt(low[i])}, High {_fmt(high[i])})")


def _validate_prices(frame, start, end, source, trim=False, extra=(), volume=True):
    """Return `frame` as clean daily prices, or raise InvalidDataError naming `source`.

    Checks: the required columns, a date index that is strictly increasing
    (so unique), and every column: no missing value, finite positive prices
    no larger than 1e15, Low <= Open <= High and Low <= Close <= High (up to
    a relative 1e-9), a finite volume >= 0, no split left unadjusted in one
    column (`_split_problem`); with `start` and `end`, every date within
    [start, end] (with `trim=True`, rows outside are dropped first). Returns
    Open/High/Low/Close/Volume (then the `extra` price columns) in that order,
    indexed by a tz-naive `DatetimeIndex` named "Date". With `volume=False`
    the Volume column is not checked (read_prices fills a missing one with NaN).
    """
    import pandas as pd

    def bad(problem):
        raise InvalidDataError(f"{source}: {problem}")

    if len(frame) == 0:
        bad("no rows")
    wanted = list(STOCK_COLUMNS) + list(extra)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        bad(f"missing column(s) {missing}; expected {list(STOCK_COLUMNS)}, "
            f"got {[str(c) for c in frame.columns]}")
    frame = frame.loc[:, wanted].copy()
    if frame.shape[1] != len(wanted):
        bad(f"a column appears twice; got {[str(c) for c in frame.columns]}")
    frame.columns = wanted  # drops a leftover name such as yfinance's "Price"
    try:
        for column in wanted:
            frame[column] = pd.to_numeric(frame[column], errors="raise")
            if frame[column].dtype.kind not in "iuf":
                raise TypeError(f"dtype {frame[column].dtype}")
    except (TypeError, ValueError) as err:
        bad(f"non-numeric value in column {column!r} ({err})")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        bad(f"the index holds {index.dtype} values, expected dates")
    if index.tz is not None:
        index = index.tz_localize(None)
    try:
        frame.index = index.normalize().as_unit("ns").rename("Date")
    except (ValueError, OverflowError) as err:  # pandas' OutOfBoundsDatetime: a year 0 or 3000
        bad(f"a date out of range ({err})")
    if frame.index.hasnans:
        bad("a missing date")
    if trim:
        # Keep the inclusive range even if a yfinance version treats `end` differently.
        days = frame.index.date
        frame = frame[(days >= start) & (days <= end)]
        if len(frame) == 0:
            bad(f"no rows between {start} and {end}")
    if not frame.index.is_monotonic_increasing or not frame.index.is_unique:
        steps = frame.index[1:] <= frame.index[:-1]
        first = frame.index[1:][steps][0]
        bad(f"dates are not strictly increasing (at {first.date()})")
    _check_values(frame, bad, extra, volume)
    if start is not None:
        first, last = frame.index[0].date(), frame.index[-1].date()
        if first < start or last > end:
            bad(f"dates {first}..{last} reach outside the requested {start}..{end}")
    return frame


def _flatten_columns(raw, ticker, source):
    """Drop yfinance's ticker level: columns `(Price, Ticker)` or flat `Price`."""
    import pandas as pd

    columns = raw.columns
    if not isinstance(columns, pd.MultiIndex):
        return raw
    if columns.nlevels != 2:
        raise InvalidDataError(f"{source}: expected (Price, Ticker) columns, got {columns.nlevels} levels")
    # yfinance's default group_by="column" puts the price level first; accept either order.
    price_level = 0 if "Close" in columns.get_level_values(0) else 1
    tickers = sorted({str(t) for t in columns.get_level_values(1 - price_level)})
    if tickers != [ticker]:
        raise InvalidDataError(f"{source}: expected columns for {ticker} only, got tickers {tickers}")
    return raw.droplevel(1 - price_level, axis=1)


def _download_prices(ticker, start, end, target):
    """Ask yfinance for the range; return its frame or raise DataUnavailableError."""
    import logging

    import pandas as pd

    hint = (
        f"The cache file that would have served this request is {target} (a download "
        "writes it). To use a price file you already have (Yahoo, Kaggle or Nasdaq.com "
        "CSV), load it with d2lite.data.read_prices(path); or point the D2LITE_DATA environment "
        f"variable at a folder that holds stocks/{target.name} from an earlier download."
    )
    what = f"{ticker} from {start} to {end} (inclusive)"
    try:
        import yfinance
    except ImportError as err:
        raise DataUnavailableError(f"Cannot download {what}: yfinance is not installed. {hint}") from err

    # yfinance logs a failed download instead of raising it; keep its words for our message.
    errors = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: errors.append(record.getMessage().strip())
    logger = logging.getLogger("yfinance")
    logger.addHandler(handler)
    try:
        raw = yfinance.download(
            ticker,
            start=start.isoformat(),
            end=(end + datetime.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
            auto_adjust=True,
            progress=False,
            timeout=_DOWNLOAD_TIMEOUT,
        )
    except Exception as err:
        raise DataUnavailableError(f"yfinance failed to download {what}: {err!r}. {hint}") from err
    finally:
        logger.removeHandler(handler)
    if raw is None or not isinstance(raw, pd.DataFrame) or raw.empty:
        said = "; ".join(e for e in errors if e)[:500]
        said = f" yfinance said: {said}." if said else ""
        raise DataUnavailableError(
            f"yfinance returned no data for {what}: offline, rate-limited, an unknown ticker, "
            f"or no trading day in the range.{said} {hint}"
        )
    return raw


def _split_manifest(payload):
    """`(body, manifest line or None)`: a last line starting with "#" is the manifest."""
    head, sep, last = payload[:-1].rpartition(b"\n") if payload.endswith(b"\n") else (b"", b"", b"")
    if sep and last.startswith(b"#"):
        return head + sep, last
    return payload, None


def _manifest_problem(body, line):
    """What is wrong with `body` given its manifest `line` (None: no manifest), or None."""
    if line is None:
        return ("it has no manifest line ('# d2lite-cache rows=N sha256=...', the last line "
                "a download writes), so it was cut short or was not written by d2lite")
    match = _MANIFEST_RE.fullmatch(line)
    if match is None:
        return f"its manifest line {line.decode('utf-8', 'replace')[:120]!r} is malformed"
    rows, sha256 = int(match[1]), match[2].decode()
    got_rows, got_sha256 = body.count(b"\n") - 1, hashlib.sha256(body).hexdigest()
    if (got_rows, got_sha256) != (rows, sha256):
        return (f"its manifest says {rows} rows with sha256 {sha256}, the file holds {got_rows} "
                f"rows with sha256 {got_sha256} (cut short or edited)")
    return None


def _parse_cache(payload, path, start, end):
    """Check the bytes of a cache file; raise InvalidDataError rather than use a bad one.

    A committed snapshot must have its committed sha256. Any other file must
    end with a manifest line that matches it (`_manifest_problem`); a CSV
    without one (cut at a line boundary, an older d2lite's cache, or put there
    by hand) is never used. The content is validated first, so that the error
    says what is wrong with it, if anything.
    """
    import io

    import pandas as pd

    source = (f"The cached file {path} is corrupt or truncated, or was not written by d2lite, so it "
              "was not used; delete it to download again (or restore the committed copy with git), "
              "or, for a price file of your own, load it with d2lite.data.read_prices(path). Problem")
    expected = COMMITTED_STOCK_FILES.get(path.name)
    if expected is not None:
        actual = hashlib.sha256(payload).hexdigest()
        if actual != expected:
            raise InvalidDataError(f"{source}: sha256 {actual}, expected {expected}")
    if not payload.endswith(b"\n"):
        raise InvalidDataError(f"{source}: the last line is incomplete")
    if b"\x00" in payload:  # pandas versions differ on a NUL inside a number: never parse one
        line = payload[:payload.index(b"\x00")].count(b"\n") + 1
        raise InvalidDataError(f"{source}: a NUL byte on line {line} (not a CSV text file)")
    body, manifest = (payload, None) if expected is not None else _split_manifest(payload)
    try:
        frame = pd.read_csv(io.BytesIO(body), dtype={"Date": str})
        if "Date" not in frame.columns:
            raise ValueError(f"no Date column, got {list(frame.columns)}")
        days = frame.pop("Date")
        parsed = pd.to_datetime(days, format="%Y-%m-%d", errors="coerce")
        if parsed.isna().any():
            i = int(parsed.isna().to_numpy().argmax())
            raise ValueError(f"date {days.iloc[i]!r} in data row {i + 1} is not a YYYY-MM-DD date")
        frame.index = pd.DatetimeIndex(parsed)
    except UnicodeDecodeError as err:
        raise InvalidDataError(f"{source}: not UTF-8 text ({err})") from err
    except (ValueError, pd.errors.ParserError) as err:
        raise InvalidDataError(f"{source}: {err}") from err
    frame = _validate_prices(frame, start, end, source)
    if expected is None:
        problem = _manifest_problem(body, manifest)
        if problem:
            raise InvalidDataError(f"{source}: {problem}")
    return frame


def _cache_bytes(frame):
    """The bytes of a cache file for `frame`: its CSV, then the manifest line."""
    import io

    buffer = io.StringIO()
    frame.to_csv(buffer, date_format="%Y-%m-%d", lineterminator="\n")
    body = buffer.getvalue().encode("utf-8")
    rows = body.count(b"\n") - 1
    assert rows == len(frame), (rows, len(frame))
    digest = hashlib.sha256(body).hexdigest().encode()
    return body + b"%s rows=%d sha256=%s\n" % (_MANIFEST_PREFIX, rows, digest)


def _write_prices_atomically(frame, path):
    """Write `frame` as CSV to `path` atomically, no manifest (the committed snapshots' layout)."""
    with _validate.atomic_write(path, "w", encoding="utf-8", newline="") as f:
        frame.to_csv(f, date_format="%Y-%m-%d", lineterminator="\n")


def stock_prices(ticker=SP500_TICKER, start=SP500_START, end=SP500_END):
    """Return daily prices of `ticker` from `start` to `end`, cache first.

    Looks for ``stocks/<TICKER>_<start>_<end>.csv`` in `data_dir()` (and, for
    the committed S&P 500 snapshot, in the source checkout's ``data/stocks``).
    Where d2lite is installed without a checkout (Colab), a committed snapshot
    is downloaded from the repository (`snapshot_url`), hash-checked, rather
    than from Yahoo. On any other miss it downloads with `yfinance.download(auto_adjust=True,
    progress=False)`, validates the result and caches it.

    Cache files: a download is cached as its CSV followed by a manifest line
    ``# d2lite-cache rows=<N> sha256=<hex of the bytes before it>``, in one
    atomic write (temporary file, then rename). Every read validates the
    content and checks the manifest (committed snapshots: their sha256), so a
    file cut short, even at a line boundary, or edited, is never used.
    **A CSV placed in the cache by hand has no manifest and is not used
    either**: the error says to load it with `read_prices(path)`, which
    validates it just as thoroughly and reads more layouts.

    If the cache folder cannot be written (read-only, or a folder in the way
    of the file), the validated download is returned anyway, with a
    `CacheNotWrittenWarning` that names the folder. A range that ends less than
    two days ago (or in the future) is returned but not cached, since its
    last days may still change.

    Both dates are inclusive: the frame holds the trading days in
    [start, end]. (yfinance's `end` is exclusive; this function asks it for
    the day after `end`.) Prices are adjusted for splits and dividends.

    Args:
        ticker: a Yahoo Finance symbol of letters, digits, ".", "^", "=" or
            "-" (default `SP500_TICKER`, "^GSPC"); upper-cased.
        start: first day, 'YYYY-MM-DD', a `datetime.date` or a
            `numpy.datetime64`, from 1800-01-01 to 2199-12-31 (default
            `SP500_START`, "1999-01-04").
        end: last day, inclusive (default `SP500_END`, "2018-12-31").

    Returns:
        A `pandas.DataFrame` indexed by date ("Date") with columns Open, High,
        Low, Close, Volume. The default is the committed snapshot of the S&P
        500 (5,031 trading days), so it needs no network.

    Raises:
        ValueError: a bad ticker (anything that could leave the cache folder,
            e.g. "../x", "a/b", ""), a bad date, or `start` after `end`.
        DataUnavailableError: not cached, and yfinance failed or returned
            nothing (it returns an empty frame when offline or rate-limited);
            the message names the ticker, the range and the cache file that
            would have served the request.
        InvalidDataError: the download or the cache file fails validation:
            no rows, missing columns, dates not increasing, a missing, infinite,
            non-positive or implausible (> 1e15) price in any column, a negative
            volume, High < Low, Open or Close outside [Low, High], a split left
            unadjusted in one column (the message names the date and the column),
            a truncated file, a missing or wrong manifest, a wrong hash. Nothing
            invalid is ever cached.

    Example:
        >>> prices = stock_prices("^GSPC", "1999-01-04", "2018-12-31")
        >>> prices.shape, prices.index[-1].date().isoformat()
        ((5031, 5), '2018-12-31')
        >>> float(prices["Close"].iloc[-1].round(2))
        2506.85
    """
    ticker = _check_ticker(ticker)
    start, end = _check_range(start, end)
    target = stock_cache_path(ticker, start, end)
    candidates = [target]
    checkout = _checkout_stocks_dir()
    if checkout is not None and target.name in COMMITTED_STOCK_FILES:
        candidates.append(checkout / target.name)
    for path in candidates:
        if path.is_file():
            return _parse_cache(path.read_bytes(), path, start, end)
    if checkout is None and target.name in COMMITTED_STOCK_FILES:
        # Installed without a checkout (Colab): the committed snapshot, not yfinance's data of
        # today, which Yahoo revises, so that the lab's figures hold everywhere.
        return _parse_cache(_fetch_snapshot(target), target, start, end)
    raw = _download_prices(ticker, start, end, target)
    source = f"yfinance's data for {ticker} from {start} to {end} was rejected and not cached"
    frame = _validate_prices(_flatten_columns(raw, ticker, source), start, end, source, trim=True)
    settled = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=_SETTLE_DAYS)
    if end <= settled:
        _store(target, _cache_bytes(frame), f"the prices of {ticker}")
    return frame


# ----------------------------------------------------------------------------- price files

_MAX_PRICE_FILE_BYTES = 64 << 20  # a century of daily prices is ~2 MB
# Header names, lower-cased without spaces, "_", "." or "*" (Yahoo's web table writes
# "Close*" and "Adj Close**"), and the column each means.
_PRICE_FILE_HEADERS = {
    "date": "Date", "open": "Open", "high": "High", "low": "Low", "close": "Close",
    "close/last": "Close", "adjclose": "Adj Close", "adjustedclose": "Adj Close",
    "volume": "Volume",
}
_ISO_DATE_RE = re.compile(
    r"([0-9]{4})([-/])([0-9]{2})\2([0-9]{2})"
    r"(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_US_DATE_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MISSING_TOKENS = frozenset({"", "null", "nan", "n/a", "na", "none", "-", "--"})
_INFINITE_TOKENS = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
                    "+infinity": math.inf, "-infinity": -math.inf}
_PLAIN_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GROUPED_NUMBER_RE = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_DATE_FORMATS = ("YYYY-MM-DD (ISO, optionally with a time, as yfinance writes it) or M/D/YYYY "
                 "(US, as Nasdaq.com and Yahoo write it)")


def _check_path(path):
    """`path` as a `Path` (a str or os.PathLike naming a file), `~` expanded."""
    expected = "the path of a CSV file (a str or os.PathLike)"
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path.strip() or "\0" in path:
        raise _validate.invalid("path", expected, _validate.shown(path))
    return Path(path).expanduser()


def _read_price_bytes(path):
    """The bytes of the regular file `path`, or a clear error naming it."""
    import stat

    where = "" if path.is_absolute() else f" (relative to the current folder {Path.cwd()})"
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"There is no price file {path}{where}; check the name and the "
                                "folder.") from None
    except PermissionError as err:
        raise PermissionError(f"Cannot read the price file {path}: {err.strerror}.") from None
    except OSError as err:  # a name too long, a loop of symbolic links, ...
        raise OSError(f"Cannot read the price file {_validate.shown(str(path))!r}: {err.strerror or err}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"{path} is a folder, not a price file; pass the path of the CSV "
                                "file inside it.")
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end
        raise InvalidDataError(f"{path} is not a regular file (a device, pipe or socket); expected "
                               "a CSV file of daily prices.")
    if info.st_size > _MAX_PRICE_FILE_BYTES:
        raise InvalidDataError(f"{path} holds {info.st_size} bytes; a daily price file is far smaller "
                               f"(read_prices reads up to {_MAX_PRICE_FILE_BYTES} bytes).")
    try:
        with open(path, "rb") as f:
            payload = f.read(_MAX_PRICE_FILE_BYTES + 1)
    except PermissionError as err:
        raise PermissionError(f"Cannot read the price file {path}: {err.strerror}.") from None
    if len(payload) > _MAX_PRICE_FILE_BYTES:
        raise InvalidDataError(f"{path} holds more than {_MAX_PRICE_FILE_BYTES} bytes; a daily price "
                               "file is far smaller.")
    return payload


def _decode_price_text(payload, path):
    """The text of a CSV file, or InvalidDataError for an empty or binary one."""
    if not payload.strip():
        raise InvalidDataError(f"{path} is empty; expected a CSV file with a header line such as "
                               "Date,Open,High,Low,Close,Volume and one line per trading day.")
    kinds = {b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook? Save it as CSV)",
             b"\x1f\x8b": "gzip-compressed (decompress it first)",
             b"%PDF": "a PDF document"}
    for magic, kind in kinds.items():
        if payload.startswith(magic):
            raise InvalidDataError(f"{path} is not a CSV text file: it is {kind}.")
    utf16 = payload.startswith((b"\xff\xfe", b"\xfe\xff"))  # Excel's "Unicode text"
    try:
        text = payload.decode("utf-16" if utf16 else "utf-8-sig")  # -sig: drops a BOM
    except UnicodeDecodeError as err:
        raise InvalidDataError(f"{path} is not a CSV text file: byte {err.start} is not "
                               f"{'UTF-16' if utf16 else 'UTF-8'} text (a binary file? save it as "
                               "CSV, UTF-8)") from None
    if "\0" in text:
        raise InvalidDataError(f"{path} is not a CSV text file: it holds NUL bytes (a binary file?).")
    return text


def _parse_number(text):
    """`text` as a float ('$' prefix, '1,234.56' grouping); NaN for a missing value; None if not a number."""
    s = text.strip()
    if s.lower() in _MISSING_TOKENS:
        return math.nan
    if s.lower() in _INFINITE_TOKENS:
        return _INFINITE_TOKENS[s.lower()]
    sign = ""
    if s.startswith(("+", "-")):
        sign, s = s[0], s[1:]
    if s.startswith("$"):
        s = s[1:].lstrip()
    if s.startswith(("+", "-")) and not sign:
        sign, s = s[0], s[1:]
    if "," in s:
        if not _GROUPED_NUMBER_RE.fullmatch(s):
            return None
        s = s.replace(",", "")
    if not _PLAIN_NUMBER_RE.fullmatch(s):
        return None
    return float(sign + s)


def _parse_dates(cells, source):
    """`[(line, text), ...]` as `datetime.date`s: all ISO, or all US M/D/YYYY."""
    def bad(problem):
        raise InvalidDataError(f"{source}: {problem}")

    line0, text0 = cells[0]
    if _ISO_DATE_RE.fullmatch(text0):
        kind, pattern = "ISO (YYYY-MM-DD)", _ISO_DATE_RE
    elif _US_DATE_RE.fullmatch(text0):
        kind, pattern = "US (M/D/YYYY)", _US_DATE_RE
    else:
        bad(f"unrecognised date {text0!r} on line {line0}; expected {_DATE_FORMATS}. Day-first "
            "dates (D/M/YYYY), two-digit years and month names are not supported: write the "
            "dates as YYYY-MM-DD")
    parts = []
    for line, text in cells:
        match = pattern.fullmatch(text)
        if match is None:
            bad(f"date {text!r} on line {line} is not in the file's {kind} format (line {line0} "
                f"has {text0!r})" if text else f"missing date on line {line}")
        if pattern is _ISO_DATE_RE:
            y, m, d = int(match[1]), int(match[3]), int(match[4])
        else:
            m, d, y = int(match[1]), int(match[2]), int(match[3])
            if m > 12:
                bad(f"date {text!r} on line {line} is not a valid M/D/YYYY date (month {m}): US dates "
                    "are month first; day-first (D/M/YYYY) files are not supported, and are never "
                    "guessed: write the dates as YYYY-MM-DD")
        try:
            day = datetime.date(y, m, d)
        except ValueError as err:
            bad(f"date {text!r} on line {line} is not a valid {kind} date ({err})")
        if not _EARLIEST_DATE <= day <= _LATEST_DATE:
            bad(f"date {text!r} on line {line} is outside {_EARLIEST_DATE}..{_LATEST_DATE}")
        parts.append((y, m, d, day))
    dates = [p[3] for p in parts]
    if pattern is _US_DATE_RE and len(parts) > 1 and all(m <= 12 and d <= 12 for _, m, d, _ in parts):
        # Every date reads both ways. M/D is the format; but if only the D/M reading looks
        # like consecutive trading days, the file is day-first: refuse rather than misread it.
        try:
            swapped = [datetime.date(y, d, m) for y, m, d, _ in parts]
        except ValueError:
            swapped = None
        if swapped and _median_gap(swapped) <= 7 < _median_gap(dates):
            bad(f"the dates ({cells[0][1]!r}, {cells[1][1]!r}, ...) read as M/D/YYYY are "
                f"{_median_gap(dates):g} days apart, as D/M/YYYY consecutive trading days: a "
                "day-first file? Day-first dates are not supported: write them as YYYY-MM-DD")
    return dates


def _median_gap(dates):
    import statistics

    ordered = sorted(set(dates))
    if len(ordered) < 2:
        return 0
    return statistics.median((b - a).days for a, b in zip(ordered, ordered[1:]))


def read_prices(path):
    """Read a CSV file of daily prices into the stock lab's frame, validated.

    Reads the common layouts, recognised by their header (any case; spaces,
    ``_``, ``.`` and ``*`` ignored; extra columns are ignored):

    * Yahoo Finance's download: ``Date,Open,High,Low,Close,Adj Close,Volume``;
    * yfinance's own ``DataFrame.to_csv``, with or without its
      ``Price``/``Ticker`` header rows (one ticker per file);
    * Kaggle-style lower case: ``date,open,high,low,close,volume``;
    * Nasdaq.com: ``Date,Close/Last,Volume,Open,High,Low`` with ``$`` prefixes,
      newest first;
    * the cache files of `stock_prices` (their manifest line is checked).

    Dates are ISO (``2020-01-02`` or ``2020/01/02``, optionally with a time
    and UTC offset as yfinance writes them: the date as written is kept) or
    US month-first ``M/D/YYYY`` (Nasdaq.com, Yahoo). Day-first ``D/M/YYYY``
    is not supported and never guessed: a slash date with a month above 12 is
    an error, and so is a file whose every date reads both ways when only the
    day-first reading gives consecutive trading days (a one-row file that
    reads both ways is taken as M/D). Numbers may carry a
    ``$`` and, when quoted, thousands separators (``"1,234.56"``). A missing
    final newline is fine. Rows may be oldest first or newest first
    (Nasdaq.com): **the result is always sorted oldest first**; any other
    order, and a date that appears twice, is an error.

    **Adj Close.** The lab uses prices adjusted for splits and dividends
    (`stock_prices` downloads with yfinance's ``auto_adjust=True``). So when a
    file has an Adj Close column, Close becomes Adj Close and Open, High and
    Low are multiplied by that day's Adj Close / Close, exactly what
    ``auto_adjust`` does; Volume is kept. A file from Yahoo then gives the
    same numbers as `stock_prices` for the same range, and returns have no
    false drop on ex-dividend days. Files without Adj Close are taken as they
    are (Kaggle's and Nasdaq.com's are already split-adjusted).

    **Volume** is optional: the lab needs Close only, so a file without a
    Volume column gives a Volume of NaN on every row. A Volume column that
    is there must be complete, finite and >= 0.

    Validation, as for a download: finite positive prices (at most 1e15) in
    every price column, Low <= Open <= High and Low <= Close <= High (up to a
    relative 1e-9), and no split left unadjusted in one column: a one-day
    jump within 3 % of a split factor (2, 3, 4, 5, 10, 3/2, ... or their
    inverses) in one column while the other price columns do not follow. A
    real crash moves every column together and passes (a split left
    unadjusted in every column at once looks like one, and passes too).

    Args:
        path: the CSV file, a `str` or `os.PathLike` (``~`` is expanded).

    Returns:
        A `pandas.DataFrame` indexed by a tz-naive `DatetimeIndex` named
        "Date", oldest first, with float columns Open, High, Low, Close, Volume.

    Raises:
        ValueError: `path` is not a str or os.PathLike, or is empty.
        FileNotFoundError: no such file (the message names the path).
        IsADirectoryError: `path` is a folder.
        PermissionError: the file cannot be read.
        InvalidDataError: the file is empty, binary, too large, has no date
            column or no Open/High/Low/Close column, a row of the wrong length,
            a date or number it cannot read, duplicate or unordered dates, or
            fails the validation above. The message names the file and, where
            there is one, the line, the date and the column.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "prices.csv"
        >>> _ = path.write_text(
        ...     "Date,Close/Last,Volume,Open,High,Low\\n"
        ...     '01/03/2020,$101.50,"1,200",$100.00,$102.00,$99.50\\n'
        ...     "01/02/2020,$100.25,1000,$99.00,$101.00,$98.75")
        >>> prices = read_prices(path)
        >>> [day.isoformat() for day in prices.index.date], list(prices.columns)
        (['2020-01-02', '2020-01-03'], ['Open', 'High', 'Low', 'Close', 'Volume'])
        >>> prices["Close"].tolist(), prices["Volume"].tolist()
        ([100.25, 101.5], [1000.0, 1200.0])
    """
    import csv
    import io

    import numpy as np
    import pandas as pd

    path = _check_path(path)
    source = str(path)

    def bad(problem):
        raise InvalidDataError(f"{source}: {problem}")

    payload = _read_price_bytes(path)
    body, manifest = _split_manifest(payload)
    if manifest is not None and manifest.startswith(_MANIFEST_PREFIX):
        problem = _manifest_problem(body, manifest)  # a d2lite cache file: check it
        if problem:
            bad(f"a d2lite cache file, but {problem}; delete it and download again")
        payload = body
    text = _decode_price_text(payload, path)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = [(reader.line_num, [cell.strip() for cell in row])
                for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as err:
        bad(f"not a valid CSV file ({err})")
    if not rows:
        bad("no header line; expected a header such as Date,Open,High,Low,Close,Volume")

    def norm(cell):
        return re.sub(r"[\s_.*]+", "", cell.lower())

    header = rows[0][1]
    if len(rows) >= 2 and norm(header[0]) == "price" and norm(rows[1][1][0]) == "ticker":
        tickers = sorted({cell for cell in rows[1][1][1:] if cell})  # yfinance's to_csv
        if len(tickers) != 1:
            bad(f"holds prices of {len(tickers)} tickers {tickers}; read_prices reads one ticker per file")
        skip = 3 if len(rows) >= 3 and norm(rows[2][1][0]) == "date" and not any(rows[2][1][1:]) else 2
        header, rows = ["Date"] + header[1:], rows[skip:]
    else:
        rows = rows[1:]
    columns = {}
    for i, name in enumerate(header):
        key = _PRICE_FILE_HEADERS.get(norm(name))
        if key is None:
            continue
        if key in columns:
            bad(f"two columns mean {key}: {header[columns[key]]!r} and {name!r}")
        columns[key] = i
    if "Date" not in columns:
        hint = ""
        if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            hint = " (the file looks semicolon- or tab-separated; read_prices reads comma-separated files)"
        bad(f"no date column: expected a column named Date (any case), got the header {header}{hint}")
    missing = [c for c in _PRICE_COLUMNS if c not in columns]
    if missing:
        bad(f"missing column(s) {missing}; expected Date, Open, High, Low, Close (Close/Last), "
            f"and optionally Adj Close and Volume, got the header {header}")
    if not rows:
        bad("no rows: the file has a header and no prices")
    for line, row in rows:
        if len(row) != len(header):
            bad(f"line {line} has {len(row)} fields, the header has {len(header)} (an unquoted "
                "number with a thousands separator, like 1,234.56?)")
    dates = _parse_dates([(line, row[columns["Date"]]) for line, row in rows], source)
    seen = {}
    for (line, _), day in zip(rows, dates):
        if day in seen:
            bad(f"date {day} appears twice (lines {seen[day]} and {line}); expected one row per "
                "trading day (one ticker per file, daily prices)")
        seen[day] = line
    values = {}
    for name in [c for c in ("Open", "High", "Low", "Close", "Adj Close", "Volume") if c in columns]:
        numbers = []
        for (line, row), day in zip(rows, dates):
            number = _parse_number(row[columns[name]])
            if number is None:
                cell = row[columns[name]]
                note = " (a decimal comma? read_prices reads '.' decimals)" if re.fullmatch(
                    r"[0-9]+,[0-9]{1,2}", cell) else ""
                bad(f"non-numeric value {cell!r} in column {name!r} on line {line} ({day}){note}")
            numbers.append(number)
        values[name] = np.asarray(numbers, dtype=float)
    has_volume = "Volume" in values
    if not has_volume:
        values["Volume"] = np.full(len(rows), np.nan)
    frame = pd.DataFrame(values, index=pd.DatetimeIndex(pd.to_datetime(dates)).as_unit("ns").rename("Date"))
    increasing = frame.index[1:] > frame.index[:-1]
    if not increasing.all():
        if (~increasing).all():  # newest first (Nasdaq.com)
            frame = frame.iloc[::-1]
        else:
            i = int(np.flatnonzero(increasing != increasing[0])[0]) + 1
            bad(f"the dates are neither oldest first nor newest first: {frame.index[i].date()} on "
                f"line {rows[i][0]} follows {frame.index[i - 1].date()} on line {rows[i - 1][0]}")
    extra = ("Adj Close",) if "Adj Close" in values else ()
    frame = _validate_prices(frame, None, None, source, extra=extra, volume=has_volume)
    if extra:
        factor = frame["Adj Close"] / frame["Close"]
        for name in ("Open", "High", "Low"):
            frame[name] = frame[name] * factor
        frame["Close"] = frame["Adj Close"]
        frame = _validate_prices(frame.drop(columns="Adj Close"), None, None,
                                 f"{source} (adjusted by Adj Close / Close)", volume=has_volume)
    return frame.astype(float)
