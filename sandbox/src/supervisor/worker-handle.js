// One worker process as the supervisor sees it: spawns (and respawns) it, forwards requests,
// routes its events back by tag, and turns a death into `crash` answers for the runs it had.
"use strict";
const { spawn } = require("node:child_process");
const { onJsonLines } = require("../lines");
const { NO_CEILING } = require("./memory-ceiling");
const { lowered } = require("./priority");

class WorkerHandle {
  // role: "login" or "try" (runs only Try runs, at nice `nice`, see priority.js).
  constructor({ index, role = "login", nice = 0, confinement, ceiling, workerArgv, onEvent, onCrashRun, log }) {
    this.index = index;
    this.role = role;
    this.nice = nice;
    this.confinement = confinement;
    this.ceiling = ceiling || NO_CEILING;
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
    const { prefix, env, confined } = this.confinement;
    const argv = [...prefix, ...this.workerArgv, ...(this.nice ? ["--autogroup-nice", String(this.nice)] : [])];
    // The memory ceiling wraps the whole confined command: bwrap and the worker inside it share it, and
    // so does the nice value of a Try worker.
    const [command, args] = this.ceiling.wrap(this.index, ...lowered(this.nice, this.confinement.command, argv));
    // Under bubblewrap the environment is cleared and set again by its --setenv options. A lowered worker
    // needs a session (so an autogroup) of its own: bwrap makes one (--new-session), else `detached`.
    const child = spawn(command, args, {
      env: { ...(env || {}) },
      stdio: ["pipe", "pipe", "pipe"],
      detached: Boolean(this.nice) && !confined,
    });
    this.child = child;
    this.alive = true;
    this.spawnedAt = Date.now();
    this.outOfMemory = false;
    this.oomKillsBefore = this.ceiling.oomKills(this.index);
    child.stdin.on("error", () => {}); // a dead worker is handled by 'exit'
    onJsonLines(child.stdout, 64 * 1024 * 1024, (event) => {
      if (!event) return;
      if (event.type === "result") this.inflight.delete(event.tag);
      if (event.type === "memory_ceiling") this.outOfMemory = true;
      this.onEvent(this, event);
    }, () => this.kill("sent an oversized line"));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text) => {
      // V8 aborts the worker when its heap cannot grow under the ceiling.
      if (/out[ -]of[ -]memory|allocation failed/i.test(text)) this.outOfMemory = true;
      this.log(text.replace(/^/gm, `[worker ${this.index}] `).trimEnd());
    });
    // "close", not "exit": its last words on stderr (an out-of-memory report) have been read by then.
    child.on("close", (code, signal) => this.onExit(child, code, signal));
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
    const outOfMemory = this.outOfMemory || this.ceiling.oomKills(this.index) > this.oomKillsBefore;
    const why = outOfMemory
      ? `the sandbox worker running it reached its memory ceiling of ${this.ceiling.ceilingMb} MB (all its isolates together) ` +
        "and was stopped; a new worker replaces it"
      : `the sandbox worker stopped (${signal || `exit code ${code}`}) during the run`;
    for (const tag of lost) this.onCrashRun(tag, why);
    if (this.stopping) return;
    this.log(`worker ${this.index} exited (${signal || code}${outOfMemory ? ", memory ceiling reached" : ""}); starting a new one`);
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

  // Resolves once the worker's process has exited (at most `waitMs` later).
  stop(waitMs = 2000) {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGKILL");
    });
  }
}

module.exports = { WorkerHandle };
