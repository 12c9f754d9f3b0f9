"""Tests for d2lite.data.stock_prices: cache first, yfinance on a miss, never bad data.

No test touches the network: `yfinance.download` is replaced in every test,
by default with a function that fails the test if it is called at all.
"""

import contextlib
import datetime
import functools
import hashlib
import http.server
import importlib.util
import logging
import os
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance

from d2lite import data

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO / "data" / "stocks" / "^GSPC_1999-01-04_2018-12-31.csv"


# Any call to yfinance.download that a test did not arrange for fails it (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("no_yfinance_download")


def yahoo_frame(dates, layout="flat", ticker="AAPL", close=None):
    """A frame shaped like yfinance.download's: columns sorted by name, index 'Date'."""
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="Date").as_unit("s")
    n = len(index)
    close = np.linspace(100.0, 100.0 + n - 1, n) if close is None else np.asarray(close, float)
    frame = pd.DataFrame({"Close": close, "High": close + 1.0, "Low": close - 1.0,
                          "Open": close - 0.5, "Volume": np.arange(1, n + 1) * 1000},
                         index=index)
    if layout == "multi":  # yfinance >= 0.2.51 default: (Price, Ticker)
        frame.columns = pd.MultiIndex.from_product([frame.columns, [ticker]],
                                                   names=["Price", "Ticker"])
    elif layout == "multi_ticker_first":  # group_by="ticker": (Ticker, Price)
        frame.columns = pd.MultiIndex.from_product([[ticker], frame.columns],
                                                   names=["Ticker", "Price"])
    return frame


class FakeDownload:
    """Stands in for yfinance.download: records calls, returns or raises what it is given."""

    def __init__(self, result=None, error=None, log=None):
        self.result, self.error, self.log, self.calls = result, error, log, []

    def __call__(self, tickers, **kwargs):
        self.calls.append((tickers, kwargs))
        if self.log:
            logging.getLogger("yfinance").error(self.log)
        if self.error is not None:
            raise self.error
        return self.result


DAYS = ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08",
        "2020-01-09", "2020-01-10"]


def fetch(monkeypatch, fake, ticker="AAPL", start="2020-01-01", end="2020-01-10"):
    monkeypatch.setattr(yfinance, "download", fake)
    return data.stock_prices(ticker, start, end)


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ----------------------------------------------------------------------------- downloads


@pytest.mark.parametrize("layout", ["flat", "multi", "multi_ticker_first"])
def test_download_is_validated_cached_and_reused(cache, monkeypatch, layout):
    fake = FakeDownload(yahoo_frame(DAYS, layout))
    prices = fetch(monkeypatch, fake)
    assert list(prices.columns) == list(data.STOCK_COLUMNS)
    assert prices.index.name == "Date" and len(prices) == 7
    assert prices.index[0] == pd.Timestamp("2020-01-02")
    assert prices["Close"].tolist() == [100.0 + i for i in range(7)]
    assert prices["Volume"].tolist() == [1000 * i for i in range(1, 8)]
    assert len(fake.calls) == 1
    target = cache / "stocks" / "AAPL_2020-01-01_2020-01-10.csv"
    assert files_in(cache) == [target.name]
    assert target.read_text().splitlines()[:2] == [
        "Date,Open,High,Low,Close,Volume", "2020-01-02,99.5,101.0,99.0,100.0,1000"]
    # Second call: served from the cache, identical, no download.
    again = fetch(monkeypatch, FakeDownload(error=AssertionError("downloaded twice")))
    pd.testing.assert_frame_equal(again, prices)


def test_yfinance_is_called_adjusted_quiet_and_with_exclusive_end(cache, monkeypatch):
    fake = FakeDownload(yahoo_frame(DAYS))
    fetch(monkeypatch, fake, ticker="aapl", start=datetime.date(2020, 1, 1),
          end=pd.Timestamp("2020-01-10"))
    (ticker, kwargs), = fake.calls
    assert ticker == "AAPL"
    assert kwargs["auto_adjust"] is True and kwargs["progress"] is False
    # d2lite's end is inclusive; yfinance's is exclusive, so it is asked for the next day.
    assert (kwargs["start"], kwargs["end"]) == ("2020-01-01", "2020-01-11")


