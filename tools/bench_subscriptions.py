#!/usr/bin/env python3
"""Consumer-group throughput beside the order rate, in one run (issue: subscriptions).

For each store (LMDB, and PostgreSQL in a throwaway cluster unless --lmdb-only):
  1. POST /v1/orders on a fresh strata-server for --seconds with wrk (64 connections): orders/s;
  2. a group of every OrderPlaced from the start, drained by 4 consumers (threads of
     tools/strata_consumer.py's GroupConsumer) polling 100 at a time and acknowledging each batch:
     messages delivered and acknowledged per second, until the group's lag is 0.
  3. a push group of the same events to a receiver in this process (a threaded HTTP server
     answering 204 to each signed POST): messages pushed and acknowledged per second, until its
     lag is 0 (the receiver's own CPU shares the machine).
The goal is messages/s >= orders/s: a group keeps up with the log.

Usage: bench_subscriptions.py --server BIN [--seconds 10] [--consumers 4] [--batch 100] [--lmdb-only]
"""

import argparse
import http.server
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_http import PostgresCluster, post_script, seed, wrk  # noqa: E402
from strata_client import Client, Server  # noqa: E402
from strata_consumer import GroupConsumer  # noqa: E402


def measure(binary, workspace, args, label, postgres_url=None):
    env = {"STRATA_LOG_LEVEL": "error"}
    if postgres_url:
        env["STRATA_POSTGRES_URL"] = postgres_url
    server = Server(binary, os.path.join(workspace, f"data-{label}"), env=env).start()
    try:
        anonymous = Client(server.port)
        admin, products, tokens = seed(anonymous, args, "sub")
        script = os.path.join(workspace, f"{label}-post.lua")
        post_script(script, tokens, products)
        print(f"{label}: POST /v1/orders, {args.seconds} s, {args.connections} connections …", flush=True)
        orders = wrk(f"http://127.0.0.1:{server.port}/v1/orders", args.seconds, args.connections, script)
        status, _, group = admin.request("PUT", "/v1/subscriptions/bench", {"eventTypes": ["OrderPlaced"], "startFrom": "start",
                                                                               "ackTimeoutSeconds": 120})
        assert status == 201, group
        print(f"{label}: {args.consumers} consumers draining the group, {args.batch} a poll …", flush=True)
        acked = [0] * args.consumers
        polls = [0] * args.consumers
        failures = []

        def consume(index):
            consumer = GroupConsumer(f"http://127.0.0.1:{server.port}", "bench", f"c{index}", token=admin.token)
            empty = 0
            try:
                while empty < 2:
                    messages = consumer.poll(args.batch, 0)
                    polls[index] += 1
                    if not messages:
                        empty += 1
                        time.sleep(0.05)
                        continue
                    empty = 0
                    refused = consumer.ack([message["ackId"] for message in messages])
                    acked[index] += len(messages) - len(refused)
            except Exception as error:  # reported below
                failures.append(repr(error))

        started = time.monotonic()
        threads = [threading.Thread(target=consume, args=(index,)) for index in range(args.consumers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started - 0.1  # the two closing empty polls' pauses
        _, _, final = admin.request("GET", "/v1/subscriptions/bench")
        pushed, push_seconds = measure_push(admin, label)
        return {
            "orders_per_second": orders["requests_per_second"],
            "messages": sum(acked),
            "messages_per_second": sum(acked) / max(elapsed, 1e-9),
            "polls": sum(polls),
            "lag": final.get("lag"),
            "failures": failures,
            "pushed": pushed,
            "pushed_per_second": pushed / max(push_seconds, 1e-9),
        }
    finally:
        server.stop()


class Receiver(http.server.BaseHTTPRequestHandler):
    """Takes each pushed message and answers 204, counting them."""
    protocol_version = "HTTP/1.1"
    received = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Receiver.lock:
            Receiver.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def measure_push(admin, label):
    """Messages of a push group of every OrderPlaced pushed and acknowledged, and the seconds it took."""
    Receiver.received = 0
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        _, _, head = admin.request("GET", "/v1/subscriptions/bench")
        expected = head["position"]  # every OrderPlaced acknowledged by the polling consumers
        print(f"{label}: a push group of the same events to a receiver on loopback …", flush=True)
        started = time.monotonic()
        status, _, made = admin.request("PUT", "/v1/subscriptions/bench-push", {
            "eventTypes": ["OrderPlaced"], "startFrom": "start", "ackTimeoutSeconds": 120,
            "push": {"url": f"http://127.0.0.1:{receiver.server_port}/hook", "secret": "bench-secret-0123456789"}})
        assert status == 201, made
        while True:
            _, _, group = admin.request("GET", "/v1/subscriptions/bench-push")
            if group["position"] >= expected and group["inFlight"] == 0:
                break
            time.sleep(0.05)
        return Receiver.received, time.monotonic() - started
    finally:
        receiver.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--products", type=int, default=64)
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lmdb-only", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="strata-bench-sub-") as workspace:
        rows.append(("LMDB", measure(args.server, workspace, args, "lmdb")))
        if not args.lmdb_only:
            with PostgresCluster(tempfile.mkdtemp(prefix="strata-bench-sub-pg-")) as cluster:
                cluster.psql("CREATE DATABASE strata_sub")
                rows.append(("PostgreSQL", measure(args.server, workspace, args, "postgres", cluster.url("strata_sub"))))
    print()
    print("| store | orders/s | messages acknowledged | messages/s (4 consumers, 100 a poll) | messages/s ÷ orders/s | lag after |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, result in rows:
        ratio = result["messages_per_second"] / max(result["orders_per_second"], 1e-9)
        print(f"| {name} | {result['orders_per_second']:,.0f} | {result['messages']:,} | {result['messages_per_second']:,.0f} | "
              f"{ratio:.2f} | {result['lag']} |")
        if result["failures"]:
            print(f"  failures: {result['failures'][:3]}")
    print()
    print("| store | messages pushed | pushed/s (64 in flight) | pushed/s ÷ orders/s |")
    print("|---|---:|---:|---:|")
    for name, result in rows:
        print(f"| {name} | {result['pushed']:,} | {result['pushed_per_second']:,.0f} | "
              f"{result['pushed_per_second'] / max(result['orders_per_second'], 1e-9):.2f} |")
    for name, result in rows:
        ratio = result["messages_per_second"] / max(result["orders_per_second"], 1e-9)
        print(f"{name}: messages/s vs orders/s {ratio:.2f} (goal >= 1.0): {'met' if ratio >= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
