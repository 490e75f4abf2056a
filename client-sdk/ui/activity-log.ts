/**
 * A log of activities shared by the widget and the desk: one element per activity, kept in `seq`
 * order, plus items not acknowledged yet (a message on its way) that stay at the end until the hub
 * gives them a seq. The pages render activities from `HubClient.onActivity`, which hands each one
 * over once and in order; `add` still refuses a seq it has, because a desk merges the history of a
 * conversation it joins (the join's answer) with the live stream at the seam.
 */
export class ActivityLog {
  private readonly items = new Map<number, HTMLElement>();

  constructor(readonly el: HTMLOListElement | HTMLUListElement) {}

  has(seq: number): boolean {
    return this.items.has(seq);
  }

  /** The element rendered for `seq`, if any. */
  get(seq: number): HTMLElement | undefined {
    return this.items.get(seq);
  }

  /**
   * Places `item` as activity `seq`: after every lower seq, before higher ones and before pending
   * items. Answers false (and does nothing) when that seq is already in the log.
   */
  add(seq: number, item: HTMLElement): boolean {
    if (this.items.has(seq)) return false;
    this.items.set(seq, item);
    item.dataset.seq = String(seq);
    item.removeAttribute('data-pending');
    let before: Element | null = null;
    for (let el = this.el.lastElementChild; el; el = el.previousElementSibling) {
      if (el === item) continue;
      const s = (el as HTMLElement).dataset.seq;
      if (s === undefined || Number(s) > seq) before = el;
      else break;
    }
    if (item.nextElementSibling !== before || item.parentElement !== this.el) this.el.insertBefore(item, before);
    this.scroll();
    return true;
  }

  /** An item with no seq yet (a message being sent); `add` gives it its place once the hub has it. */
  addPending(item: HTMLElement): void {
    item.dataset.pending = '';
    this.el.appendChild(item);
    this.scroll();
  }

  /** A note that belongs to no activity (a new conversation started): after what is there now. */
  addNote(item: HTMLElement): void {
    const firstPending = this.el.querySelector(':scope > [data-pending]');
    this.el.insertBefore(item, firstPending);
    this.scroll();
  }

  clear(): void {
    this.items.clear();
    while (this.el.firstChild) this.el.removeChild(this.el.firstChild);
  }

  private scroll(): void {
    this.el.scrollTop = this.el.scrollHeight;
  }
}
