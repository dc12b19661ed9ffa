"""`/metrics` of a real `aka serve --workers 2`: whichever worker answers the scrape,
it counts every worker's requests and operations, kept in a directory of the server
run's own that is gone once the server stops."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from tests.backends import server_env
from tests.metrics_scrape import samples, value
from tests.servers import running_server

ADMIN = "served-metrics-admin"
CREATES = 40


def test_every_worker_is_summed_whichever_answers(tmp_path: Path) -> None:
    """Writes spread over two workers (a new connection each) are all counted by every
    scrape, each on a new connection too; both workers kept values in the run's
    directory, which is removed when the server stops."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **server_env("sqlite", tmp_path),
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_LOG_LEVEL": "warning",
        "AKA_DIALECTS": "none",
        "TMPDIR": str(scratch),  # where `aka serve` makes its metrics directory
    }
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with running_server(env, workers=2) as base:
        [shared] = list(scratch.glob("aka-metrics-*"))
        made = httpx.post(f"{base}/v1/keys", json={"scopes": ["metrics:read"]}, headers=admin)
        scraper = {"Authorization": f"Bearer {made.json()['secret']}"}
        creates = 0
        # Until both workers have written some (the kernel spreads new connections).
        while creates < CREATES or (len(_writers(shared)) < 2 and creates < 10 * CREATES):
            created = httpx.post(
                f"{base}/v1/profiles", json={"external_id": f"user-{creates}"}, headers=admin
            )
            assert created.status_code == 201, created.text
            creates += 1
        assert len(_writers(shared)) == 2, sorted(f.name for f in shared.iterdir())
        for scraped in range(6):
            answer = httpx.get(f"{base}/metrics", headers=scraper)
            assert answer.status_code == 200, answer.text
            seen = samples(answer.text)
            applied = value(
                seen, "aka_graph_operations_total", operation="create_profile", outcome="applied"
            )
            assert applied == creates
            requests = value(
                seen,
                "aka_http_request_duration_seconds_count",
                door="native",
                method="POST",
                route="/v1/profiles",
                status="201",
            )
            assert requests == creates
            scrapes = value(
                seen,
                "aka_http_request_duration_seconds_count",
                door="none",
                method="GET",
                route="/metrics",
                status="200",
            )
            assert scrapes == scraped  # every earlier scrape, whichever worker it reached
    assert not shared.exists()


def _writers(shared: Path) -> set[int]:
    """The processes that kept values there (`counter_<pid>.db`, ...)."""
    names = (re.search(r"_(\d+)\.db$", f.name) for f in shared.iterdir())
    return {int(found.group(1)) for found in names if found}
