#!/usr/bin/env python3
"""P9 alone, builds alternating: orders/s with one and with N servers on one PostgreSQL database.

For each round, each binary in turn (A B, then B A, …, so that neither always runs first on a
machine whose speed drifts) runs `bench_http.measure_servers` — the function `make bench-http`
uses for P9 — on fresh databases of one throwaway cluster: one server with its own wrk and all the
connections, then N servers with a wrk each and an equal share. Prints each run and each binary's
means.

Usage: bench_servers.py BIN [BIN …] [--rounds 2] [--servers 3] [--seconds 10] [--connections 64] [--products 1000]
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_http import PostgresCluster, measure_servers  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+", help="strata-server binaries to compare")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--products", type=int, default=1000)
    args = parser.parse_args()
    args.profile = None
    runs = {binary: [] for binary in args.binaries}
    with PostgresCluster(tempfile.mkdtemp(prefix="strata-bench-servers-")) as cluster:
        number = 0
        for round_index in range(args.rounds):
            order = args.binaries if round_index % 2 == 0 else list(reversed(args.binaries))
            for binary in order:
                figures = {}
                with tempfile.TemporaryDirectory(prefix="strata-bench-servers-") as workspace:
                    for count in (1, args.servers):
                        number += 1
                        cluster.psql(f"CREATE DATABASE p9_{number}")
                        figures[count] = measure_servers(binary, workspace, args, cluster.url(f"p9_{number}"), count)
                one, many = figures[1], figures[args.servers]
                runs[binary].append((one["orders_per_second"], many["orders_per_second"]))
                print(f"{binary}: 1 server {one['orders_per_second']:,.0f}/s ({one['server_cpu_us_per_order']:.0f} + "
                      f"{one['database_cpu_us_per_order']:.0f} µs CPU per order), {args.servers} servers "
                      f"{many['orders_per_second']:,.0f}/s ({many['server_cpu_us_per_order']:.0f} + {many['database_cpu_us_per_order']:.0f} µs): "
                      f"{many['orders_per_second'] / one['orders_per_second']:.2f}×", flush=True)
    print()
    print(f"| binary | 1 server orders/s (mean) | {args.servers} servers orders/s (mean) | {args.servers} ÷ 1 |")
    print("|---|---:|---:|---:|")
    for binary, pairs in runs.items():
        one = sum(pair[0] for pair in pairs) / len(pairs)
        many = sum(pair[1] for pair in pairs) / len(pairs)
        print(f"| {binary} | {one:,.0f} | {many:,.0f} | {many / one:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
