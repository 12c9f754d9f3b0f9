"""Bad-input campaign for d2lite.data: every public function, bad and edge-case inputs.

Each row of `BAD_INPUTS` is one call, the exception it must raise and a regex
the message must match; the regex names the bad value (or the file, date and
column) wherever there is one. `EDGE_INPUTS` are unusual inputs that must be
*accepted*, with the expected result. Hypothesis properties check round trips
(`read_prices` reads any valid frame back from every supported layout) and
detection (any cut or one-byte change of a cache file is refused).

No network: `yfinance.download` fails the test unless a test replaces it, and
downloads use file:// URLs or a socket on 127.0.0.1. The CSV files in
tests/data/ are synthetic (invented numbers), written for these tests.
"""

import contextlib
import datetime
import errno
import math
import os
import re
import socket
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lite import _validate, data

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "data"
SNAPSHOT = REPO / "data" / "stocks" / "^GSPC_1999-01-04_2018-12-31.csv"
TIME_MACHINE = REPO / "data" / "timemachine.txt"

# The synthetic prices of the fixtures in tests/data/ (2021-03-08 .. 2021-03-19).
DAYS = ["2021-03-08", "2021-03-09", "2021-03-10", "2021-03-11", "2021-03-12",
        "2021-03-15", "2021-03-16", "2021-03-17", "2021-03-18", "2021-03-19"]
