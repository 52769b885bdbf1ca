// One worker process as the supervisor sees it: spawns (and respawns) it, forwards requests,
// routes its events back by tag, and turns a death into `crash` answers for the runs it had.
"use strict";
const { spawn } = require("node:child_process");
const { onJsonLines } = require("../lines");

class WorkerHandle {
  constructor({ index, confinement, workerArgv, onEvent, onCrashRun, log }) {
    this.index = index;
    this.confinement = confinement;
    this.workerArgv = workerArgv;
    this.onEvent = onEvent;
    this.onCrashRun = onCrashRun;
    this.log = log;
    this.inflight = new Set(); // tags of runs sent and not answered
    this.restarts = 0;
    this.child = null;
    this.alive = false;
    this.queue = []; // lines written while the worker is being replaced
    this.stopping = false;
    this.spawn();
  }

  spawn() {
    const { command, prefix, env } = this.confinement;
    // Under bubblewrap the environment is cleared and set again by its --setenv options.
    const child = spawn(command, [...prefix, ...this.workerArgv], { env: { ...(env || {}) }, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    this.alive = true;
    this.spawnedAt = Date.now();
    child.stdin.on("error", () => {}); // a dead worker is handled by 'exit'
    onJsonLines(child.stdout, 64 * 1024 * 1024, (event) => {
      if (!event) return;
      if (event.type === "result") this.inflight.delete(event.tag);
      this.onEvent(this, event);
    }, () => this.kill("sent an oversized line"));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text) => this.log(text.replace(/^/gm, `[worker ${this.index}] `).trimEnd()));
    child.on("exit", (code, signal) => this.onExit(child, code, signal));
  }

  get pid() {
    return this.child ? this.child.pid : null;
  }

  send(message, tag) {
    if (tag) this.inflight.add(tag);
    const line = JSON.stringify(message) + "\n";
    if (this.alive) this.child.stdin.write(line);
    else this.queue.push({ line, tag });
  }

  kill(reason) {
    this.log(`worker ${this.index} (pid ${this.pid}) is being killed: ${reason}`);
    this.child.kill("SIGKILL");
  }

  onExit(child, code, signal) {
    if (child !== this.child) return;
    this.alive = false;
    const lost = [...this.inflight];
    this.inflight.clear();
    for (const tag of lost) this.onCrashRun(tag, `the sandbox worker stopped (${signal || `exit code ${code}`}) during the run`);
    if (this.stopping) return;
    this.log(`worker ${this.index} exited (${signal || code}); starting a new one`);
    this.restarts++;
    // A worker that dies right after starting is not respawned in a tight loop.
    const delay = Date.now() - this.spawnedAt < 1000 ? 1000 : 0;
    setTimeout(() => {
      this.spawn();
      for (const { line, tag } of this.queue.splice(0)) {
        if (tag) this.inflight.add(tag);
        this.child.stdin.write(line);
      }
    }, delay);
  }

  stop() {
    this.stopping = true;
    if (this.child) this.child.kill("SIGKILL");
  }
}

module.exports = { WorkerHandle };
