"""Tests for d2lite.data: the cache folder and the hash-checked Time Machine download.

No test touches the internet: downloads come from a local http.server on
127.0.0.1 that serves a copy of the committed (or shared) timemachine.txt, and
"offline" means a URL on a 127.0.0.1 port that nothing listens on.
"""

import contextlib
import hashlib
import http.server
import os
import socket
import threading
from pathlib import Path

import pytest

from d2lite import data

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = [REPO / "data" / "timemachine.txt",
              REPO.parent / "shared" / "data" / "timemachine.txt"]
TEXT_LENGTH = 178_979


def _sha1(payload):
    return hashlib.sha1(payload).hexdigest()


@pytest.fixture(scope="module")
def good_bytes():
    """The real file's bytes, from the repo cache or the shared folder."""
    for path in CANDIDATES:
        if path.is_file():
            payload = path.read_bytes()
            if _sha1(payload) == data.TIME_MACHINE_SHA1:
                return payload
    pytest.skip("no timemachine.txt with the right sha1 in "
                + " or ".join(str(p) for p in CANDIDATES)
                + "; these tests serve a local copy and never download it")


@contextlib.contextmanager
def serve(payload, status=200):
    """Serve `payload` at http://127.0.0.1:<port>/timemachine.txt from a thread.

    Yields `(url, hits)` where `hits` lists the paths requested. The server is
    shut down and its thread joined (bounded) on exit.
    """
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            hits.append(self.path)
            if self.path != "/timemachine.txt" or status != 200:
                self.send_error(404 if status == 200 else status)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/timemachine.txt", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the test server did not stop"


