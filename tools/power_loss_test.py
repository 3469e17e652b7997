#!/usr/bin/env python3
"""Power-loss test: cut the power under strata-server while clients place and cancel orders.

kill -9 keeps the page cache, so the crash test cannot tell a synced write from an unsynced one.
Here the server runs with a power-loss model preloaded (tools/powerloss/shim.c): for each LMDB
data file it keeps what the disk holds as of the last fdatasync/fsync, and a journal of every
write since. Each round kills the server at a random moment, then builds the directory a power cut
would leave — the synced image, with the writes made through O_DSYNC descriptors and a random part
of the other unsynced writes applied in order — restarts the server on it and checks, as the
crash test does (tools/crash_test.py):

  * every order that got a 201 exists with its lines; every cancellation that got a 200 holds;
  * stock + units held by open orders == the initial stock, for each product;
  * `strata-admin verify` is clean; the async sales projection catches up and agrees.

With --lying-disk the model reports every sync as done but never makes anything durable (a disk
that lies about its cache): the test must then fail, which shows that it can.

Exit 0 when every round passes, 1 on the first violation (named).
Usage: power_loss_test.py --server BIN --admin BIN --shim LIB [--rounds 5] [--clients 16] [--seed N]
"""

import argparse
import os
import random
import shutil
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_test import Ledger, check, load_then_kill, seed  # noqa: E402
from strata_client import ADMIN_EMAIL, ADMIN_PASSWORD, Client, Server  # noqa: E402


def pending_writes(path):
    """The journal's writes, in order: (sequence, offset, durable, bytes)."""
    writes = []
    with open(path, "rb") as journal:
        data = journal.read()
    at = 0
    while at + 25 <= len(data):
        sequence, offset, length = struct.unpack_from("<QQQ", data, at)
        durable = data[at + 24] == 1
        writes.append((sequence, offset, durable, data[at + 25:at + 25 + length]))
        at += 25 + length
    return writes


def cut_power(data_dir, model_dir, rng, lying):
    """Rewrites each modelled data file of `data_dir` as the disk would hold it after a power cut.
    Returns how many unsynced writes were dropped and kept."""
    dropped = kept = 0
    for entry in sorted(os.listdir(model_dir)):
        if not entry.endswith(".durable"):
            continue
        name = entry[: -len(".durable")]
        target = os.path.join(data_dir, name.replace("%", "/"))
        with open(os.path.join(model_dir, entry), "rb") as durable:
            image = bytearray(durable.read())
        for _, offset, is_durable, data in pending_writes(os.path.join(model_dir, name + ".pending")):
            if not is_durable and (lying or rng.random() < 0.5):
                dropped += 1
                continue
            kept += 1
            if len(image) < offset + len(data):
                image.extend(b"\0" * (offset + len(data) - len(image)))
            image[offset:offset + len(data)] = data
        with open(target, "wb") as out:
            out.write(image)
    return dropped, kept


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--shim", required=True, help="the built tools/powerloss/shim.c")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--lying-disk", action="store_true", help="syncs make nothing durable: the test must fail")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workspace = tempfile.mkdtemp(prefix="strata-power-")
    data_dir = os.path.join(workspace, "data")
    model_dir = os.path.join(workspace, "model")
    os.makedirs(data_dir)
    env = {"LD_PRELOAD": os.path.abspath(args.shim), "STRATA_POWERLOSS_ROOT": data_dir, "STRATA_POWERLOSS_DIR": model_dir}
    if args.lying_disk:
        env["STRATA_POWERLOSS_LIE"] = "1"
    print(f"power-loss test: {args.rounds} rounds, {args.clients} clients, seed {args.seed}{', lying disk' if args.lying_disk else ''}")
    server = Server(args.server, data_dir, env=env)

    def start():
        shutil.rmtree(model_dir, ignore_errors=True)
        os.makedirs(model_dir)
        server.start()

    try:
        start()
        products, customers = seed(server, "POWER")
        # The setup is made durable by a clean stop, so every round starts from an image that holds it.
        server.stop()
        start()
        ledger = Ledger()
        for round_number in range(1, args.rounds + 1):
            load_then_kill(server, customers, products, ledger, args.clients, rng, 0.5, 2.0)
            dropped, kept = cut_power(data_dir, model_dir, rng, args.lying_disk)
            try:
                start()
            except RuntimeError as error:
                print(f"round {round_number}: the server did not start after the power cut: {error}")
                args.keep = True
                return 1
            admin = Client(server.port).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            failures, count = check(server, args.admin, admin, products, ledger, round_number)
            print(f"round {round_number}: {len(ledger.orders)} orders acknowledged, {len(ledger.cancelled)} cancellations, "
                  f"{count} orders in the store; power cut dropped {dropped} unsynced writes, kept {kept}: "
                  f"{'ok' if not failures else 'FAILED'}", flush=True)
            if failures:
                for failure in failures[:10]:
                    print("  " + failure)
                print(f"data directory kept at {data_dir}; server log {server.log_path}")
                args.keep = True
                return 1
        print(f"power-loss test passed: {args.rounds} rounds of power cuts")
        return 0
    finally:
        if server.process and server.process.poll() is None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
