// The admin API as the console uses it: the session's tokens (in sessionStorage, never in a URL),
// refreshed by rotation before they expire and once more when a request is refused.

const STORAGE_KEY = "strata.console.session";

/** A refused request: its status and the problem+json body (`code`, `detail`, `errors`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

function payloadOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return {};
  }
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { detail: `HTTP ${response.status}` };
  }
}

export class Api {
  /** `onSignedOut(message)` runs when the session ends other than by signing out. */
  constructor(onSignedOut) {
    this.onSignedOut = onSignedOut;
    this.session = null;
    this.refreshing = null;
    this.timer = null;
    try {
      this.session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      this.session = null;
    }
    if (this.session) this.schedule();
  }

  get signedIn() {
    return this.session !== null;
  }

  get email() {
    return this.session?.email || "";
  }

  keep(pair, email) {
    this.session = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: Date.now() + pair.expiresIn * 1000,
      email,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.session));
    this.schedule();
  }

  /** Refreshes a minute before the access token expires (or at once when that is past). */
  schedule() {
    clearTimeout(this.timer);
    const wait = Math.max(0, this.session.expiresAt - Date.now() - 60_000);
    this.timer = setTimeout(() => this.refresh().catch(() => {}), wait);
  }

  clear() {
    clearTimeout(this.timer);
    this.session = null;
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /** Signs in; an account that is not an admin is signed out again and refused. */
  async signIn(email, password) {
    const response = await fetch("/v1/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    const pair = await response.json();
    if (payloadOf(pair.accessToken).role !== "admin") {
      await fetch("/v1/sessions/current", { method: "DELETE", headers: { Authorization: `Bearer ${pair.accessToken}` } });
      throw new ApiError(403, { detail: "This account is not an administrator." });
    }
    this.keep(pair, email.trim().toLowerCase());
  }

  /** Rotates the refresh token; concurrent callers share one rotation. */
  refresh() {
    if (!this.session) return Promise.reject(new ApiError(401, { detail: "Not signed in." }));
    if (!this.refreshing) {
      const email = this.session.email;
      this.refreshing = fetch("/v1/sessions/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refreshToken: this.session.refreshToken }),
      })
        .then(async (response) => {
          if (!response.ok) throw new ApiError(response.status, await problemOf(response));
          this.keep(await response.json(), email);
        })
        .catch((error) => {
          if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
            this.end("Your session has ended. Sign in again.");
          }
          throw error;
        })
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  /** Ends the session here and tells the page why. */
  end(message) {
    if (!this.session) return;
    this.clear();
    this.onSignedOut(message);
  }

  async signOut() {
    const token = this.session?.accessToken;
    this.clear();
    if (token) {
      await fetch("/v1/sessions/current", { method: "DELETE", headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
    }
  }

  /** An authorized fetch: refused with 401, it refreshes once and tries again. */
  async fetch(path, options = {}) {
    if (!this.session) throw new ApiError(401, { detail: "Not signed in." });
    const attempt = () => fetch(path, {
      ...options,
      headers: { ...(options.headers || {}), Authorization: `Bearer ${this.session.accessToken}` },
    });
    let response = await attempt();
    if (response.status === 401) {
      await this.refresh();
      response = await attempt();
      if (response.status === 401) {
        this.end("The server refused your session. Sign in again.");
      }
    }
    return response;
  }

  /** A JSON request; anything but 2xx throws an ApiError with the problem. */
  async request(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await this.fetch(path, options);
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    if (response.status === 204) return null;
    return response.json();
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }
}
