// Host side of the HTTP shims (fetch, node-fetch, axios, request): one request per call, made with
// Node's http/https to the address the egress policy resolved for each hop (redirects included),
// with the script's host name kept for the Host header, SNI and certificate checks.
"use strict";
const http = require("node:http");
const https = require("node:https");
const { BridgeError } = require("./bridge-error");
const { resolveTarget, sockets } = require("./egress");

const MAX_TIMEOUT_MS = 60_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 20;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

function fail(message, code) {
  throw new BridgeError(message, { code });
}

function headersOf(raw) {
  const out = [];
  const list = Array.isArray(raw) ? raw : raw && typeof raw === "object" ? Object.entries(raw) : [];
  for (const [name, value] of list) {
    if (value === undefined || value === null) continue;
    const key = String(name);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) fail(`Invalid header name: ${key}`, "ERR_INVALID_HTTP_TOKEN");
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = String(v);
      if (/[\r\n\0]/.test(text)) fail(`Invalid value for header ${key}`, "ERR_INVALID_CHAR");
      out.push([key, text]);
    }
  }
  return out;
}

// One hop: resolves, pins, sends; resolves to { status, statusText, headers: [[k, v]], body: b64 }.
async function send(policy, url, method, headers, body, deadline, signal) {
  const secure = url.protocol === "https:";
  const port = Number(url.port || (secure ? 443 : 80));
  const target = await resolveTarget(policy, url.hostname, port);
  const release = sockets.take(policy);
  const lib = secure ? https : http;
  return new Promise((resolve, reject) => {
    const finish = (fn, value) => {
      release();
      fn(value);
    };
    const request = lib.request({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port,
      path: url.pathname + url.search,
      method,
      headers: Object.fromEntries(headers.reduce((m, [k, v]) => m.set(k.toLowerCase(), m.has(k.toLowerCase()) ? `${m.get(k.toLowerCase())}, ${v}` : v), new Map())),
      agent: false, // one socket per request: nothing pooled outlives the run or crosses connections
      lookup: (_name, options, callback) => (options && options.all ? callback(null, [target]) : callback(null, target.address, target.family)),
      timeout: Math.max(1, deadline - Date.now()),
      signal,
    });
    request.on("timeout", () => request.destroy(new BridgeError(`timeout of ${Math.round(deadline - Date.now())}ms exceeded`, { code: "ETIMEDOUT" })));
    request.on("error", (e) => finish(reject, e instanceof BridgeError ? e : new BridgeError(e.name === "AbortError" ? "The request was aborted" : String(e.message), { code: e.code })));
    request.on("response", (response) => {
      const chunks = [];
      let size = 0;
      response.on("data", (chunk) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) request.destroy(new BridgeError(`The response is larger than ${MAX_BODY_BYTES} bytes`, { code: "ERR_BODY_TOO_LARGE" }));
        else chunks.push(chunk);
      });
      response.on("end", () => {
        const pairs = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i].toLowerCase(), response.rawHeaders[i + 1]]);
        finish(resolve, { status: response.statusCode, statusText: response.statusMessage || "", headers: pairs, body: Buffer.concat(chunks).toString("base64") });
      });
      response.on("error", (e) => finish(reject, new BridgeError(String(e.message), { code: e.code })));
    });
    request.end(body);
  });
}

const methods = {
  // args: { url, method, headers, body (base64), timeout (ms), redirect: "follow" | "manual" | "error", maxRedirects }
  async request(args, state, { policy }) {
    let url;
    try {
      url = new URL(String(args.url));
    } catch (e) {
      fail(`Invalid URL: ${args.url}`, "ERR_INVALID_URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") fail(`Only http: and https: URLs can be fetched, not ${url.protocol}`, "ERR_INVALID_PROTOCOL");
    let method = String(args.method || "GET").toUpperCase();
    if (!METHODS.has(method)) fail(`Unsupported HTTP method: ${method}`, "ERR_INVALID_HTTP_TOKEN");
    let headers = headersOf(args.headers);
    let body = args.body === undefined || args.body === null ? undefined : Buffer.from(String(args.body), "base64");
    const timeout = Number(args.timeout) > 0 ? Math.min(Number(args.timeout), MAX_TIMEOUT_MS) : MAX_TIMEOUT_MS;
    const deadline = Date.now() + timeout;
    const maxRedirects = Number.isInteger(args.maxRedirects) ? Math.min(Math.max(args.maxRedirects, 0), MAX_REDIRECTS) : MAX_REDIRECTS;
    const controller = new AbortController();
    state.add(controller);
    try {
      for (let hop = 0; ; hop++) {
        const response = await send(policy, url, method, headers, body, deadline, controller.signal);
        const location = response.headers.find(([k]) => k === "location");
        const redirect = [301, 302, 303, 307, 308].includes(response.status) && location;
        if (!redirect || args.redirect === "manual") return { ...response, url: url.href, redirected: hop > 0 };
        if (args.redirect === "error" || hop >= maxRedirects) fail(`Maximum number of redirects exceeded (${maxRedirects})`, "ERR_FR_TOO_MANY_REDIRECTS");
        const next = new URL(location[1], url);
        if (next.protocol !== "http:" && next.protocol !== "https:") fail(`Redirect to an unsupported protocol: ${next.protocol}`, "ERR_INVALID_PROTOCOL");
        // As browsers do: 303 (and 301/302 after a POST) become a GET without a body; credentials stay on their origin.
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
          [method, body] = [method === "HEAD" ? "HEAD" : "GET", undefined];
          headers = headers.filter(([k]) => !/^content-/i.test(k));
        }
        if (next.origin !== url.origin) headers = headers.filter(([k]) => !/^(authorization|cookie)$/i.test(k));
        url = next;
      }
    } finally {
      state.delete(controller);
    }
  },
};

// State: the AbortControllers of requests in flight, aborted when the isolate goes away.
module.exports = {
  methods,
  open: () => new Set(),
  close: (inflight) => {
    for (const controller of inflight) controller.abort();
  },
};
