import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DevLogView } from './dev-log-view';

const line = (level: number, msg: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    level,
    time: Date.UTC(2026, 11, 3, 15, 4, 5),
    service: 'ingest',
    msg,
    ...extra,
  });

describe('DevLogView', () => {
  let dir: string;
  let view: DevLogView;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-log-view-'));
    view = new DevLogView(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should render a JSON log line as one readable line without the JSON', () => {
    const shown = view.render('ingest', line(30, 'ingest started', { topic: 'imaging' }));
    expect(shown).toContain('ingest started');
    expect(shown).toContain('topic: "imaging"');
    expect(shown).not.toContain('"msg"');
  });

  it("should show KafkaJS's text, which it logs as `message`, as the line's message", () => {
    const shown = view.render(
      'ingest',
      JSON.stringify({ level: 50, time: 0, logger: 'kafkajs', message: 'Restarting the consumer' }),
    );
    expect(shown).toMatch(/ERROR.*: Restarting the consumer\n/);
    expect(shown).toContain('logger: "kafkajs"');
  });

  it('should count the floods (quarantined demo messages, checkpoints) instead of printing them', () => {
    for (let i = 0; i < 3; i++) {
      expect(
        view.render(
          'ingest',
          line(40, 'message quarantined; inspect it with the quarantine query'),
        ),
      ).toBe('');
    }
    expect(view.render('ingest', line(30, 'checkpoint signed', { treeSize: 9 }))).toBe('');
    expect(view.count('quarantined')).toBe(3);
    expect(view.count('checkpoints')).toBe(1);
  });

  it('should leave debug lines out of the terminal and pass lines that are not JSON through', () => {
    expect(view.render('api', line(20, 'batch recorded'))).toBe('');
    expect(view.render('api', 'Error: boom')).toBe('api: Error: boom\n');
  });

  it("should keep every line, as written, in the child's log file", async () => {
    const out = new PassThrough();
    view.follow('ingest', out);
    const written = [
      line(40, 'message quarantined; inspect it with the quarantine query'),
      line(20, 'x'),
    ];
    const stdout = jest.spyOn(process.stdout, 'write').mockReturnValue(true);
    out.end(written.join('\n') + '\n');
    await new Promise((resolve) => out.on('end', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    stdout.mockRestore();
    await view.close();
    expect(readFileSync(view.file('ingest'), 'utf8')).toBe(written.join('\n') + '\n');
  });

  it("should still show a child's last lines that arrive while its log file closes, without failing", async () => {
    // A child's 'exit' can come before its output ends: the launcher closes the files while
    // the last lines (the child's own shutdown) are still on their way.
    const out = new PassThrough();
    view.follow('api', out);
    const stdout = jest.spyOn(process.stdout, 'write').mockReturnValue(true);
    const failures: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      failures.push(error);
    };
    process.prependListener('uncaughtException', onUncaught);
    try {
      out.write(line(30, 'first') + '\n');
      await new Promise((resolve) => setImmediate(resolve));
      const closing = view.close();
      out.end(line(30, 'API stopped') + '\n');
      await closing;
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const shown = stdout.mock.calls.map(([text]) => String(text)).join('');
      expect(shown).toContain('API stopped');
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      stdout.mockRestore();
    }
    expect(failures).toEqual([]);
    expect(readFileSync(view.file('api'), 'utf8')).toContain('first');
  });
});
