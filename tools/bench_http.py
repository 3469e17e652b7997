#!/usr/bin/env python3
"""HTTP load benchmark: strata-server against a minimal Hummingbird server and PostgreSQL, in one run.

Every wrk load runs for the same duration with the same connection count (64), on loopback:
  1. POST /v1/orders on strata-server (signed-in customers, products spread over many ids) —
     orders/s (201 answers only) and p50/p99 latency;
  2. cached GET /v1/products/{id} on strata-server — requests/s and p99;
  3. the baseline server (tools/http-baseline): a GET answering ~100 bytes of JSON and a POST
     decoding a small JSON body and answering 201;
  4. PostgreSQL (a throwaway cluster on a loopback port, fsync on) appending one event per
     transaction to an events table with a unique (stream, version) constraint, driven by
     pgbench with 16 clients;
  5. loads 1 and 2 again with strata-server keeping everything in a database of that cluster
     (STRATA_POSTGRES_URL) — the server and PostgreSQL share the machine's cores.
Then it prints each figure and the ratios of the goals, the server's resident memory after the
load, and bytes on disk per event.

Usage: bench_http.py --server BIN --baseline BIN [--seconds 10] [--connections 64] [--before BIN] [--profile DIR]
                     [--lmdb-only] [--otel [--otel-sample 0.1]]

With --lmdb-only (`make bench-orders`), only loads 1–3 run: the fast loop for the order path.

With --before, the strata loads also run on an earlier build in the same run, and the figures are
printed side by side.

With --otel, --server runs with tracing on, exporting to an OTLP/HTTP sink in this process (every
trace sampled, or the share --otel-sample gives); --before the same binary compares on with off.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_client import ADMIN_EMAIL, ADMIN_PASSWORD, Client, Server, free_port  # noqa: E402

PG_BIN = "/usr/lib/postgresql/15/bin"


def wrk_seconds(output):
    """How long wrk's load ran: it writes "in 10.01s", or "in 1.00m" from a minute on."""
    took = re.search(r"requests in ([\d.]+)(m?)s?,", output)
    return float(took.group(1)) * (60 if took.group(2) else 1)