OPEN = [1175.00, 1182.00, 1196.00, 1200.50, 1190.00, 1211.00, 1223.00, 1214.00, 1231.50, 1240.00]
HIGH = [1185.50, 1199.00, 1205.75, 1202.00, 1212.30, 1225.00, 1226.80, 1232.40, 1245.00, 1243.10]
LOW = [1170.25, 1180.10, 1192.40, 1185.00, 1187.60, 1208.90, 1212.00, 1211.50, 1229.00, 1233.00]
CLOSE = [1180.00, 1195.50, 1201.25, 1188.75, 1210.00, 1222.40, 1215.10, 1230.00, 1241.60, 1236.20]
VOLUME = [1500000, 1730500, 1618200, 1902000, 1455000, 1388800, 1510300, 1620000, 1700400, 1599900]
TICKER, START, END = "SYNTH", "2021-03-01", "2021-03-31"
SETTINGS = settings(derandomize=True, max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def expected_frame(scale=1.0, volume=True):
    """The fixtures' prices as read_prices returns them."""
    index = pd.DatetimeIndex(pd.to_datetime(DAYS), name="Date").as_unit("ns")
    frame = pd.DataFrame({"Open": OPEN, "High": HIGH, "Low": LOW, "Close": CLOSE,
                          "Volume": VOLUME}, index=index).astype(float)
    for column in ("Open", "High", "Low", "Close"):
        frame[column] = frame[column] * scale
    if not volume:
        frame["Volume"] = np.nan
    return frame


def download_frame(changes=None):
    """The fixtures' prices shaped like yfinance.download's result, with `changes` {(row, column): value}."""
    index = pd.DatetimeIndex(pd.to_datetime(DAYS), name="Date")
    frame = pd.DataFrame({"Close": CLOSE, "High": HIGH, "Low": LOW, "Open": OPEN,
                          "Volume": VOLUME}, index=index)
    for (row, column), value in (changes or {}).items():
        frame = frame.astype({column: float}) if isinstance(value, float) else frame
        frame.iloc[row, frame.columns.get_loc(column)] = value
    return frame


def csv_text(changes=None, header="Date,Open,High,Low,Close,Volume", drop=()):
    """A Kaggle/Yahoo-like CSV of the fixtures' prices; `changes` {(row, column): text}."""
    lines = [header]
    for i, day in enumerate(DAYS):
        if i in drop:
            continue
        cells = {"Date": day, "Open": repr(OPEN[i]), "High": repr(HIGH[i]), "Low": repr(LOW[i]),
                 "Close": repr(CLOSE[i]), "Volume": str(VOLUME[i])}
        for (row, column), value in (changes or {}).items():
            if row == i:
                cells[column] = value
        lines.append(",".join(cells[c] for c in header.split(",")))
    return "\n".join(lines) + "\n"


# Any call to yfinance.download that a test did not arrange for fails it (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("no_yfinance_download")


class Env:
    """A temporary cache folder (D2LITE_DATA) and helpers that build the inputs of a case."""

    def __init__(self, tmp_path, monkeypatch):
        self.tmp, self.mp = tmp_path, monkeypatch
        self.cache = tmp_path / "cache"
        monkeypatch.setenv("D2LITE_DATA", str(self.cache))
        self.downloads = 0

    def file(self, name, content):
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    def read(self, content, name="prices.csv"):
        return data.read_prices(self.file(name, content))

    def serve(self, frame):
        def download(*args, **kwargs):
            self.downloads += 1
            return frame.copy()

        self.mp.setattr(yfinance, "download", download)

    def fetch(self, frame=None):
        self.serve(download_frame() if frame is None else frame)
        return data.stock_prices(TICKER, START, END)

    @property
    def target(self):
        return data.stock_cache_path(TICKER, START, END)

    def cached(self, damage):
        """Cache a good download, damage the file with `damage(bytes)`, read it again."""
        self.fetch()
        self.mp.setattr(yfinance, "download", lambda *a, **k: pytest.fail("a bad cache must not download"))
        self.target.write_bytes(damage(self.target.read_bytes()))
        return data.stock_prices(TICKER, START, END)

    def hand_placed(self, content):
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.target.write_bytes(content.encode("utf-8"))
        return data.stock_prices(TICKER, START, END)


@pytest.fixture
def env(tmp_path, monkeypatch):
    return Env(tmp_path, monkeypatch)


def got(value):
    """The regex for the end of an `_validate.invalid` message: "got <repr>."."""
    return r"got " + re.escape(repr(value)) + r"\.$"


def replace_manifest(payload, new):
    body, _, _ = payload[:-1].rpartition(b"\n")
    return body + b"\n" + new + b"\n"


def manifest(payload):
    return payload[:-1].rpartition(b"\n")[2]


def flip_last_hex(line):
    return line[:-1] + (b"1" if line.endswith(b"0") else b"0")


# ----------------------------------------------------------------------------- the table

CASES = []


def case(id, call, error, pattern):
    CASES.append(pytest.param(call, error, pattern, id=id))


# time_machine(url): anything but an http(s)/ftp/file URL string.
for i, url in enumerate([5, 3.5, None.__class__, b"http://x.org/t.txt", ["http://x.org/t.txt"], "",
                         "   ", "example.org/timemachine.txt", "javascript:alert(1)", "http://",
                         "http:///t.txt", "gopher://x.org/t", "http://exa mple.org/t.txt",
                         "http://x.org/t.txt\n", "http://[::1/t.txt", "C:\\data\\t.txt",
                         "h" * 100_000]):
    shown = repr(url) if len(repr(url)) <= 100 else f"{repr(url)[:80]}... ({len(repr(url))} characters)"
    case(f"time_machine-url-{i}", lambda e, url=url: data.time_machine(url=url), ValueError,
         r"argument `url`, expected an http://, https://, ftp:// or file:// URL.*got "
         + re.escape(shown) + r"\.$")

# data_dir(create): a bool only; D2LITE_DATA that names a file.
for i, create in enumerate(["yes", "False", 1, 0, None, 1.0, np.int64(1), [True]]):
    case(f"data_dir-create-{i}", lambda e, create=create: data.data_dir(create=create), ValueError,
         r"argument `create`, expected True or False, " + got(create))


def _env_is_a_file(e, below=False):
    path = e.file("not-a-folder", "x")
    e.mp.setenv("D2LITE_DATA", str(path / "sub" if below else path))
    return data.data_dir()


case("data_dir-env-names-a-file", _env_is_a_file, NotADirectoryError,
     r"cache folder .*not-a-folder \(named by the D2LITE_DATA environment variable\) cannot be made")
case("data_dir-env-below-a-file", lambda e: _env_is_a_file(e, below=True), NotADirectoryError,
     r"not-a-folder/sub .*cannot be made: it, or a folder above it, is a file")

# stock_cache_path / stock_prices: tickers (test_stocks.py has the path-escaping ones).
for i, ticker in enumerate(["../../etc/passwd", "AAPL;rm -rf", "\x00", "\u202eLPAA", "🚀", "AAPL ",
                            "^GSPC/../..", "A" * 1_000_000, 1.5, ["AAPL"], ("AAPL",), True]):
    shown = repr(ticker) if len(repr(ticker)) <= 100 else f"{repr(ticker)[:80]}... ({len(repr(ticker))} characters)"
    for function in (data.stock_cache_path, data.stock_prices):
        case(f"{function.__name__}-ticker-{i}",
             lambda e, f=function, t=ticker: f(t, START, END), ValueError,
             r"argument `ticker`.*got " + re.escape(shown) + r"\.$")

# Dates: wrong types, NaN/NaT, out of range, impossible, non-ASCII digits, other layouts.
BAD_DATES = [math.nan, math.inf, -1, True, None, "", "2021-13-01", "2021-00-10", "2021-02-29",
             "0000-01-01", "1799-12-31", "2200-01-01", "9999-12-31", "２０２１-03-01", " 2021-03-01",
             "2021-03-01T00:00", "2021/03/01", "03/01/2021", "2021-3-1", pd.NaT, np.datetime64("NaT"),
             np.datetime64("2300-01-01"), datetime.date.min, datetime.date.max, b"2021-03-01",
             20210301.5, [2021, 3, 1], "2021-03-01" * 1000]
for i, day in enumerate(BAD_DATES):
    shown = repr(day) if len(repr(day)) <= 100 else f"{repr(day)[:80]}... ({len(repr(day))} characters)"
    case(f"stock_cache_path-start-{i}", lambda e, d=day: data.stock_cache_path(TICKER, d, END),
         ValueError, r"argument `start`, expected a date.*got " + re.escape(shown) + r"\.$")
for i, day in enumerate(BAD_DATES[:12]):
    case(f"stock_prices-end-{i}", lambda e, d=day: data.stock_prices(TICKER, START, d),
         ValueError, r"argument `end`, expected a date.*got " + re.escape(repr(day)) + r"\.$")
case("stock_prices-start-after-end-objects",
     lambda e: data.stock_prices(TICKER, datetime.date(2021, 3, 31), np.datetime64("2021-03-01")),
     ValueError, r"`start`=2021-03-31 after `end`=2021-03-01")

# stock_prices: downloads with a bad value in any column are rejected, naming date and column.
BAD_DOWNLOADS = [
    ("inf-close", {(3, "Close"): math.inf}, r"a non-finite close on 2021-03-11 \(column 'Close': inf\)"),
    ("1e300-close", {(3, "Close"): 1e300}, r"an implausibly large close on 2021-03-11 \(column 'Close': 1e\+300\)"),
    ("nan-open", {(2, "Open"): math.nan}, r"1 missing open\(s\) \(column 'Open'\), the first on 2021-03-10"),
    ("zero-open", {(2, "Open"): 0.0}, r"a non-positive open on 2021-03-10 \(column 'Open': 0\.0\)"),
    ("minus-inf-low", {(4, "Low"): -math.inf}, r"a non-finite low on 2021-03-12 \(column 'Low': -inf\)"),
    ("negative-volume", {(1, "Volume"): -5}, r"a negative volume on 2021-03-09 \(column 'Volume': -5\.0\)"),
    ("nan-volume", {(1, "Volume"): math.nan}, r"1 missing volume\(s\) \(column 'Volume'\), the first on 2021-03-09"),
    ("inf-volume", {(1, "Volume"): math.inf}, r"a non-finite volume on 2021-03-09 \(column 'Volume': inf\)"),
    ("1e300-volume", {(1, "Volume"): 1e300}, r"an implausibly large volume on 2021-03-09 \(column 'Volume': 1e\+300\)"),
    ("high-below-low", {(5, "High"): 1200.0}, r"High below Low on 2021-03-15 \(column 'High': 1200\.0 < column 'Low': 1208\.9\)"),
    ("open-above-high", {(6, "Open"): 1230.0}, r"Open outside \[Low, High\] on 2021-03-16 \(column 'Open': 1230\.0"),
    ("close-below-low", {(7, "Close"): 1211.0}, r"Close outside \[Low, High\] on 2021-03-17 \(column 'Close': 1211\.0"),
    ("split-in-high", {(i, "High"): HIGH[i] * 2 for i in range(5)},
     r"column 'High' jumps by a factor of 0\.50\d* \(about 1/2\) from 2021-03-12 to 2021-03-15"),
]
for name, changes, pattern in BAD_DOWNLOADS:
    case(f"stock_prices-download-{name}", lambda e, c=changes: e.fetch(download_frame(c)),
         data.InvalidDataError, r"yfinance's data for SYNTH .* was rejected and not cached: " + pattern)

# stock_prices: damaged, tampered or hand-placed cache files are never used.
CACHE = r"The cached file .*SYNTH_2021-03-01_2021-03-31\.csv is corrupt.*Problem: (?:it has |its )?"
BAD_CACHES = [
    ("cut-at-line-boundary", lambda b: b"".join(b.splitlines(keepends=True)[:-3]), r"no manifest line"),
    ("manifest-line-cut", lambda b: b"".join(b.splitlines(keepends=True)[:-1]), r"no manifest line"),
    ("middle-line-removed", lambda b: b"".join(l for i, l in enumerate(b.splitlines(keepends=True)) if i != 4),
     r"manifest says 10 rows with sha256 [0-9a-f]{64}, the file holds 9 rows"),
    ("value-edited", lambda b: b.replace(b"1201.25", b"1201.26"),
     r"manifest says 10 rows with sha256 [0-9a-f]{64}, the file holds 10 rows with sha256 [0-9a-f]{64} "
     r"\(cut short or edited\)"),
    ("manifest-rows-tampered", lambda b: b.replace(b"rows=10", b"rows=11"), r"manifest says 11 rows"),
    ("manifest-sha-tampered", lambda b: replace_manifest(b, flip_last_hex(manifest(b))),
     r"manifest says 10 rows with sha256"),
    ("manifest-malformed", lambda b: replace_manifest(b, b"# d2lite-cache rows=ten sha256=xyz"),
     r"manifest line '# d2lite-cache rows=ten sha256=xyz' is malformed"),
    ("manifest-uppercase", lambda b: replace_manifest(b, manifest(b).upper()), r"manifest line .* is malformed"),
    ("manifest-leading-zero", lambda b: b.replace(b"rows=10", b"rows=010"), r"manifest line .* is malformed"),
    ("line-after-manifest", lambda b: b + b"2021-03-22,1,1,1,1,1\n",
     r"date '# d2lite-cache rows=10 sha256=[0-9a-f]{64}' in data row 11 is not a YYYY-MM-DD date"),
    ("manifest-twice", lambda b: b + manifest(b) + b"\n", r"date '# d2lite-cache .*' in data row 11"),
    ("manifest-only", lambda b: manifest(b) + b"\n", r"no Date column"),
    ("empty", lambda b: b"", r"the last line is incomplete"),
    ("year-zero-manifest-fixed", lambda b: _refresh_manifest(b.replace(b"2021-03-08", b"0000-03-08")),
     r"a date out of range|date '0000-03-08' in data row 1 is not a YYYY-MM-DD date"),
    ("bad-date-manifest-fixed", lambda b: _refresh_manifest(b.replace(b"2021-03-10", b"10/03/2021")),
     r"date '10/03/2021' in data row 3 is not a YYYY-MM-DD date"),
    ("crlf", lambda b: b.replace(b"\n", b"\r\n"), r"manifest line .* is malformed"),
    ("nul-byte", lambda b: b.replace(b"1201.25", b"1201\x0025"),
     r"a NUL byte on line 4 \(not a CSV text file\)"),
    ("latin1-byte", lambda b: b.replace(b"Volume", b"Vol\xe9me"), r"not UTF-8 text \('utf-8' codec can't decode byte 0xe9"),
    ("negative-volume-manifest-fixed", lambda b: _refresh_manifest(b.replace(b",1730500\n", b",-1730500\n")),
     r"a negative volume on 2021-03-09 \(column 'Volume': -1730500\.0\)"),
    ("high-below-low-manifest-fixed", lambda b: _refresh_manifest(b.replace(b"1225.0,", b"1200.0,")),
     r"High below Low on 2021-03-15"),
]


def _refresh_manifest(payload):
    """A tampered file whose manifest was recomputed: content validation must still catch it."""
    import hashlib

    body = payload[:-1].rpartition(b"\n")[0] + b"\n"
    rows = body.count(b"\n") - 1
    return body + b"# d2lite-cache rows=%d sha256=%s\n" % (rows, hashlib.sha256(body).hexdigest().encode())


for name, damage, pattern in BAD_CACHES:
    case(f"stock_prices-cache-{name}", lambda e, d=damage: e.cached(d), data.InvalidDataError, CACHE + pattern)
case("stock_prices-cache-hand-placed-csv", lambda e: e.hand_placed(csv_text()), data.InvalidDataError,
     CACHE + r"no manifest line .*not written by d2lite")
case("stock_prices-cache-hand-placed-names-read_prices", lambda e: e.hand_placed(csv_text()),
     data.InvalidDataError, r"load it with d2lite\.data\.read_prices\(path\)")
case("stock_prices-cache-hand-placed-nasdaq", lambda e: e.hand_placed((FIXTURES / "nasdaq_layout.csv").read_text()),
     data.InvalidDataError, r"read_prices\(path\)\. Problem: date '03/19/2021' in data row 1 is not a YYYY-MM-DD date")

# snapshot_url(name): only a committed file name.
for i, name in enumerate([5, None, ["x"], {"a": 1}, "", "../../etc/passwd", "^gspc_1999-01-04_2018-12-31.csv",
                          "AAPL.csv", "^GSPC_1999-01-04_2018-12-31.csv ", "%5EGSPC_1999-01-04_2018-12-31.csv",
                          "stocks/^GSPC_1999-01-04_2018-12-31.csv", "x" * 10_000]):
    shown = repr(name) if len(repr(name)) <= 100 else f"{repr(name)[:80]}... ({len(repr(name))} characters)"
    case(f"snapshot_url-{i}", lambda e, n=name: data.snapshot_url(n), ValueError,
         r"argument `name`, expected one of \['\^GSPC_1999-01-04_2018-12-31\.csv'\], got "
         + re.escape(shown) + r"\.$")

# read_prices(path): types.
for i, path in enumerate([None, 5, 3.5, b"prices.csv", ["prices.csv"], "", "   ", "a\x00b.csv", True,
                          object]):
    case(f"read_prices-type-{i}", lambda e, p=path: data.read_prices(p), ValueError,
         r"argument `path`, expected the path of a CSV file \(a str or os\.PathLike\), " + got(path))


def _fifo(e):
    path = e.tmp / "pipe.csv"
    os.mkfifo(path)
    return data.read_prices(path)  # must not block waiting for a writer


def _too_large(e):
    e.mp.setattr(data, "_MAX_PRICE_FILE_BYTES", 100)
    return e.read(csv_text())


def _home(e):
    e.mp.setenv("HOME", str(e.tmp))
    return data.read_prices("~/missing.csv")


def _relative(e):
    e.mp.chdir(e.tmp)
    return data.read_prices("missing.csv")


# read_prices: paths that are not a readable CSV file.
PATH_CASES = [
    ("missing", lambda e: data.read_prices(e.tmp / "missing.csv"), FileNotFoundError,
     r"There is no price file /.*/missing\.csv; check"),
    ("missing-relative", _relative, FileNotFoundError,
     r"There is no price file missing\.csv \(relative to the current folder /.*\)"),
    ("missing-home", _home, FileNotFoundError, r"There is no price file /.*/missing\.csv"),
    ("traversal", lambda e: data.read_prices(e.tmp / "a" / ".." / ".." / "nowhere" / "x.csv"),
     FileNotFoundError, r"There is no price file .*/a/\.\./\.\./nowhere/x\.csv"),
    ("below-a-file", lambda e: data.read_prices(e.file("f.csv", "x") / "g.csv"), FileNotFoundError,
     r"There is no price file .*/f\.csv/g\.csv"),
    ("name-too-long", lambda e: data.read_prices(e.tmp / ("x" * 5000)), OSError,
     r"Cannot read the price file '/.*\.\.\. \(\d+ characters\): File name too long"),
    ("directory", lambda e: data.read_prices(e.tmp), IsADirectoryError, r"/.* is a folder, not a price file"),
    ("fifo", _fifo, data.InvalidDataError, r"pipe\.csv is not a regular file"),
    ("dev-null", lambda e: data.read_prices("/dev/null"), data.InvalidDataError,
     r"/dev/null is not a regular file"),
    ("too-large", _too_large, data.InvalidDataError, r"prices\.csv holds \d+ bytes; .*up to 100 bytes"),
    ("empty", lambda e: e.read(b""), data.InvalidDataError, r"prices\.csv is empty"),
    ("blank", lambda e: e.read(b" \n\n\t\r\n"), data.InvalidDataError, r"prices\.csv is empty"),
    ("png", lambda e: e.read(b"\x89PNG\r\n\x1a\n\x00\x00"), data.InvalidDataError,
     r"prices\.csv is not a CSV text file: byte 0 is not UTF-8 text"),
    ("xlsx", lambda e: e.read(b"PK\x03\x04\x14\x00"), data.InvalidDataError, r"prices\.csv .*Excel \.xlsx"),
    ("gzip", lambda e: e.read(b"\x1f\x8b\x08\x00"), data.InvalidDataError, r"prices\.csv .*gzip-compressed"),
    ("pdf", lambda e: e.read(b"%PDF-1.4\n"), data.InvalidDataError, r"prices\.csv .*a PDF document"),
    ("latin1", lambda e: e.read(csv_text().encode().replace(b"Volume", b"Vol\xe9me")), data.InvalidDataError,
     r"prices\.csv is not a CSV text file: byte 28 is not UTF-8 text"),
    ("nul", lambda e: e.read(csv_text().replace("1201.25", "1201\x0025")), data.InvalidDataError,
     r"prices\.csv .*NUL bytes"),
]
for name, call, error, pattern in PATH_CASES:
    case(f"read_prices-path-{name}", call, error, pattern)

# read_prices: the layout of the file.
P = r"prices\.csv: "
LAYOUT_CASES = [
    ("no-date-column", lambda e: data.read_prices(FIXTURES / "no_date_column.csv"),
     r"no_date_column\.csv: no date column: expected a column named Date \(any case\), got the header \['Day'"),
    ("semicolons", lambda e: e.read("Date;Open;High;Low;Close\n2021-03-08;1;1;1;1\n"),
     P + r"no date column.*semicolon- or tab-separated"),
    ("tabs", lambda e: e.read("Date\tOpen\tHigh\tLow\tClose\n2021-03-08\t1\t1\t1\t1\n"), P + r"no date column.*tab"),
    ("header-only", lambda e: e.read("Date,Open,High,Low,Close,Volume\n"), P + r"no rows"),
    ("missing-close", lambda e: e.read(csv_text(header="Date,Open,High,Low,Volume")),
     P + r"missing column\(s\) \['Close'\]"),
    ("close-only", lambda e: e.read("Date,Close\n2021-03-08,10\n"),
     P + r"missing column\(s\) \['Open', 'High', 'Low'\]"),
    ("two-closes", lambda e: e.read("Date,Open,High,Low,Close,Close/Last\n2021-03-08,1,1,1,1,1\n"),
     P + r"two columns mean Close: 'Close' and 'Close/Last'"),
    ("two-dates", lambda e: e.read("Date,date,Open,High,Low,Close\n"), P + r"two columns mean Date: 'Date' and 'date'"),
    ("unquoted-thousands", lambda e: e.read(csv_text({(1, "Close"): "1,195.50"})),
     P + r"line 3 has 7 fields, the header has 6 \(an unquoted number with a thousands separator"),
    ("short-row", lambda e: e.read(csv_text() + "2021-03-22,1\n"), P + r"line 12 has 2 fields, the header has 6"),
    ("multi-ticker-yfinance", lambda e: e.read(
        "Price,Close,Close,High,High,Low,Low,Open,Open\nTicker,AAA,BBB,AAA,BBB,AAA,BBB,AAA,BBB\nDate,,,,,,,,\n"),
     P + r"holds prices of 2 tickers \['AAA', 'BBB'\]; read_prices reads one ticker per file"),
    ("tampered-d2lite-cache", lambda e: e.read(_refresh_manifest(
        data._cache_bytes(expected_frame())).replace(b"1201.25", b"1201.26")),
     P + r"a d2lite cache file, but its manifest says 10 rows .*; delete it and download again"),
    ("unclosed-quote", lambda e: e.read('Date,Open,High,Low,Close\n2021-03-08,"1,1,1,1\n'),
     P + r"line \d+ has 2 fields"),
]
for name, call, pattern in LAYOUT_CASES:
    case(f"read_prices-layout-{name}", call, data.InvalidDataError, pattern)

# read_prices: dates.
DATE_CASES = [
    ("day-first-fixture", lambda e: data.read_prices(FIXTURES / "day_first_dates.csv"),
     r"day_first_dates\.csv: date '15/3/2021' on line 7 is not a valid M/D/YYYY date \(month 15\)"),
    ("day-first-ambiguous", lambda e: e.read("Date,Open,High,Low,Close\n" + "".join(
        f"{d}/03/2021,10,11,9,10\n" for d in ("08", "09", "10", "11", "12"))),
     P + r"the dates \('08/03/2021', '09/03/2021', \.\.\.\) read as M/D/YYYY are 30\.5 days apart.*day-first file"),
    ("two-digit-year", lambda e: e.read(csv_text({(0, "Date"): "3/8/21"})), P + r"unrecognised date '3/8/21' on line 2"),
    ("month-name", lambda e: e.read(csv_text({(0, "Date"): '"Mar 8, 2021"'})),
     P + r"unrecognised date 'Mar 8, 2021' on line 2"),
    ("day-month-name", lambda e: e.read(csv_text({(0, "Date"): "08-Mar-2021"})), P + r"unrecognised date '08-Mar-2021'"),
    ("compact", lambda e: e.read(csv_text({(0, "Date"): "20210308"})), P + r"unrecognised date '20210308'"),
    ("fullwidth-digits", lambda e: e.read(csv_text({(0, "Date"): "２０２１-03-08"})),
     P + r"unrecognised date '２０２１-03-08'"),
    ("mixed-iso-us", lambda e: e.read(csv_text({(3, "Date"): "3/11/2021"})),
     P + r"date '3/11/2021' on line 5 is not in the file's ISO \(YYYY-MM-DD\) format \(line 2 has '2021-03-08'\)"),
    ("mixed-us-iso", lambda e: e.read(csv_text({(0, "Date"): "3/8/2021"})),
     P + r"date '2021-03-09' on line 3 is not in the file's US \(M/D/YYYY\) format"),
    ("impossible-iso", lambda e: e.read(csv_text({(3, "Date"): "2021-02-30"})),
     P + r"date '2021-02-30' on line 5 is not a valid ISO \(YYYY-MM-DD\) date"),
    ("impossible-us", lambda e: e.read("Date,Open,High,Low,Close\n2/30/2021,10,11,9,10\n"),
     P + r"date '2/30/2021' on line 2 is not a valid US \(M/D/YYYY\) date"),
    ("missing-date", lambda e: e.read(csv_text({(3, "Date"): ""})), P + r"missing date on line 5"),
    ("year-1700", lambda e: e.read(csv_text({(0, "Date"): "1700-03-08"})),
     P + r"date '1700-03-08' on line 2 is outside 1800-01-01\.\.2199-12-31"),
    ("duplicate-fixture", lambda e: data.read_prices(FIXTURES / "duplicate_dates.csv"),
     r"duplicate_dates\.csv: date 2021-03-11 appears twice \(lines 5 and 6\)"),
    ("unordered", lambda e: e.read(csv_text({(3, "Date"): "2021-03-22"})),
     P + r"the dates are neither oldest first nor newest first: 2021-03-12 on line 6 follows 2021-03-22 on line 5"),
    ("intraday", lambda e: e.read(csv_text({(1, "Date"): "2021-03-08 15:30:00"})),
     P + r"date 2021-03-08 appears twice \(lines 2 and 3\)"),
]
for name, call, pattern in DATE_CASES:
    case(f"read_prices-date-{name}", call, data.InvalidDataError, pattern)

# read_prices: numbers, every column, and splits left unadjusted.
VALUE_CASES = [
    ("text", {(1, "Open"): "abc"}, r"non-numeric value 'abc' in column 'Open' on line 3 \(2021-03-09\)"),
    ("decimal-comma", {(1, "Open"): '"1182,5"'}, r"non-numeric value '1182,5' in column 'Open'.*decimal comma"),
    ("volume-suffix", {(2, "Volume"): "1.2M"}, r"non-numeric value '1\.2M' in column 'Volume' on line 4"),
    ("hex", {(2, "Close"): "0x4B1"}, r"non-numeric value '0x4B1' in column 'Close'"),
    ("underscore", {(2, "Volume"): "1_618_200"}, r"non-numeric value '1_618_200' in column 'Volume'"),
    ("arabic-digits", {(2, "Low"): "١٢٣"}, r"non-numeric value '١٢٣' in column 'Low'"),
    ("bad-grouping", {(2, "High"): '"1,20,5.75"'}, r"non-numeric value '1,20,5\.75' in column 'High'"),
    ("two-dollars", {(2, "High"): "$$1205.75"}, r"non-numeric value '\$\$1205\.75' in column 'High'"),
    ("null-open", {(1, "Open"): "null"}, r"1 missing open\(s\) \(column 'Open'\), the first on 2021-03-09"),
    ("na-high", {(1, "High"): "N/A"}, r"1 missing high\(s\) \(column 'High'\), the first on 2021-03-09"),
    ("empty-low", {(4, "Low"): ""}, r"1 missing low\(s\) \(column 'Low'\), the first on 2021-03-12"),
    ("nan-volume", {(4, "Volume"): "nan"}, r"1 missing volume\(s\) \(column 'Volume'\), the first on 2021-03-12"),
    ("inf-close", {(2, "Close"): "inf"}, r"a non-finite close on 2021-03-10 \(column 'Close': inf\)"),
    ("infinity-open", {(2, "Open"): "Infinity"}, r"a non-finite open on 2021-03-10 \(column 'Open': inf\)"),
    ("overflow-high", {(2, "High"): "1e400"}, r"a non-finite high on 2021-03-10 \(column 'High': inf\)"),
    ("1e300-high", {(2, "High"): "1e300"}, r"an implausibly large high on 2021-03-10 \(column 'High': 1e\+300\)"),
    ("negative-volume", {(3, "Volume"): "-5"}, r"a negative volume on 2021-03-11 \(column 'Volume': -5\.0\)"),
    ("inf-volume", {(3, "Volume"): "inf"}, r"a non-finite volume on 2021-03-11 \(column 'Volume': inf\)"),
    ("zero-low", {(3, "Low"): "0"}, r"a non-positive low on 2021-03-11 \(column 'Low': 0\.0\)"),
    ("negative-dollar", {(3, "Low"): "-$5"}, r"a non-positive low on 2021-03-11 \(column 'Low': -5\.0\)"),
    ("high-below-low", {(5, "High"): "1200"}, r"High below Low on 2021-03-15 \(column 'High': 1200\.0 < column 'Low': 1208\.9\)"),
    ("open-above-high", {(6, "Open"): "1230"}, r"Open outside \[Low, High\] on 2021-03-16 \(column 'Open': 1230\.0, Low 1212\.0, High 1226\.8\)"),
    ("close-below-low", {(7, "Close"): "1211"}, r"Close outside \[Low, High\] on 2021-03-17 \(column 'Close': 1211\.0"),
    ("close-above-high-by-1e-6", {(7, "Close"): "1232.4013"}, r"Close outside \[Low, High\] on 2021-03-17"),
    ("reverse-split-in-close", {(i, "Close"): repr(CLOSE[i] * 10) for i in range(5, 10)},
     r"column 'Close' jumps by a factor of 10\.1\d* \(about 10\) from 2021-03-12 to 2021-03-15"),
    ("split-3-for-2-in-low", {(i, "Low"): repr(LOW[i] / 1.5) for i in range(5, 10)},
     r"column 'Low' jumps by a factor of 0\.67\d* \(about 2/3\) from 2021-03-12 to 2021-03-15"),
]
for name, changes, pattern in VALUE_CASES:
    case(f"read_prices-value-{name}", lambda e, c=changes: e.read(csv_text(c)), data.InvalidDataError, P + pattern)
case("read_prices-split-fixture", lambda e: data.read_prices(FIXTURES / "split_unadjusted_open.csv"),
     data.InvalidDataError,
     r"split_unadjusted_open\.csv: column 'Open' jumps by a factor of 0\.5\d* \(about 1/2\) from 2021-03-12 "
     r"to 2021-03-15 while the other price columns do not: a split or reverse split left unadjusted in 'Open'")
case("read_prices-adj-close-jumps-alone", lambda e: e.read(
    (FIXTURES / "yahoo_layout.csv").read_text().replace(",605.000000,", ",1210.000000,")),
     data.InvalidDataError, P + r"column 'Adj Close' jumps by a factor of 2\.0\d* \(about 2\) from 2021-03-11 to 2021-03-12")
case("read_prices-adj-close-negative", lambda e: e.read(
    (FIXTURES / "yahoo_layout.csv").read_text().replace(",605.000000,", ",-605.000000,")),
     data.InvalidDataError, P + r"a non-positive adj close on 2021-03-12 \(column 'Adj Close': -605\.0\)")
case("read_prices-adj-close-missing", lambda e: e.read(
    (FIXTURES / "yahoo_layout.csv").read_text().replace(",605.000000,", ",null,")),
     data.InvalidDataError, P + r"1 missing adj close\(s\) \(column 'Adj Close'\), the first on 2021-03-12")


@pytest.mark.parametrize("call, error, pattern", CASES)
def test_bad_input_is_a_clear_error(env, call, error, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a bad input is an error, not a warning and a result
        with pytest.raises(error) as info:
            call(env)
    assert re.search(pattern, str(info.value)), f"{str(info.value)!r} does not match {pattern!r}"


def test_the_campaign_is_large_and_covers_every_public_function():
    assert len(CASES) >= 200
    ids = [p.id for p in CASES]
    assert len(set(ids)) == len(ids)
    functions = [name for name in data.__all__ if callable(getattr(data, name))
                 and not isinstance(getattr(data, name), type)]
    assert sorted(functions) == ["data_dir", "read_prices", "snapshot_url", "stock_cache_path",
                                 "stock_prices", "time_machine"]
    for name in functions:
        assert sum(i.startswith(name + "-") for i in ids) >= 8, name


# ----------------------------------------------------------------------------- accepted edge cases


def _with(text, old, new):
    assert old in text
    return text.replace(old, new)


KAGGLE = (FIXTURES / "kaggle_layout.csv").read_text()
EDGE_INPUTS = [
    ("yahoo-adj-close", lambda e: data.read_prices(FIXTURES / "yahoo_layout.csv"), expected_frame(0.5)),
    ("kaggle-no-final-newline", lambda e: data.read_prices(str(FIXTURES / "kaggle_layout.csv")), expected_frame()),
    ("nasdaq-newest-first-crlf", lambda e: data.read_prices(FIXTURES / "nasdaq_layout.csv"), expected_frame()),
    ("yfinance-to-csv", lambda e: data.read_prices(FIXTURES / "yfinance_layout.csv"), expected_frame()),
    ("utf8-bom", lambda e: e.read(b"\xef\xbb\xbf" + KAGGLE.encode()), expected_frame()),
    ("utf16", lambda e: e.read(KAGGLE.encode("utf-16")), expected_frame()),
    ("blank-lines", lambda e: e.read("\n" + KAGGLE.replace("\n", "\n\n") + "\n\n,,,\n"), expected_frame()),
    ("spaces-around-cells", lambda e: e.read(KAGGLE.replace(",", " , ")), expected_frame()),
    ("yahoo-web-headers", lambda e: e.read(_with(KAGGLE, "close,volume", "Close*,Volume")), expected_frame()),
    ("snake-case-adj", lambda e: e.read((FIXTURES / "yahoo_layout.csv").read_text().replace("Adj Close", "adj_close")),
     expected_frame(0.5)),
    ("extra-columns-ignored", lambda e: e.read("\n".join([KAGGLE.splitlines()[0] + ",Name,Change %"] + [
        line + ",SYNTH,0.5%" for line in KAGGLE.splitlines()[1:]])), expected_frame()),
    ("quoted-everything", lambda e: e.read("\n".join(",".join(f'"{c}"' for c in line.split(","))
                                                     for line in KAGGLE.splitlines())), expected_frame()),
    ("iso-slashes", lambda e: e.read(KAGGLE.replace("2021-03-", "2021/03/")), expected_frame()),
    ("tz-offset-times", lambda e: e.read(re.sub(r"(2021-03-\d\d)", r"\1 00:00:00-05:00", KAGGLE)), expected_frame()),
    ("no-volume-column", lambda e: e.read(csv_text(header="Date,Open,High,Low,Close")), expected_frame(volume=False)),
    ("pathlike-object", lambda e: data.read_prices(type("P", (), {"__fspath__": lambda s: str(
        FIXTURES / "kaggle_layout.csv")})()), expected_frame()),
    ("d2lite-cache-file", lambda e: (e.fetch(), data.read_prices(e.target))[1], expected_frame()),
    ("us-dates-that-read-both-ways", lambda e: e.read(
        "Date,Open,High,Low,Close\n1/2/2020,10,11,9,10\n1/3/2020,10,11,9,10.5\n"),
     pd.DataFrame({"Open": [10.0, 10.0], "High": [11.0, 11.0], "Low": [9.0, 9.0], "Close": [10.0, 10.5],
                   "Volume": [np.nan, np.nan]},
                  index=pd.DatetimeIndex(["2020-01-02", "2020-01-03"], name="Date").as_unit("ns"))),
    ("one-row-tiny-price", lambda e: e.read("Date,Open,High,Low,Close,Volume\n2021-03-08,0.0001,0.00012,0.00009,0.0001,0\n"),
     pd.DataFrame({"Open": [1e-4], "High": [1.2e-4], "Low": [9e-5], "Close": [1e-4], "Volume": [0.0]},
                  index=pd.DatetimeIndex(["2021-03-08"], name="Date").as_unit("ns"))),
    ("close-equal-high-within-rounding", lambda e: e.read(csv_text({(7, "Close"): repr(HIGH[7] * (1 + 1e-12))})),
     None),
]


@pytest.mark.parametrize("call, expected", [pytest.param(c, x, id=i) for i, c, x in EDGE_INPUTS])
def test_edge_inputs_are_read(env, call, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prices = call(env)
    assert list(prices.columns) == list(data.STOCK_COLUMNS)
    assert prices.index.name == "Date" and prices.index.tz is None and prices.index.dtype == "datetime64[ns]"
    assert (prices.dtypes == float).all()
    if expected is not None:
        pd.testing.assert_frame_equal(prices, expected, check_freq=False)


def test_a_crash_in_every_column_is_accepted():
    prices = data.read_prices(FIXTURES / "crash_all_columns.csv")
    returns = prices["Close"].pct_change()
    assert returns.loc["1987-10-19"] == pytest.approx(-0.2)
    assert prices.loc["1987-10-19", "Open"] / prices.loc["1987-10-16", "Open"] == pytest.approx(240 / 299)


def test_read_prices_of_the_snapshot_is_stock_prices():
    pd.testing.assert_frame_equal(data.read_prices(SNAPSHOT), data.stock_prices().astype(float))


def test_yahoo_adj_close_adjusts_open_high_low_like_auto_adjust():
    prices = data.read_prices(FIXTURES / "yahoo_layout.csv")
    raw = pd.read_csv(FIXTURES / "yahoo_layout.csv", index_col="Date")
    ratio = (raw["Adj Close"] / raw["Close"]).to_numpy()
    np.testing.assert_allclose(prices["Open"].to_numpy(), raw["Open"].to_numpy() * ratio, rtol=1e-15)
    np.testing.assert_array_equal(prices["Close"].to_numpy(), raw["Adj Close"].to_numpy())
    np.testing.assert_array_equal(prices["Volume"].to_numpy(), raw["Volume"].to_numpy())


def test_the_committed_snapshot_passes_the_new_validation_byte_for_byte(tmp_path):
    """The export script's path (validate, then write without manifest) still gives the committed bytes."""
    frame = pd.read_csv(SNAPSHOT, index_col="Date", parse_dates=True)
    start, end = data._check_range(data.SP500_START, data.SP500_END)
    data._write_prices_atomically(data._validate_prices(frame, start, end, "snapshot"), tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_bytes() == SNAPSHOT.read_bytes()


def test_good_arguments_of_every_kind_are_accepted(env):
    for start in ["2021-03-01", datetime.date(2021, 3, 1), datetime.datetime(2021, 3, 1, 23, 59),
                  pd.Timestamp("2021-03-01", tz="America/New_York"), np.datetime64("2021-03-01"),
                  np.datetime64("2021-03-01T12:00:00")]:
        assert data.stock_cache_path(TICKER, start, END).name == "SYNTH_2021-03-01_2021-03-31.csv"
    assert data.stock_cache_path(TICKER, "1800-01-01", "2199-12-31").name == "SYNTH_1800-01-01_2199-12-31.csv"
    assert data.data_dir(create=np.bool_(False)) == env.cache
    assert data.data_dir(False) == env.cache and not env.cache.exists()


# ----------------------------------------------------------------------------- unwritable caches


def _unwritable(kind, env):
    if kind == "target-is-a-folder":
        env.target.mkdir(parents=True)
    elif kind == "env-names-a-file":
        env.cache.parent.mkdir(parents=True, exist_ok=True)
        env.cache.write_text("I am a file")
    else:
        error = {"permission": PermissionError(errno.EACCES, "Permission denied"),
                 "read-only-fs": OSError(errno.EROFS, "Read-only file system")}[kind]

        @contextlib.contextmanager
        def atomic_write(path, mode="wb", **kwargs):
            raise error
            yield  # pragma: no cover

        env.mp.setattr(_validate, "atomic_write", atomic_write)


UNWRITABLE = ["target-is-a-folder", "env-names-a-file", "permission", "read-only-fs"]


@pytest.mark.parametrize("kind", UNWRITABLE)
def test_an_unwritable_cache_returns_the_download_with_a_warning(env, kind):
    _unwritable(kind, env)
    with pytest.warns(data.CacheNotWrittenWarning) as record:
        prices = env.fetch()
    message = str(record[0].message)
    assert str(env.target.parent) in message and "D2LITE_DATA" in message and "not cached" in message
    assert record[0].filename == __file__, "the warning should point at the caller"
    pd.testing.assert_frame_equal(prices.astype(float), expected_frame(), check_freq=False)
    assert not env.target.is_file()
    with pytest.warns(data.CacheNotWrittenWarning):
        env.fetch()
    assert env.downloads == 2


def test_disk_full_still_raises_and_leaves_nothing(env, monkeypatch):
    def replace(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        env.fetch()
    assert not env.cache.exists() or not [p for p in env.cache.rglob("*") if p.is_file()]


@pytest.fixture
def good_text_bytes():
    if not TIME_MACHINE.is_file() or data._file_hash(TIME_MACHINE, "sha1") != data.TIME_MACHINE_SHA1:
        pytest.skip(f"no verified {TIME_MACHINE}")
    return TIME_MACHINE.read_bytes()


@pytest.mark.parametrize("kind", ["target-is-a-folder", "env-names-a-file", "permission", "read-only-fs"])
def test_an_unwritable_cache_returns_the_time_machine_with_a_warning(env, good_text_bytes, kind):
    if kind == "target-is-a-folder":
        (env.cache / data.TIME_MACHINE_FILENAME).mkdir(parents=True)
    else:
        _unwritable(kind, env)
    with pytest.warns(data.CacheNotWrittenWarning, match=re.escape(str(env.cache))):
        text = data.time_machine(url=TIME_MACHINE.as_uri())
    assert text == good_text_bytes.decode("utf-8")


def test_an_unwritable_cache_returns_the_colab_snapshot_with_a_warning(env, monkeypatch):
    monkeypatch.setattr(data, "_checkout_stocks_dir", lambda: None)
    monkeypatch.setattr(data, "_REPOSITORY_RAW", REPO.as_uri())
    (env.cache / "stocks" / SNAPSHOT.name).mkdir(parents=True)
    with pytest.warns(data.CacheNotWrittenWarning, match=re.escape(str(env.cache / "stocks"))):
        prices = data.stock_prices()
    assert prices.shape == (5031, 5)


def test_a_recent_range_is_returned_but_not_cached(env):
    today = datetime.datetime.now(datetime.timezone.utc).date()
    days = pd.bdate_range(today - datetime.timedelta(days=12), today - datetime.timedelta(days=1))
    frame = download_frame().iloc[:len(days)].set_axis(days.rename("Date"))
    env.serve(frame)
    prices = data.stock_prices(TICKER, today - datetime.timedelta(days=14), today)
    assert len(prices) == len(days)
    assert not data.stock_cache_path(TICKER, today - datetime.timedelta(days=14), today).exists()


# ----------------------------------------------------------------------------- downloads never hang


def test_a_silent_server_times_out(env, monkeypatch):
    monkeypatch.setattr(data, "_DOWNLOAD_TIMEOUT", 0.3)
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with socket.socket() as server:  # accepts connections (the backlog) and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/timemachine.txt"
        began = time.monotonic()
        with pytest.raises(data.DataUnavailableError, match=r"Could not download timemachine\.txt .*timed out"):
            data.time_machine(url=url)
    assert time.monotonic() - began < 10  # a bound on a hang, not a speed target


def test_an_endless_or_slow_download_is_cut_off(env, monkeypatch):
    monkeypatch.setattr(data, "_MAX_DOWNLOAD_BYTES", 1000)
    with pytest.raises(data.DataUnavailableError, match=r"more than 1000 bytes"):
        data.time_machine(url=SNAPSHOT.as_uri())
    monkeypatch.setattr(data, "_MAX_DOWNLOAD_BYTES", 1 << 30)
    monkeypatch.setattr(data, "_DOWNLOAD_DEADLINE", -1.0)
    with pytest.raises(data.DataUnavailableError, match=r"took longer than -1 s"):
        data.time_machine(url=SNAPSHOT.as_uri())
    assert not (env.cache / data.TIME_MACHINE_FILENAME).exists()


def test_wrong_bytes_from_a_file_url_are_never_used(env):
    with pytest.raises(data.DataUnavailableError, match=r"sha256 [0-9a-f]{64} and sha1 [0-9a-f]{40}, expected"):
        data.time_machine(url=SNAPSHOT.as_uri())
    assert not (env.cache / data.TIME_MACHINE_FILENAME).exists()


# ----------------------------------------------------------------------------- properties


@st.composite
def price_frames(draw, max_year=2030):
    """Valid daily prices, in cents (so every layout writes them exactly)."""
    n = draw(st.integers(1, 25))
    first = draw(st.dates(datetime.date(1990, 1, 1), datetime.date(max_year, 1, 1)))
    gaps = draw(st.lists(st.integers(1, 4), min_size=n - 1, max_size=n - 1))
    days = [first]
    for gap in gaps:
        days.append(days[-1] + datetime.timedelta(days=gap))
    close = draw(st.integers(2_000, 2_000_000)) / 100  # $20 .. $20,000, thousands separators included
    rows = []
    for _ in range(n):
        close = max(1.0, round(close * (1 + draw(st.floats(-0.1, 0.1))), 2))
        open_ = max(1.0, round(close * (1 + draw(st.floats(-0.03, 0.03))), 2))
        high = round(max(open_, close) * (1 + draw(st.floats(0, 0.02))), 2)
        low = max(0.5, round(min(open_, close) * (1 - draw(st.floats(0, 0.02))), 2))
        high, low = max(high, open_, close), min(low, open_, close)
        rows.append((open_, high, low, close, draw(st.integers(0, 10**9))))
    index = pd.DatetimeIndex(pd.to_datetime(days), name="Date").as_unit("ns")
    return pd.DataFrame(rows, columns=list(data.STOCK_COLUMNS), index=index).astype(float)


def write_layout(frame, layout):
    """`frame` written as a file of `layout`; returns (bytes, the frame read_prices should give)."""
    expected = frame.copy()
    rows = list(frame.itertuples())
    if layout == "yahoo":
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"] + [
            f"{d.date()},{o!r},{h!r},{l!r},{c!r},{c!r},{v:.0f}" for d, o, h, l, c, v in rows]
        text = "\n".join(lines) + "\n"
    elif layout == "yahoo-adjusted":
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"] + [
            f"{d.date()},{o!r},{h!r},{l!r},{c!r},{c * 0.5!r},{v:.0f}" for d, o, h, l, c, v in rows]
        text = "\n".join(lines) + "\n"
        for column in ("Open", "High", "Low", "Close"):
            expected[column] = expected[column] * 0.5
    elif layout == "kaggle":
        lines = ["date,open,high,low,close,volume"] + [
            f"{d.date()},{o},{h},{l},{c},{v:.0f}" for d, o, h, l, c, v in rows]
        text = "\n".join(lines)  # no final newline
    elif layout == "nasdaq":
        lines = ["Date,Close/Last,Volume,Open,High,Low"] + [
            f'{d.month:02d}/{d.day:02d}/{d.year},"${c:,.2f}",{v:.0f},"${o:,.2f}","${h:,.2f}","${l:,.2f}"'
            for d, o, h, l, c, v in reversed(rows)]
        text = "\r\n".join(lines) + "\r\n"
    elif layout == "us-unpadded":
        lines = ["Date,Open,High,Low,Close,Volume"] + [
            f'{d.month}/{d.day}/{d.year},{o},{h},{l},{c},"{v:,.0f}"' for d, o, h, l, c, v in rows]
        text = "\n".join(lines) + "\n"
    elif layout == "yfinance":
        lines = ["Price,Close,High,Low,Open,Volume", "Ticker,X,X,X,X,X", "Date,,,,,"] + [
            f"{d.date()},{c!r},{h!r},{l!r},{o!r},{v:.0f}" for d, o, h, l, c, v in rows]
        text = "\n".join(lines) + "\n"
    elif layout == "no-volume":
        lines = ["Date,Open,High,Low,Close"] + [f"{d.date()},{o},{h},{l},{c}" for d, o, h, l, c, v in rows]
        text = "\n".join(lines) + "\n"
        expected["Volume"] = np.nan
    elif layout == "d2lite-cache":
        return data._cache_bytes(frame.astype({"Volume": "int64"})), expected
    else:  # pragma: no cover
        raise AssertionError(layout)
    return text.encode("utf-8"), expected


LAYOUTS = ["yahoo", "yahoo-adjusted", "kaggle", "nasdaq", "us-unpadded", "yfinance", "no-volume", "d2lite-cache"]


@SETTINGS
@given(frame=price_frames(), layout=st.sampled_from(LAYOUTS))
def test_read_prices_round_trips_every_layout(frame, layout):
    payload, expected = write_layout(frame, layout)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prices.csv"
        path.write_bytes(payload)
        prices = data.read_prices(path)
    pd.testing.assert_frame_equal(prices, expected, check_freq=False)


@contextlib.contextmanager
def cached_file(frame):
    """A cache file written by stock_prices from a fake download of `frame`; yields (path, call)."""
    start, end = frame.index[0].date(), frame.index[-1].date()
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as mp:
        mp.setenv("D2LITE_DATA", folder)
        mp.setattr(yfinance, "download", lambda *a, **k: frame.astype({"Volume": "int64"}))
        first = data.stock_prices(TICKER, start, end)
        mp.setattr(yfinance, "download", lambda *a, **k: pytest.fail("a bad cache must not download"))
        path = data.stock_cache_path(TICKER, start, end)
        assert path.is_file()
        yield path, first, lambda: data.stock_prices(TICKER, start, end)


@SETTINGS
@given(frame=price_frames(max_year=2019), data_=st.data())
def test_a_cache_cut_anywhere_is_never_used(frame, data_):
    with cached_file(frame) as (path, first, call):
        payload = path.read_bytes()
        pd.testing.assert_frame_equal(call(), first)  # intact: used
        lines = payload.splitlines(keepends=True)
        keep = data_.draw(st.integers(0, len(lines) - 1), label="lines kept")
        path.write_bytes(b"".join(lines[:keep]))
        with pytest.raises(data.InvalidDataError, match=re.escape(str(path))):
            call()
        cut = data_.draw(st.integers(0, len(payload) - 1), label="bytes kept")
        path.write_bytes(payload[:cut])
        with pytest.raises(data.InvalidDataError, match=re.escape(str(path))):
            call()


@SETTINGS
@given(frame=price_frames(max_year=2019), data_=st.data())
def test_a_cache_with_any_one_byte_changed_is_never_used(frame, data_):
    with cached_file(frame) as (path, first, call):
        payload = bytearray(path.read_bytes())
        i = data_.draw(st.integers(0, len(payload) - 1), label="offset")
        byte = data_.draw(st.integers(0, 255).filter(lambda b: b != payload[i]), label="new byte")
        payload[i] = byte
        path.write_bytes(bytes(payload))
        with pytest.raises(data.InvalidDataError):
            call()


@SETTINGS
@given(layout=st.sampled_from(["yahoo_layout.csv", "kaggle_layout.csv", "nasdaq_layout.csv",
                               "yfinance_layout.csv"]),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3), st.binary(max_size=4)), max_size=4))
