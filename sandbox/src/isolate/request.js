// `request` (the deprecated but much-used HTTP client) for scripts: request(uri, options, cb),
// request(options, cb), .get/.post/.put/.patch/.del/.delete/.head, .defaults(); options uri/url,
// baseUrl, method, qs, form, json, body, auth (user/pass or bearer), headers, timeout,
// followRedirect, encoding. The callback gets (err, response, body). Goes through the "http" bridge.
"use strict";
const { Buffer } = require("buffer");
const qs = require("qs");
const { send } = require("node-fetch");

function normalise(uri, options, callback) {
  if (typeof options === "function") [options, callback] = [undefined, options];
  const params = typeof uri === "object" && uri !== null ? { ...uri } : { ...options, uri };
  if (options && typeof uri !== "object") Object.assign(params, options);
  params.callback = callback || params.callback;
  return params;
}

function prepare(params) {
  let url = String(params.uri || params.url || "");
  if (params.baseUrl) url = String(params.baseUrl).replace(/\/+$/, "") + "/" + url.replace(/^\/+/, "");
  if (params.qs && Object.keys(params.qs).length) url += (url.includes("?") ? "&" : "?") + qs.stringify(params.qs, params.qsStringifyOptions);
  const headers = {};
  for (const k of Object.keys(params.headers || {})) headers[k.toLowerCase()] = params.headers[k];
  let body;
  if (params.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = typeof params.form === "string" ? params.form : qs.stringify(params.form);
  } else if (params.json !== undefined && params.json !== false && params.body === undefined && typeof params.json !== "boolean") {
    body = JSON.stringify(params.json);
    headers["content-type"] = headers["content-type"] || "application/json";
  } else if (params.body !== undefined) {
    body = params.json && typeof params.body !== "string" && !Buffer.isBuffer(params.body) ? JSON.stringify(params.body) : params.body;
    if (params.json) headers["content-type"] = headers["content-type"] || "application/json";
  }
  if (params.json) headers.accept = headers.accept || "application/json";
  const auth = params.auth;
  if (auth && auth.bearer) headers.authorization = "Bearer " + (typeof auth.bearer === "function" ? auth.bearer() : auth.bearer);
  else if (auth) headers.authorization = "Basic " + Buffer.from(`${auth.user || auth.username || ""}:${auth.pass || auth.password || ""}`).toString("base64");
  const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(String(body), "utf8");
  const method = String(params.method || (bytes ? "POST" : "GET")).toUpperCase();
  const followRedirect = params.followRedirect !== false && (method === "GET" || method === "HEAD" || params.followAllRedirects);
  return { url, method, headers, bytes, followRedirect };
}

function request(uri, options, callback) {
  const params = normalise(uri, options, callback);
  const done = typeof params.callback === "function" ? params.callback : () => {};
  let prepared;
  try {
    prepared = prepare(params);
  } catch (e) {
    queueMicrotask(() => done(e));
    return undefined;
  }
  const { url, method, headers, bytes, followRedirect } = prepared;
  send({
    url,
    method,
    headers: Object.entries(headers),
    body: bytes ? bytes.toString("base64") : undefined,
    timeout: params.timeout || undefined,
    redirect: followRedirect ? "follow" : "manual",
    maxRedirects: params.maxRedirects === undefined ? 10 : params.maxRedirects,
  }).then(
    (raw) => {
      let body = params.encoding === null ? raw.body : raw.body.toString(params.encoding || "utf8");
      if (params.json && typeof body === "string" && body !== "") {
        try {
          body = JSON.parse(body);
        } catch (e) {
          // request hands back the text when the body is not JSON
        }
      }
      const headersObject = {};
      for (const [k, v] of raw.headers) headersObject[k] = k in headersObject ? `${headersObject[k]}, ${v}` : v;
      const response = {
        statusCode: raw.status,
        statusMessage: raw.statusText,
        headers: headersObject,
        body,
        request: { uri: { href: raw.url }, method },
        toJSON() {
          return { statusCode: this.statusCode, body: this.body, headers: this.headers };
        },
      };
      queueMicrotask(() => done(null, response, body));
    },
    (err) => {
      const error = new Error(err.code === "ETIMEDOUT" ? "ETIMEDOUT" : err.message);
      error.code = err.code;
      if (err.code === "ETIMEDOUT") error.connect = false;
      queueMicrotask(() => done(error));
    },
  );
  return undefined;
}

function verb(method, defaults) {
  return (uri, options, callback) => {
    const params = normalise(uri, options, callback);
    return request({ ...defaults, ...params, method });
  };
}

function withDefaults(defaults) {
  const bound = (uri, options, callback) => request({ ...defaults, ...normalise(uri, options, callback) });
  for (const [name, method] of [["get", "GET"], ["post", "POST"], ["put", "PUT"], ["patch", "PATCH"], ["del", "DELETE"], ["delete", "DELETE"], ["head", "HEAD"]]) {
    bound[name] = verb(method, defaults);
  }
  bound.defaults = (more) => withDefaults({ ...defaults, ...more, headers: { ...defaults.headers, ...(more && more.headers) } });
  return bound;
}

module.exports = withDefaults({});