def test_range_is_inclusive_even_if_yfinance_returns_extra_days(cache, monkeypatch):
    # A yfinance that ignored the exclusive end (or returned a stray earlier row).
    fake = FakeDownload(yahoo_frame(["2019-12-31"] + DAYS + ["2020-01-13"]))
    prices = fetch(monkeypatch, fake, start="2020-01-01", end="2020-01-10")
    assert prices.index[0].date().isoformat() == "2020-01-02"
    assert prices.index[-1].date().isoformat() == "2020-01-10"  # the end day itself is kept
    assert len(prices) == 7


def test_timezone_aware_index_becomes_plain_dates(cache, monkeypatch):
    frame = yahoo_frame(DAYS)
    frame.index = frame.index.tz_localize("America/New_York").rename("Date")
    prices = fetch(monkeypatch, FakeDownload(frame))
    assert prices.index.tz is None
    assert [d.isoformat() for d in prices.index.date] == DAYS


def test_single_day_range(cache, monkeypatch):
    prices = fetch(monkeypatch, FakeDownload(yahoo_frame(["2020-01-06"])),
                   start="2020-01-06", end="2020-01-06")
    assert len(prices) == 1
    assert (cache / "stocks" / "AAPL_2020-01-06_2020-01-06.csv").is_file()


def test_empty_frame_from_yfinance_offline_names_ticker_range_and_cache_file(cache, monkeypatch):
    # Exactly what yfinance 1.x returns with no network: no rows, MultiIndex columns.
    empty = yahoo_frame([], "multi")
    fake = FakeDownload(empty, log="['AAPL']: DNSError('Could not resolve host')")
    handlers = list(logging.getLogger("yfinance").handlers)
    with pytest.raises(data.DataUnavailableError) as info:
        fetch(monkeypatch, fake)
    message = str(info.value)
    assert "AAPL" in message and "2020-01-01" in message and "2020-01-10" in message
    assert str(cache / "stocks" / "AAPL_2020-01-01_2020-01-10.csv") in message
    assert "DNSError" in message, "yfinance's own explanation was dropped"
    assert files_in(cache) == []
    assert logging.getLogger("yfinance").handlers == handlers, "a logging handler was left behind"


@pytest.mark.parametrize("result", [None, pd.DataFrame()], ids=["None", "bare-empty"])
def test_none_or_bare_empty_result_is_unavailable(cache, monkeypatch, result):
    with pytest.raises(data.DataUnavailableError, match=r"AAPL from 2020-01-01 to 2020-01-10"):
        fetch(monkeypatch, FakeDownload(result))
    assert files_in(cache) == []


def test_exception_from_yfinance_becomes_data_unavailable(cache, monkeypatch):
    error = ConnectionError("rate limited: too many requests")
    with pytest.raises(data.DataUnavailableError, match="rate limited") as info:
        fetch(monkeypatch, FakeDownload(error=error))
    assert info.value.__cause__ is error
    assert "AAPL_2020-01-01_2020-01-10.csv" in str(info.value)
    assert files_in(cache) == []


def _drop_close(f):
    return f.drop(columns="Close")


def _nan_close(f):
    f.iloc[3, f.columns.get_loc("Close")] = np.nan
    return f


def _duplicate_date(f):
    return pd.concat([f.iloc[:3], f.iloc[2:]])


def _reversed(f):
    return f.iloc[::-1]


def _text_in_volume(f):
    f = f.astype({"Volume": object})
    f.iloc[1, f.columns.get_loc("Volume")] = "n/a"
    return f


def _zero_close(f):
    f.iloc[0, f.columns.get_loc("Close")] = 0.0
    return f


def _two_tickers(f):
    both = pd.concat({"AAPL": f, "MSFT": f}, axis=1, names=["Ticker", "Price"])
    return both.swaplevel(0, 1, axis=1)


def _string_index(f):
    return f.set_axis(f.index.strftime("%d/%m/%Y"), axis=0)


