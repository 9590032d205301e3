/**
 * Lets file writes of an unpack run in the background, bounded: the thread pool writes while
 * the next blocks are decrypted and decompressed. Writes go to file descriptors opened (with
 * their path checks) in archive order, so later entries cannot redirect them. At most
 * `maxBytes` of chunks and `maxTasks` unfinished files are held; the first failure is thrown
 * by the next call.
 */
export class BackgroundWrites {
  private readonly inFlight = new Set<Promise<void>>();
  private bytes = 0;
  private tasks = 0;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly maxTasks = 16,
  ) {}

  /** Starts `write` of `bytes` bytes once they fit in the budget; `done` is its own outcome. */
  async write(bytes: number, write: () => Promise<unknown>): Promise<{ done: Promise<unknown> }> {
    while (this.inFlight.size > 0 && this.bytes + bytes > this.maxBytes) await this.settleOne();
    this.rethrow();
    const started = write();
    this.bytes += bytes;
    this.track(started, () => (this.bytes -= bytes));
    return { done: started };
  }

  /** Starts `task` (e.g. finishing and closing a file) once fewer than `maxTasks` run. */
  async task(task: () => Promise<void>): Promise<void> {
    while (this.tasks >= this.maxTasks) await this.settleOne();
    this.rethrow();
    this.tasks++;
    this.track(task(), () => this.tasks--);
  }

  /** Waits for everything started; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.rethrow();
  }

  /** Waits for everything started, ignoring failures (the unpack already failed). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(started: Promise<unknown>, release: () => void): void {
    const done: Promise<void> = started
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => {
        release();
        this.inFlight.delete(done);
      });
    this.inFlight.add(done);
  }

  private settleOne(): Promise<void> {
    return Promise.race(this.inFlight);
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
