// CPU-heavy work the host does for isolates (PBKDF2 today; scrypt and native bcrypt go through here
// too), on libuv's thread pool, which every isolate of the worker shares with the bridges' DNS lookups.
// A job cannot be stopped once it runs, so what matters is who gets to start one:
//
// - Charged to a connection: every job carries the run's connection (and run tag); the worker keeps
//   each connection's jobs and the thread time they used (`stats`).
// - Fair: the next free slot goes round-robin across connections with queued jobs, so a connection
//   waits behind at most one job of each other busy connection, never behind a flood.
// - Logins first: jobs of login runs are started before any job of a Try run, and Try runs' jobs hold
//   at most TRY_SLOTS of the slots at once (the rest stay for logins, whose jobs are short).
// - Capped: a connection runs at most PER_CONNECTION_RUNNING jobs at once (fewer than the slots, so
//   one connection never holds them all) and queues at most PER_CONNECTION_QUEUED.
// - Cancelled with their run: when a run answers or its isolate goes, its queued jobs are dropped
//   (a job already running finishes and its answer is ignored). Work a warm isolate asks for between
//   runs is charged to its idle CPU budget (onCost), at Try precedence.
//
// Interface for bridges: `ctx.work.run(task)` in a bridge method (bridges/index.js) runs `task()` (a
// function returning a promise) under these rules and settles with its outcome, or rejects with a
// BridgeError (queue full, run over).
"use strict";
const { BridgeError } = require("./bridges/bridge-error");

const POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const SLOTS = Math.max(1, Math.min(4, POOL_SIZE - 2)); // pool threads stay free for DNS
const PER_CONNECTION_RUNNING = Math.max(1, Math.floor(SLOTS / 2));
const PER_CONNECTION_QUEUED = 64;
const TRY_SLOTS = 1;
const PURPOSES = ["login", "try"]; // in order of precedence

class HostWork {
  constructor({ slots = SLOTS, trySlots = TRY_SLOTS, perConnectionRunning = PER_CONNECTION_RUNNING, perConnectionQueued = PER_CONNECTION_QUEUED } = {}) {
    this.slots = slots;
    this.trySlots = Math.min(trySlots, slots);
    this.runningByPurpose = { login: 0, try: 0 };
    this.perConnectionRunning = perConnectionRunning;
    this.perConnectionQueued = perConnectionQueued;
    this.accounts = new Map(); // connection -> { running, queued, jobs, ms }
    this.rings = Object.fromEntries(PURPOSES.map((p) => [p, []])); // purpose -> [{ connection, queue }], round-robin
  }

  // Jobs running now, of either purpose.
  get running() {
    return this.runningByPurpose.login + this.runningByPurpose.try;
  }

  account(connection) {
    let account = this.accounts.get(connection);
    if (!account) this.accounts.set(connection, (account = { running: 0, queued: 0, jobs: 0, ms: 0 }));
    return account;
  }

  // charge: { connection, run, purpose, onCost? }; onCost(ms) hears each job's time on the pool.
  // Resolves or rejects with the task's outcome.
  submit(charge, task) {
    if (!charge || !charge.run) {
      return Promise.reject(new BridgeError("This run has already answered: the sandbox does not start work for it any more", { code: "ERR_RUN_ENDED" }));
    }
    const connection = String(charge.connection || `run:${charge.run}`);
    const account = this.account(connection);
    if (account.queued >= this.perConnectionQueued) {
      return Promise.reject(
        new BridgeError(
          `Too many pending crypto operations: a connection may queue at most ${this.perConnectionQueued} at once (await the earlier ones)`,
          { name: "RangeError", code: "ERR_TOO_MANY_PENDING" },
        ),
      );
    }
    const purpose = PURPOSES.includes(charge.purpose) ? charge.purpose : "try";
    return new Promise((resolve, reject) => {
      const ring = this.rings[purpose];
      let line = ring.find((l) => l.connection === connection);
      if (!line) ring.push((line = { connection, queue: [] }));
      line.queue.push({ task, resolve, reject, run: charge.run, onCost: charge.onCost });
      account.queued++;
      this.pump();
    });
  }

  // Starts queued jobs while slots are free: login runs' jobs first, round-robin across connections.
  pump() {
    while (this.running < this.slots) {
      const next = this.take();
      if (!next) return;
      this.start(next.connection, next.job, next.purpose);
    }
  }

  take() {
    for (const purpose of PURPOSES) {
      if (purpose === "try" && this.runningByPurpose.try >= this.trySlots) continue;
      const ring = this.rings[purpose];
      for (let i = 0; i < ring.length; i++) {
        const line = ring[i];
        if (this.account(line.connection).running >= this.perConnectionRunning) continue;
        const job = line.queue.shift();
        // This connection goes to the back of the line; an emptied line leaves the ring.
        ring.splice(i, 1);
        if (line.queue.length > 0) ring.push(line);
        return { connection: line.connection, job, purpose };
      }
    }
    return null;
  }

  start(connection, job, purpose) {
    const account = this.account(connection);
    account.queued--;
    account.running++;
    account.jobs++;
    this.runningByPurpose[purpose]++;
    const startedAt = process.hrtime.bigint();
    Promise.resolve()
      .then(job.task)
      .then(job.resolve, job.reject)
      .finally(() => {
        const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
        account.ms += ms;
        if (job.onCost) job.onCost(ms);
        account.running--;
        this.runningByPurpose[purpose]--;
        this.forgetIdle(connection);
        this.pump();
      });
  }

  // The run answered or its isolate went: its queued jobs never start.
  cancelRun(run) {
    let gone = null; // made only when a job is dropped: an error's stack trace is not free, and most runs have none
    for (const ring of Object.values(this.rings)) {
      for (const line of [...ring]) {
        const dropped = line.queue.filter((job) => job.run === run);
        if (dropped.length === 0) continue;
        gone = gone || new BridgeError("The sandbox is shutting down this script", { code: "ERR_RUN_ENDED" });
        line.queue = line.queue.filter((job) => job.run !== run);
        this.account(line.connection).queued -= dropped.length;
        for (const job of dropped) job.reject(gone);
        if (line.queue.length === 0) ring.splice(ring.indexOf(line), 1);
        this.forgetIdle(line.connection);
      }
    }
  }

  forgetIdle(connection) {
    const account = this.accounts.get(connection);
    if (account && account.running === 0 && account.queued === 0 && this.accounts.size > 1000) this.accounts.delete(connection);
  }

  stats() {
    let queued = 0;
    const connections = {};
    for (const [connection, a] of this.accounts) {
      queued += a.queued;
      connections[connection] = { running: a.running, queued: a.queued, jobs: a.jobs, ms: Math.round(a.ms) };
    }
    return {
      running: this.running,
      queued,
      slots: this.slots,
      try_slots: this.trySlots,
      running_by_purpose: { ...this.runningByPurpose },
      per_connection_running: this.perConnectionRunning,
      per_connection_queued: this.perConnectionQueued,
      connections,
    };
  }
}

// One per worker process.
const hostWork = new HostWork();

module.exports = { HostWork, hostWork };
