"""Downloads and caches: the Time Machine text and daily stock prices.

Every file is hash-checked or validated before use, and a bad file is never
used. The cache folder is, in this order of precedence:

1. the folder named by the ``D2LITE_DATA`` environment variable;
2. ``data/`` of the source checkout when d2lite is installed from one
   (``pip install -e .``), so the series keeps its data next to the notebooks;
3. ``~/.cache/d2lite`` otherwise.
"""

import datetime
import hashlib
import os
import re
from pathlib import Path

from d2lite import _validate

__all__ = [
    "COMMITTED_STOCK_FILES",
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
# keras.utils.get_file checks md5 or sha256 only, so it gets the sha256 of the
# same bytes; the sha1 that d2l publishes is checked on top.
TIME_MACHINE_SHA256 = "8424dbd9532ac81f7e5f0b6add90e6952baea29158309d7d1bf3884f4e12c516"
TIME_MACHINE_FILENAME = "timemachine.txt"


class DataUnavailableError(RuntimeError):
    """A data file is neither in the cache nor downloadable right now."""


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
    """
    env = os.environ.get("D2LITE_DATA")
    if env:
        path = Path(env).expanduser()
    elif _checkout() is not None:
        path = _checkout() / "data"
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


# ----------------------------------------------------------------------------- stock prices
#
# Range convention: `start` and `end` are both *inclusive* calendar dates, so
# the cache file ``^GSPC_1999-01-04_2018-12-31.csv`` holds exactly the trading
# days from 1999-01-04 to 2018-12-31. yfinance's own `end` is *exclusive*
# ("for end='2023-01-01' the last data point will be on 2022-12-31"), so the
# download asks it for ``end + 1 day``.

STOCK_COLUMNS = ("Open", "High", "Low", "Close", "Volume")
SP500_TICKER = "^GSPC"
SP500_START = "1999-01-04"
SP500_END = "2018-12-31"
# Committed snapshots (see data/README.md), hash-checked on every read: a file
# cut short at a line boundary still parses, so only a hash can catch it.
COMMITTED_STOCK_FILES = {
    "^GSPC_1999-01-04_2018-12-31.csv": "bad175054af993b4bfbe39c045bd883db38fed2fbc440c7a8e7f938285a73804",
}
# sha1 of the same files: keras.utils.get_file checks the sha256, d2lite the sha1 on top.
_COMMITTED_STOCK_SHA1 = {
    "^GSPC_1999-01-04_2018-12-31.csv": "6a49852362d6a00158383a988065e34463c896b2",
}
# Letters, digits, ".", "^", "=", "-", never starting with "." or "-": a ticker
# becomes part of a file name, so it must not hold "/", "\\" or whitespace.
_TICKER_RE = re.compile(r"[A-Za-z0-9^][A-Za-z0-9.^=-]{0,19}")


class InvalidDataError(ValueError):
    """Data (downloaded or cached) failed validation and was not used."""


def _check_ticker(ticker):
    """Return `ticker` upper-cased, or raise ValueError if it is not a safe ticker."""
    if isinstance(ticker, str) and _TICKER_RE.fullmatch(ticker):  # before upper(): "ß" -> "SS"
        return ticker.upper()
    raise ValueError(
        "Received an invalid value for argument `ticker`, expected 1 to 20 letters, digits, "
        "'.', '^', '=' or '-' starting with a letter, digit or '^' (e.g. 'AAPL', '^GSPC', "
        f"'BRK-B', 'EURUSD=X'), got {ticker!r}."
    )


def _check_date(value, name):
    """Return `value` (a 'YYYY-MM-DD' string or a date/datetime) as a `datetime.date`."""
    if isinstance(value, datetime.datetime):  # includes pandas.Timestamp
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(
        f"Received an invalid value for argument `{name}`, expected a date as 'YYYY-MM-DD' "
        f"or a datetime.date, got {value!r}."
    )


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
        start: first day, inclusive ('YYYY-MM-DD' or a `datetime.date`).
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

    if name not in COMMITTED_STOCK_FILES:
        raise ValueError(
            f"Received an invalid value for argument `name`, expected one of "
            f"{sorted(COMMITTED_STOCK_FILES)}, got {name!r}.")
    return f"{_REPOSITORY_RAW}/data/stocks/{quote(name)}"


def _fetch_snapshot(target):
    """Download a committed snapshot into the cache, hash-checked and atomically."""
    hint = (f"It is committed to the repository ({REPOSITORY_URL}) as data/stocks/{target.name}; "
            f"copy it to {target}, or install d2lite from a checkout (pip install -e .).")
    target.parent.mkdir(parents=True, exist_ok=True)
    _download_verified(snapshot_url(target.name), target, COMMITTED_STOCK_FILES[target.name],
                       _COMMITTED_STOCK_SHA1[target.name], hint)


def _validate_prices(frame, start, end, source, trim=False):
    """Return `frame` as clean daily prices, or raise InvalidDataError naming `source`.

    Checks: the required columns, a date index that is strictly increasing
    (so unique), no missing or non-positive close, and every date within
    [start, end] (with `trim=True`, rows outside are dropped first). Returns
    Open/High/Low/Close/Volume in that order, indexed by a tz-naive
    `DatetimeIndex` named "Date".
    """
    import pandas as pd

    def bad(problem):
        raise InvalidDataError(f"{source}: {problem}")

    if len(frame) == 0:
        bad("no rows")
    missing = [c for c in STOCK_COLUMNS if c not in frame.columns]
    if missing:
        bad(f"missing column(s) {missing}; expected {list(STOCK_COLUMNS)}, "
            f"got {[str(c) for c in frame.columns]}")
    frame = frame.loc[:, list(STOCK_COLUMNS)].copy()
    frame.columns = list(STOCK_COLUMNS)  # drops a leftover name such as yfinance's "Price"
    try:
        for column in STOCK_COLUMNS:
            frame[column] = pd.to_numeric(frame[column], errors="raise")
    except (TypeError, ValueError) as err:
        bad(f"non-numeric value in column {column!r} ({err})")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        bad(f"the index holds {index.dtype} values, expected dates")
    if index.tz is not None:
        index = index.tz_localize(None)
    frame.index = index.normalize().as_unit("ns").rename("Date")
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
    close = frame["Close"]
    if close.isna().any():
        bad(f"{int(close.isna().sum())} missing close(s), the first on "
            f"{close.index[close.isna()][0].date()}")
    if (close <= 0).any():
        bad(f"a non-positive close on {close.index[close <= 0][0].date()}")
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
        f"The cache file that would have served this request is {target}: put a CSV with "
        f"columns Date,{','.join(STOCK_COLUMNS)} there, or point the D2LITE_DATA environment "
        f"variable at a folder that holds stocks/{target.name}."
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


def _read_cached_prices(path, start, end):
    """Read and check a cache file; raise InvalidDataError rather than use a bad one."""
    import io

    import pandas as pd

    source = (f"The cached file {path} is corrupt or truncated, so it was not used; delete it "
              "(or restore the committed copy with git) and call again. Problem")
    payload = path.read_bytes()
    expected = COMMITTED_STOCK_FILES.get(path.name)
    if expected is not None:
        actual = hashlib.sha256(payload).hexdigest()
        if actual != expected:
            raise InvalidDataError(f"{source}: sha256 {actual}, expected {expected}")
    if not payload.endswith(b"\n"):
        raise InvalidDataError(f"{source}: the last line is incomplete")
    try:
        frame = pd.read_csv(io.BytesIO(payload), dtype={"Date": str})
        if "Date" not in frame.columns:
            raise ValueError(f"no Date column, got {list(frame.columns)}")
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("Date"), format="%Y-%m-%d"))
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InvalidDataError(f"{source}: {err}") from err
    return _validate_prices(frame, start, end, source)


def _write_prices_atomically(frame, path):
    """Write `frame` as CSV to `path` atomically (`d2lite._validate.atomic_write`)."""
    with _validate.atomic_write(path, "w", encoding="utf-8", newline="") as f:
        frame.to_csv(f, date_format="%Y-%m-%d", lineterminator="\n")


def stock_prices(ticker=SP500_TICKER, start=SP500_START, end=SP500_END):
    """Return daily prices of `ticker` from `start` to `end`, cache first.

    Looks for ``stocks/<TICKER>_<start>_<end>.csv`` in `data_dir()` (and, for
    the committed S&P 500 snapshot, in the source checkout's ``data/stocks``).
    Where d2lite is installed without a checkout (Colab), a committed snapshot
    is downloaded from the repository (`snapshot_url`), hash-checked, rather
    than from Yahoo. On any other miss it downloads with `yfinance.download(auto_adjust=True,
    progress=False)`, validates the result and writes the cache atomically
    (temporary file, then rename). Cached files are validated on every read
    and committed ones hash-checked; a bad file is never used.

    Both dates are inclusive: the frame holds the trading days in
    [start, end]. (yfinance's `end` is exclusive; this function asks it for
    the day after `end`.) Prices are adjusted for splits and dividends.

    Args:
        ticker: a Yahoo Finance symbol of letters, digits, ".", "^", "=" or
            "-" (default `SP500_TICKER`, "^GSPC"); upper-cased.
        start: first day, 'YYYY-MM-DD' or a `datetime.date` (default
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
        InvalidDataError: the download or the cache file fails validation
            (no rows, missing columns, dates not increasing, missing closes,
            truncated file, wrong hash). Nothing invalid is ever cached.

    Example:
        >>> prices = stock_prices("^GSPC", "1999-01-04", "2018-12-31")
        >>> prices.shape, prices.index[-1].date().isoformat()
        ((5031, 5), '2018-12-31')
        >>> prices["Close"].iloc[-1].round(2)
        np.float64(2506.85)
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
            return _read_cached_prices(path, start, end)
    if checkout is None and target.name in COMMITTED_STOCK_FILES:
        # Installed without a checkout (Colab): the committed snapshot, not yfinance's data of
        # today, which Yahoo revises, so that the lab's figures hold everywhere.
        _fetch_snapshot(target)
        return _read_cached_prices(target, start, end)
    raw = _download_prices(ticker, start, end, target)
    source = f"yfinance's data for {ticker} from {start} to {end} was rejected and not cached"
    frame = _validate_prices(_flatten_columns(raw, ticker, source), start, end, source, trim=True)
    _write_prices_atomically(frame, target)
    return frame
