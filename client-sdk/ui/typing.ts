/** "Sam is typing…" for the widget and each desk pane: who types, with a stale timeout per typer. */
export class Typers {
  private readonly typers = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();

  /** `staleMs`: how long "is typing" stays up when the stop never comes (a closed tab). */
  constructor(
    private readonly line: HTMLElement,
    private readonly staleMs = 6_000,
  ) {}

  set(id: string, name: string, typing: boolean): void {
    if (!typing) return this.clear(id);
    const prior = this.typers.get(id);
    if (prior) clearTimeout(prior.timer);
    this.typers.set(id, { name, timer: setTimeout(() => this.clear(id), this.staleMs) });
    this.show();
  }

  /** Someone stopped, or their message arrived. */
  clear(id: string): void {
    const t = this.typers.get(id);
    if (!t) return;
    clearTimeout(t.timer);
    this.typers.delete(id);
    this.show();
  }

  clearAll(): void {
    for (const t of this.typers.values()) clearTimeout(t.timer);
    this.typers.clear();
    this.show();
  }

  private show(): void {
    const names = [...this.typers.values()].map((t) => t.name);
    this.line.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
  }
}

/**
 * Tells the hub that the local user types, at most every `everyMs`, and that they stopped after
 * `idleMs` without input (or when `stop()` is called).
 */
export class LocalTyping {
  private sentAt = 0;
  private idle?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly send: (typing: boolean) => Promise<unknown> | undefined,
    private readonly everyMs = 2_500,
    private readonly idleMs = 4_000,
  ) {}

  input(active: boolean): void {
    clearTimeout(this.idle);
    if (!active) return this.stop();
    const now = Date.now();
    if (now - this.sentAt > this.everyMs) {
      this.sentAt = now;
      this.send(true)?.catch(() => {});
    }
    this.idle = setTimeout(() => this.stop(), this.idleMs);
  }

  stop(): void {
    clearTimeout(this.idle);
    if (!this.sentAt) return;
    this.sentAt = 0;
    this.send(false)?.catch(() => {});
  }
}
