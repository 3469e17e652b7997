#!/usr/bin/env python3
"""Three strata-servers on one PostgreSQL database behind nginx, as `make cluster` starts them
(tools/cluster/run.sh), tried the way clients and operators would:

  1. 64 buyers through nginx race for 40 units: exactly 40 orders, stock 0 on every server;
  2. the live feed through nginx carries an event appended on another server (no buffering);
  3. a cached view on one server follows a PATCH made on another: at once with the PATCH's
     Strata-Min-Position, within the documented second without it;
  4. an Idempotency-Key retried on another server gets the first answer, replayed, one order;
  5. an online rebuild asked on one server runs once (one server logs it) and every server
     serves the rebuilt statistics, exact;
  6. a rolling restart (SIGTERM one server at a time; the cluster's supervisor starts it again)
     under load, with clients that retry once on another server (same Idempotency-Key): no
     request fails and every acknowledged order is there.

Usage: cluster_test.py --binary .build/debug/strata-server
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_client import Client, free_port  # noqa: E402

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "cluster test password"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Cluster:
    """tools/cluster/run.sh in a session of its own: PostgreSQL, three servers, nginx."""

    def __init__(self, binary, servers=3):
        self.port = listening_port()
        env = dict(os.environ, BIN=os.path.abspath(binary), SERVERS=str(servers), PORT=str(self.port),
                   STRATA_ADMIN_EMAIL=ADMIN_EMAIL, STRATA_ADMIN_PASSWORD=ADMIN_PASSWORD, STRATA_BCRYPT_COST="4")
        self.process = subprocess.Popen([os.path.join(ROOT, "tools/cluster/run.sh")], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.prefix, self.output = None, []
        deadline = time.time() + 120
        for line in self.process.stdout:
            self.output.append(line)
            found = re.match(r"==> cluster in (\S+)", line)
            if found:
                self.prefix = found.group(1)
            if line.startswith("==> nginx on"):
                break
            if time.time() > deadline:
                break
        if not self.prefix or not self.output[-1].startswith("==> nginx on"):
            self.stop()
            raise RuntimeError("the cluster did not start:\n" + "".join(self.output))
        threading.Thread(target=self._drain, daemon=True).start()
        self.count = servers

    def _drain(self):
        for line in self.process.stdout:
            self.output.append(line)

    def server_port(self, index):
        with open(os.path.join(self.prefix, f"server-{index}.port")) as file:
            return int(file.read())

    def server_pid(self, index):
        """The pid of server `index`'s current process (start.sh writes the file whole, by a rename)."""
        with open(os.path.join(self.prefix, f"server-{index}.pid")) as file:
            return int(file.read())

    def log(self, index):
        with open(os.path.join(self.prefix, f"server-{index}.log"), errors="replace") as file:
            return file.read()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def listening_port():
    """A free port below the kernel's ephemeral range, so no outgoing connection takes it first."""
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low - 1), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return free_port()


