"""`jobbro serve --workers 2` as an operator runs it, with a database that never answers.

Probes and stuck requests flood both worker processes; `/healthz` stays fast, every
request answers 503 within the bounded wait, every process writes JSON lines with the
request id (errors as one record, no bare tracebacks), and `/metrics` adds up the
counts of both processes.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.resilience.conftest import MuteListener, free_port, jobbro_env, jobbro_process, wait_for

CONNECT_TIMEOUT = 5  # long beside /healthz's bound, so a blocked /healthz could not pass


def test_two_server_processes_stay_live_and_log_json_while_the_database_hangs(
    mute: MuteListener, tmp_path: Path
) -> None:
    port = free_port()
    env = jobbro_env(
        JOBBRO_ENV="development",
        JOBBRO_DATA_DIR=str(tmp_path / "data"),
        JOBBRO_DATABASE_URL=f"postgresql+psycopg://jobbro@127.0.0.1:{mute.port}/jobbro",
        JOBBRO_DB_CONNECT_TIMEOUT_SECONDS=str(CONNECT_TIMEOUT),
        JOBBRO_READYZ_TIMEOUT_SECONDS="1",
        JOBBRO_MATCHING_WARM_UP="0",
        JOBBRO_IN_PROCESS_SCHEDULER="0",
    )
    args = ["serve", "--no-migrate", "--workers", "2", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with jobbro_process(args, env, tmp_path / "serve.log") as server:

        def live() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return server.proc.poll() is None and False

        wait_for(live, 90, "jobbro serve did not answer /healthz")

        # One client for every call: a client per call costs the test's own threads
        # more CPU (TLS context, pools) than the server's answer on a busy machine.
        http = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=100))

        def timed(path: str, **headers: str) -> tuple[float, httpx.Response]:
            started = time.monotonic()
            r = http.get(f"{base}{path}", headers=headers)
            return time.monotonic() - started, r

        key = {"Authorization": "Bearer jb_drill_unknown-key"}
        with ThreadPoolExecutor(max_workers=80) as pool:
            stuck = [pool.submit(timed, "/api/orders", **key) for _ in range(24)]
            probes = [pool.submit(timed, "/readyz") for _ in range(46)]
            time.sleep(0.5)
            health = [timed("/healthz")[0] for _ in range(5)]
            answers = [f.result() for f in stuck]
            ready = [f.result() for f in probes]
        metrics = http.get(f"{base}/metrics")
        http.close()
    # Well under the database's connect timeout: nothing /healthz does waits on it
    # (before: 25 s with 46 pending probes). The bound leaves room for a busy 2-core CI.
    assert sorted(health)[2] < 0.5, health
    assert max(health) < 2.5, health
    assert {r.status_code for _, r in answers} == {503}
    assert all(r.json()["request_id"] == r.headers["x-request-id"] for _, r in answers)
    assert max(t for t, _ in answers) < CONNECT_TIMEOUT * 3 + 5
    assert {r.status_code for _, r in ready} == {503}
    # Bounded by the readiness timeout (1 s), not by the database's (5 s).
    assert max(t for t, _ in ready) < CONNECT_TIMEOUT - 0.5

    # /metrics from this machine: both processes' requests added up, lag unreadable.
    assert metrics.status_code == 200
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.text.splitlines()
        if line.startswith(
            'jobbro_http_requests_total{method="GET",route="/api/orders",status="503"}'
        )
    )
    assert served == 24
    assert "jobbro_lag_scrape_ok 0.0" in metrics.text

    lines = server.lines()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    requests = [r for r in records if r["message"] == "request"]
    by_path = {(r["path"], r["status"]) for r in requests}
    assert ("/api/orders", 503) in by_path
    assert ("/readyz", 503) in by_path
    assert all(r["request_id"] and r["duration_ms"] >= 0 for r in requests)
    # Both worker processes log their requests (the master serves none).
    assert len({r["pid"] for r in requests if r["path"] == "/api/orders"}) == 2
    warnings = [r for r in records if r["message"] == "database unavailable"]
    assert warnings
    assert all(r["request_id"] for r in warnings)
    assert not any(line.startswith("Traceback") for line in lines)
    # No personal data: the unknown key's secret part is nowhere in the log.
    assert "unknown-key" not in "\n".join(lines)
