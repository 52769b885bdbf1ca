// Node's `os` with fixed, harmless values: nothing about the machine that runs the sandbox.
"use strict";
const constants = { signals: {}, errno: {}, priority: {} };
module.exports = {
  EOL: "\n",
  arch: () => "x64",
  platform: () => "linux",
  type: () => "Linux",
  release: () => "6.0.0",
  version: () => "#1 SMP",
  machine: () => "x86_64",
  hostname: () => "sandbox",
  homedir: () => "/",
  tmpdir: () => "/tmp",
  endianness: () => "LE",
  uptime: () => 0,
  loadavg: () => [0, 0, 0],
  totalmem: () => 1024 * 1024 * 1024,
  freemem: () => 512 * 1024 * 1024,
  availableParallelism: () => 1,
  cpus: () => [{ model: "sandbox", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }],
  networkInterfaces: () => ({}),
  userInfo: () => ({ uid: -1, gid: -1, username: "sandbox", homedir: "/", shell: null }),
  constants,
  devNull: "/dev/null",
};