@pytest.mark.parametrize("corrupt, problem", [
    (_drop_close, r"missing column.*Close"),
    (_nan_close, r"1 missing close.*2020-01-07"),
    (_duplicate_date, r"not strictly increasing \(at 2020-01-06\)"),
    (_reversed, r"not strictly increasing"),
    (_text_in_volume, r"non-numeric value in column 'Volume'"),
    (_zero_close, r"non-positive close on 2020-01-02"),
    (_two_tickers, r"columns for AAPL only, got tickers \['AAPL', 'MSFT'\]"),
    (_string_index, r"expected dates"),
])
def test_bad_download_is_rejected_and_never_cached(cache, monkeypatch, corrupt, problem):
    fake = FakeDownload(corrupt(yahoo_frame(DAYS)))
    with pytest.raises(data.InvalidDataError, match=problem) as info:
        fetch(monkeypatch, fake)
    assert "not cached" in str(info.value)
    assert files_in(cache) == []


def test_download_outside_the_range_only_is_rejected(cache, monkeypatch):
    with pytest.raises(data.InvalidDataError, match="no rows between 2020-01-01 and 2020-01-10"):
        fetch(monkeypatch, FakeDownload(yahoo_frame(["2021-03-01", "2021-03-02"])))
    assert files_in(cache) == []


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("ticker", ["../x", "a/b", "", "..", "./AAPL", "a\\b", "AA PL", "AAPL\n",
                                    ".hidden", "-x", "A" * 21, "é", "ß", "\uff21", None, 5, b"AAPL"])
def test_bad_ticker_is_a_value_error_before_any_io(cache, ticker):
    with pytest.raises(ValueError, match=r"argument `ticker`.*got"):
        data.stock_prices(ticker, "2020-01-01", "2020-01-10")
    with pytest.raises(ValueError, match=r"argument `ticker`"):
        data.stock_cache_path(ticker, "2020-01-01", "2020-01-10")
    assert not cache.exists()


@pytest.mark.parametrize("ticker, name", [
    ("aapl", "AAPL"), ("^GSPC", "^GSPC"), ("BRK-B", "BRK-B"), ("BRK.B", "BRK.B"),
    ("EURUSD=X", "EURUSD=X"), ("cl=f", "CL=F"), ("7203.T", "7203.T")])
def test_good_tickers_stay_inside_the_cache_folder(cache, ticker, name):
    path = data.stock_cache_path(ticker, "2020-01-01", "2020-01-10")
    assert path == cache / "stocks" / f"{name}_2020-01-01_2020-01-10.csv"
    assert path.resolve().parent == (cache / "stocks").resolve()
    assert not cache.exists(), "stock_cache_path must not create anything"


