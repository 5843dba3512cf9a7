"""Two replicas behind nginx on loopback, a browser session through it, one replica killed mid-session (issue #6).

Run from the repository root (needs Debian's nginx and chromium: ``apt-get install -y nginx chromium``):

    python benchmarks/scaleout.py                  # prints what the visitor saw; screenshots in test-artifacts/
    python benchmarks/scaleout.py --load 4 8 16    # then benchmarks/load.py through nginx and two fresh replicas

What it does, all on 127.0.0.1 and bounded in time:

1. starts two replicas of the app (``python -m streamlit run app.py``), each on its own port;
2. starts nginx with deploy/nginx/ as it is, only the replicas' addresses, the listening port and the log and
   temporary paths swapped for local ones (so the test runs the configuration a deployment would run);
3. opens the app through nginx in Chromium, types a function and waits for its value;
4. finds the replica holding the page's websocket (the one with an established connection from nginx) and
   kills it with SIGKILL, as a crashed machine would go;
5. watches the page for ``--watch`` seconds: the connection state Streamlit reports, the status text, the
   function box and the value line, with screenshots before, during and after;
6. types another function (is the page still usable?) and opens the page's own link in a fresh browser (can a
   shared link still be served?).

It prints a report of what a visitor saw, step by step, and stops every process it started, even on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from load import ROOT, free_port, start_app, stop, wait_healthy

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NGINX_DIR = ROOT / "deploy" / "nginx"
APP = "[data-testid=stApp]"


@dataclass(frozen=True)
class Seen:
    """One look at the page."""

    at_s: float  # seconds after the replica was killed
    connection: str  # Streamlit's own connection state: CONNECTED, PINGING_SERVER, CONNECTING, ...
    status: str  # the status text in the corner ("Connecting", "Running..."), "" when none
    function: str  # the function box
    value_line: str  # "y = ... → value ..." as shown, "" when missing

    def line(self) -> str:
        return (f"{self.at_s:6.1f} s  {self.connection:<15} status={self.status!r:<16} box={self.function!r}  "
                f"shown={self.value_line!r}")


# -- nginx on loopback -----------------------------------------------------------------------

def local_nginx_conf(folder: Path, replicas: list[int], port: int) -> Path:
    """deploy/nginx/ copied into folder, with loopback replicas, port, logs and temporary paths."""
    conf = folder / "conf"
    conf.mkdir()
    for included in NGINX_DIR.glob("*.conf"):  # sticky.conf, limits.conf, locations.conf as they are
        if included.name != "nginx.conf":
            shutil.copy(included, conf / included.name)
    text = (NGINX_DIR / "nginx.conf").read_text()
    swaps = {
        r"server app1:8501": f"server 127.0.0.1:{replicas[0]}",
        r"server app2:8501": f"server 127.0.0.1:{replicas[1]}",
        r"listen 8080;": f"listen 127.0.0.1:{port};",
        r"access_log /dev/stdout;": f"access_log {folder}/access.log;\n" + "".join(
            f"    {kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                   "scgi")),
    }
    for old, new in swaps.items():
        if text.count(old) != 1:
            raise RuntimeError(f"deploy/nginx/nginx.conf no longer has exactly one {old!r}: update {__file__}")
        text = text.replace(old, new)
    (conf / "nginx.conf").write_text(text)
    return conf / "nginx.conf"


def nginx_command(conf: Path, folder: Path, test: bool = False) -> list[str]:
    """nginx in the foreground with its pid and error log in folder (the -t form checks the file only)."""
    return ["nginx", *(["-t"] if test else []), "-p", str(folder), "-c", str(conf),
            "-g", f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"]


def holder(ports: list[int]) -> int | None:
    """The replica port with an established TCP connection: the page's websocket (nginx keeps no others open)."""
    counts = dict.fromkeys(ports, 0)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                port = int(local.rsplit(":", 1)[1], 16)
                if state == "01" and port in counts:  # 01: ESTABLISHED
                    counts[port] += 1
    busy = [port for port, count in counts.items() if count]
    return busy[0] if len(busy) == 1 else None


# -- the browser -----------------------------------------------------------------------------

def look(tab, killed_at: float) -> Seen:
    app = tab.locator(APP)
    status = tab.locator("[data-testid=stStatusWidget]")
    value = tab.locator("[data-testid=stMarkdownContainer]", has_text="→ value")
    box = tab.get_by_role("textbox", name="Function", exact=True)
    return Seen(
        at_s=time.monotonic() - killed_at,
        connection=app.get_attribute("data-test-connection-state", timeout=2000) or "",
        status=status.first.inner_text(timeout=500).strip() if status.count() else "",
        function=box.input_value(timeout=2000) if box.count() else "",
        value_line=value.first.inner_text(timeout=500).strip() if value.count() else "",
    )


def settle(tab, timeout_ms: int = 90_000) -> None:
    tab.wait_for_timeout(300)
    tab.wait_for_selector(f"{APP}[data-test-connection-state=CONNECTED]", timeout=timeout_ms)
    tab.wait_for_selector(f"{APP}[data-test-script-state=notRunning]", timeout=timeout_ms)


def type_function(tab, text: str) -> None:
    box = tab.get_by_role("textbox", name="Function", exact=True)
    box.fill(text)
    box.press("Enter")
    settle(tab)


def shows(tab, value: str) -> bool:
    return tab.locator("[data-testid=stMarkdownContainer]", has_text=f"→ value {value}").count() > 0


# -- the scenario ----------------------------------------------------------------------------

