// The life of a worker, for the calls made to it: each call settles with its own answer, or is
// rejected when the worker dies first. Racing every call against one long-lived "death" promise
// (Promise.race([call, death])) does the same but leaks: each race leaves a reaction on `death`,
// holding the settled call and its answer, until the worker dies. At thousands of writes a
// second that kept ~240 bytes per write on the page (145 MB after 600,000 writes) and made
// every major GC trace it. Here a call is forgotten as soon as it settles.
// Invariants: once end() ran, every pending and later guard() rejects with its cause; a settled
// call holds nothing.
export class Lifeline {
  private cause: Error | null = null;
  private readonly pending = new Set<(err: Error) => void>();

  /** Why the worker died, or null while it lives. */
  get dead(): Error | null {
    return this.cause;
  }

  /** Calls waiting on the worker (for tests: none stay after they settle). */
  get waiting(): number {
    return this.pending.size;
  }

  /** `call`'s outcome, or a rejection with the cause of death if the worker dies first. */
  guard<T>(call: Promise<T> | T): Promise<T> {
    if (this.cause !== null) return Promise.reject(this.cause);
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      Promise.resolve(call).then(
        (v) => {
          this.pending.delete(reject);
          resolve(v);
        },
        (err: unknown) => {
          this.pending.delete(reject);
          reject(err);
        },
      );
    });
  }

  /** The worker died: reject every call still waiting, and every later one. */
  end(cause: Error): void {
    if (this.cause !== null) return;
    this.cause = cause;
    for (const reject of this.pending) reject(cause);
    this.pending.clear();
  }
}