@pytest.mark.parametrize("start, end, problem", [
    ("2020-1-1", "2020-01-10", "`start`"),
    ("20200101", "2020-01-10", "`start`"),
    ("2020-01-01", "2020-02-30", "`end`"),
    ("2020-01-01", None, "`end`"),
    (20200101, "2020-01-10", "`start`"),
    ("2020-01-10", "2020-01-01", "after `end`"),
])
def test_bad_dates_are_value_errors(cache, start, end, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        data.stock_prices("AAPL", start, end)


def test_dates_as_objects_name_the_same_file(cache):
    as_text = data.stock_cache_path("AAPL", "2020-01-01", "2020-01-10")
    as_objects = data.stock_cache_path("AAPL", datetime.date(2020, 1, 1),
                                       datetime.datetime(2020, 1, 10, 15, 30))
    assert as_text == as_objects


# ----------------------------------------------------------------------------- cache files


def _cached(cache, monkeypatch):
    """Download DAYS once into the cache; return (path, frame)."""
    frame = fetch(monkeypatch, FakeDownload(yahoo_frame(DAYS)))
    monkeypatch.setattr(yfinance, "download",
                        FakeDownload(error=AssertionError("a corrupt cache must not trigger a download")))
    return cache / "stocks" / "AAPL_2020-01-01_2020-01-10.csv", frame


@pytest.mark.parametrize("damage, problem", [
    (lambda b: b[: len(b) // 2], "last line is incomplete"),
    (lambda b: b[:-1] + b"", "last line is incomplete"),
    (lambda b: b"", "last line is incomplete"),
    (lambda b: b.split(b"\n")[0] + b"\n", "no rows"),
    (lambda b: b"\x00\xff\xfe garbage\n", "Problem"),
    (lambda b: b.replace(b"Close", b"Clse"), r"missing column.*Close"),
    (lambda b: b.replace(b"2020-01-07,", b"07/01/2020,"), "Problem"),
    (lambda b: b.replace(b",103.0,", b",,"), "1 missing close"),
    (lambda b: b.replace(b"2020-01-10,", b"2020-01-11,"), "reach outside"),
    (lambda b: b.replace(b"2020-01-08", b"2020-01-03"), "not strictly increasing"),
], ids=["half", "last-byte", "empty", "header-only", "binary", "renamed-column", "bad-date",
        "nan-close", "out-of-range", "duplicate-date"])
def test_corrupt_cache_is_a_clear_error_and_never_used(cache, monkeypatch, damage, problem):
    path, _ = _cached(cache, monkeypatch)
    path.write_bytes(damage(path.read_bytes()))
    for _ in range(2):  # and not silently used on a second try either
        with pytest.raises(data.InvalidDataError, match=problem) as info:
            data.stock_prices("AAPL", "2020-01-01", "2020-01-10")
        assert str(path) in str(info.value) and "corrupt" in str(info.value)


def test_deleting_a_corrupt_cache_file_downloads_again(cache, monkeypatch):
    path, frame = _cached(cache, monkeypatch)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(data.InvalidDataError):
        data.stock_prices("AAPL", "2020-01-01", "2020-01-10")
    path.unlink()
    again = fetch(monkeypatch, FakeDownload(yahoo_frame(DAYS)))
    pd.testing.assert_frame_equal(again, frame)


@pytest.mark.parametrize("where", ["while writing", "at the rename"])
def test_interrupted_write_leaves_no_cache_file(cache, monkeypatch, where):
    if where == "while writing":
        real_to_csv = pd.DataFrame.to_csv

        def to_csv(self, f, **kwargs):
            f.write("Date,Open,High,Low,Close,Volume\n2020-01-02,99.5,101.0,99")
            f.flush()
            raise KeyboardInterrupt  # Ctrl-C in the middle of the write

        monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    else:
        def replace(src, dst):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises((KeyboardInterrupt, OSError)):
        fetch(monkeypatch, FakeDownload(yahoo_frame(DAYS)))
    assert files_in(cache) == [], "an interrupted write left a file behind"
    monkeypatch.undo()  # the real writer, and the no-network guard, again
    monkeypatch.setenv("D2LITE_DATA", str(cache))
    if where == "while writing":
        assert pd.DataFrame.to_csv is real_to_csv
    prices = fetch(monkeypatch, FakeDownload(yahoo_frame(DAYS)))
    assert len(prices) == 7
    assert files_in(cache) == ["AAPL_2020-01-01_2020-01-10.csv"]


def test_cache_file_is_written_with_the_umask_permissions(cache, monkeypatch):
    path, _ = _cached(cache, monkeypatch)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# ----------------------------------------------------------------------------- committed snapshot


def test_default_is_the_committed_sp500_snapshot_offline(cache):
    prices = data.stock_prices()  # D2LITE_DATA is empty: found in the checkout, no download
    assert prices.shape == (5031, 5)
    assert prices.index[0] == pd.Timestamp("1999-01-04")
    assert prices.index[-1] == pd.Timestamp("2018-12-31")
    assert prices["Close"].iloc[0] == pytest.approx(1228.099976)
    assert prices["Close"].iloc[-1] == pytest.approx(2506.850098)
    assert prices.index.is_unique and prices.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(prices, data.stock_prices("^gspc", "1999-01-04", "2018-12-31"))


def test_committed_snapshot_hash_matches_code_and_readme():
    digest = hashlib.sha256(SNAPSHOT.read_bytes()).hexdigest()
    assert data.COMMITTED_STOCK_FILES[SNAPSHOT.name] == digest
    assert data._COMMITTED_STOCK_SHA1[SNAPSHOT.name] == hashlib.sha1(SNAPSHOT.read_bytes()).hexdigest()
    assert digest in (REPO / "data" / "README.md").read_text()


def test_snapshot_cut_at_a_line_boundary_is_caught_by_its_hash(cache):
    lines = SNAPSHOT.read_bytes().splitlines(keepends=True)
    (cache / "stocks").mkdir(parents=True)
    (cache / "stocks" / SNAPSHOT.name).write_bytes(b"".join(lines[:-250]))  # still valid CSV
    with pytest.raises(data.InvalidDataError, match="sha256"):
        data.stock_prices()


def test_export_script_reproduces_the_committed_snapshot(tmp_path, monkeypatch):
    pytest.importorskip("arch")
    spec = importlib.util.spec_from_file_location("export_sp500", REPO / "data" / "export_sp500.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "TARGET", tmp_path / SNAPSHOT.name)
    assert script.main() == 0
    assert (tmp_path / SNAPSHOT.name).read_bytes() == SNAPSHOT.read_bytes()


# ------------------------------------------------- the snapshot without a checkout (Colab)


@contextlib.contextmanager
def serve_folder(folder):
    """Serve `folder` over http on 127.0.0.1; yield the base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def installed_without_checkout(cache, tmp_path, monkeypatch):
    """d2lite as pip installs it from git: no data/ next to it; a local 'repository' server."""
    monkeypatch.setattr(data, "_checkout_stocks_dir", lambda: None)
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    repository = tmp_path / "repository"
    (repository / "data" / "stocks").mkdir(parents=True)
    return repository


def test_snapshot_url_points_into_the_repository():
    url = data.snapshot_url(SNAPSHOT.name)
    assert url.startswith(data._REPOSITORY_RAW + "/data/stocks/")
    assert url.endswith("%5EGSPC_1999-01-04_2018-12-31.csv")
    assert data._REPOSITORY_RAW.split("/")[3:5] == data.REPOSITORY_URL.split("/")[3:5]
    with pytest.raises(ValueError, match=r"argument `name`.*got 'AAPL.csv'"):
        data.snapshot_url("AAPL.csv")


def test_without_a_checkout_the_snapshot_comes_from_the_repository(
        installed_without_checkout, cache, monkeypatch):
    shutil.copy(SNAPSHOT, installed_without_checkout / "data" / "stocks")
    with serve_folder(installed_without_checkout) as base:
        monkeypatch.setattr(data, "_REPOSITORY_RAW", base)
        prices = data.stock_prices()  # yfinance.download would fail the test
    assert prices.shape == (5031, 5) and prices["Close"].iloc[-1].round(2) == 2506.85
    cached = cache / "stocks" / SNAPSHOT.name
    assert cached.read_bytes() == SNAPSHOT.read_bytes()
    pd.testing.assert_frame_equal(data.stock_prices(), prices)  # now from the cache, offline


def test_a_tampered_snapshot_from_the_repository_is_never_cached(
        installed_without_checkout, cache, monkeypatch):
    tampered = SNAPSHOT.read_bytes().replace(b"2506.85", b"2506.86")
    (installed_without_checkout / "data" / "stocks" / SNAPSHOT.name).write_bytes(tampered)
    with serve_folder(installed_without_checkout) as base:
        monkeypatch.setattr(data, "_REPOSITORY_RAW", base)
        with pytest.raises(data.DataUnavailableError, match=r"Could not download \^GSPC.*copy it to"):
            data.stock_prices()
    assert not list((cache / "stocks").iterdir())


def test_offline_without_a_checkout_says_where_the_snapshot_is(installed_without_checkout, cache,
                                                                 monkeypatch):
    with serve_folder(installed_without_checkout) as base:  # a server without the file: 404
        monkeypatch.setattr(data, "_REPOSITORY_RAW", base)
        with pytest.raises(data.DataUnavailableError) as err:
            data.stock_prices()
    message = str(err.value)
    assert data.REPOSITORY_URL in message and "data/stocks/^GSPC_1999-01-04_2018-12-31.csv" in message
    assert str(cache / "stocks" / SNAPSHOT.name) in message
    assert not (cache / "stocks" / SNAPSHOT.name).exists()


# ----------------------------------------------------------------------------- cache manifests


def test_a_download_is_cached_with_a_manifest_line(cache, monkeypatch):
    path, frame = _cached(cache, monkeypatch)
    lines = path.read_bytes().splitlines(keepends=True)
    body, manifest = b"".join(lines[:-1]), lines[-1].decode()
    assert manifest == f"# d2lite-cache rows=7 sha256={hashlib.sha256(body).hexdigest()}\n"
    assert len(lines) == 1 + 7 + 1  # header, rows, manifest
    pd.testing.assert_frame_equal(data.stock_prices("AAPL", "2020-01-01", "2020-01-10"), frame)


def test_a_download_cut_at_a_line_boundary_is_never_used(cache, monkeypatch):
    """65 rows cut to 45 at a line boundary still parse as a CSV: the manifest catches it."""
    days = pd.bdate_range("2020-01-01", periods=65)
    monkeypatch.setattr(yfinance, "download", FakeDownload(yahoo_frame(days)))
    start, end = days[0].date(), days[-1].date()
    assert len(data.stock_prices("AAPL", start, end)) == 65
    monkeypatch.setattr(yfinance, "download", FakeDownload(error=AssertionError("no download")))
    path = data.stock_cache_path("AAPL", start, end)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:46]))
    for _ in range(2):
        with pytest.raises(data.InvalidDataError, match=r"no manifest line") as info:
            data.stock_prices("AAPL", start, end)
        assert str(path) in str(info.value) and "delete it to download again" in str(info.value)


def test_a_csv_put_in_the_cache_by_hand_is_refused_and_read_prices_reads_it(cache, monkeypatch):
    target = data.stock_cache_path("AAPL", "2020-01-01", "2020-01-10")
    target.parent.mkdir(parents=True)
    data._write_prices_atomically(yahoo_frame(DAYS), target)  # a valid CSV, no manifest
    with pytest.raises(data.InvalidDataError, match=r"no manifest line.*not written by d2lite") as info:
        data.stock_prices("AAPL", "2020-01-01", "2020-01-10")
    assert "d2lite.data.read_prices(path)" in str(info.value)
    prices = data.read_prices(target)
    assert len(prices) == 7 and prices["Close"].iloc[-1] == 106.0


def test_an_unwritable_cache_folder_keeps_the_download(cache, monkeypatch):
    target = data.stock_cache_path("AAPL", "2020-01-01", "2020-01-10")
    target.mkdir(parents=True)  # a folder where the file should go: the rename fails
    with pytest.warns(data.CacheNotWrittenWarning, match=re.escape(str(target.parent))):
        prices = fetch(monkeypatch, FakeDownload(yahoo_frame(DAYS)))
    assert len(prices) == 7 and target.is_dir()


@pytest.mark.parametrize("column, value, problem", [
    ("Open", np.nan, r"1 missing open\(s\) \(column 'Open'\), the first on 2020-01-07"),
    ("Close", np.inf, r"non-finite close on 2020-01-07 \(column 'Close': inf\)"),
    ("Close", 1e300, r"implausibly large close on 2020-01-07"),
    ("Volume", -1.0, r"negative volume on 2020-01-07 \(column 'Volume': -1\.0\)"),
    ("High", 90.0, r"High below Low on 2020-01-07"),
])
def test_every_column_of_a_download_is_validated(cache, monkeypatch, column, value, problem):
    frame = yahoo_frame(DAYS).astype(float)
    frame.iloc[3, frame.columns.get_loc(column)] = value
    with pytest.raises(data.InvalidDataError, match=problem):
        fetch(monkeypatch, FakeDownload(frame))
    assert files_in(cache) == []
