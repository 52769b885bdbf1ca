// The supervisor: listens on the Unix socket, speaks line-delimited JSON with clients, routes each
// run to a worker (warm runs of a connection always to the same one, so its isolates stay warm),
// and answers `crash` for runs whose worker died or stopped answering.
//
// A run's watchdog counts from when it starts. Most runs start as soon as the worker reads them; one
// that must wait (at the Try gate, or in its connection's line for an isolate) is reported `waiting`,
// and the worker ends that wait with a `timeout` answer of its own, then reports `started` when an
// isolate begins it. A started run that gets no answer WATCHDOG_GRACE_MS past its limit means the
// worker cannot enforce deadlines any more, and only then is the worker killed; a run still waiting
// START_GRACE_MS past its limit is answered `crash` alone. A worker whose event loop is blocked is
// caught by the heartbeat.
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { onJsonLines } = require("../lines");
const { WorkerHandle } = require("./worker-handle");
const CEILINGS = require("../ceilings");
const { purposeOf } = require("../purpose");

const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const WATCHDOG_GRACE_MS = 3000; // past a started run's own limit, the worker itself must be stuck
const START_GRACE_MS = 10_000; // past a run's limit, a run that never started is given up (worker kept)
const HEARTBEAT_MS = 5000;

// FNV-1a: a stable worker choice per connection id.
function hashOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

class Supervisor {
  // workers: login workers; tryWorkers: workers that run Try runs only, at nice `tryNice` (0: Try runs
  // share the first half of the login workers instead).
  constructor({ socketPath, workers, tryWorkers = 0, tryNice = 0, confinement, ceiling, workerArgv, log }) {
    this.socketPath = socketPath;
    this.confinement = confinement;
    this.ceiling = ceiling;
    this.log = log;
    this.runs = new Map(); // tag -> { client, id, worker, watchdog }
    this.pendingStats = new Map(); // tag -> { replies, expected, done }
    this.nextTag = 1;
    this.workers = Array.from(
      { length: workers + tryWorkers },
      (_, index) =>
        new WorkerHandle({
          index,
          role: index < workers ? "login" : "try",
          nice: index < workers ? 0 : tryNice,
          confinement,
          ceiling,
          workerArgv,
          log,
          onEvent: (worker, event) => this.onWorkerEvent(worker, event),
          onCrashRun: (tag, message) => this.answerCrash(tag, message),
        }),
    );
    this.loginWorkers = this.workers.slice(0, workers);
    this.tryWorkers = this.workers.slice(workers);
    this.heartbeat = setInterval(() => this.checkWorkers(), HEARTBEAT_MS);
  }

  listen() {
    return new Promise((resolve, reject) => {
      fs.mkdirSync(path.dirname(this.socketPath), { recursive: true });
      this.server = net.createServer((socket) => this.onClient(socket));
      this.server.on("error", reject);
      const umask = process.umask(0o077); // only our own user may ask for runs
      this.server.listen(this.socketPath, () => {
        process.umask(umask);
        resolve();
      });
    });
  }

  onClient(socket) {
    socket.on("error", () => {});
    const reply = (event) => {
      if (!socket.destroyed) socket.write(JSON.stringify(event) + "\n");
    };
    onJsonLines(
      socket,
      MAX_REQUEST_BYTES,
      (message) => {
        if (!message || typeof message !== "object") return reply({ type: "error", message: "each line must be a JSON object" });
        this.onRequest(message, reply);
      },
      () => {
        reply({ type: "error", message: `request larger than ${MAX_REQUEST_BYTES} bytes` });
        socket.destroy();
      },
    );
  }

  onRequest(message, reply) {
    const id = message.id ?? null;
    if (message.type === "ping") {
      return reply({
        id,
        type: "pong",
        confined: this.confinement.confined,
        memory_ceiling: this.memoryCeiling(),
        workers: this.workers.map((w) => ({ index: w.index, role: w.role, pid: w.pid, alive: w.alive, inflight: w.inflight.size, restarts: w.restarts })),
      });
    }
    if (message.type === "stats") return this.collectStats(id, reply);
    if (message.type !== "run") return reply({ id, type: "error", message: `unknown request type ${JSON.stringify(message.type)}` });

    const tag = `t${this.nextTag++}`;
    const worker = this.pickWorker(message);
    // A request without a time limit is refused by the worker at once; the watchdog is only a backstop.
    const timeoutMs = Math.min(Number(message.limits?.timeout_ms) || 0, CEILINGS.TIMEOUT_MS);
    const run = { reply, id, worker, timeoutMs };
    this.watchStarted(run);
    this.runs.set(tag, run);
    worker.send({ ...message, type: "run", tag }, tag);
  }

  // The run is executing: no answer by WATCHDOG_GRACE_MS past its limit means its worker is stuck.
  watchStarted(run) {
    clearTimeout(run.watchdog);
    run.watchdog = setTimeout(() => {
      run.worker.kill(`run ${run.id} got no answer ${WATCHDOG_GRACE_MS} ms after its time limit`);
    }, run.timeoutMs + WATCHDOG_GRACE_MS);
  }

