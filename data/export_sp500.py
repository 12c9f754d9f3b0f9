"""Export the S&P 500 prices bundled with `arch` into d2lite's stock cache layout.

    .venv/bin/python -m pip install arch   # once; not a d2lite dependency
    .venv/bin/python data/export_sp500.py

`arch` (https://github.com/bashtage/arch, NCSA licence) ships real daily
S&P 500 prices from Yahoo Finance, 1999-01-04 to 2018-12-31, in
``arch/data/sp500/sp500.csv.gz`` (columns Date, Open, High, Low, Close,
Adj Close, Volume; dates as m/d/yyyy). This script writes them once as
``data/stocks/^GSPC_1999-01-04_2018-12-31.csv``, the file
`d2lite.data.stock_prices("^GSPC", "1999-01-04", "2018-12-31")` reads, so the
stock lab runs with no network. It uses d2lite's own validation and atomic
writer, so the file is exactly what a yfinance download would have cached.

An index pays no dividends, so "Adj Close" equals "Close" on every row (this
script checks it) and the prices already match yfinance's
``auto_adjust=True``. Prints the row count and the file's sha256 for
``data/README.md`` and ``d2lite.data.COMMITTED_STOCK_FILES``.
"""

import gzip
import hashlib
import sys
from importlib import resources
from pathlib import Path

import pandas as pd

from d2lite import data

TARGET = Path(__file__).resolve().parent / "stocks" / "^GSPC_1999-01-04_2018-12-31.csv"
EXPECTED_ROWS = 5031


def load_arch_sp500():
    """Return arch's bundled S&P 500 frame, dates parsed, as shipped."""
    source = resources.files("arch.data.sp500") / "sp500.csv.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        frame = pd.read_csv(f)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("Date"), format="%m/%d/%Y"))
    return frame


def main():
    frame = load_arch_sp500()
    if not (frame["Adj Close"] == frame["Close"]).all():
        raise SystemExit("arch's Adj Close differs from Close: not the file this script expects")
    if len(frame) != EXPECTED_ROWS:
        raise SystemExit(f"arch's file has {len(frame)} rows, expected {EXPECTED_ROWS}")
    start, end = data._check_range(data.SP500_START, data.SP500_END)
    frame = data._validate_prices(frame, start, end, "arch's sp500.csv.gz")
    data._write_prices_atomically(frame, TARGET)
    digest = hashlib.sha256(TARGET.read_bytes()).hexdigest()
    print(f"{TARGET}: {len(frame)} rows, {frame.index[0].date()} .. {frame.index[-1].date()}")
    print(f"sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
