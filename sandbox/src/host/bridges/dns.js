// Host side of the isolate's `dns`: answers only for names in the connection's allow-list (any
// port), so a script cannot use DNS to probe what the worker's resolver knows. Connecting never
// depends on these answers: `net` resolves and checks again in the host (egress.js).
"use strict";
const dns = require("node:dns/promises");
const { BridgeError } = require("./bridge-error");

const RECORDS = { SRV: "resolveSrv", TXT: "resolveTxt", A: "resolve4", AAAA: "resolve6" };
// Record lookups go to the system's name servers, or to those the worker's --dns-server names (tests).
let resolver = new dns.Resolver();
let namedServers = false;
function configure({ servers } = {}) {
  if (!servers || !servers.length) return;
  resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers(servers);
  namedServers = true;
}

// A host name's addresses, as dns.lookup({ all: true }) gives them: through the system's resolver
// (getaddrinfo: /etc/hosts, then DNS); with --dns-server, those servers' A/AAAA answers first, so the
// targets of a test zone's SRV records (db1.cluster.trickle.test) can be reached.
async function lookupAll(name, family = 0) {
  if (namedServers) {
    const found = [];
    for (const [fam, method] of [[4, "resolve4"], [6, "resolve6"]]) {
      if (family && family !== fam) continue;
      try {
        for (const address of await resolver[method](name)) found.push({ address, family: fam });
      } catch {
        // not known there: the system's resolver decides below
      }
    }
    if (found.length) return found;
  }
  return dns.lookup(name, { all: true, verbatim: true, family });
}

function listedName(policy, name) {
  const host = String(name || "").trim().toLowerCase().replace(/\.$/, "");
  for (const entry of policy.allow) {
    const listed = entry.replace(/:\d+$/, "");
    // An SRV/TXT name (e.g. _mongodb._tcp.cluster.example.com) belongs to its listed host.
    if (host === listed || host.endsWith(`.${listed}`)) return host;
  }
  throw new BridgeError(`queryA ENOTFOUND ${host}: ${host} is not in this connection's allow-list`, { code: "ENOTFOUND", fields: { hostname: host } });
}

function failed(e, host) {
  return new BridgeError(`${e.syscall || "query"} ${e.code || "ENOTFOUND"} ${host}`, { code: e.code || "ENOTFOUND", fields: { hostname: host } });
}

const methods = {
  async lookup({ hostname, family }, _state, { policy }) {
    const host = listedName(policy, hostname);
    try {
      return await lookupAll(host, [4, 6].includes(family) ? family : 0);
    } catch (e) {
      throw failed(e, host);
    }
  },
  async resolve({ hostname, rrtype }, _state, { policy }) {
    const host = listedName(policy, hostname);
    const method = RECORDS[String(rrtype || "A").toUpperCase()];
    if (!method) throw new BridgeError(`Unsupported record type ${rrtype}`, { code: "ERR_INVALID_ARG_VALUE" });
    try {
      return await resolver[method](host);
    } catch (e) {
      throw failed(e, host);
    }
  },
};

module.exports = { methods, configure, lookupAll };