  // The run waits in the worker, which ends the wait itself after its limit. This backstop answers only
  // this run (others on the worker are not harmed) if neither `started` nor an answer came.
  watchWaiting(run, tag) {
    clearTimeout(run.watchdog);
    const ms = run.timeoutMs + START_GRACE_MS;
    run.watchdog = setTimeout(() => {
      this.log(`run ${run.id} on worker ${run.worker.index} did not start within ${ms} ms`);
      this.answerCrash(tag, `the sandbox did not start the run within ${ms} ms`);
    }, ms);
  }

  pickWorker(message) {
    const pool = this.poolFor(purposeOf(message));
    if (message.mode === "warm" && message.connection) return pool[hashOf(String(message.connection)) % pool.length];
    // Least busy worker; ties rotate, so back-to-back Try runs let each worker prepare its next isolate.
    const n = pool.length;
    const start = this.nextTag % n;
    let best = null;
    for (let i = 0; i < n; i++) {
      const w = pool[(start + i) % n];
      if (w.alive && (!best || w.inflight.size < best.inflight.size)) best = w;
    }
    return best || pool[start];
  }

  // Logins never share a worker with Try runs when there are Try workers: those run at a lower CPU
  // priority (priority.js), so neither a spinning script nor the hashing a Try run started delays a
  // login. Without Try workers, Try runs use only the first half of the workers: the CPU-heavy host
  // work they start (hashing that cannot be stopped) then takes at most half the cores from the logins.
  poolFor(purpose) {
    if (purpose !== "try") return this.loginWorkers;
    if (this.tryWorkers.length > 0) return this.tryWorkers;
    return this.loginWorkers.slice(0, Math.max(1, Math.floor(this.loginWorkers.length / 2)));
  }

  onWorkerEvent(worker, event) {
    if (event.type === "stats") return this.onStats(worker, event);
    if (event.type === "ready" || event.type === "memory_ceiling") return;
    const run = this.runs.get(event.tag);
    if (!run) return;
    if (event.type === "waiting") return this.watchWaiting(run, event.tag); // the client needs no word of it
    if (event.type === "started") this.watchStarted(run);
    const { tag, ...rest } = event;
    run.reply({ ...rest, id: run.id });
    if (event.type === "result") {
      clearTimeout(run.watchdog);
      this.runs.delete(tag);
    }
  }

  answerCrash(tag, message) {
    const run = this.runs.get(tag);
    if (!run) return;
    clearTimeout(run.watchdog);
    this.runs.delete(tag);
    run.reply({ id: run.id, type: "result", status: "crash", error: { name: "CrashError", message } });
  }

  // What bounds each worker's memory, as ping and stats report it.
  memoryCeiling() {
    return { kind: this.ceiling.kind, mechanism: this.ceiling.mechanism, mb: this.ceiling.ceilingMb, note: this.ceiling.note || null };
  }

  collectStats(id, reply) {
    const tag = `s${this.nextTag++}`;
    const pending = { replies: [], expected: this.workers.filter((w) => w.alive).length };
    const finish = () => {
      if (!this.pendingStats.delete(tag)) return;
      const replies = pending.replies.sort((a, b) => a.index - b.index);
      reply({ id, type: "stats", confined: this.confinement.confined, memory_ceiling: this.memoryCeiling(), workers: replies });
    };
    pending.finish = finish;
    this.pendingStats.set(tag, pending);
    setTimeout(finish, 2000);
    for (const w of this.workers) if (w.alive) w.send({ type: "stats", tag });
  }

  onStats(worker, event) {
    if (worker.awaitingHeartbeat === event.tag) worker.awaitingHeartbeat = null;
    const pending = this.pendingStats.get(event.tag);
    if (!pending) return;
    const { tag, type, ...stats } = event;
    pending.replies.push({ index: worker.index, role: worker.role, nice: worker.nice, host_pid: worker.pid, ...stats });
    if (pending.replies.length >= pending.expected) pending.finish();
  }

  // A worker that has not answered the previous heartbeat is stuck (its event loop is blocked).
  checkWorkers() {
    for (const w of this.workers) {
      if (!w.alive) continue;
      if (w.awaitingHeartbeat) {
        w.kill("did not answer a heartbeat");
        w.awaitingHeartbeat = null;
        continue;
      }
      w.awaitingHeartbeat = `h${this.nextTag++}`;
      w.send({ type: "stats", tag: w.awaitingHeartbeat });
    }
  }

  // Stops the workers, then removes what the memory ceiling set up for them (cgroups v1).
  async stop() {
    clearInterval(this.heartbeat);
    if (this.server) this.server.close();
    try {
      fs.unlinkSync(this.socketPath);
    } catch (e) {
      // already gone
    }
    await Promise.all(this.workers.map((w) => w.stop()));
    const left = await this.ceiling.cleanup();
    if (left.length > 0) this.log(`could not remove the workers' cgroups ${left.join(", ")}`);
  }
}

module.exports = { Supervisor };
