import { describe, expect, test } from '@jest/globals';
import { safeFileName } from '../../server/attachments/names.js';
import { sniff } from '../../server/attachments/sniff.js';

describe('sniff: the type comes from the bytes, not the name', () => {
  test.each([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], 'image/png'],
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0, 0], 'image/jpeg'],
    ['gif', [...Buffer.from('GIF89a'), 1], 'image/gif'],
    ['webp', [...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBPVP8 ')], 'image/webp'],
    ['pdf', [...Buffer.from('%PDF-1.7\n')], 'application/pdf'],
    ['utf-8 text', [...Buffer.from('Grüße, 12 €\r\n\tok')], 'text/plain'],
  ])('%s', (_name, bytes, mimeType) => {
    expect(sniff(Buffer.from(bytes))).toEqual({ ok: true, mimeType });
  });

  test.each([
    ['empty', Buffer.alloc(0), /empty/],
    ['a Windows executable', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(10, 0x90)]), /executable/],
    ['an ELF executable', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), /executable/],
    ['HTML', Buffer.from('  <!DOCTYPE html><p>hi'), /HTML/],
    ['SVG', Buffer.from('<svg onload="x()"/>'), /HTML, SVG/],
    ['text with a NUL', Buffer.from('ab\u0000cd'), /only PNG/],
    ['invalid UTF-8', Buffer.from([0x61, 0xc3, 0x28]), /only PNG/],
    ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e]), /only PNG/],
  ])('%s is refused', (_name, bytes, reason) => {
    const got = sniff(bytes);
    expect(got.ok).toBe(false);
    expect(got.ok ? '' : got.reason).toMatch(reason);
  });
});

describe('safeFileName', () => {
  test.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\ada\\receipt.png', 'receipt.png'],
    ['a\u0000b\u0007c"d.txt', 'abcd.txt'],
    ['lone\ud800surrogate.txt', 'lonesurrogate.txt'],
    ['😀.png', '😀.png'],
    ['..', 'file'],
    ['.hidden', 'hidden'],
    ['', 'file'],
    [undefined, 'file'],
  ])('%j → %j', (raw, safe) => {
    expect(safeFileName(raw)).toBe(safe);
  });

  test('at most 255 characters, keeping the end (the extension)', () => {
    const name = safeFileName(`${'x'.repeat(400)}.pdf`);
    expect([...name]).toHaveLength(255);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});
