import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';

/** A destination that keeps what is written. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const secrets = { HUB_JWT_SECRET: 'a-secret-of-at-least-16', HUB_ADMIN_KEY: 'an-admin-key-of-16-chars' };

describe('logs', () => {
  test('JSON by default, every line with its node (hostname:pid) and the fields of its call site', () => {
    const out = capture();
    const log = createLogger('info', { destination: out.stream });
    log.info({ conversationId: 'conv-1', participantId: 'agent-1' }, 'something happened');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'hub', node: `${hostname()}:${process.pid}`, conversationId: 'conv-1', participantId: 'agent-1', msg: 'something happened', level: 30 });
  });

  test('LOG_FORMAT=pretty writes readable lines, not JSON, synchronously', () => {
    const out = capture();
    const log = createLogger('info', { format: 'pretty', destination: out.stream, node: 'node-a' });
    log.warn({ conversationId: 'conv-2' }, 'archive slow');
    const text = plain(out.text()); // written by the time warn() returned: a synchronous stream
    expect(text).toMatch(/WARN.*archive slow/);
    expect(text).toContain('conversationId: "conv-2"');
    expect(text).toContain('node: "node-a"');
    expect(() => JSON.parse(text.trim())).toThrow();
  });

  test('LOG_FORMAT=pretty without pino-pretty installed (production images) logs JSON, after one warning line', () => {
    const out = capture();
    const log = createLogger('info', { format: 'pretty', destination: out.stream, loadPretty: () => undefined });
    log.info('still logging');
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('pino-pretty') });
    expect(lines[1]).toMatchObject({ level: 30, msg: 'still logging' });
  });

  test('LOG_FORMAT is read from the environment; anything but json or pretty is a configuration error naming it', () => {
    expect(loadConfig({ ...secrets }).logFormat).toBe('json');
    expect(loadConfig({ ...secrets, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ ...secrets, LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: LOG_FORMAT must be 'json' \(the default\) or 'pretty'/);
  });
});