@pytest.fixture
def closed_url():
    """A URL on a 127.0.0.1 port with nothing listening: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/timemachine.txt"


# ----------------------------------------------------------------------------- data_dir


def test_data_dir_follows_d2lite_data_and_creates_it(tmp_path, monkeypatch):
    target = tmp_path / "a" / "b"
    monkeypatch.setenv("D2LITE_DATA", str(target))
    assert data.data_dir(create=False) == target
    assert not target.exists()
    assert data.data_dir() == target
    assert target.is_dir()


def test_data_dir_expands_user(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("D2LITE_DATA", "~/d2cache")
    assert data.data_dir(create=False) == tmp_path / "d2cache"


@pytest.mark.parametrize("value", [None, ""])
def test_data_dir_without_d2lite_data_uses_checkout_or_home(tmp_path, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("D2LITE_DATA", raising=False)
    else:
        monkeypatch.setenv("D2LITE_DATA", value)
    monkeypatch.setenv("HOME", str(tmp_path))
    checkout = Path(data.__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        expected = checkout / "data"
    else:
        expected = tmp_path / ".cache" / "d2lite"
    assert data.data_dir(create=False) == expected


def test_d2lite_data_takes_precedence_over_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LITE_DATA", str(tmp_path))
    assert data.data_dir(create=False) != REPO / "data"
    assert data.data_dir(create=False) == tmp_path


# ----------------------------------------------------------------------------- time_machine


def test_download_from_server_is_hash_checked_and_cached(cache, good_bytes):
    with serve(good_bytes) as (url, hits):
        text = data.time_machine(url=url)
    assert hits == ["/timemachine.txt"]
    assert len(text) == TEXT_LENGTH
    assert text.startswith("The Time Machine, by H. G. Wells [1898]")
    target = cache / data.TIME_MACHINE_FILENAME
    assert target.read_bytes() == good_bytes


def test_second_call_uses_cache_without_network(cache, good_bytes, closed_url):
    with serve(good_bytes) as (url, hits):
        first = data.time_machine(url=url)
        second = data.time_machine(url=url)
    assert len(hits) == 1, "the second call downloaded again"
    assert data.time_machine(url=closed_url) == first == second


def test_valid_cached_file_is_used_offline(cache, good_bytes, closed_url):
    cache.mkdir()
    (cache / data.TIME_MACHINE_FILENAME).write_bytes(good_bytes)
    assert data.time_machine(url=closed_url) == good_bytes.decode("utf-8")


def test_offline_and_uncached_raises_naming_path_and_sha1(cache, closed_url):
    with pytest.raises(data.DataUnavailableError) as info:
        data.time_machine(url=closed_url)
    message = str(info.value)
    assert str(cache / data.TIME_MACHINE_FILENAME) in message
    assert data.TIME_MACHINE_SHA1 in message
    assert "D2LITE_DATA" in message
    assert not (cache / data.TIME_MACHINE_FILENAME).exists()


def test_http_error_raises_data_unavailable(cache):
    with serve(b"", status=404) as (url, hits):
        with pytest.raises(data.DataUnavailableError, match="404"):
            data.time_machine(url=url)
    assert hits == ["/timemachine.txt"]
    assert not (cache / data.TIME_MACHINE_FILENAME).exists()


@pytest.mark.parametrize("bad", [b"", b"not the time machine\n", "truncated"])
def test_wrong_hash_cached_file_is_replaced_by_good_download(cache, good_bytes, bad):
    bad = good_bytes[: len(good_bytes) // 2] if bad == "truncated" else bad
    cache.mkdir()
    target = cache / data.TIME_MACHINE_FILENAME
    target.write_bytes(bad)
    with serve(good_bytes) as (url, hits):
        text = data.time_machine(url=url)
    assert hits == ["/timemachine.txt"], "the wrong-hash file was not downloaded again"
    assert text == good_bytes.decode("utf-8")
    assert target.read_bytes() == good_bytes


def test_wrong_hash_cached_file_is_never_used_offline(cache, good_bytes, closed_url):
    cache.mkdir()
    target = cache / data.TIME_MACHINE_FILENAME
    # Plausible but wrong: one character changed.
    bad = good_bytes.replace(b"Time Traveller", b"Time Traveler", 1)
    assert bad != good_bytes and len(bad) == len(good_bytes) - 1
    target.write_bytes(bad)
    with pytest.raises(data.DataUnavailableError) as info:
        data.time_machine(url=closed_url)
    assert data.TIME_MACHINE_SHA1 in str(info.value)
    # Still not used on a second try.
    with pytest.raises(data.DataUnavailableError):
        data.time_machine(url=closed_url)


def test_server_serving_wrong_bytes_raises_and_is_not_used_later(cache, good_bytes, closed_url):
    bad = good_bytes[:-100]
    with serve(bad) as (url, hits):
        with pytest.raises(data.DataUnavailableError) as info:
            data.time_machine(url=url)
    assert hits == ["/timemachine.txt"]
    assert data.TIME_MACHINE_SHA1 in str(info.value)
    # A later offline call must not pick up what the bad server sent.
    with pytest.raises(data.DataUnavailableError):
        data.time_machine(url=closed_url)
    # ... and a later good server repairs the cache.
    with serve(good_bytes) as (url, hits):
        assert data.time_machine(url=url) == good_bytes.decode("utf-8")
    assert hits == ["/timemachine.txt"]


def test_server_serving_wrong_bytes_leaves_no_file_behind(cache, good_bytes):
    target = cache / data.TIME_MACHINE_FILENAME
    with serve(b"<html>captive portal</html>") as (url, _):
        with pytest.raises(data.DataUnavailableError):
            data.time_machine(url=url)
    # A corrupt file at the documented path would mislead anyone reading it directly
    # (or a CI step that seeds the cache only when no file is there).
    assert not target.exists() or hashlib.sha1(target.read_bytes()).hexdigest() == data.TIME_MACHINE_SHA1


def test_valid_file_in_read_only_cache_is_used(cache, good_bytes, closed_url, monkeypatch):
    """A shared, read-only D2LITE_DATA folder that holds the right file works offline."""
    cache.mkdir()
    (cache / data.TIME_MACHINE_FILENAME).write_bytes(good_bytes)
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # simulate a folder we may not write to (we may be root)
        if mode & os.W_OK and Path(path) == cache:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setenv("KERAS_HOME", str(cache.parent / "keras_home"))
    assert data.time_machine(url=closed_url) == good_bytes.decode("utf-8")


def test_real_cache_copy_has_published_hashes(good_bytes):
    assert _sha1(good_bytes) == data.TIME_MACHINE_SHA1
    assert hashlib.sha256(good_bytes).hexdigest() == data.TIME_MACHINE_SHA256
    assert len(good_bytes.decode("utf-8")) == TEXT_LENGTH
