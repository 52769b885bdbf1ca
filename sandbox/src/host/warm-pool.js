// Warm isolates per connection revision, so `global` persists between a connection's runs as
// Auth0 documents. At most `perKey` isolates serve one key (one run at a time each; more runs wait
// in line, each for at most its own `waitMs`); an isolate is recycled after `maxRuns` runs,
// `maxAgeMs`, any timeout or memory error.
"use strict";

// A run that waited its whole time limit in its key's line without getting an isolate.
class QueueTimeout extends Error {
  constructor(waitMs) {
    super(`waited ${waitMs} ms for an isolate`);
    this.waitMs = waitMs;
  }
}

class WarmPool {
  constructor({ createSlot, perKey, maxRuns, maxAgeMs, maxIsolates }) {
    this.createSlot = createSlot;
    this.perKey = perKey;
    this.maxRuns = maxRuns;
    this.maxAgeMs = maxAgeMs;
    this.maxIsolates = maxIsolates;
    this.groups = new Map(); // key -> { slots: [], waiters: [] }
    this.sweeper = setInterval(() => this.sweep(), Math.min(maxAgeMs, 30_000)).unref();
  }

  get size() {
    let n = 0;
    for (const group of this.groups.values()) n += group.slots.length;
    return n;
  }

  worn(slot) {
    return slot.disposed || slot.runs >= this.maxRuns || Date.now() - slot.createdAt >= this.maxAgeMs;
  }

  // Resolves to an idle slot reserved for the caller, who must call release(key, slot). When all of
  // the key's isolates are busy the caller waits in line (onWait() is called then); after `waitMs` it
  // leaves the line and the promise rejects with QueueTimeout.
  async acquire(key, memoryMb, waitMs = Infinity, onWait = () => {}) {
    for (const slot of this.groups.get(key)?.slots || []) if (!slot.reserved && this.worn(slot)) this.remove(key, slot);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { slots: [], waiters: [] }));
    const free = group.slots.filter((s) => !s.reserved && !this.worn(s));
    const idle = free.find((s) => s.entries === 0) || free[0];
    if (idle) {
      idle.reserved = true;
      if (idle.entries === 0) return idle;
      // Code is still running in it: usually the end of the entry that answered, which comes a moment after
      // the answer. Work the last run left running is watched by the idle budget until it ends or the
      // isolate goes (isolate-slot.js): its time counts whether it computes or waits on the host (a hash),
      // so this run waits for it at most about the budget's burst, and is not blamed for it.
      const begun = Date.now();
      while (idle.entries > 0 && !idle.disposed) await idle.quiet(); // again: nothing may have begun since
      if (!this.worn(idle)) return idle;
      this.remove(key, idle);
      return this.acquire(key, memoryMb, Math.max(0, waitMs - (Date.now() - begun)), onWait);
    }
    if (group.slots.length < this.perKey) {
      this.evictIfFull();
      const slot = this.createSlot(memoryMb);
      slot.reserved = true;
      group.slots.push(slot);
      try {
        return await slot.init();
      } catch (e) {
        this.remove(key, slot);
        throw e;
      }
    }
    onWait();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, memoryMb, until: Date.now() + waitMs };
      if (Number.isFinite(waitMs)) {
        waiter.timer = setTimeout(() => {
          group.waiters = group.waiters.filter((w) => w !== waiter);
          if (group.slots.length === 0 && group.waiters.length === 0 && this.groups.get(key) === group) this.groups.delete(key);
          reject(new QueueTimeout(waitMs));
        }, waitMs);
      }
      group.waiters.push(waiter);
    });
  }

  release(key, slot) {
    const group = this.groups.get(key);
    slot.reserved = false;
    if (this.worn(slot)) this.remove(key, slot);
    if (!group || group.waiters.length === 0) return;
    const waiter = group.waiters.shift();
    clearTimeout(waiter.timer);
    this.acquire(key, waiter.memoryMb, Math.max(0, waiter.until - Date.now())).then(waiter.resolve, waiter.reject);
  }

  remove(key, slot) {
    slot.dispose();
    const group = this.groups.get(key);
    if (!group) return;
    group.slots = group.slots.filter((s) => s !== slot);
    if (group.slots.length === 0 && group.waiters.length === 0) this.groups.delete(key);
  }

  // Least recently used idle isolate goes first when the worker holds too many.
  evictIfFull() {
    if (this.size < this.maxIsolates) return;
    let oldest = null;
    for (const [key, group] of this.groups) {
      for (const slot of group.slots) if (!slot.reserved && (!oldest || slot.lastUsedAt < oldest.slot.lastUsedAt)) oldest = { key, slot };
    }
    if (oldest) this.remove(oldest.key, oldest.slot);
  }

  sweep() {
    for (const [key, group] of [...this.groups]) {
      for (const slot of group.slots) if (!slot.reserved && this.worn(slot)) this.remove(key, slot);
    }
  }
}

module.exports = { WarmPool, QueueTimeout };
