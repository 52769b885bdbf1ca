// Limits on the crypto work that runs on libuv's thread pool (PBKDF2), which every isolate of the
// worker shares with DNS lookups for the bridges. Without them one script queueing many pbkdf2 calls
// filled the pool's queue, and every other connection's hashing (and name resolution) waited behind it.
//
// - Per isolate: at most PER_ISOLATE jobs in flight; further calls wait in the isolate's own queue
//   (at most MAX_QUEUED), which is dropped when the isolate's bridge session closes (end of a Try run,
//   recycling or disposal of a warm isolate). A job already on the pool cannot be stopped: it finishes
//   and its answer is ignored.
// - Per worker: at most WORKER_MAX jobs on the pool at once, admitted in arrival order, so a waiting
//   isolate's job is behind at most a couple of jobs of each other busy isolate, and pool threads stay
//   free for DNS (the worker's pool has UV_THREADPOOL_SIZE threads, set by the supervisor).
"use strict";
const { BridgeError } = require("./bridge-error");

const PER_ISOLATE = 2;
const MAX_QUEUED = 256;
const POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const WORKER_MAX = Math.max(1, Math.min(4, POOL_SIZE - 2));

// The worker-wide gate: FIFO admission of at most `max` running jobs.
const gate = {
  max: WORKER_MAX,
  running: 0,
  waiting: [],
  admit(job) {
    if (this.running < this.max) {
      this.running++;
      job.start();
    } else this.waiting.push(job);
  },
  withdraw(job) {
    const i = this.waiting.indexOf(job);
    if (i === -1) return false;
    this.waiting.splice(i, 1);
    return true;
  },
  done() {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running--;
  },
};
let queuedTotal = 0; // jobs waiting in isolates' own queues, for stats

// One isolate's crypto jobs.
class CryptoJobs {
  constructor() {
    this.queue = []; // not yet admitted to the gate
    this.active = new Set(); // waiting at the gate or running
    this.closed = false;
  }

  // Runs task() (returning a promise) under the limits; resolves or rejects with its outcome.
  run(task) {
    if (this.closed) return Promise.reject(new BridgeError("The sandbox is shutting down this script"));
    if (this.queue.length >= MAX_QUEUED) {
      return Promise.reject(
        new BridgeError(`Too many pending crypto operations: at most ${MAX_QUEUED} may wait at once (await the earlier ones)`, {
          name: "RangeError",
          code: "ERR_TOO_MANY_PENDING",
        }),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject, started: false });
      queuedTotal++;
      this.pump();
    });
  }

  pump() {
    while (!this.closed && this.active.size < PER_ISOLATE && this.queue.length > 0) {
      const job = this.queue.shift();
      queuedTotal--;
      this.active.add(job);
      job.start = () => {
        job.started = true;
        Promise.resolve()
          .then(job.task)
          .then(job.resolve, job.reject)
          .finally(() => {
            gate.done();
            this.active.delete(job);
            this.pump();
          });
      };
      gate.admit(job);
    }
  }

  // The isolate is going away: its queued jobs (and those still waiting at the gate) never run.
  close() {
    this.closed = true;
    const gone = new BridgeError("The sandbox is shutting down this script");
    queuedTotal -= this.queue.length;
    for (const job of this.queue.splice(0)) job.reject(gone);
    for (const job of [...this.active]) {
      if (!job.started && gate.withdraw(job)) {
        this.active.delete(job);
        job.reject(gone);
      }
    }
  }
}

// For the worker's stats: jobs on the pool now, waiting at the gate, and waiting in isolates' queues.
function cryptoJobStats() {
  return { running: gate.running, admitted_waiting: gate.waiting.length, queued: queuedTotal, worker_max: gate.max, per_isolate: PER_ISOLATE };
}

module.exports = { CryptoJobs, cryptoJobStats, PER_ISOLATE, WORKER_MAX };
