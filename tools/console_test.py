#!/usr/bin/env python3
"""The operator's console in a real browser: Debian's Chromium, headless, driven by selenium.

Starts strata-server on a fresh data directory that holds one imported event the order
projections cannot read (so it is parked), then, as a person would: signs in (after a refused
password), watches the dashboard, sees a product created through the API arrive in the live tail,
opens that event and follows its correlation id, rebuilds a projection, retries and skips the
parked event, deactivates a user, replays and skips a consumer group's parked messages, and is sent back to sign-in when its session is refused. The
product is named `<img src=x onerror=alert(1)>`: it must show as text and run nothing. Checks the
page's headers (CSP, nosniff, frames denied, ETag and 304), that the page fits a phone's width, and
that the browser logged no script error or CSP violation. Screenshots go to --screenshots.

Usage: console_test.py --server BIN --admin BIN [--screenshots DIR] [--chromium BIN] [--chromedriver BIN]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_client import ADMIN_EMAIL, ADMIN_PASSWORD, Client, Server  # noqa: E402

XSS_NAME = "<img src=x onerror=alert(1)>"
BROKEN = {
    "position": 1, "streamId": "order-broken", "version": 1, "id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "type": "OrderPlaced", "recordedAt": "2026-01-02T03:04:05.000000Z",
    "metadata": {"correlationId": "imported-broken", "causationId": "imported-broken"},
    "data": {"orderId": "broken"},
}


class ConsoleTest:
    def __init__(self, driver, port, screenshots):
        self.driver = driver
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.screenshots = screenshots
        self.wait = WebDriverWait(driver, 15)
        self.steps = 0

    def step(self, text):
        self.steps += 1
        print(f"  {self.steps:2}. {text}", flush=True)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.screenshots, f"{name}.png"))

    def find(self, css):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css):
        self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    def text_in(self, css, text):
        self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def confirm(self):
        self.click("dialog[open] #confirm-yes")

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            raise AssertionError(f"a script ran: alert({alert.text!r})")
        except NoAlertPresentException:
            pass

    def headers(self):
        self.step("GET /admin: CSP, nosniff, frames denied, ETag, then 304")
        with urllib.request.urlopen(self.base + "/admin") as response:
            headers = response.headers
            body = response.read().decode()
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
        assert "unsafe-inline" not in csp, csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Type"].startswith("text/html")
        assert "<script>" not in body and "onclick" not in body, "inline script in the page"
        request = urllib.request.Request(self.base + "/admin", headers={"If-None-Match": headers["ETag"]})
        try:
            urllib.request.urlopen(request)
            raise AssertionError("If-None-Match did not give 304")
        except urllib.error.HTTPError as error:
            assert error.code == 304, error.code

    def sign_in(self):
        self.step("sign-in: a wrong password is refused with a message, the right one signs in (by keyboard)")
        self.driver.get(self.base + "/admin")
        self.find("#email").send_keys(ADMIN_EMAIL)
        self.find("#password").send_keys("not the password" + Keys.ENTER)
        self.text_in("#sign-in-error", "Wrong email or password")
        self.shot("01-sign-in-refused")
        password = self.find("#password")
        password.clear()
        password.send_keys(ADMIN_PASSWORD + Keys.ENTER)
        self.find("#nav")
        token = self.driver.execute_script("return sessionStorage.getItem('strata.console.session')")
        assert token and "accessToken" in token, "the session is not in sessionStorage"
        assert "Bearer" not in self.driver.current_url and "eyJ" not in self.driver.current_url, "a token in the URL"

    def dashboard(self):
        self.step("dashboard: head position, rate, cache, store, projections with a parked event")
        self.driver.get(self.base + "/admin#/dashboard")
        self.find("#head-position")
        self.text_in("#dashboard-body", "sales")
        assert int(self.find("#head-position").text) >= 1
        self.find("#dashboard-body a[href='#/projections/sales/parked']")
        self.shot("02-dashboard")

    def live_tail(self, admin):
        self.step("live tail: a product created through the API appears; pause holds, resume catches up")
        self.driver.get(self.base + "/admin#/tail")
        self.text_in("#tail-status", "Live")
        status, headers, product = admin.request("POST", "/v1/products", {"sku": "XSS-1", "name": XSS_NAME, "priceCents": 1299, "stock": 5})
        assert status == 201, product
        position = int(headers["strata-position"])
        row = self.find(f"#tail-rows tr[data-position='{position}']")
        assert "ProductCreated" in row.text, row.text
        self.click("#tail-toggle")
        self.text_in("#tail-status", "Paused")
        status, headers, _ = admin.request("POST", f"/v1/products/{product['id']}/restock", {"quantity": 3})
        assert status == 200
        restocked = int(headers["strata-position"])
        self.click("#tail-toggle")
        self.find(f"#tail-rows tr[data-position='{restocked}']")
        self.shot("03-live-tail")
        self.no_alert()
        return position

    def event_and_correlation(self, position):
        self.step("event detail: the XSS name is text, nothing ran; the correlation id lists the request's events")
        self.click(f"#tail-rows tr[data-position='{position}'] a[href='#/event/{position}']")
        self.text_in("#view h1", f"Event {position}")
        data = self.find("pre[aria-label='Event data']").text
        assert XSS_NAME in data, data
        assert not self.driver.find_elements(By.CSS_SELECTOR, "img"), "event data became an element"
        self.no_alert()
        self.shot("04-event")
        self.click("#correlation-id a")
        self.find(f"#correlation-results a[href='#/event/{position}']")
        self.shot("05-correlation")

    def browse(self):
        self.step("event browser: filter by type, list streams by prefix, open a stream")
        self.driver.get(self.base + "/admin#/events")
        self.find("#event-results table")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#event-type option")) > 3)
        self.find("#event-type").send_keys("ProductCreated")
        self.click("form[aria-label='Filter events'] button[type=submit]")
        self.text_in("#event-results caption", "ProductCreated")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#event-results tbody tr")
        assert rows and all("ProductCreated" in row.text for row in rows), [row.text for row in rows]
        self.find("#stream-prefix").send_keys("product-" + Keys.ENTER)
        self.click("#stream-results a")
        self.text_in("#view h1", "Stream")
        self.text_in("main", "Version 2")

    def projections(self):
        self.step("projections: rebuild sales with confirmation; it comes back live")
        self.driver.get(self.base + "/admin#/projections")
        self.click("button.rebuild[data-projection='sales']")
        self.confirm()
        self.text_in("#notice", "Rebuilding sales")
        self.text_in("[data-status-of='sales']", "live")
        self.shot("06-projections")

    def parked(self):
        self.step("parked: the failing event and its error; retry fails again (409) and stays; skip clears it")
        self.driver.get(self.base + "/admin#/projections/sales/parked")
        self.find("button.retry[data-position='1']")
        self.text_in("#parked-body", "OrderPlaced")
        self.click("#parked-body details summary")
        self.text_in("#parked-body details pre", "broken")
        self.shot("07-parked")
        self.click("button.retry[data-position='1']")
        self.text_in("#notice", "failed again")
        self.find("button.skip-event[data-position='1']").click()
        self.confirm()
        self.text_in("#parked-body", "No parked events")

    def users(self):
        self.step("users: look up by email, deactivate behind a confirmation")
        self.driver.get(self.base + "/admin#/users")
        self.find("#user-lookup").send_keys("buyer@example.com" + Keys.ENTER)
        self.text_in("#user-status", "active")
        self.click("#user-deactivate")
        self.confirm()
        self.text_in("#user-status", "deactivated")
        self.shot("08-users")

    def subscriptions(self, admin):
        self.step("subscriptions: a group's filter, lag and consumers; its parked messages replayed and skipped")
        status, _, body = admin.request("PUT", "/v1/subscriptions/mailer", {"eventTypes": ["UserRegistered"]})
        assert status == 201, body
        status, _, body = admin.request("POST", "/v1/subscriptions/mailer/poll", {"consumer": "mailer-1", "max": 10})
        assert status == 200 and len(body["messages"]) >= 2, body
        messages = body["messages"][:2]
        status, _, _ = admin.request("POST", "/v1/subscriptions/mailer/nack",
                                     {"ackIds": [message["ackId"] for message in messages], "action": "park", "reason": "no mailbox"})
        assert status == 204, status
        first, second = (message["event"]["position"] for message in messages)
        self.driver.get(self.base + "/admin#/subscriptions")
        self.text_in("#subscriptions-body", "UserRegistered")
        self.click("#subscriptions-body a[href='#/subscriptions/mailer']")
        self.text_in("#group-consumers", "mailer-1")
        self.text_in("#group-parked", "no mailbox")
        self.shot("08b-subscription")
        self.click(f"button.replay-message[data-position='{first}']")
        self.text_in("#notice", "delivered again")
        self.click(f"button.skip-message[data-position='{second}']")
        self.confirm()
        self.text_in("#notice", "skipped")
        self.text_in("#group-parked", "No parked messages")

    def phone(self):
        self.step("a phone's screen (390x844): no sideways scrolling")
        self.driver.set_window_size(390, 844)
        self.driver.get(self.base + "/admin#/dashboard")
        self.find("#head-position")
        width = self.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"page {width[0]}px wide in a {width[1]}px window"
        self.shot("09-phone-dashboard")
        self.driver.set_window_size(1280, 800)

    def refused_session(self):
        self.step("a refused token sends the person back to sign-in with a message")
        self.driver.execute_script(
            "const s = JSON.parse(sessionStorage.getItem('strata.console.session'));"
            "s.accessToken = 'x.y.z'; s.refreshToken = 'revoked'; sessionStorage.setItem('strata.console.session', JSON.stringify(s));")
        self.driver.get(self.base + "/admin#/events")
        self.driver.refresh()  # a new hash alone does not reload the page, which holds the session in memory too
        self.find("#sign-in")
        self.text_in("#notice", "Sign in again")
        self.shot("10-session-ended")

    def sign_out(self):
        self.step("sign-out ends the session on the server too")
        self.driver.get(self.base + "/admin")
        self.find("#email").send_keys(ADMIN_EMAIL)
        self.find("#password").send_keys(ADMIN_PASSWORD + Keys.ENTER)
        self.find("#nav")
        token = json.loads(self.driver.execute_script("return sessionStorage.getItem('strata.console.session')"))["accessToken"]
        self.click("#sign-out")
        self.find("#sign-in")
        assert self.driver.execute_script("return sessionStorage.getItem('strata.console.session')") is None
        status, _, _ = Client(self.port, token).request("GET", "/v1/admin/summary")
        assert status == 401, status

    def browser_errors(self):
        self.step("the browser logged no script error and no CSP violation")
        expected = ("401 (Unauthorized)", "409 (Conflict)")
        errors = [entry["message"] for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE" and not any(code in entry["message"] for code in expected)]
        assert not errors, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--screenshots", default=".build/console-screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    workspace = tempfile.mkdtemp(prefix="strata-console-")
    data = os.path.join(workspace, "data")
    imported = os.path.join(workspace, "broken.jsonl")
    with open(imported, "w") as file:
        file.write(json.dumps(BROKEN) + "\n")
    subprocess.run([args.admin, "--data-dir", data, "import", imported], check=True, stdout=subprocess.DEVNULL)
    server = Server(args.server, data, env={"STRATA_CONSISTENCY_WAIT": "1"}).start()
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800", "--disable-gpu"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    ok = False
    try:
        admin = Client(server.port).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        status, _, _ = Client(server.port).request("POST", "/v1/users", {"name": "Buyer", "email": "buyer@example.com", "password": "buyer password"})
        assert status == 201, status
        test = ConsoleTest(driver, server.port, args.screenshots)
        print("console in Chromium:", flush=True)
        test.headers()
        test.sign_in()
        test.dashboard()
        position = test.live_tail(admin)
        test.event_and_correlation(position)
        test.browse()
        test.projections()
        test.parked()
        test.users()
        test.subscriptions(admin)
        test.phone()
        test.browser_errors()
        test.refused_session()
        test.sign_out()
        ok = True
        print(f"console test passed: {test.steps} steps; screenshots in {args.screenshots}", flush=True)
    finally:
        if not ok:
            driver.save_screenshot(os.path.join(args.screenshots, "failure.png"))
            print(f"console test FAILED; page at failure: {os.path.join(args.screenshots, 'failure.png')}; server log: {server.log_path}", flush=True)
        driver.quit()
        server.stop()
        if ok:
            shutil.rmtree(workspace, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
