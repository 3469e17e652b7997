#!/usr/bin/env python3
"""Fuzz strata-server against docs/openapi.yaml with schemathesis, as a customer and as an admin.

Starts the server on a fresh data directory, seeds a product and an order, and runs schemathesis
once per role, every phase: the stateful one chains real ids along the document's OpenAPI links
(create a product, order it, pay, cancel, ship; sign up, sign in, refresh), and a pass whose
stateful phase ran no scenario fails. The checks are the ones the proof asks for: no 5xx,
responses (status, content type, headers, body) conform to the document, every status is
documented, invalid input is refused. The operations that deactivate or erase users run last, each
on a fresh server of its own (they may disable the caller); the endless SSE feed is left to the
live-server tests.

Usage: fuzz.py --server BIN --schemathesis BIN [--examples N] [--seed N] [--min-cases N]
  --examples is per operation and role (40 gives about 4,000 cases a pass); --min-cases repeats
  the customer and admin passes with the following seeds until that many cases have run.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_client import ADMIN_EMAIL, ADMIN_PASSWORD, Client, Server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
])


def schemathesis(binary, port, token, examples, seed, extra, report):
    command = [
        binary, "--config-file", os.path.join(ROOT, "tools", "schemathesis.toml"), "run", os.path.join(ROOT, "docs", "openapi.yaml"),
        "--url", f"http://127.0.0.1:{port}",
        "--checks", CHECKS,
        "--max-examples", str(examples),
        "--seed", str(seed),
        # One worker: with two, schemathesis itself crashed once in CI ("SystemError: AST
        # constructor recursion depth mismatch", CPython 3.11 compiling from two threads).
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        "--suppress-health-check", "all",
        "--no-color",
        "--report", "junit", "--report-junit-path", report,
    ] + extra
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    print("$ " + " ".join(c if "Bearer" not in c else "Authorization: Bearer …" for c in command), flush=True)
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(run.stdout, flush=True)
    generated = re.search(r"(\d+) generated", run.stdout)
    scenarios = re.search(r"Scenarios:\s+(\d+)", run.stdout)
    return run.returncode, int(generated.group(1)) if generated else 0, int(scenarios.group(1)) if scenarios else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--schemathesis", required=True)
    parser.add_argument("--examples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--min-cases", type=int, default=0,
                        help="repeat the customer and admin passes with the next seeds until this many cases ran")
    args = parser.parse_args()
    workspace = tempfile.mkdtemp(prefix="strata-fuzz-")
    server = Server(args.server, os.path.join(workspace, "data"), env={"STRATA_CONSISTENCY_WAIT": "0.05"}).start()
    failed = False
    try:
        anonymous = Client(server.port)
        admin = anonymous.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        status, _, product = admin.request("POST", "/v1/products", {"sku": "FUZZ-1", "name": "Fuzz", "priceCents": 100, "stock": 1000000})
        assert status == 201, product
        anonymous.request("POST", "/v1/users", {"name": "Fuzzy", "email": "fuzzy@example.com", "password": "fuzzy password"})
        customer = anonymous.sign_in("fuzzy@example.com", "fuzzy password")
        customer.request("POST", "/v1/orders", {"items": [{"productId": product["id"], "quantity": 1}]})
        # Erasing or deactivating its own caller would end a run early: those go last, apart.
        destructive = ["eraseMe", "eraseUser", "deactivateUser"]
        excluded = ["--exclude-operation-id", "liveEvents"]
        for name in destructive:
            excluded += ["--exclude-operation-id", name]
        total = 0
        runs = [("customer", customer.token, excluded), ("admin", admin.token, excluded)]
        seed = args.seed
        while True:
            for role, token, extra in runs:
                print(f"== fuzzing as {role}, seed {seed}", flush=True)
                code, generated, scenarios = schemathesis(args.schemathesis, server.port, token, args.examples, seed, extra,
                                                          os.path.join(workspace, f"{role}-{seed}.xml"))
                if scenarios == 0:
                    print(f"the stateful phase ran no scenario as {role}: are the OpenAPI links intact?")
                    code = code or 1
                failed = failed or code != 0
                total += generated
            seed += 1
            if failed or total >= args.min_cases:
                break
        # Each destructive operation on a server of its own: one that deactivates or erases the
        # admin would otherwise leave the next one nothing but 401s.
        for name in destructive:
            fresh = Server(args.server, os.path.join(workspace, f"data-{name}"), env={"STRATA_CONSISTENCY_WAIT": "0.05"}).start()
            try:
                client = Client(fresh.port)
                client.request("POST", "/v1/users", {"name": "Throwaway", "email": "t@example.com", "password": "throwaway password"})
                roles = [("a throwaway customer", client.sign_in("t@example.com", "throwaway password").token)]
                if name != "eraseMe":
                    roles.append(("the admin", client.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).token))
                for role, token in roles:
                    print(f"== fuzzing {name} as {role}", flush=True)
                    # One operation alone has no links to follow: no stateful phase.
                    code, generated, _ = schemathesis(args.schemathesis, fresh.port, token, args.examples, args.seed,
                                                   ["--include-operation-id", name, "--phases", "examples,coverage,fuzzing"],
                                                   os.path.join(workspace, f"{name}.xml"))
                    failed = failed or code != 0
                    total += generated
                if fresh.process.poll() is not None:
                    print(f"the server died while fuzzing {name}")
                    failed = True
            finally:
                if fresh.process.poll() is None:
                    fresh.stop()
        if server.process.poll() is not None:
            print("the server died during the run")
            failed = True
        print(f"fuzz: {total} test cases generated; {'FAILED' if failed else 'passed'}")
        return 1 if failed else 0
    finally:
        if server.process.poll() is None:
            server.stop()
        if failed:
            print(f"workspace kept at {workspace} (server log: {server.log_path})")
        else:
            shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