def test_any_mutation_of_a_price_file_is_read_or_a_clear_error(layout, edits):
    """Bytes deleted, inserted or replaced anywhere: a valid frame or InvalidDataError, never another error."""
    payload = bytearray((FIXTURES / layout).read_bytes())
    for offset, length, insert in edits:
        offset %= len(payload) + 1
        payload[offset:offset + length] = insert
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prices.csv"
        path.write_bytes(bytes(payload))
        try:
            prices = data.read_prices(path)
        except data.InvalidDataError as err:
            assert str(path) in str(err)
            return
    assert list(prices.columns) == list(data.STOCK_COLUMNS) and prices.index.is_monotonic_increasing
    assert prices.index.is_unique and len(prices) >= 1
    values = prices[["Open", "High", "Low", "Close"]].to_numpy()
    assert np.isfinite(values).all() and (values > 0).all()
    assert (prices["Low"] <= prices["High"] * (1 + 1e-9)).all()


@SETTINGS
@given(ticker=st.one_of(st.text(max_size=25), st.from_regex(r"[A-Za-z0-9^][A-Za-z0-9.^=-]{0,19}", fullmatch=True)))
def test_any_ticker_is_an_error_or_a_file_inside_the_cache(ticker):
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as mp:
        mp.setenv("D2LITE_DATA", folder)
        try:
            path = data.stock_cache_path(ticker, START, END)
        except ValueError as err:
            assert "argument `ticker`" in str(err)
            return
        assert path.parent == Path(folder) / "stocks"
        assert path.resolve().parent == (Path(folder) / "stocks").resolve()
        assert path.name == f"{ticker.upper()}_{START}_{END}.csv"


