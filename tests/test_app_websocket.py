"""The running app, spoken to as a hostile client would: Streamlit's own messages on its websocket, no browser.

A visitor can send any ``BackMsg`` Streamlit accepts, whatever the page's toolbar
shows; these tests start ``python app.py`` on loopback and send them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from explorer.model.state import PageState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import isolation  # noqa: E402  (benchmarks/isolation.py: its heavy visitor, checked here)

_FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "EXPLORER_WORKERS": "2"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the app did not start")
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def page_workers(parent: int) -> set[int]:
    """The app's page workers: its children running explorer/serve/page_worker.py."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[1]) == parent and b"page_worker.py" in command:
            found.add(int(entry.name))
    return found


def rerun(query: dict[str, str]) -> bytes:
    message = BackMsg()
    message.rerun_script.query_string = urlencode(query)
    message.rerun_script.page_script_hash = ""
    return message.SerializeToString()


async def read_run(ws, timeout_s: float = 120) -> tuple[str, list[str]]:
    """The value line the page showed, and every error or warning box and exception, until the run finishes."""
    value_line, problems = "", []
    deadline = time.monotonic() + timeout_s
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic())))
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            shown = element.WhichOneof("type")
            if shown == "markdown" and "→ value" in element.markdown.body:
                value_line = element.markdown.body
            elif shown == "exception":
                problems.append(f"exception {element.exception.type}")
            elif shown == "alert" and element.alert.format in (Alert.ERROR, Alert.WARNING):
                problems.append(element.alert.body)
        elif kind == "script_finished" and message.script_finished in _FINISHED:
            return value_line, problems


async def open_page(url: str, query: dict[str, str]):
    ws = await connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                       max_size=None, ping_interval=None)
    await ws.send(rerun(query))
    return ws, await read_run(ws)


def test_clear_cache_from_a_visitor_stops_no_worker_and_the_next_page_builds(server):
    url, process = server

    async def visit() -> tuple[set[int], set[int], tuple[str, list[str]]]:
        student, (line, problems) = await open_page(url, {"f": "x**2 + 1017"})
        assert "value `1021`" in line and not problems
        before = page_workers(process.pid)
        attacker, _ = await open_page(url, {"f": "x"})
        clear = BackMsg()
        clear.clear_cache = True
        for _ in range(3):
            await attacker.send(clear.SerializeToString())
        await asyncio.sleep(1.5)
        after = page_workers(process.pid)
        late, answer = await open_page(url, {"f": "x**3 + 1018"})
        for ws in (student, attacker, late):
            await ws.close()
        return before, after, answer

    before, after, (line, problems) = asyncio.run(visit())
    assert len(before) == 2 and after == before, "every worker is still the one that served the page"
    assert "value `1026`" in line and not problems, "the next page builds, with no error shown"


async def press_download(ws, url: str, label: str) -> bytes:
    """Run the page, press its download button ``label`` as a browser does (Streamlit's deferred-file request),
    and fetch the file it made."""
    await ws.send(rerun({"f": "u*v + u**2 + 3"}))
    session, file_id = "", ""
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
        kind = message.WhichOneof("type")
        if kind == "new_session":
            session = message.new_session.initialize.session_id
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            button = message.delta.new_element
            if button.WhichOneof("type") == "download_button" and button.download_button.label == label:
                file_id = button.download_button.deferred_file_id
        elif kind == "script_finished":
            break
    press = BackMsg()
    press.backend_operation_request.request_id = "press-1"
    press.backend_operation_request.session_id = session
    press.backend_operation_request.deferred_file.file_id = file_id
    await ws.send(press.SerializeToString())
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
        if message.WhichOneof("type") == "backend_operation_response":
            answer = message.backend_operation_response
            assert not answer.error_msg, answer.error_msg
            with urllib.request.urlopen(url + answer.deferred_file.url, timeout=30) as made:
                return made.read()


@pytest.mark.parametrize(("label", "starts"), [("Graph PNG", b"\x89PNG\r\n\x1a\n"), ("Plot HTML", b"<!DOCTYPE html>")])
def test_a_pressed_download_is_made_by_the_workers_and_served(server, label, starts):
    # made outside the page's run, in Streamlit's own thread: the job reaches the pool with the session's quota
    url, _ = server

    async def download() -> bytes:
        async with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                           max_size=None, ping_interval=None) as ws:
            return await press_download(ws, url, label)

    assert asyncio.run(download()).startswith(starts)


@pytest.mark.parametrize("kind_name", ["the player's step", "download: Graph PNG"])
def test_the_isolation_benchmarks_heavy_visitor_gets_what_it_asks_for_each_time(server, kind_name):
    # benchmarks/isolation.py times a student beside this visitor: if its steps or downloads were not served
    # (a slider not found, a button missing, a refusal), the table would measure a visitor doing nothing
    url, _ = server
    kind = next(k for k in isolation.KINDS if k.name == kind_name)
    state = PageState(function="torch.sin(u) * u + v", points=(("u", "0.5"), ("v", "1")))
    stop, ready, outcomes = threading.Event(), threading.Event(), Counter()
    threading.Timer(4.0, stop.set).start()
    asyncio.run(isolation.heavy(url, kind, state, stop, ready, outcomes, 1))
    assert ready.is_set() and set(outcomes) == {"served"} and outcomes["served"] >= 2, outcomes


def test_stopping_the_server_stops_every_worker_and_what_they_started(server):
    # each worker leads its own process group, so a signal to the server's group no longer reaches it: the
    # server stops its pool as it exits (SIGTERM: docker stop, Kubernetes; SIGINT: Ctrl-C)
    _, process = server
    workers = page_workers(process.pid)
    assert workers
    process.terminate()
    process.wait(30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(running, workers)):
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)], "no worker outlives the server"


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"
