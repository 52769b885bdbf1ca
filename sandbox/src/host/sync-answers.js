// Answers to an isolate's blocking bridge calls (`bridge.call` in runtime.js: pbkdf2Sync, bcrypt's
// compareSync, a JWT's RS256 signature...). The isolate posts such a call like one that waits for nothing,
// then its thread sleeps in Atomics.wait on memory it shares with its slot alone, until the answer is
// written there and the thread woken. That is one wake-up of the isolate's thread per call; isolated-vm's
// applySyncPromise, used before, woke it twice (once when this thread had started the call, once with
// the answer), and on a busy machine a wake-up costs more than the call's own work.
//
// The shared memory: Int32 [0] the state: IDLE, the number of the call the isolate waits for (from 1), or
// ANSWERED; [1] the answer's length in UTF-16 code units, or -1 when it did not fit (the isolate then takes
// it with a synchronous callback, `take`); from byte HEADER_BYTES, the answer's code units.
"use strict";

const HEADER_BYTES = 8;
const CAPACITY = 8192; // code units: bcrypt, pbkdf2, signatures and UUIDs fit; a large randomBytes does not
const ANSWERED = -1; // the isolate sets the state back to 0 (idle) once it has read an answer

class SyncAnswers {
  constructor() {
    this.memory = new SharedArrayBuffer(HEADER_BYTES + 2 * CAPACITY);
    this.words = new Int32Array(this.memory, 0, 2);
    this.chars = new Uint16Array(this.memory, HEADER_BYTES, CAPACITY);
    this.oversized = null;
  }

  // `call`: the number the isolate gave the call. The answer counts only if the isolate still waits for
  // that call when it is complete (compareExchange): a call the script left (an exception between posting
  // and waiting) may be answered late, over a later call's wait, and that later call must not take it.
  answer(call, envelope) {
    if (Atomics.load(this.words, 0) !== call) return;
    if (envelope.length <= CAPACITY) {
      for (let i = 0; i < envelope.length; i++) this.chars[i] = envelope.charCodeAt(i);
      this.words[1] = envelope.length;
    } else {
      this.oversized = envelope;
      this.words[1] = -1;
    }
    if (Atomics.compareExchange(this.words, 0, call, ANSWERED) === call) Atomics.notify(this.words, 0);
  }

  take() {
    const envelope = this.oversized;
    this.oversized = null;
    return envelope;
  }
}

module.exports = { SyncAnswers };
