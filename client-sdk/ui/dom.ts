/**
 * The DOM helpers of the browser pages (widget and desk): elements are built with properties and children, and
 * text always goes in as text nodes, so nothing a participant typed is ever parsed as HTML.
 */
type Child = Node | string | number | false | null | undefined;
type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>> & {
  /** Attributes set with setAttribute (aria-*, role, for, data-*...). */
  attrs?: Record<string, string | number | boolean | undefined>;
  className?: string;
};

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const { attrs, ...rest } = props;
  Object.assign(el, rest);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** "14:05" in the reader's locale. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** A unique id for a message, so that a retry of the same message is recognised by the hub. */
export function newClientMessageId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  c?.getRandomValues(bytes);
  return `cm-${Date.now().toString(36)}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The message of whatever a call threw (a HubCallError carries the hub's code). */
export function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e && typeof e === 'object' && e.message) return e.code ? `${e.message} (${e.code})` : e.message;
  return String(err);
}

/** A status line next to what was tried; `error` colours it. */
export function setStatus(el: HTMLElement, text: string, error = false): void {
  el.textContent = text;
  el.classList.toggle('error', error);
}

type StorageKind = 'localStorage' | 'sessionStorage';

/** Storage can be blocked (privacy settings): then nothing is kept and the page works for this tab only. */
export function readStored(kind: StorageKind, key: string): string | undefined {
  try {
    return window[kind].getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `value` under `key`, or removes it when undefined; blocked or full storage is ignored. */
export function store(kind: StorageKind, key: string, value: string | undefined): void {
  try {
    if (value === undefined) window[kind].removeItem(key);
    else window[kind].setItem(key, value);
  } catch {
    // blocked or full
  }
}
