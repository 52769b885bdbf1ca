// `axios` (the API shared by 0.2x and 1.x) for scripts: axios(config) / axios(url, config),
// get/delete/head/options/post/put/patch, create(), defaults, interceptors, baseURL, params, auth,
// timeout, validateStatus, responseType, and AxiosError with `response.status` / `.data`. Requests
// go through the "http" bridge (see node-fetch.js).
"use strict";
const { Buffer } = require("buffer");
const qs = require("qs");
const { send } = require("node-fetch");

const CODES = { 4: "ERR_BAD_REQUEST", 5: "ERR_BAD_RESPONSE" };

class AxiosError extends Error {
  constructor(message, code, config, request, response) {
    super(message);
    this.name = "AxiosError";
    this.code = code;
    this.config = config;
    this.request = request;
    this.response = response;
    this.isAxiosError = true;
    if (response) this.status = response.status;
  }
  toJSON() {
    return { name: this.name, message: this.message, code: this.code, status: this.status };
  }
}

const lower = (headers) => {
  const out = {};
  for (const k of Object.keys(headers || {})) if (headers[k] !== undefined && headers[k] !== null) out[k.toLowerCase()] = headers[k];
  return out;
};

function mergeConfig(base, extra) {
  const out = { ...base, ...extra };
  out.headers = { ...lower(base.headers && base.headers.common), ...lower(base.headers), ...lower(extra && extra.headers) };
  for (const key of ["common", "get", "post", "put", "patch", "delete", "head", "options"]) delete out.headers[key];
  return out;
}

function buildUrl(config) {
  let url = String(config.url || "");
  if (config.baseURL && !/^[a-z][a-z\d+.-]*:\/\//i.test(url)) url = String(config.baseURL).replace(/\/+$/, "") + "/" + url.replace(/^\/+/, "");
  const params = config.params;
  if (params && typeof params === "object") {
    const query =
      typeof URLSearchParams !== "undefined" && params instanceof URLSearchParams
        ? params.toString()
        : config.paramsSerializer && typeof config.paramsSerializer === "function"
          ? config.paramsSerializer(params)
          : qs.stringify(params, { arrayFormat: "brackets", skipNulls: true, serializeDate: (d) => d.toISOString() });
    if (query) url += (url.includes("?") ? "&" : "?") + query;
  }
  return url;
}

function encodeData(data, headers) {
  if (data === undefined || data === null) return undefined;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof URLSearchParams !== "undefined" && data instanceof URLSearchParams) {
    headers["content-type"] = headers["content-type"] || "application/x-www-form-urlencoded;charset=utf-8";
    return Buffer.from(data.toString(), "utf8");
  }
  if (typeof data === "object") {
    if (/application\/x-www-form-urlencoded/.test(headers["content-type"] || "")) return Buffer.from(qs.stringify(data), "utf8");
    headers["content-type"] = headers["content-type"] || "application/json";
    return Buffer.from(JSON.stringify(data), "utf8");
  }
  return Buffer.from(String(data), "utf8");
}

function decodeData(body, config) {
  if (config.responseType === "arraybuffer") return body;
  const text = body.toString("utf8");
  if (config.responseType === "text" || text === "") return text;
  try {
    return JSON.parse(text);
  } catch (e) {
    if (config.responseType === "json" && config.transitional && config.transitional.silentJSONParsing === false) throw e;
    return text;
  }
}

function dispatch(config) {
  const headers = lower(config.headers);
  const body = encodeData(config.data, headers);
  if (config.auth) headers.authorization = "Basic " + Buffer.from(`${config.auth.username || ""}:${config.auth.password || ""}`).toString("base64");
  headers["user-agent"] = headers["user-agent"] || "axios/1.7.9";
  headers.accept = headers.accept || "application/json, text/plain, */*";
  const method = String(config.method || "get").toUpperCase();
  const url = buildUrl(config);
  const request = { method, url };
  return send({
    url,
    method,
    headers: Object.entries(headers),
    body: body ? body.toString("base64") : undefined,
    timeout: config.timeout || undefined,
    maxRedirects: config.maxRedirects === undefined ? 21 : config.maxRedirects,
  }).then(
    (raw) => {
      const response = {
        data: decodeData(raw.body, config),
        status: raw.status,
        statusText: raw.statusText,
        headers: Object.fromEntries(raw.headers),
        config,
        request: { ...request, res: { responseUrl: raw.url } },
      };
      const validate = config.validateStatus === undefined ? (s) => s >= 200 && s < 300 : config.validateStatus;
      if (!validate || validate(response.status)) return response;
      throw new AxiosError(`Request failed with status code ${response.status}`, CODES[Math.floor(response.status / 100)] || "ERR_BAD_RESPONSE", config, request, response);
    },
    (err) => {
      if (err instanceof AxiosError) throw err;
      if (err.code === "ETIMEDOUT") {
        throw new AxiosError(config.timeoutErrorMessage || `timeout of ${config.timeout}ms exceeded`, "ECONNABORTED", config, request);
      }
      throw new AxiosError(err.message, err.code, config, request);
    },
  );
}

class InterceptorManager {
  constructor() {
    this.handlers = [];
  }
  use(fulfilled, rejected) {
    this.handlers.push({ fulfilled, rejected });
    return this.handlers.length - 1;
  }
  eject(id) {
    this.handlers[id] = null;
  }
  clear() {
    this.handlers = [];
  }
}

function createInstance(defaults) {
  const instance = function axios(urlOrConfig, config) {
    return instance.request(urlOrConfig, config);
  };
  instance.defaults = defaults;
  instance.interceptors = { request: new InterceptorManager(), response: new InterceptorManager() };
  instance.request = (urlOrConfig, config) => {
    const own = typeof urlOrConfig === "string" ? { ...config, url: urlOrConfig } : urlOrConfig || {};
    let chain = Promise.resolve(mergeConfig(instance.defaults, own));
    for (const h of instance.interceptors.request.handlers.filter(Boolean).reverse()) chain = chain.then(h.fulfilled, h.rejected);
    chain = chain.then(dispatch);
    for (const h of instance.interceptors.response.handlers.filter(Boolean)) chain = chain.then(h.fulfilled, h.rejected);
    return chain;
  };
  for (const method of ["get", "delete", "head", "options"]) {
    instance[method] = (url, config) => instance.request({ ...config, url, method });
  }
  for (const method of ["post", "put", "patch"]) {
    instance[method] = (url, data, config) => instance.request({ ...config, url, method, data });
  }
  instance.getUri = (config) => buildUrl(mergeConfig(instance.defaults, config || {}));
  instance.create = (config) => createInstance(mergeConfig(instance.defaults, config || {}));
  return instance;
}

const axios = createInstance({ headers: { common: {} }, timeout: 0, maxRedirects: 21 });
axios.AxiosError = AxiosError;
axios.isAxiosError = (value) => Boolean(value && value.isAxiosError);
axios.isCancel = () => false;
axios.all = (promises) => Promise.all(promises);
axios.spread = (fn) => (args) => fn(...args);
axios.default = axios;
axios.axios = axios;
module.exports = axios;