def ready(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if Client(port).request("GET", "/health/ready", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"  ok: {message}", flush=True)


def buyers(front, count, prefix):
    tokens = []
    for index in range(count):
        email = f"{prefix}{index}@example.com"
        status, _, body = front.request("POST", "/v1/users", {"name": f"Buyer {index}", "email": email, "password": "buyer password"})
        assert status == 201, (status, body)
        tokens.append(front.sign_in(email, "buyer password").token)
    return tokens


def race_through_nginx(cluster, admin, direct):
    print("1. 64 buyers through nginx, 40 units", flush=True)
    front = Client(cluster.port)
    _, _, product = admin.request("POST", "/v1/products", {"sku": "RACE-1", "name": "Race", "priceCents": 100, "stock": 40})
    tokens = buyers(front, 64, "race")
    results = []
    lock = threading.Lock()

    def buy(token):
        for _ in range(2):
            status, _, _ = Client(cluster.port, token).request("POST", "/v1/orders", {"items": [{"productId": product["id"], "quantity": 1}]})
            with lock:
                results.append(status)

    threads = [threading.Thread(target=buy, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check(results.count(201) == 40 and results.count(409) == 88, f"40 orders placed, 88 refused for stock ({sorted(set(results))})")
    for port in direct:
        _, _, seen = Client(port).request("GET", f"/v1/products/{product['id']}", headers={"Strata-Min-Position": "1"})
        check(seen["stock"] == 0, f"stock 0 on the server at {port}")


def live_feed_through_nginx(cluster, admin, direct):
    print("2. the live feed through nginx carries another server's event", flush=True)
    status, headers, _ = admin.request("GET", "/v1/products?limit=1")
    head = int(headers["strata-position"])
    connection = http.client.HTTPConnection("127.0.0.1", cluster.port, timeout=10)
    connection.request("GET", f"/v1/admin/events/live?after={head}", headers={"Authorization": f"Bearer {admin.token}"})
    response = connection.getresponse()
    check(response.status == 200, "the feed opened through nginx")
    started = time.time()
    status, _, _ = Client(direct[1], admin.token).request("POST", "/v1/products", {"sku": "FEED-1", "name": "Fed", "priceCents": 1, "stock": 1})
    assert status == 201
    seen = ""
    while "FEED-1" not in seen and time.time() - started < 5:
        seen += response.fp.readline().decode()
    connection.close()
    check("FEED-1" in seen and time.time() - started < 2, f"the event arrived within {time.time() - started:.2f} s")


def honest_caches(admin, direct):
    print("3. a cached view on one server follows a PATCH on another", flush=True)
    a, c = Client(direct[0], admin.token), Client(direct[2])
    _, _, product = a.request("POST", "/v1/products", {"sku": "CACHE-1", "name": "Before", "priceCents": 1, "stock": 1})
    path = f"/v1/products/{product['id']}"
    for _ in range(3):
        c.request("GET", path, headers={"Strata-Min-Position": "1"})
    status, headers, _ = a.request("PATCH", path, {"name": "After"})
    assert status == 200
    _, _, seen = c.request("GET", path, headers={"Strata-Min-Position": headers["strata-position"]})
    check(seen["name"] == "After", "with the PATCH's Strata-Min-Position the other server answers the new body")
    status, headers, _ = a.request("PATCH", path, {"name": "Later"})
    started = time.time()
    while c.request("GET", path)[2]["name"] != "Later" and time.time() - started < 3:
        time.sleep(0.02)
    check(time.time() - started <= 1.0, f"without it the old body lived {time.time() - started:.2f} s (≤ 1 s)")


def idempotency_across_servers(admin, direct):
    print("4. an Idempotency-Key retried on another server", flush=True)
    _, _, product = admin.request("POST", "/v1/products", {"sku": "IDEM-1", "name": "Idem", "priceCents": 5, "stock": 10})
    token = buyers(Client(direct[0]), 1, "idem")[0]
    body = {"items": [{"productId": product["id"], "quantity": 2}]}
    first = Client(direct[0], token).request("POST", "/v1/orders", body, headers={"Idempotency-Key": "k-1"})
    again = Client(direct[1], token).request("POST", "/v1/orders", body, headers={"Idempotency-Key": "k-1"})
    check(first[0] == 201 and again[0] == 201 and again[2] == first[2], "the same status and body from the other server")
    check(again[1].get("idempotent-replayed") == "true", "marked Idempotent-Replayed")
    _, _, orders = Client(direct[2], token).request("GET", "/v1/orders", headers={"Strata-Min-Position": first[1]["strata-position"]})
    check(len(orders["items"]) == 1, "one order")


def online_rebuild(cluster, admin, direct):
    print("5. an online rebuild asked on one server", flush=True)
    status, _, _ = Client(direct[1], admin.token).request("POST", "/v1/admin/projections/sales/rebuild")
    check(status == 202, "accepted")
    deadline = time.time() + 60
    while time.time() < deadline and sum(cluster.log(i).count("projection rebuilt") for i in range(1, cluster.count + 1)) == 0:
        time.sleep(0.1)
    logs = [cluster.log(i).count("projection rebuilt") for i in range(1, cluster.count + 1)]
    check(logs == [0, 1, 0], f"rebuilt once, by the server asked (logs {logs})")
    _, headers, _ = admin.request("GET", "/v1/products?limit=1")
    totals = []
    for port in direct:
        _, _, sales = Client(port, admin.token).request("GET", "/v1/stats/sales", headers={"Strata-Min-Position": headers["strata-position"]})
        totals.append(sales["ordersPlaced"])
    check(totals == [41, 41, 41], f"every server serves the rebuilt statistics: {totals} orders placed")


def rolling_restart(cluster, admin, direct):
    print("6. a rolling restart under load", flush=True)
    _, _, product = admin.request("POST", "/v1/products", {"sku": "ROLL-1", "name": "Roll", "priceCents": 1, "stock": 1000000})
    tokens = buyers(Client(direct[0]), 12, "roll")
    stop = threading.Event()
    acknowledged, failures, retries = [], [], [0]
    lock = threading.Lock()

    def load(number, token):
        sequence = 0
        while not stop.is_set():
            sequence += 1
            key = f"roll-{number}-{sequence}"
            first = (number + sequence) % len(direct)
            outcome = None
            for attempt in range(2):
                port = direct[(first + attempt) % len(direct)]
                try:
                    status, _, body = Client(port, token).request("POST", "/v1/orders", {"items": [{"productId": product["id"], "quantity": 1}]},
                                                                  headers={"Idempotency-Key": key}, timeout=15)
                except OSError as error:
                    status, body = None, str(error)
                if status == 201:
                    outcome = body["id"]
                    break
                with lock:
                    retries[0] += 1
                last = (status, body)
            with lock:
                if outcome:
                    acknowledged.append(outcome)
                else:
                    failures.append(last)

    threads = [threading.Thread(target=load, args=(number, token), daemon=True) for number, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        for index in range(1, cluster.count + 1):
            pid = cluster.server_pid(index)
            os.kill(pid, signal.SIGTERM)
            deadline = time.time() + 60
            while time.time() < deadline and cluster.server_pid(index) == pid:
                time.sleep(0.05)
            check(ready(cluster.server_port(index)), f"server {index} stopped on SIGTERM and is back")
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    check(not failures, f"no request failed ({len(acknowledged)} orders, {retries[0]} retried on another server; failures {failures[:3]})")
    check(len(set(acknowledged)) == len(acknowledged), "no order acknowledged twice")
    _, headers, _ = admin.request("GET", "/v1/products?limit=1")
    _, _, seen = Client(direct[2]).request("GET", f"/v1/products/{product['id']}", headers={"Strata-Min-Position": headers["strata-position"]})
    check(seen["stock"] == 1000000 - len(acknowledged), f"stock agrees with the {len(acknowledged)} acknowledged orders")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    cluster = Cluster(args.binary)
    try:
        direct = [cluster.server_port(index) for index in range(1, cluster.count + 1)]
        admin = Client(cluster.port).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        race_through_nginx(cluster, admin, direct)
        live_feed_through_nginx(cluster, admin, direct)
        honest_caches(admin, direct)
        idempotency_across_servers(admin, direct)
        online_rebuild(cluster, admin, direct)
        rolling_restart(cluster, admin, direct)
        print("cluster test passed", flush=True)
    except Exception:
        print("".join(cluster.output[-40:]), file=sys.stderr)
        raise
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
