// How workers are contained: bubblewrap when present (new user, pid, ipc, uts and mount namespaces,
// uid/gid 65534, an empty environment, a read-only view of /usr, the sandbox folder and the resolver
// files only, a private /tmp, --die-with-parent, --new-session).
//
// What that contains if a script escapes V8 into the worker process: host files (none are visible but
// those above, so path-based Unix sockets such as scriptd's own socket or /run/postgresql are out of
// reach), other processes (own pid namespace), the environment and secrets of Django (never passed).
// Nor does it limit CPU or memory of the worker as a whole: memory-ceiling.js does the memory.
//
// What it does NOT contain: the network. The worker shares the host's network namespace
// (--share-net), so an escaped worker can open any TCP/UDP connection the host can, including
// loopback services (a database on 127.0.0.1 with trust authentication, Redis, the Django dev
// server), private and link-local addresses (cloud metadata), and it can listen on ports. It also
// shares the host's *abstract* Unix socket namespace (tied to the network namespace, not to the
// file system), so abstract sockets of host processes are reachable. The egress allow-list
// (bridges/egress.js) is enforced by code inside this same process: it binds scripts that stay inside
// their isolates, not code that has escaped into the worker.
//
// Why the network is shared: the socket bridge (bridges/net.js) runs in the worker's host side and opens
// the scripts' sockets themselves. Isolating the network would need those clients moved to a process
// outside the sandbox (a proxy that enforces the allow-list); that is not how scriptd is built today.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];
// The whole environment of a worker. libuv's thread pool (4 threads by default) runs both PBKDF2 and
// the DNS lookups of the bridges: with 8 threads and hashing held to 4 of them (host/host-work.js),
// name resolution never waits behind hashing.
const WORKER_ENV = Object.freeze({ UV_THREADPOOL_SIZE: "8" });

function systemDirs() {
  const args = ["--ro-bind", "/usr", "/usr"];
  // On merged-/usr systems /lib, /lib64 and /bin are symlinks into /usr: recreate them as such.
  for (const dir of ["/lib", "/lib64", "/bin", "/sbin"]) {
    let stat;
    try {
      stat = fs.lstatSync(dir);
    } catch (e) {
      continue;
    }
    if (stat.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(dir), dir);
    else if (dir.startsWith("/lib")) args.push("--ro-bind", dir, dir);
  }
  return args;
}

function bwrapArgs(sandboxDir, extraDirs = []) {
  const args = [
    // --share-net: the bridges connect from this process; an escaped worker has the host's network
    // (loopback and abstract Unix sockets included), see the top of this file.
    "--unshare-all", "--share-net", "--die-with-parent", "--new-session", "--clearenv",
    "--uid", "65534", "--gid", "65534",
    ...Object.entries(WORKER_ENV).flatMap(([name, value]) => ["--setenv", name, value]),
    ...systemDirs(),
    // The private /tmp comes before the sandbox bind: a checkout under /tmp must stay visible.
    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
    "--ro-bind", sandboxDir, sandboxDir,
    "--chdir", sandboxDir,
    // The operator's added modules (var/sandbox-modules), read-only like the sandbox itself.
    ...extraDirs.flatMap((dir) => ["--ro-bind-try", dir, dir]),
    // Name resolution for the I/O bridges (egress is checked after resolving): these files only.
    ...["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf"].flatMap((f) => ["--ro-bind-try", f, f]),
  ];
  const nodeDir = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
  if (!nodeDir.startsWith("/usr")) args.push("--ro-bind", nodeDir, nodeDir);
  return args;
}

// Returns { command, prefix, env, confined, warning }: spawn `command` with `prefix` then the worker's
// argv, in the environment `env`.
function chooseConfinement(sandboxDir, { allowUnconfined, extraDirs = [] }) {
  const bwrap = BWRAP_CANDIDATES.find((p) => fs.existsSync(p));
  if (bwrap) {
    const prefix = [...bwrapArgs(sandboxDir, extraDirs), "--", process.execPath];
    const probe = spawnSync(bwrap, [...prefix, "-e", "0"], { env: {}, timeout: 10_000, encoding: "utf8" });
    if (probe.status === 0) return { command: bwrap, prefix, env: WORKER_ENV, confined: true };
    const why = (probe.stderr || String(probe.error || probe.status)).trim();
    if (!allowUnconfined) throw new Error(`bwrap is installed but cannot start a worker here (${why})`);
    return { command: process.execPath, prefix: [], env: WORKER_ENV, confined: false, warning: `bwrap failed (${why})` };
  }
  if (!allowUnconfined) throw new Error("bwrap (Debian package bubblewrap) is not installed");
  return { command: process.execPath, prefix: [], env: WORKER_ENV, confined: false, warning: "bwrap (Debian package bubblewrap) is not installed" };
}

module.exports = { chooseConfinement, bwrapArgs, WORKER_ENV };
