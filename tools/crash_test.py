#!/usr/bin/env python3
"""Crash test: kill -9 strata-server while clients place and cancel orders, restart, check.

Each round runs concurrent clients placing orders (for a product with plenty of stock and one with
little) and cancelling some of their own, kills the server with SIGKILL at a random moment,
restarts it on the same data directory, and checks:

  * every order that got a 201 exists, with its lines; every cancellation that got a 200 holds;
  * for each product, stock + units held by orders that are not cancelled == the initial stock
    (nothing lost, nothing oversold, no half-applied order);
  * `strata-admin verify` is clean;
  * the async sales projection catches up, and counts exactly the orders that exist.

With --postgres URL (a cluster's maintenance database, as tools/with_postgres.sh gives it) the
server keeps everything in a fresh database there instead of the data directory; only the server
is killed, the database keeps running.

Exit 0 when every round passes, 1 on the first violation (named).
Usage: crash_test.py --server BIN --admin BIN [--rounds 20] [--clients 16] [--seed N] [--postgres URL]
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_client import ADMIN_EMAIL, ADMIN_PASSWORD, Client, Server  # noqa: E402

BIG_STOCK = 1_000_000
SMALL_STOCK = 60


class Ledger:
    """What clients were told: acknowledged orders and cancellations."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}        # order id -> {productId: quantity}
        self.owners = {}        # order id -> customer index
        self.cancelled = set()  # order ids whose cancellation got a 200
        self.refused = 0        # 409 insufficient_stock answers
        self.errors = []        # 5xx answers (there must be none)

    def placed(self, order_id, lines, owner):
        with self.lock:
            self.orders[order_id] = lines
            self.owners[order_id] = owner

    def own_open_orders(self, owner):
        with self.lock:
            return [o for o, who in self.owners.items() if who == owner and o not in self.cancelled]


def client_loop(port, customers, products, ledger, stop, rng_seed):
    rng = random.Random(rng_seed)
    while not stop.is_set():
        who = rng.randrange(len(customers))
        client = Client(port, customers[who])
        try:
            if rng.random() < 0.3:
                candidates = ledger.own_open_orders(who)
                if candidates:
                    order_id = rng.choice(candidates)
                    status, _, _ = client.request("POST", f"/v1/orders/{order_id}/cancel", timeout=5)
                    if status == 200:
                        with ledger.lock:
                            ledger.cancelled.add(order_id)
                    continue
            lines = {}
            if rng.random() < 0.7:
                lines[products["big"]] = rng.randint(1, 3)
            if rng.random() < 0.5 or not lines:
                lines[products["small"]] = rng.randint(1, 2)
            body = {"items": [{"productId": p, "quantity": q} for p, q in lines.items()]}
            status, _, answer = client.request("POST", "/v1/orders", body, timeout=5)
            if status == 201:
                ledger.placed(answer["id"], lines, who)
            elif status == 409:
                with ledger.lock:
                    ledger.refused += 1
            elif status >= 500:
                with ledger.lock:
                    ledger.errors.append(f"POST /v1/orders answered {status}: {answer}")
        except Exception:
            # The server was killed under us: the outcome of this request is unknown.
            if stop.is_set():
                return
            time.sleep(0.01)


def seed(server, prefix):
    """The two products (plenty of stock and little) and eight signed-in customers of a test."""
    admin = Client(server.port).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    products = {}
    for name, stock in (("big", BIG_STOCK), ("small", SMALL_STOCK)):
        status, _, product = admin.request("POST", "/v1/products",
                                           {"sku": f"{prefix}-{name}", "name": name, "priceCents": 250, "stock": stock})
        assert status == 201, product
        products[name] = product["id"]
    customers = []
    for index in range(8):
        email = f"customer{index}@example.com"
        status, _, _ = Client(server.port).request("POST", "/v1/users", {"name": f"C{index}", "email": email, "password": "password " + str(index)})
        assert status == 201
        customers.append(Client(server.port).sign_in(email, "password " + str(index)).token)
    return products, customers


def load_then_kill(server, customers, products, ledger, clients, rng, shortest, longest):
    """`clients` threads place and cancel orders for a random time, then the server is killed under them."""
    stop = threading.Event()
    threads = [threading.Thread(target=client_loop, args=(server.port, customers, products, ledger, stop, rng.random()))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(shortest, longest))
    server.kill()
    stop.set()
    for thread in threads:
        thread.join()


