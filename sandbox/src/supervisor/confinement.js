// How workers are contained: bubblewrap when present (a new user, pid, ipc, uts and mount namespace,
// uid/gid 65534, an empty environment, a read-only view of /usr and the sandbox folder only, private
// /tmp). The network namespace is shared on purpose: the I/O bridges run in the worker's host side
// and enforce each connection's egress allow-list in code. No host file or Unix socket path is
// visible inside.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];

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

function bwrapArgs(sandboxDir) {
  const args = [
    "--unshare-all", "--share-net", "--die-with-parent", "--new-session", "--clearenv",
    "--uid", "65534", "--gid", "65534",
    ...systemDirs(),
    // The private /tmp comes before the sandbox bind: a checkout under /tmp must stay visible.
    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
    "--ro-bind", sandboxDir, sandboxDir,
    "--chdir", sandboxDir,
    // Name resolution for the I/O bridges (egress is checked after resolving): these files only.
    ...["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf"].flatMap((f) => ["--ro-bind-try", f, f]),
  ];
  const nodeDir = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
  if (!nodeDir.startsWith("/usr")) args.push("--ro-bind", nodeDir, nodeDir);
  return args;
}

// Returns { command, prefix, confined, warning }: spawn `command` with `prefix` then the worker's argv.
function chooseConfinement(sandboxDir, { allowUnconfined }) {
  const bwrap = BWRAP_CANDIDATES.find((p) => fs.existsSync(p));
  if (bwrap) {
    const prefix = [...bwrapArgs(sandboxDir), "--", process.execPath];
    const probe = spawnSync(bwrap, [...prefix, "-e", "0"], { env: {}, timeout: 10_000, encoding: "utf8" });
    if (probe.status === 0) return { command: bwrap, prefix, confined: true };
    const why = (probe.stderr || String(probe.error || probe.status)).trim();
    if (!allowUnconfined) throw new Error(`bwrap is installed but cannot start a worker here (${why})`);
    return { command: process.execPath, prefix: [], confined: false, warning: `bwrap failed (${why})` };
  }
  if (!allowUnconfined) throw new Error("bwrap (Debian package bubblewrap) is not installed");
  return { command: process.execPath, prefix: [], confined: false, warning: "bwrap (Debian package bubblewrap) is not installed" };
}

module.exports = { chooseConfinement, bwrapArgs };
