// Fresh isolates for "Try" runs. A few are prepared ahead with the heap size runs ask for (given at
// start, else learnt from the latest run), and each rehearses the run path once (IsolateSlot.init),
// so a run only pays for its own script; each is used once and disposed after its answer.
//
// A run that finds none ready waits for the first one being prepared, which is further along than a
// new one it would make itself; only when none is being prepared does it make its own.
"use strict";

const CLEANUP_DELAY_MS = 2;

class FreshPool {
  constructor({ createSlot, spares, memoryMb }) {
    this.createSlot = createSlot;
    this.spares = spares;
    this.memoryMb = memoryMb;
    this.ready = [];
    this.preparing = 0; // of this.memoryMb
    this.waiting = []; // { resolve, reject } of runs waiting for the next prepared isolate
    this.served = 0;
    this.misses = 0;
    this.pressed = false; // the last run took a spare before the one before it was replaced
    this.refill();
  }

  refill() {
    while (this.memoryMb && this.ready.length + this.preparing - this.waiting.length < this.spares) {
      this.prepare(this.memoryMb);
    }
  }

  prepare(memoryMb) {
    this.preparing++;
    const slot = this.createSlot(memoryMb);
    const done = () => {
      if (memoryMb === this.memoryMb) this.preparing--;
    };
    slot.init({ rehearse: true }).then(
      () => {
        done();
        this.offer(slot);
      },
      (e) => {
        done();
        process.stderr.write(`scriptd worker: preparing an isolate failed: ${e.message}\n`);
        slot.dispose();
        // A run counting on this one makes its own instead.
        const waiter = this.waiting.shift();
        if (waiter) this.createSlot(memoryMb).init().then(waiter.resolve, waiter.reject);
      },
    );
  }

  offer(slot) {
    if (slot.retired) return;
    if (slot.memoryMb !== this.memoryMb) return slot.dispose(); // runs ask for another heap size now
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(slot);
    else this.ready.push(slot);
  }

  async acquire(memoryMb) {
    this.served++;
    if (memoryMb !== this.memoryMb) {
      // Runs now ask for another heap size: spares of the old size would never be used.
      this.memoryMb = memoryMb;
      this.preparing = 0;
      this.ready.splice(0).forEach((slot) => slot.dispose());
      this.waiting.splice(0).forEach((waiter) => this.createSlot(memoryMb).init().then(waiter.resolve, waiter.reject));
    }
    if (this.ready.length > 0) {
      // A second spare taken before the first was replaced means runs come faster than spares are made:
      // the next one is then prepared as soon as this run has answered (release), not a moment later.
      this.pressed = this.ready.length < this.spares;
      return this.ready.shift();
    }
    this.misses++; // a run that waits for an isolate to be made (stats: fresh_misses)
    if (this.preparing > this.waiting.length) {
      const next = new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
      this.refill();
      return next;
    }
    this.refill();
    return this.createSlot(memoryMb).init();
  }

  // Called once a run has answered. Its timers and bridges stop now; disposing the isolate and
  // preparing the next one wait a moment, so that work never delays the answer on its way out.
  release(slot) {
    slot.retire();
    // Making an isolate holds this thread (`new ivm.Isolate`, under a millisecond): right after an answer
    // it no longer delays that answer, only the next request (or a second Try run in flight) by part of it.
    if (this.pressed) this.refill();
    setTimeout(() => {
      slot.dispose();
      this.refill();
    }, CLEANUP_DELAY_MS);
  }
}

module.exports = { FreshPool };