def all_orders(admin):
    orders, after = [], None
    while True:
        path = "/v1/orders?limit=100" + (f"&after={after}" if after else "")
        status, _, page = admin.request("GET", path)
        assert status == 200, f"GET {path}: {status}"
        orders += page["items"]
        after = page["next"]
        if not after:
            return orders


def check(server, admin_binary, admin, products, ledger, round_number):
    failures = list(ledger.errors)
    existing = {o["id"]: o for o in all_orders(admin)}
    for order_id, lines in ledger.orders.items():
        order = existing.get(order_id)
        if order is None:
            failures.append(f"acknowledged order {order_id} is missing")
            continue
        got = {item["productId"]: item["quantity"] for item in order["items"]}
        if got != lines:
            failures.append(f"order {order_id} has lines {got}, acknowledged {lines}")
        if order_id in ledger.cancelled and order["status"] != "cancelled":
            failures.append(f"order {order_id} was cancelled (200) but reads {order['status']}")
    for name, initial in (("big", BIG_STOCK), ("small", SMALL_STOCK)):
        product_id = products[name]
        status, _, product = admin.request("GET", f"/v1/products/{product_id}")
        assert status == 200
        held = sum(item["quantity"] for o in existing.values() if o["status"] != "cancelled"
                   for item in o["items"] if item["productId"] == product_id)
        if product["stock"] < 0:
            failures.append(f"{name} product stock is negative: {product['stock']}")
        if product["stock"] + held != initial:
            failures.append(f"{name} product: stock {product['stock']} + held {held} != initial {initial}")
    store = ["--postgres-url", server.env["STRATA_POSTGRES_URL"]] if "STRATA_POSTGRES_URL" in server.env else ["--data-dir", server.data_dir]
    verify = subprocess.run([admin_binary] + store + ["verify"], capture_output=True, text=True)
    if verify.returncode != 0:
        failures.append(f"strata-admin verify exited {verify.returncode}: {verify.stdout.strip()} {verify.stderr.strip()}")
    deadline = time.time() + 20
    while True:
        status, _, projections = admin.request("GET", "/v1/admin/projections")
        sales = next(p for p in projections if p["name"] == "sales")
        if sales["lag"] == 0 or time.time() > deadline:
            break
        time.sleep(0.1)
    if sales["lag"] != 0:
        failures.append(f"sales projection still {sales['lag']} events behind after 20 s")
    status, _, stats = admin.request("GET", "/v1/stats/sales", headers={"Strata-Min-Position": str(sales["position"])})
    cancelled = sum(1 for o in existing.values() if o["status"] == "cancelled")
    if status != 200 or stats["ordersPlaced"] != len(existing) or stats["ordersCancelled"] != cancelled:
        failures.append(f"sales statistics {stats} disagree with {len(existing)} orders, {cancelled} cancelled")
    return failures, len(existing)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--postgres", help="a PostgreSQL maintenance database URL: run on a fresh database there")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workspace = tempfile.mkdtemp(prefix="strata-crash-")
    data_dir = os.path.join(workspace, "data")
    env = {}
    where = f"data {data_dir}"
    if args.postgres:
        database = f"strata_crash_{args.seed}"
        subprocess.run(["psql", args.postgres, "-q", "-c", f"CREATE DATABASE {database}"], check=True)
        env["STRATA_POSTGRES_URL"] = args.postgres.rsplit("/", 1)[0] + "/" + database
        where = f"PostgreSQL database {database}"
    print(f"crash test: {args.rounds} rounds, {args.clients} clients, seed {args.seed}, {where}")
    server = Server(args.server, data_dir, env=env).start()
    try:
        products, customers = seed(server, "CRASH")
        ledger = Ledger()
        for round_number in range(1, args.rounds + 1):
            load_then_kill(server, customers, products, ledger, args.clients, rng, 0.3, 2.0)
            server.start()
            admin = Client(server.port).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            failures, count = check(server, args.admin, admin, products, ledger, round_number)
            print(f"round {round_number}: {len(ledger.orders)} orders acknowledged, {len(ledger.cancelled)} cancellations, "
                  f"{ledger.refused} refused for stock, {count} orders in the store: {'ok' if not failures else 'FAILED'}", flush=True)
            if failures:
                for failure in failures:
                    print("  " + failure)
                print(f"data directory kept at {data_dir}; server log {server.log_path}")
                args.keep = True
                return 1
        print(f"crash test passed: {args.rounds} rounds of kill -9")
        return 0
    finally:
        if server.process and server.process.poll() is None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
