// Where a script's sockets may go. Every bridge that opens a socket asks `resolveTarget` first: the
// host name is resolved here, in the host, and the bridge then connects to the returned address
// (pinned), so a DNS answer that changes between the check and the connect cannot redirect it.
//
// The rules, per connection (its allow-list is a list of "host:port" entries):
//   - the target host:port must be listed (by name, or by address for an IP literal);
//   - every address it resolves to must be a public one, unless that address itself is listed with
//     the port ("127.0.0.1:5432"): loopback, private, link-local, unique-local, unspecified,
//     multicast and reserved ranges stay unreachable through a name that happens to point there.
// Only TCP to an address ever leaves here: a host that looks like a path is refused outright.
"use strict";
const net = require("node:net");
const { BridgeError } = require("./bridge-error");
const { lookupAll } = require("./dns");

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

// [label, family, network, prefix]: addresses a script may reach only when listed by address.
const SPECIAL = [
  ["unspecified address", "ipv4", "0.0.0.0", 8],
  ["private address", "ipv4", "10.0.0.0", 8],
  ["shared (carrier-grade NAT) address", "ipv4", "100.64.0.0", 10],
  ["loopback address", "ipv4", "127.0.0.0", 8],
  ["link-local address", "ipv4", "169.254.0.0", 16],
  ["private address", "ipv4", "172.16.0.0", 12],
  ["reserved address", "ipv4", "192.0.0.0", 24],
  ["private address", "ipv4", "192.168.0.0", 16],
  ["benchmarking address", "ipv4", "198.18.0.0", 15],
  ["multicast address", "ipv4", "224.0.0.0", 4],
  ["reserved address", "ipv4", "240.0.0.0", 4],
  ["unspecified address", "ipv6", "::", 128],
  ["loopback address", "ipv6", "::1", 128],
  ["unique-local address", "ipv6", "fc00::", 7],
  ["link-local address", "ipv6", "fe80::", 10],
  ["multicast address", "ipv6", "ff00::", 8],
  ["translated (NAT64) address", "ipv6", "64:ff9b::", 96],
];
const BLOCKS = SPECIAL.map(([label, family, network, prefix]) => {
  const list = new net.BlockList();
  list.addSubnet(network, prefix, family);
  return { label, family, list };
});

// "::ffff:10.0.0.1" is 10.0.0.1 to the kernel: classify the IPv4 address inside.
function canonical(address) {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address.toLowerCase();
}

function specialKind(address) {
  const family = net.isIPv4(address) ? "ipv4" : "ipv6";
  const block = BLOCKS.find((b) => b.family === family && b.list.check(address, family));
  return block ? block.label : null;
}

function parseEntry(entry) {
  const text = String(entry).trim().toLowerCase();
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  if (!m) return null;
  const host = net.isIP(m[1]) ? canonical(m[1]) : m[1].replace(/\.$/, "");
  return { host, port: Number(m[2]) };
}

// The per-run policy: { allow: Set of "host:port" (lower case, canonical addresses), maxSockets }.
function policyFrom(entries, maxSockets) {
  const allow = new Set();
  for (const entry of Array.isArray(entries) ? entries : []) {
    const parsed = parseEntry(entry);
    if (parsed) allow.add(`${parsed.host}:${parsed.port}`);
  }
  return { allow, maxSockets };
}

function refuse(target, why) {
  throw new BridgeError(`egress to ${target} is not allowed: ${why}`, { code: "EGRESS_REFUSED" });
}

function checkPort(port) {
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new BridgeError(`Invalid port: ${port}`, { name: "RangeError", code: "ERR_SOCKET_BAD_PORT" });
  return n;
}

// Resolves host:port under the policy and returns the address to connect to: { address, family }.
async function resolveTarget(policy, rawHost, rawPort) {
  const port = checkPort(rawPort);
  const host = String(rawHost ?? "").trim().replace(/^\[(.*)\]$/, "$1");
  const shown = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  if (!host || (!net.isIP(host) && !HOSTNAME.test(host))) {
    refuse(shown || String(rawHost), "only TCP to a host name or IP address is possible (no socket paths)");
  }
  const name = net.isIP(host) ? canonical(host) : host.toLowerCase().replace(/\.$/, "");
  const listed = (h) => policy.allow.has(`${h}:${port}`);
  if (!listed(name)) {
    const kind = net.isIP(name) ? specialKind(name) : null;
    refuse(shown, kind ? `${kind} not in this connection's allow-list` : `${name}:${port} is not in this connection's allow-list`);
  }

  let addresses;
  if (net.isIP(name)) addresses = [{ address: name, family: net.isIPv4(name) ? 4 : 6 }];
  else {
    try {
      addresses = await lookupAll(name);
    } catch (e) {
      throw new BridgeError(`getaddrinfo ${e.code || "ENOTFOUND"} ${name}`, { code: e.code || "ENOTFOUND" });
    }
  }
  // Every answer is checked, not only the first, so a name cannot mix a public and an internal one.
  for (const { address } of addresses) {
    const kind = specialKind(canonical(address));
    if (kind && !listed(canonical(address))) {
      const via = name === canonical(address) ? "" : ` (${name} resolves to ${address})`;
      refuse(shown, `${kind}${via} not in this connection's allow-list; list ${canonical(address)}:${port} to allow it`);
    }
  }
  const chosen = addresses[0];
  return { address: canonical(chosen.address), family: net.isIPv4(canonical(chosen.address)) ? 4 : 6, port };
}

// Counts the sockets one connection holds open in this worker, across its isolates.
class SocketBudget {
  constructor() {
    this.open = new Map(); // connection id -> count
  }

  take(policy) {
    const key = policy.connection || "";
    const count = this.open.get(key) || 0;
    if (count >= policy.maxSockets) {
      throw new BridgeError(`Too many open sockets: this connection may hold at most ${policy.maxSockets} at once (close clients with end())`, {
        code: "EGRESS_SOCKET_LIMIT",
      });
    }
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) || 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }
}

const sockets = new SocketBudget();

// A Unix socket path (net.connect(path)) never leaves the sandbox.
function refusePath(path) {
  refuse(String(path), "only TCP to a host name or IP address is possible (no socket paths)");
}

module.exports = { policyFrom, resolveTarget, refusePath, sockets, specialKind, canonical };
