"""gunicorn.conf.py: the master preloads the application and every tokenizer by default, and the
workers it forks share those pages and count correctly."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "gunicorn.conf.py"


def read_conf(monkeypatch, **env):
    """gunicorn.conf.py's settings as gunicorn reads them (the file executed into a namespace),
    under `env`; the variables it sets are undone after the test."""
    for name in ("GUNICORN_PRELOAD", "BANJIA_PRELOAD_TOKENIZERS"):
        monkeypatch.setenv(name, "")  # recorded as unset, so undone even if the file sets it
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = {"__file__": str(CONF)}
    exec(compile(CONF.read_text(), str(CONF), "exec"), namespace)
    return namespace


def test_preload_is_on_by_default_and_loads_the_tokenizers_in_the_master(monkeypatch):
    conf = read_conf(monkeypatch)
    assert conf["preload_app"] is True
    assert os.environ["BANJIA_PRELOAD_TOKENIZERS"] == "1"  # config/wsgi.py then calls load_all()


def test_gunicorn_preload_0_loads_in_each_worker_lazily(monkeypatch):
    conf = read_conf(monkeypatch, GUNICORN_PRELOAD="0")
    assert conf["preload_app"] is False
    assert "BANJIA_PRELOAD_TOKENIZERS" not in os.environ


def test_an_explicit_tokenizer_setting_wins(monkeypatch):
    read_conf(monkeypatch, BANJIA_PRELOAD_TOKENIZERS="0")
    assert os.environ["BANJIA_PRELOAD_TOKENIZERS"] == "0"


def test_an_unreadable_preload_value_stops_the_start(monkeypatch):
    with pytest.raises(ValueError, match="GUNICORN_PRELOAD must be 1 or 0"):
        read_conf(monkeypatch, GUNICORN_PRELOAD="yes")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post_sample(port, sample):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps({"sample": sample}).encode()
        conn.request("POST", "/bench/tokens", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def wait_until_serving(server, port, seconds):
    """Poll /bench/bare until it answers 200; fail if the server exits or the time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/bare")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {seconds} s")


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def shared_mb(pid):
    """Resident pages the process shares with another (its RSS less its private pages), MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:]}
    return (kb["Rss"] - kb["Private_Clean"] - kb["Private_Dirty"]) / 1024


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_forked_from_a_preloaded_master_share_the_tokenizers_and_count(tmp_path):
    pytest.importorskip("gunicorn")
    from offers.tokens import NAMES, count

    port = free_port()
    database = tmp_path / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BANJIA_", "GUNICORN_"))}
    env.update(DJANGO_DEBUG="1", BANJIA_BENCH="1", DATABASE_URL=f"sqlite:///{database}")
    env.pop("CACHE_URL", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as errors:
        # The production command: gunicorn.conf.py from the working directory, preload by default.
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
             "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=errors, stderr=errors,
        )  # fmt: skip
    try:
        wait_until_serving(server, port, seconds=120)
        sample = ["Thanks for contacting support. 感谢您联系客服。\n", "def cost(t):\n    return t * 2\n"]
        answers, lock = [], threading.Lock()

        def post_some():
            for _ in range(3):
                answer = post_sample(port, sample)
                with lock:
                    answers.append(answer)

        # Several clients at once, so both workers are likely to answer (either one is checked).
        clients = [threading.Thread(target=post_some) for _ in range(4)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=120)
        expected = {name: count(sample, name) for name in NAMES}
        assert answers
        for status, body in answers:
            assert status == 200
            assert {name: r["tokens"] for name, r in body["tokenizers"].items()} == expected

        workers = children(server.pid)
        assert len(workers) == 2
        for pid in workers:
            # The eight encoders (about 300 MB) are the master's pages; a worker that loaded its
            # own copy shares only the interpreter's and Django's (about 25 MB).
            assert shared_mb(pid) > 200, pid
        # Nothing the master opened while loading the application is handed to the workers.
        opened = [os.readlink(fd) for fd in Path(f"/proc/{server.pid}/fd").iterdir() if fd.is_symlink()]
        assert not [path for path in opened if str(database) in path]
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert "huggingface/tokenizers" not in output  # the fork warning of a used Rust thread pool
    assert "Traceback" not in output
