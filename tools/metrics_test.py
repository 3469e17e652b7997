#!/usr/bin/env python3
"""`/metrics` read by Prometheus' own text parser (prometheus_client), on a live strata-server.

Starts the server on a fresh data directory, makes a product, an order and a consumer group with
one delivery acknowledged, then parses `/metrics` with `text_string_to_metric_families` — the
parser fails on anything Prometheus would not read — and checks the process metrics by their
Prometheus names and types (`process_resident_memory_bytes`, `process_cpu_seconds_total`,
`process_open_fds`, `process_start_time_seconds`), the store's file, used and free bytes, and that
the request, commit, projection and subscription families are there with sane values.

Usage: metrics_test.py --server BIN
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_client import ADMIN_EMAIL, ADMIN_PASSWORD, Client, Server  # noqa: E402


def scrape(client):
    status, headers, body = client.request("GET", "/metrics")
    assert status == 200, status
    assert headers.get("content-type", "").startswith("text/plain"), headers.get("content-type")
    text = body.decode() if isinstance(body, bytes) else body
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(families, name, labels=None):
    for family in families.values():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(key) == wanted for key, wanted in (labels or {}).items()):
                return sample.value
    raise AssertionError(f"no sample {name} {labels or ''}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    args = parser.parse_args()
    workspace = tempfile.mkdtemp(prefix="strata-metrics-")
    server = Server(args.server, os.path.join(workspace, "data")).start()
    try:
        anonymous = Client(server.port)
        admin = anonymous.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        status, _, product = admin.request("POST", "/v1/products", {"sku": "M-1", "name": "Mug", "priceCents": 100, "stock": 5})
        assert status == 201, product
        status, _, _ = admin.request("PUT", "/v1/subscriptions/metrics", {"eventTypes": ["ProductCreated"]})
        assert status == 201, status
        status, _, polled = admin.request("POST", "/v1/subscriptions/metrics/poll", {"consumer": "m"})
        assert status == 200 and len(polled["messages"]) == 1, polled
        status, _, _ = admin.request("POST", "/v1/subscriptions/metrics/ack", {"ackIds": [polled["messages"][0]["ackId"]]})
        assert status == 204, status
        # A push group whose receiver nothing serves (port 1): its failed POSTs are counted by reason.
        status, _, _ = admin.request("PUT", "/v1/subscriptions/unreachable",
                                     {"maxDeliveries": 1, "push": {"url": "http://127.0.0.1:1/hook", "secret": "0123456789abcdef"}})
        assert status == 201, status

        first = scrape(anonymous)
        types = {"process_resident_memory_bytes": "gauge", "process_cpu_seconds": "counter", "process_open_fds": "gauge",
                 "process_start_time_seconds": "gauge", "strata_store_file_bytes": "gauge", "strata_store_used_bytes": "gauge",
                 "strata_store_free_bytes": "gauge"}
        for name, kind in types.items():
            assert name in first, f"no family {name}"
            assert first[name].type == kind, f"{name} is a {first[name].type}, not a {kind}"
        assert value(first, "process_resident_memory_bytes") > 10 << 20
        assert value(first, "process_open_fds") >= 3
        started = value(first, "process_start_time_seconds")
        assert abs(started - time.time()) < 600, started
        cpu = value(first, "process_cpu_seconds_total")
        assert cpu > 0
        file_bytes, used, free = (value(first, f"strata_store_{kind}_bytes") for kind in ("file", "used", "free"))
        assert file_bytes > 0 and 0 < used <= file_bytes and free == file_bytes - used, (file_bytes, used, free)
        assert value(first, "strata_events_appended_total") >= 2
        assert value(first, "strata_subscription_acks_total", {"group": "metrics"}) == 1
        assert value(first, "strata_subscription_lag_events", {"group": "metrics"}) >= 0
        assert value(first, "strata_http_requests_total", {"route": "/v1/products", "method": "POST", "status": "201"}) == 1
        for _ in range(200):
            anonymous.request("GET", f"/v1/products/{product['id']}")
        second = scrape(anonymous)
        for _ in range(100):
            if "strata_subscription_push_failures" in second:
                break
            time.sleep(0.1)
            second = scrape(anonymous)
        assert second["strata_subscription_push_failures"].type == "counter"
        assert value(second, "strata_subscription_push_failures_total", {"group": "unreachable", "reason": "connection"}) >= 1
        assert value(second, "process_cpu_seconds_total") >= cpu, "the CPU counter went down"
        print(f"metrics test passed: {len(second)} families parsed; resident {value(second, 'process_resident_memory_bytes') / 2**20:.0f} MiB, "
              f"CPU {value(second, 'process_cpu_seconds_total'):.2f} s, {int(value(second, 'process_open_fds'))} fds")
        return 0
    finally:
        server.stop()
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
