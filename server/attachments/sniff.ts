/*
 * What a file is, from its first bytes rather than its name or declared type: the types the hub
 * accepts (PROTOCOL.md §1.7.5). Anything else, HTML and executables included, is refused.
 */

export type Sniffed = { ok: true; mimeType: string } | { ok: false; reason: string };

const MAGIC: { mimeType: string; test: (b: Buffer) => boolean }[] = [
  { mimeType: 'image/png', test: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mimeType: 'image/jpeg', test: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  { mimeType: 'image/gif', test: (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a' },
  { mimeType: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { mimeType: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];

/** The media type the bytes are, or why they are refused. */
export function sniff(bytes: Buffer): Sniffed {
  if (bytes.length === 0) return { ok: false, reason: 'the file is empty' };
  for (const m of MAGIC) if (m.test(bytes)) return { ok: true, mimeType: m.mimeType };
  if (starts(bytes, [0x4d, 0x5a]) || starts(bytes, [0x7f, 0x45, 0x4c, 0x46])) return { ok: false, reason: 'executables are not accepted' };
  if (isPlainText(bytes)) {
    if (/^\s*<(!doctype|html|script|svg|\?xml|body|head|iframe)/i.test(bytes.subarray(0, 512).toString('utf8'))) return { ok: false, reason: 'HTML, SVG and XML are not accepted' };
    return { ok: true, mimeType: 'text/plain' };
  }
  return { ok: false, reason: 'only PNG, JPEG, GIF, WebP, PDF and plain UTF-8 text are accepted' };
}

export function isImage(mimeType: string): boolean {
  return mimeType.startsWith('image/');
}

function starts(b: Buffer, magic: number[]): boolean {
  return b.length >= magic.length && magic.every((v, i) => b[i] === v);
}

/** Valid UTF-8 with no NUL and no other control characters but tab, newline, carriage return and form feed. */
function isPlainText(b: Buffer): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}
