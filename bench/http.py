"""Whole pages over HTTP, against a hello-world app served the same way.

    .venv/bin/python bench/http.py [--seconds 5] [--clients 8] [--pool 10] [--cases 600] [--database-url URL]

Builds a demo database (SQLite in a temporary folder by default; with
--database-url, a schema of its own on that PostgreSQL database, dropped at
the end): `flask db upgrade`, `flask demo load`, and --pool cases per client in
the state 履行中 (performing), made through the engine. Starts gunicorn with
2 workers (gthread, so that connections are kept alive, with one thread
each, as the README's sync workers have) on the app, and the same gunicorn
on a hello-world Flask app (bench/hello_app.py). Then each of
--clients processes, each with one kept-alive connection and its own login,
requests for --seconds:

- hello: GET / of the hello-world app (measured first and last; its mean is
  the baseline);
- case page: GET /cases/<id>, the client's own cases in turn;
- transition: GET the form of the step the case offers (未履行 breach, then
  督促 urge, and so on), as the case page fetches it when the step's panel is
  opened (/cases/<id>/steps/<trigger>), then POST it: one pair counts as one.
  Until 5 December the case page carried every step's form and this GET was
  the whole case page. Each client takes its cases in turn, so that a case
  sees a few cycles in a run rather than hundreds (every cycle adds timeline
  entries and a follow-up to the case);
- my cases: GET /cases/mine; today: GET /today (as the demo mediator);
- statistics: GET /supervision/stats (as the street supervisor);
- signed in: GET / as the demo mediator, which answers with a redirect to
  "my cases": the app's own work on every request (the login session and
  its account, CSRF, the language, the security headers) without a page.
  Not part of R: it shows how much of each page's cost is that floor,
  which a transition, two requests, pays twice.

A kept-alive connection stays with the worker that accepted it, and a burst of
connections is often accepted by one worker, which then serves most clients
while the other idles. Since 5 December each client, once logged in, connects
again until its connection is served by its own worker (the clients in turn
on each; the worker is found through /proc), so that both workers serve as many
clients in every scenario, hello-world's included.

It prints p50 and p95 in milliseconds and the rate of each, with the rate as a
ratio to hello-world's in the same run, and the CPU the two gunicorn workers
used during it (in cores) (the machine is shared and noisy: read the ratios).
The last line is `http_vs_hello_ratio=R`, R the lower of the case page's and
the transition's ratios. The column "CPU ms" is the workers' CPU time per
request (per GET and POST pair for the transition).
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py, as asked; its folder must not hide the standard
# library's http package from the imports below.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse  # noqa: E402
import http.client  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "bench-http-2026"
CYCLE = {"performing": "breach", "breached": "urge"}
# One thread a worker, as the production command's sync workers: a page is
# Python's work under one GIL, so a second thread in the process does not add
# a core but makes a step's SQLite write transaction wait for the GIL while
# the lock is held (4 threads until the evening of 5 December; README, "whole
# pages over HTTP").
THREADS = 1


# ---- the database


def prepare_database(args, workdir: Path) -> dict:
    """Environment for the app's processes: a migrated demo database."""
    env = dict(os.environ, FLASK_APP="wsgi", APP_ENV="development", DEMO_PASSWORD=PASSWORD,
               UPLOAD_DIR=str(workdir / "uploads"), PYTHONPATH=str(ROOT))
    if args.database_url:
        schema = f"bench_http_{os.getpid()}"
        admin(args.database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
        env.update(DATABASE_URL=args.database_url, PGOPTIONS=f"-c search_path={schema}")
        os.environ["PGOPTIONS"] = env["PGOPTIONS"]
        args.schema = schema
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    flask = [PYTHON, "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"loading the demo with {args.cases} cases ...", flush=True)
    subprocess.run(flask + ["demo", "load", "--cases", str(args.cases)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return env


def admin(url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    from config import database_url

    engine = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def performing_cases(env: dict, count: int) -> list[int]:
    """`count` cases of the demo mediator's community, taken to 履行中 through
    the engine, for the clients to cycle through breach and urge."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from app import clock, create_app, engine
    from app.auth.models import User
    from app.disputes.models import Dispute, Party, new_tracking_code
    from app.extensions import db
    from app.org.models import Grid
    from config import database_url

    overrides = {"SQLALCHEMY_DATABASE_URI": database_url(env["DATABASE_URL"]), "UPLOAD_DIR": env["UPLOAD_DIR"]}
    app = create_app("development", **overrides)
    ids = []
    with app.app_context():
        mediator = db.session.execute(select(User).where(User.username == "mediator")).scalar_one()
        grid = db.session.execute(select(Grid).where(Grid.community_id == mediator.community_id)
                                  .order_by(Grid.id)).scalars().first()
        steps = [("accept", {}), ("assign", {"mediator_id": mediator.id}),
                 ("start_mediation", {"notice_given": True}),
                 ("agree", {"form": "oral", "terms": "被申请人十日内赔偿修理费八百元。"}), ("start_performance", {})]
        for n in range(count):
            dispute = Dispute(tracking_code=new_tracking_code(), channel="walk_in", dispute_type="neighbour",
                              street_id=mediator.street_id, community_id=mediator.community_id, grid_id=grid.id,
                              place=f"压测楼{n + 1}号", facts="楼上漏水致楼下墙面受损。", people_count=2, risk="low",
                              created_by_id=mediator.id, created_at=clock.now())
            dispute.parties.append(Party(role="applicant", name="赵测试", phone="13800000001"))
            dispute.parties.append(Party(role="respondent", name="钱测试", phone="13800000002"))
            engine.create(dispute, mediator, {"channel": "walk_in", "dispute_type": "neighbour"})
            for trigger, data in steps:
                engine.fire(dispute, trigger, mediator, **data)
            ids.append(dispute.id)
        db.session.remove()
    return ids


# ---- the servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_spec: str, env: dict, path: str) -> tuple[subprocess.Popen, int]:
    """Gunicorn serving `app_spec`, returned once both workers have answered
    `path`: the master binds the port before its workers have imported the
    app, which takes each a core for about 3 s, and until 6 December
    hello-world's first measurement ran during the app's workers' boot (its
    rate about half its last's, a low baseline that read every ratio high)."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--workers", "2", "--worker-class", "gthread", "--threads", str(THREADS),
         "--keep-alive", "30", "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn {app_spec} stopped: {process.stderr.read().decode()[-2000:]}")
        workers = sorted(workers_cpu(process))
        if len(workers) == 2 and all(answered_by(worker, workers, port, path) for worker in workers):
            return process, port
        time.sleep(0.2)
    raise SystemExit(f"gunicorn {app_spec} did not start both workers within a minute")


def answered_by(worker: int, workers: list[int], port: int, path: str) -> bool:
    # A request waits in the socket's backlog until a worker has booted and accepts it.
    client = Client(port)
    try:
        return client.settle_on(worker, workers, path)
    except OSError:  # not bound yet
        return False
    finally:
        client.conn.close()


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# ---- a client: one kept-alive connection, its own cookies


class Client:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None,
                keep_cookies: bool = True) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a server may close a kept-alive connection; reconnect once
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and keep_cookies:
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def settle_on(self, worker: int, workers: list[int], path: str) -> bool:
        """Connect again until the kept-alive connection is served by `worker`:
        a burst of connections is often accepted by one worker, which then
        serves most clients while the other idles, and the rates of two runs
        differed by a factor of three for that alone."""
        for _attempt in range(200):
            self.request("GET", path)
            sock = self.conn.sock  # None if the server closed the connection after answering
            if sock is not None and serving_worker(self.port, sock.getsockname()[1], workers) == worker:
                return True
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return False

    def login(self, username: str) -> None:
        _, _, page = self.request("GET", "/login")
        status, _, _ = self.request("POST", "/login", {"csrf_token": csrf(page), "username": username,
                                                       "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"login as {username} answered {status}")


def serving_worker(server_port: int, client_port: int, workers: list[int]) -> int | None:
    """The worker process holding the server's end of the connection from
    `client_port` (Linux /proc: the socket's inode, then the worker's fds)."""
    local, remote, inode = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}", None
    with open("/proc/net/tcp") as table:
        for line in table:
            fields = line.split()
            if fields[1:3] == [local, remote]:
                inode = fields[9]
                break
    if inode is None:
        return None
    for pid in workers:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
        except OSError:  # an fd closed while being read
            continue
    return None


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not match:
        raise SystemExit("no CSRF token on the page")
    return match.group(1)


class FormReader(HTMLParser):
    """The fields of the form posting to `action` (hidden, text and checked inputs)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action", "").endswith(self.action)
        elif tag == "input" and self.inside and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


# ---- the scenarios, each run by every client process


START = None  # a barrier: every client logged in, and the server's CPU read, before the clocks start


def client_process(barrier) -> None:
    global START
    START = barrier


def run_scenario(job) -> tuple[list[float], bool]:
    name, port, seconds, username, case_ids, worker, workers = job
    client = Client(port)
    if username:
        client.login(username)
    settled = client.settle_on(worker, workers, "/" if name == "hello" else "/static/favicon.svg")
    START.wait(timeout=300)
    state = None
    taken = {}  # case id -> the step its next transition takes
    latencies = []
    end = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < end:
        case_id = case_ids[turn % len(case_ids)] if case_ids else None
        turn += 1
        started = time.perf_counter()
        if name == "hello":
            status, _, _ = client.request("GET", "/")
        elif name == "case page":
            status, _, _ = client.request("GET", f"/cases/{case_id}")
        elif name == "my cases":
            status, _, _ = client.request("GET", "/cases/mine")
        elif name == "signed in":
            status, location, _ = client.request("GET", "/")
            status = 200 if status == 302 and location.endswith("/cases/mine") else status
        elif name == "today":
            status, _, _ = client.request("GET", "/today")
        elif name == "statistics":
            status, _, _ = client.request("GET", "/supervision/stats")
        else:  # transition: the step's form, as the case page fetches it when its panel opens, then the form sent
            trigger = taken.get(case_id, CYCLE["performing"])
            action = f"/cases/{case_id}/fire/{trigger}"
            status, _, form = client.request("GET", f"/cases/{case_id}/steps/{trigger}")
            if status != 200:
                raise SystemExit(f"case {case_id} does not offer {trigger} (last step {state}): {status}")
            reader = FormReader(action)
            reader.feed(form)
            fields = dict(reader.fields, **{f"{trigger}-reason": "压测：回访得知未履行。"})
            # The cookie the POST sets carries the message "Done: ..." for the page it redirects to,
            # which a browser then shows (and so drops from the cookie); this scenario does not view it
            # (the case page is measured on its own), so it keeps the cookie it had, or the messages
            # would pile up in the cookie, which every later request would read and write.
            status, _, _ = client.request("POST", action, fields, keep_cookies=False)
            taken[case_id] = CYCLE["breached"] if trigger == CYCLE["performing"] else CYCLE["performing"]
            state = trigger
            status = 200 if status == 302 else status
        if status != 200:
            raise SystemExit(f"{name} answered {status}")
        latencies.append(time.perf_counter() - started)
    return latencies, settled


def workers_cpu(server: subprocess.Popen) -> dict[int, float]:
    """CPU seconds used so far by each worker of a gunicorn master (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for task in os.listdir(f"/proc/{server.pid}/task"):
        with open(f"/proc/{server.pid}/task/{task}/children") as children:
            for pid in children.read().split():
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                except FileNotFoundError:
                    continue
                used[int(pid)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return used


def measure(pool, name, server, port, args, username=None, case_ids=None) -> dict:
    share = -(-len(case_ids) // args.clients) if case_ids else 0
    workers = sorted(workers_cpu(server))
    # The clients in turn on each worker, so that both serve as many kept-alive connections.
    jobs = [(name, port, args.seconds, username, case_ids[i * share:(i + 1) * share] if case_ids else None,
             workers[i % len(workers)], workers) for i in range(args.clients)]
    running = pool.map_async(run_scenario, jobs, chunksize=1)
    START.wait(timeout=300)  # the logins (argon2id, on the server's cores) are not measured
    before = workers_cpu(server)
    started = time.monotonic()
    results = running.get()
    elapsed = time.monotonic() - started
    after = workers_cpu(server)
    cores = sorted(((after[pid] - before.get(pid, 0)) / elapsed for pid in after), reverse=True)
    latencies = sorted(x for part, _settled in results for x in part)
    unsettled = sum(not settled for _part, settled in results)
    if unsettled:
        print(f"{name}: {unsettled} client(s) could not get a connection on their worker", flush=True)
    # Logins happen before each client's clock starts: the rate counts requests over the measured seconds.
    rate = len(latencies) / args.seconds
    # The workers' CPU per request: unlike the rate, it does not depend on how the kept-alive connections
    # happened to spread over the two workers.
    cpu_ms = sum(cores) * elapsed / max(len(latencies), 1) * 1000
    return {"name": name, "n": len(latencies), "rate": rate, "elapsed": elapsed, "cores": cores, "cpu_ms": cpu_ms,
            "p50": statistics.median(latencies) * 1000,
            "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000}


def main() -> None:
    global START
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each scenario runs (default 5)")
    parser.add_argument("--clients", type=int, default=8, help="client processes at once (default 8)")
    parser.add_argument("--cases", type=int, default=600, help="demo cases to load (default 600)")
    parser.add_argument("--pool", type=int, default=10,
                        help="cases in 履行中 per client, taken in turn (default 10)")
    parser.add_argument("--database-url", help="a PostgreSQL database (a schema of its own is made and dropped)")
    args = parser.parse_args()
    args.schema = None
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    servers = []
    try:
        env = prepare_database(args, workdir)
        case_ids = performing_cases(env, args.clients * args.pool)
        app_server, app_port = start_gunicorn("wsgi:app", env, "/static/favicon.svg")
        hello_server, hello_port = start_gunicorn("bench.hello_app:app", env, "/")
        servers += [app_server, hello_server]
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"{backend}, gunicorn 2 workers x {THREADS} thread(s), {args.clients} kept-alive clients, "
              f"{args.seconds:g} s a scenario", flush=True)
        context = multiprocessing.get_context("fork")
        START = context.Barrier(args.clients + 1)  # the clients and this process
        with context.Pool(args.clients, initializer=client_process, initargs=(START,)) as pool:
            hello_first = measure(pool, "hello", hello_server, hello_port, args)
            rows = [measure(pool, "case page", app_server, app_port, args, "mediator", case_ids),
                    measure(pool, "transition", app_server, app_port, args, "mediator", case_ids),
                    measure(pool, "my cases", app_server, app_port, args, "mediator"),
                    measure(pool, "today", app_server, app_port, args, "mediator"),
                    measure(pool, "statistics", app_server, app_port, args, "supervisor"),
                    measure(pool, "signed in", app_server, app_port, args, "mediator")]
            hello_last = measure(pool, "hello", hello_server, hello_port, args)
        baseline = (hello_first["rate"] + hello_last["rate"]) / 2
        print(f"{'':12} {'p50 ms':>8} {'p95 ms':>8} {'per s':>8} {'ratio':>7} {'CPU ms':>7}  workers' cores")
        for row in [hello_first, *rows, hello_last]:
            print(f"{row['name']:12} {row['p50']:8.2f} {row['p95']:8.2f} {row['rate']:8.1f} "
                  f"{row['rate'] / baseline:7.3f} {row['cpu_ms']:7.2f}  {' + '.join(f'{c:.2f}' for c in row['cores'])}")
        ratios = {row["name"]: row["rate"] / baseline for row in rows}
        print(f"hello-world baseline: {baseline:.0f} requests/s (first {hello_first['rate']:.0f}, "
              f"last {hello_last['rate']:.0f}); a transition is a GET and a POST")
        print(f"http_vs_hello_ratio={min(ratios['case page'], ratios['transition']):.3f}")
    finally:
        for server in servers:
            stop(server)
        if args.schema:
            admin(args.database_url, f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
