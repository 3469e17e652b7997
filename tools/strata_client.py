"""A small HTTP client and server launcher shared by the harnesses in tools/ (standard library only)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin password"
JWT_SECRET = "harness-secret-harness-secret-harness-secret"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A strata-server process on a loopback port."""

    def __init__(self, binary, data_dir, port=None, env=None, log_path=None):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port or free_port()
        self.env = dict(os.environ)
        self.env.update({
            "STRATA_ADMIN_EMAIL": ADMIN_EMAIL,
            "STRATA_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "STRATA_JWT_SECRET": JWT_SECRET,
            "STRATA_BCRYPT_COST": "4",
            "STRATA_LOG_LEVEL": "warning",
        })
        self.env.update(env or {})
        self.log_path = log_path or os.path.join(data_dir + ".server.log")
        self.process = None

    def start(self, timeout=30):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--data-dir", self.data_dir, "--port", str(self.port)],
            env=self.env, stdout=log, stderr=log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"strata-server exited with {self.process.returncode}; see {self.log_path}")
            try:
                status, _, _ = Client(self.port).request("GET", "/health/ready", timeout=1)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("strata-server did not become ready")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout=30):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


class Client:
    def __init__(self, port, token=None):
        self.port = port
        self.token = token

    def request(self, method, path, body=None, headers=None, timeout=10):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = dict(headers or {})
            if self.token:
                all_headers["Authorization"] = f"Bearer {self.token}"
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                all_headers["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            parsed = json.loads(data) if data and response.getheader("Content-Type", "").find("json") >= 0 else data
            return response.status, dict((k.lower(), v) for k, v in response.getheaders()), parsed
        finally:
            connection.close()

    def sign_in(self, email, password):
        status, _, body = self.request("POST", "/v1/sessions", {"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"sign-in of {email}: {status} {body}")
        return Client(self.port, body["accessToken"])