@SETTINGS
@given(days=st.lists(st.dates(datetime.date(1800, 1, 1), datetime.date(2199, 12, 31)), min_size=1, max_size=8,
                     unique=True).map(sorted))
def test_us_dates_are_month_first_and_day_first_is_refused(days):
    text = "Date,Open,High,Low,Close\n" + "".join(f"{d.month}/{d.day}/{d.year},10,11,9,10\n" for d in days)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prices.csv"
        path.write_text(text)
        try:
            prices = data.read_prices(path)
        except data.InvalidDataError as err:  # only the day-first-looking files are refused
            assert "day-first" in str(err) and all(d.day <= 12 for d in days)
        else:
            assert list(prices.index.date) == days
        if any(d.day > 12 for d in days):  # written day-first, the file must be refused
            path.write_text("Date,Open,High,Low,Close\n" + "".join(
                f"{d.day}/{d.month}/{d.year},10,11,9,10\n" for d in days))
            with pytest.raises(data.InvalidDataError, match=r"not a valid M/D/YYYY date|day-first"):
                data.read_prices(path)


@SETTINGS
@given(value=st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.none(), st.booleans(),
                       st.dates().map(str), st.binary(max_size=12)))
def test_any_date_argument_is_a_date_or_a_clear_error(value):
    try:
        path = data.stock_cache_path(TICKER, value, "2199-12-31")
    except ValueError as err:
        assert "argument `start`" in str(err) or "after `end`" in str(err)
    else:
        assert path.name.startswith(f"{TICKER}_{value}_")