def wrk(url, seconds, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    duration = wrk_seconds(output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    ok = requests - (int(non2xx.group(1)) if non2xx else 0)
    return {
        "requests_per_second": requests / duration,
        "ok_per_second": ok / duration,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
    }


def write_lua(path, lines):
    with open(path, "w") as handle:
        handle.write(lines)


def post_script(path, tokens, products):
    token_list = ",".join(json.dumps(t) for t in tokens)
    product_list = ",".join(json.dumps(p) for p in products)
    write_lua(path, f"""
local tokens = {{{token_list}}}
local products = {{{product_list}}}
local counter = 0
request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local product = products[math.random(#products)]
  local body = '{{"items":[{{"productId":"' .. product .. '","quantity":1}}]}}'
  return wrk.format("POST", "/v1/orders", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}}, body)
end
""")


def baseline_post_script(path):
    write_lua(path, """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"items":[{"productId":"01a2110e-f8ab-705f-8563-2ef7841fc851","quantity":1}]}'
""")


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def caught_up(admin, limit=120):
    """Waits until every projection's lag is 0; returns the seconds it took."""
    started = time.time()
    while time.time() - started < limit:
        status, _, projections = admin.request("GET", "/v1/admin/projections")
        if status == 200 and all(projection["lag"] == 0 for projection in projections):
            break
        time.sleep(0.2)
    return time.time() - started


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds():
    """User + system CPU time every PostgreSQL process on the machine has used so far."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as comm:
                    if comm.read().strip() != "postgres":
                        continue
                total += cpu_seconds(int(pid))
            except OSError:
                continue
    return total


class profiled:
    """With --profile DIR: `perf record -g` of the server for the duration of the block, into DIR/NAME.data."""

    def __init__(self, args, pid, name):
        self.command = None
        if args.profile:
            os.makedirs(args.profile, exist_ok=True)
            self.command = ["perf", "record", "-g", "-F", "499", "-p", str(pid), "-o", os.path.join(args.profile, f"{name}.data")]

    def __enter__(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if self.command else None
        return self

    def __exit__(self, *_):
        if self.process:
            self.process.send_signal(2)
            self.process.wait()


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a loopback port (fsync and synchronous commit on)."""

    def __init__(self, workspace):
        self.workspace = workspace
        self.data = os.path.join(workspace, "pg")
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def __enter__(self):
        os.makedirs(self.data)
        if os.geteuid() == 0:
            shutil.chown(self.workspace, "postgres")
            shutil.chown(self.data, "postgres")
        subprocess.run(self.as_postgres + [f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres"], check=True, capture_output=True)
        log = os.path.join(self.workspace, "pg.log")
        subprocess.run(self.as_postgres + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", log, "-w", "-o",
                                           f"-p {self.port} -k {self.workspace} -c listen_addresses=127.0.0.1 -c fsync=on "
                                           "-c synchronous_commit=on -c max_connections=100 -c shared_buffers=256MB", "start"],
                       check=True, capture_output=True)
        return self

    def __exit__(self, *_):
        subprocess.run(self.as_postgres + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(self.workspace, ignore_errors=True)

    def psql(self, sql, database="postgres"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", database, "-c", sql], check=True, capture_output=True)

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def pgbench(cluster, seconds):
    """Events/s of PostgreSQL appending one event per transaction, pgbench with 16 clients."""
    cluster.psql("CREATE DATABASE pgbench")
    cluster.psql("""
        CREATE TABLE events (
          position bigserial PRIMARY KEY,
          stream text NOT NULL,
          version integer NOT NULL,
          type text NOT NULL,
          data jsonb NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          UNIQUE (stream, version)
        );""", database="pgbench")
    script = os.path.join(cluster.workspace, "append.sql")
    with open(script, "w") as handle:
        handle.write(
            "INSERT INTO events (stream, version, type, data) "
            "SELECT 'order-' || :client_id, coalesce(max(version), 0) + 1, 'OrderPlaced', "
            "'{\"items\":[{\"productId\":\"01a2110e-f8ab-705f-8563-2ef7841fc851\",\"quantity\":1}]}'::jsonb "
            "FROM events WHERE stream = 'order-' || :client_id;\n")
    output = subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-n", "-c", "16", "-j", "2",
                             "-T", str(seconds), "-f", script, "pgbench"], capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", output).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    return {"events_per_second": tps, "latency_average_ms": float(latency.group(1)) if latency else None}


def seed(anonymous, args, prefix):
    """Signs the admin in, makes args.products products and args.connections signed-in customers;
    returns the admin, the product ids and the customers' tokens."""
    admin = anonymous.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    products = []
    for index in range(args.products):
        status, _, product = admin.request("POST", "/v1/products", {"sku": f"{prefix.upper()}-{index:05d}", "name": f"Bench {index}",
                                                                    "priceCents": 100, "stock": 1000000})
        assert status == 201, product
        products.append(product["id"])
    tokens = []
    for index in range(args.connections):
        email = f"{prefix}{index}@example.com"
        anonymous.request("POST", "/v1/users", {"name": f"Bench {index}", "email": email, "password": "bench password"})
        tokens.append(anonymous.sign_in(email, "bench password").token)
    return admin, products, tokens


def otlp_sink():
    """An OTLP/HTTP receiver that takes every export and answers 200 (counting them)."""
    import http.server
    import threading

    class Sink(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            self.rfile.read(length)
            self.server.exports += 1
            self.server.bytes += length
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    server.exports, server.bytes = 0, 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure_strata(binary, data_dir, args, label="", postgres_url=None, extra_env=None):
    """The order and cached-GET loads on one strata-server binary, on a fresh data directory (or
    a fresh PostgreSQL database)."""
    results = {}
    env = {"STRATA_LOG_LEVEL": "error", **(extra_env or {})}
    if postgres_url:
        env["STRATA_POSTGRES_URL"] = postgres_url
    server = Server(binary, data_dir, env=env).start()
    try:
        anonymous = Client(server.port)
        admin, products, tokens = seed(anonymous, args, "bench")
        post_lua = os.path.join(os.path.dirname(data_dir), os.path.basename(data_dir) + "-post.lua")
        post_script(post_lua, tokens, products)
        base = f"http://127.0.0.1:{server.port}"
        print(f"{label}strata POST /v1/orders: {args.seconds} s, {args.connections} connections …", flush=True)
        before = cpu_seconds(server.process.pid)
        with profiled(args, server.process.pid, f"{label.strip(': ') or 'after'}-orders"):
            results["strata_post"] = wrk(base + "/v1/orders", args.seconds, args.connections, post_lua)
        orders = results["strata_post"]["requests_per_second"] * args.seconds
        results["strata_post"]["server_cpu_us_per_order"] = (cpu_seconds(server.process.pid) - before) / max(1, orders) * 1e6
        # The async projections catch up with the orders first: the GET load measures the cache,
        # not the cache beside the background work the order load left.
        results["catch_up_seconds"] = caught_up(admin)
        anonymous.request("GET", f"/v1/products/{products[0]}")
        print(f"{label}strata cached GET /v1/products/{{id}} …", flush=True)
        with profiled(args, server.process.pid, f"{label.strip(': ') or 'after'}-get"):
            results["strata_get"] = wrk(base + f"/v1/products/{products[0]}", args.seconds, args.connections)
        results["strata_rss_kib"] = resident_kib(server.process.pid)
        where = ["--postgres-url", postgres_url] if postgres_url else ["--data-dir", server.data_dir]
        admin_binary = os.path.join(os.path.dirname(binary), "strata-admin")
        store = subprocess.run([admin_binary] + where + ["--json", "stats"], capture_output=True, text=True) \
            if os.path.exists(admin_binary) else None
        if store and store.returncode == 0:
            report = json.loads(store.stdout)["store"]
            results["store_events"] = report["events"]
            results["store_used_bytes"] = report["usedBytes"]
            results["store_bytes_per_event"] = report["usedBytes"] / max(1, report["events"])
    finally:
        server.stop()
    return results


def measure_servers(binary, workspace, args, postgres_url, count):
    """Orders/s with `count` servers on one PostgreSQL database, each driven by its own wrk with
    an equal share of the connections, in parallel; the sum of their 201s per second (P9)."""
    env = {"STRATA_LOG_LEVEL": "error", "STRATA_POSTGRES_URL": postgres_url}
    servers = [Server(binary, os.path.join(workspace, f"servers-{count}-{index}"), env=env).start() for index in range(count)]
    try:
        _, products, tokens = seed(Client(servers[0].port), args, f"p9-{count}")
        lua = os.path.join(workspace, f"servers-{count}-post.lua")
        post_script(lua, tokens, products)
        share = max(1, args.connections // count)
        print(f"PostgreSQL, {count} server(s): POST /v1/orders, {share} connections each …", flush=True)
        servers_cpu, database_cpu = sum(cpu_seconds(server.process.pid) for server in servers), database_cpu_seconds()
        loads = [subprocess.Popen(["wrk", "-t1", f"-c{share}", f"-d{args.seconds}s", "--timeout", "10s", "-s", lua,
                                   f"http://127.0.0.1:{server.port}/v1/orders"], stdout=subprocess.PIPE, text=True)
                 for server in servers]
        total = 0.0
        for load in loads:
            output, _ = load.communicate()
            requests = int(re.search(r"(\d+) requests in", output).group(1))
            duration = wrk_seconds(output)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            total += (requests - (int(non2xx.group(1)) if non2xx else 0)) / duration
        orders = max(1.0, total * args.seconds)
        servers_cpu = sum(cpu_seconds(server.process.pid) for server in servers) - servers_cpu
        database_cpu = database_cpu_seconds() - database_cpu
        return {"servers": count, "orders_per_second": total,
                "server_cpu_us_per_order": servers_cpu / orders * 1e6, "database_cpu_us_per_order": database_cpu / orders * 1e6}
    finally:
        for server in servers:
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--servers", type=int, default=3, help="also measure orders/s with one and with this many servers "
                                                                 "on one PostgreSQL database (P9); 1 skips it")
    parser.add_argument("--before", help="another strata-server binary (an earlier commit) to measure in the same run")
    parser.add_argument("--lmdb-only", action="store_true", help="only the LMDB order and cached-GET loads and the baseline "
                                                                   "(make bench-orders): no PostgreSQL, no P9")
    parser.add_argument("--profile", help="record the server with `perf record -g` during each strata load into this folder "
                                          "(tools/flamegraph.py draws them)")
    parser.add_argument("--otel", action="store_true", help="run --server with tracing on, exporting OTLP/HTTP to a sink "
                                                             "in this process (with --before the same binary: tracing on vs off)")
    parser.add_argument("--otel-sample", type=float, default=1.0,
                        help="with --otel, the share of traces sampled (OTEL_TRACES_SAMPLER=parentbased_traceidratio); "
                             "1 (every request) by default")
    args = parser.parse_args()
    workspace = tempfile.mkdtemp(prefix="strata-bench-http-")
    results = {"seconds": args.seconds, "connections": args.connections}
    try:
        traced = {}
        if args.otel:
            sink = otlp_sink()
            traced = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink.server_port}"}
            if args.otel_sample < 1:
                traced.update({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": str(args.otel_sample)})
            results["otel_sample"] = args.otel_sample
            print(f"tracing on ({args.otel_sample:.0%} of traces sampled): OTLP/HTTP to a sink on port {sink.server_port}", flush=True)
        results.update(measure_strata(args.server, os.path.join(workspace, "data"), args, extra_env=traced))
        if args.otel:
            results["otlp_exports"], results["otlp_bytes"] = sink.exports, sink.bytes
            print(f"the sink received {sink.exports} exports, {sink.bytes / 2**20:.1f} MiB", flush=True)
        if args.before:
            before = measure_strata(args.before, os.path.join(workspace, "before"), args, label="before: ")
            results["before"] = before
        baseline_port = free_port()
        baseline = subprocess.Popen([args.baseline, str(baseline_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    if Client(baseline_port).request("GET", "/item", timeout=1)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            lua = os.path.join(workspace, "baseline_post.lua")
            baseline_post_script(lua)
            print("baseline POST /orders …", flush=True)
            results["baseline_post"] = wrk(f"http://127.0.0.1:{baseline_port}/orders", args.seconds, args.connections, lua)
            print("baseline GET /item …", flush=True)
            results["baseline_get"] = wrk(f"http://127.0.0.1:{baseline_port}/item", args.seconds, args.connections)
        finally:
            baseline.terminate()
            baseline.wait()
        if not args.lmdb_only:
            with PostgresCluster(tempfile.mkdtemp(prefix="strata-bench-pg-")) as cluster:
                print("PostgreSQL: pgbench, 16 clients, one event per transaction …", flush=True)
                results["postgres"] = pgbench(cluster, args.seconds)
                cluster.psql("CREATE DATABASE strata")
                results["on_postgres"] = measure_strata(args.server, os.path.join(workspace, "pgdata"), args, label="on PostgreSQL: ",
                                                        postgres_url=cluster.url("strata"))
                if args.servers > 1:
                    for count in (1, args.servers):
                        cluster.psql(f"CREATE DATABASE strata_p9_{count}")
                        results[f"servers_{count}"] = measure_servers(args.server, workspace, args, cluster.url(f"strata_p9_{count}"), count)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)

    post, get = results["strata_post"], results["strata_get"]
    base_post, base_get, pg = results["baseline_post"], results["baseline_get"], results.get("postgres")
    ratios = {
        "orders_vs_baseline_post": post["ok_per_second"] / base_post["ok_per_second"],
        "cached_get_vs_baseline_get": get["ok_per_second"] / base_get["ok_per_second"],
        "order_p99_vs_baseline_post_p99": post["p99_ms"] / base_post["p99_ms"] if post["p99_ms"] and base_post["p99_ms"] else None,
    }
    goals = {"orders_vs_baseline_post": (">=", 0.5), "cached_get_vs_baseline_get": (">=", 0.9),
             "order_p99_vs_baseline_post_p99": ("<=", 2.0)}
    if pg:
        ratios["orders_vs_postgres"] = post["ok_per_second"] / pg["events_per_second"]
        ratios["postgres_orders_vs_pgbench"] = results["on_postgres"]["strata_post"]["ok_per_second"] / pg["events_per_second"]
        goals["orders_vs_postgres"] = (">=", 2.0)
        goals["postgres_orders_vs_pgbench"] = (">=", 1.0)
    results["ratios"] = ratios
    print()
    print(f"| load | per second | p50 ms | p99 ms | non-2xx |")
    print(f"|---|---|---|---|---|")
    for name, figures in (("strata POST /v1/orders (201s)", post), ("strata cached GET /v1/products/{id}", get),
                          ("baseline POST (201s)", base_post), ("baseline GET", base_get)):
        print(f"| {name} | {figures['ok_per_second']:,.0f} | {figures['p50_ms']} | {figures['p99_ms']} | {figures['non_2xx']} |")
    if pg:
        on_pg = results["on_postgres"]
        for name, figures in (("strata on PostgreSQL POST /v1/orders (201s)", on_pg["strata_post"]),
                              ("strata on PostgreSQL cached GET /v1/products/{id}", on_pg["strata_get"])):
            print(f"| {name} | {figures['ok_per_second']:,.0f} | {figures['p50_ms']} | {figures['p99_ms']} | {figures['non_2xx']} |")
        print(f"| PostgreSQL appends (pgbench, 16 clients) | {pg['events_per_second']:,.0f} | avg {pg['latency_average_ms']} | | |")
    if f"servers_{args.servers}" in results:
        one, many = results["servers_1"]["orders_per_second"], results[f"servers_{args.servers}"]["orders_per_second"]
        print()
        print(f"P9, orders/s on one PostgreSQL database: 1 server {one:,.0f}, {args.servers} servers {many:,.0f} "
              f"({many / one:.2f}×; goal ≥ 1: {'met' if many >= one else 'MISSED'})")
    print()
    for name, (direction, goal) in goals.items():
        value = ratios[name]
        met = value is not None and (value >= goal if direction == ">=" else value <= goal)
        print(f"{name}: {value:.2f} (goal {direction} {goal}): {'met' if met else 'MISSED'}")
    if "before" in results:
        before = results["before"]
        print()
        print("| before → after (same run) | before | after | after / before |")
        print("|---|---|---|---|")
        for name, key in (("orders/s", "strata_post"), ("cached GET/s", "strata_get")):
            was, now = before[key]["ok_per_second"], results[key]["ok_per_second"]
            print(f"| {name} | {was:,.0f} | {now:,.0f} | {now / was:.2f} |")
        for name, key in (("order p99 ms", "strata_post"), ("cached GET p99 ms", "strata_get")):
            print(f"| {name} | {before[key]['p99_ms']} | {results[key]['p99_ms']} | |")
        print(f"| orders vs baseline POST | {before['strata_post']['ok_per_second'] / base_post['ok_per_second']:.2f} | {ratios['orders_vs_baseline_post']:.2f} | |")
        print(f"| cached GET vs baseline GET | {before['strata_get']['ok_per_second'] / base_get['ok_per_second']:.2f} | {ratios['cached_get_vs_baseline_get']:.2f} | |")
    print(f"strata-server CPU per order: {post['server_cpu_us_per_order']:.0f} µs"
          + (f" (before: {results['before']['strata_post']['server_cpu_us_per_order']:.0f} µs)" if "before" in results else ""))
    print(f"strata-server resident memory after the load: {results['strata_rss_kib'] / 1024:.0f} MiB")
    if "store_bytes_per_event" in results:
        print(f"store: {results['store_events']} events, {results['store_used_bytes']} bytes used, {results['store_bytes_per_event']:.0f} bytes per event")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
