// Fresh isolates for "Try" runs. A few are prepared ahead with the heap size runs ask for (given at
// start, else learnt from the latest run), so a run only pays for its own script; each is used once
// and disposed after its answer.
"use strict";

const CLEANUP_DELAY_MS = 2;

class FreshPool {
  constructor({ createSlot, spares, memoryMb }) {
    this.createSlot = createSlot;
    this.spares = spares;
    this.memoryMb = memoryMb;
    this.ready = [];
    this.preparing = 0;
    this.refill();
  }

  refill() {
    while (this.memoryMb && this.ready.length + this.preparing < this.spares) {
      this.preparing++;
      const slot = this.createSlot(this.memoryMb);
      slot
        .init()
        .then(() => this.ready.push(slot))
        .catch((e) => process.stderr.write(`scriptd worker: preparing an isolate failed: ${e.message}\n`))
        .finally(() => this.preparing--);
    }
  }

  async acquire(memoryMb) {
    if (memoryMb === this.memoryMb && this.ready.length > 0) return this.ready.shift();
    if (memoryMb !== this.memoryMb) {
      // Runs now ask for another heap size: spares of the old size would never be used.
      this.memoryMb = memoryMb;
      this.ready.splice(0).forEach((slot) => slot.dispose());
    }
    return this.createSlot(memoryMb).init();
  }

  // Called once a run has answered. Its timers and bridges stop now; disposing the isolate and
  // preparing the next one wait a moment, so that work never delays the answer on its way out.
  release(slot) {
    slot.retire();
    setTimeout(() => {
      slot.dispose();
      this.refill();
    }, CLEANUP_DELAY_MS);
  }
}

module.exports = { FreshPool };