@contextlib.contextmanager
def cluster(folder: Path) -> Iterator[tuple[str, dict[int, subprocess.Popen]]]:
    """Two replicas and nginx on loopback; everything stopped at the end."""
    ports = [free_port(), free_port()]
    replicas: dict[int, subprocess.Popen] = {}
    nginx = None
    try:
        for n, port in enumerate(ports, 1):
            replicas[port] = start_app(port, log=folder / f"replica{n}.log")
        for port in ports:
            wait_healthy(f"http://127.0.0.1:{port}")
        front = free_port()
        conf = local_nginx_conf(folder, ports, front)
        checked = subprocess.run(nginx_command(conf, folder, test=True), capture_output=True, text=True, timeout=30)
        if checked.returncode:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        nginx = subprocess.Popen(nginx_command(conf, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{front}"
        wait_healthy(url, 30)
        yield url, replicas
    finally:
        if nginx is not None:
            stop(nginx)
        for process in replicas.values():
            stop(process)


def scenario(url: str, replicas: dict[int, subprocess.Popen], shots: Path, watch_s: float) -> list[str]:
    from playwright.sync_api import sync_playwright

    report: list[str] = []
    say = report.append
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            tab = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            tab.goto(url + "/")
            settle(tab)
            type_function(tab, "y = x**3 + 7")
            say(f"typed y = x**3 + 7 through nginx: value 15 shown: {shows(tab, '15')}; link {tab.url}")
            tab.screenshot(path=shots / "scaleout-1-before.png")
            port = holder(list(replicas))
            if port is None:
                say("could not tell which replica holds the websocket; stopping")
                return report
            say(f"the websocket is held by the replica on port {port}: killing it with SIGKILL")
            replicas[port].send_signal(signal.SIGKILL)
            replicas[port].wait(10)
            killed_at = time.monotonic()
            seen: list[Seen] = []
            shot_taken = False
            while time.monotonic() - killed_at < watch_s:
                now = look(tab, killed_at)
                if not seen or (now.connection, now.status, now.function, now.value_line) != (
                        seen[-1].connection, seen[-1].status, seen[-1].function, seen[-1].value_line):
                    seen.append(now)
                    say("  " + now.line())
                if now.connection != "CONNECTED" and not shot_taken:
                    tab.screenshot(path=shots / "scaleout-2-during.png")
                    shot_taken = True
                tab.wait_for_timeout(200)
            tab.screenshot(path=shots / "scaleout-3-after.png")
            down = next((i for i, s in enumerate(seen) if s.connection != "CONNECTED"), None)
            back = next((s for s in seen[down:] if s.connection == "CONNECTED"), None) if down is not None else None
            say("the page never showed a lost connection" if down is None else
                f"back to CONNECTED after {back.at_s:.1f} s" if back else f"not CONNECTED within {watch_s:.0f} s")
            survivor = holder([p for p in replicas if p != port])
            say(f"the page's websocket is now held by the replica on port {survivor}")
            say(f"after the reconnect: box={look(tab, killed_at).function!r}, value 15 shown: {shows(tab, '15')}")
            for attempt in (1, 2):
                type_function(tab, "y = x**2 + 1")
                say(f"typed y = x**2 + 1 after the reconnect ({attempt}): value 5 shown: {shows(tab, '5')}; "
                    f"box={look(tab, killed_at).function!r}, shown={look(tab, killed_at).value_line!r}")
                tab.screenshot(path=shots / f"scaleout-3-typed-{attempt}.png")
            link = tab.url
            fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            fresh.goto(link)
            settle(fresh)
            fresh.screenshot(path=shots / "scaleout-4-shared-link.png")
            say(f"the page's link in a fresh browser: value 5 shown: {shows(fresh, '5')} ({link})")
        finally:
            browser.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watch", type=float, default=20.0, help="seconds to watch the page after the kill")
    parser.add_argument("--shots", type=Path, default=ROOT / "test-artifacts", help="where screenshots go")
    parser.add_argument("--load", type=int, nargs="*", default=[],
                        help="after the browser scenario, run benchmarks/load.py with these visitor counts through "
                             "nginx in front of two fresh replicas")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per load round")
    args = parser.parse_args(argv)
    missing = [name for name, found in (("nginx", shutil.which("nginx")), ("chromium", Path(CHROMIUM).exists()))
               if not found]
    if missing:
        raise SystemExit(f"needs Debian's {' and '.join(missing)}: apt-get install -y {' '.join(missing)}")
    args.shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="explorer-scaleout-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)  # nginx's workers (not root) write their temporary files in here
        with cluster(folder) as (url, replicas):
            print(f"# two replicas ({', '.join(map(str, replicas))}) behind nginx at {url}", flush=True)
            for line in scenario(url, replicas, args.shots, args.watch):
                print(line, flush=True)
        if args.load:
            fresh = folder / "fresh"
            fresh.mkdir()
            with cluster(fresh) as (url, _):
                print(f"\n# load through nginx in front of two fresh replicas at {url}", flush=True)
                load_through(url, args.load, args.duration)
        errors = [line for name in ("error.log",) for line in (folder / name).read_text().splitlines()
                  if re.search(r"\[(error|crit|alert|emerg)\]", line)]
        print(f"\nnginx's error log: {len(errors)} errors" + "".join(f"\n  {e[:200]}" for e in errors[-5:]))
    return 0


def load_through(url: str, visitors: list[int], duration: float) -> None:
    subprocess.run([sys.executable, str(Path(__file__).with_name("load.py")), "--url", url, "--duration",
                    str(duration), "--visitors", *map(str, visitors)], check=False, timeout=duration * 20 + 600,
                   env={**os.environ})


if __name__ == "__main__":
    sys.exit(main())
