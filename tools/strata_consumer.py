#!/usr/bin/env python3
"""An example consumer of a Strata consumer group: poll, handle, acknowledge.

    python3 tools/strata_consumer.py --url http://127.0.0.1:8080 --email mailer@example.com \\
        --password '…' --group mailer --consumer mailer-1

It signs in (a `service` account: `strata-admin users create --role service …`), then loops:
POST /v1/subscriptions/{group}/poll with a long wait, hands each message to `handle`, and
acknowledges the handled ones in one call; a message `handle` fails on is refused with `nack`
(`retry`, so it comes back, and the group parks it after `maxDeliveries`). Delivery is at least
once: `handle` must be idempotent (key its effects by the event's `id` or `position`). It signs
in again when its access token expires. Only the standard library is used.

`verify_signature` checks a pushed message's `Strata-Signature` the way a webhook receiver must.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.parse


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of the exact `body` bytes under `secret`."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


class GroupConsumer:
    """A consumer of one group on one server, over plain HTTP/1.1 keep-alive connections."""

    def __init__(self, url, group, consumer, email=None, password=None, token=None):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.group, self.consumer = group, consumer
        self.email, self.password, self.token = email, password, token
        self.connection = None

    def _call(self, method, path, body=None, timeout=40):
        for attempt in range(2):
            if self.token is None:
                self._sign_in()
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            headers = {"Authorization": f"Bearer {self.token}"}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
                continue
            if response.status == 401 and self.email and attempt == 0:
                self.token = None  # expired: sign in again and repeat
                continue
            return response.status, (json.loads(data) if data else None)
        return response.status, None

    def _sign_in(self):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", "/v1/sessions", body=json.dumps({"email": self.email, "password": self.password}),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            body = json.loads(response.read() or b"{}")
            if response.status != 200:
                raise RuntimeError(f"sign-in: {response.status} {body}")
            self.token = body["accessToken"]
        finally:
            connection.close()

    def poll(self, max_messages=100, wait_seconds=20):
        status, body = self._call("POST", f"/v1/subscriptions/{self.group}/poll",
                                  {"consumer": self.consumer, "max": max_messages, "waitSeconds": wait_seconds})
        if status != 200:
            raise RuntimeError(f"poll: {status} {body}")
        return body["messages"]

    def ack(self, ack_ids):
        """Acknowledges; returns the ids the server refused (unknown or expired: they come back)."""
        if not ack_ids:
            return []
        status, body = self._call("POST", f"/v1/subscriptions/{self.group}/ack", {"ackIds": ack_ids})
        if status == 204:
            return []
        if status == 409:
            return [ack_id for ack_id in ack_ids if ack_id in (body or {}).get("detail", "")]
        raise RuntimeError(f"ack: {status} {body}")

    def nack(self, ack_ids, action="retry", reason=None):
        body = {"ackIds": ack_ids, "action": action}
        if reason:
            body["reason"] = reason[:1000]
        status, answer = self._call("POST", f"/v1/subscriptions/{self.group}/nack", body)
        if status not in (204, 409):
            raise RuntimeError(f"nack: {status} {answer}")

    def run(self, handle, max_messages=100, wait_seconds=20, stop=lambda: False):
        """Polls and handles until `stop()` is true."""
        while not stop():
            messages = self.poll(max_messages, wait_seconds)
            handled = []
            for message in messages:
                try:
                    handle(message["event"])
                    handled.append(message["ackId"])
                except Exception as error:  # the message comes back, then is parked
                    self.nack([message["ackId"]], "retry", f"{type(error).__name__}: {error}")
            self.ack(handled)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--consumer", required=True)
    parser.add_argument("--max", type=int, default=100)
    args = parser.parse_args()
    consumer = GroupConsumer(args.url, args.group, args.consumer, args.email, args.password)

    def handle(event):
        print(f"{event['position']:>10} {event['type']:<24} {event['streamId']}", flush=True)

    try:
        consumer.run(handle, max_messages=args.max)
    except KeyboardInterrupt:
        time.sleep(0)
        sys.exit(0)


if __name__ == "__main__":
    main()
