import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The plain JS build script that `npm run build` and the browser suites run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildDashboard } = require('./build.js') as {
  buildDashboard(out?: string): Promise<string>;
};

const SERVED = ['index.html', 'app.js', 'app.css'];

describe('buildDashboard', () => {
  let parent: string;
  let out: string;

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'dashboard-build-'));
    out = join(parent, 'dashboard');
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('should write the page, its script and its stylesheet, and nothing else beside them', async () => {
    await buildDashboard(out);
    expect(readdirSync(out).sort()).toEqual(['app.css', 'app.js', 'app.js.map', 'index.html']);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('app.js');
    // The scratch folder is gone.
    expect(readdirSync(parent)).toEqual(['dashboard']);
  });

  it('should drop a file an earlier build left that this build does not make', async () => {
    await buildDashboard(out);
    writeFileSync(join(out, 'old-chunk.js'), '// from an older build');
    await buildDashboard(out);
    expect(existsSync(join(out, 'old-chunk.js'))).toBe(false);
  });

  it('should never leave a served file missing or partly written while builds run side by side', async () => {
    // Parallel browser suites rebuild the folder while another suite's server reads it.
    await buildDashboard(out);
    const whole = new Map(SERVED.map((name) => [name, readFileSync(join(out, name)).length]));
    const problems: string[] = [];
    let building = true;
    const reader = (async () => {
      let reads = 0;
      while (building || reads === 0) {
        for (const name of SERVED) {
          try {
            const size = readFileSync(join(out, name)).length;
            if (size !== whole.get(name)) problems.push(`${name}: ${size} bytes`);
          } catch (error) {
            problems.push(`${name}: ${(error as NodeJS.ErrnoException).code}`);
          }
        }
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return reads;
    })();
    await Promise.all([buildDashboard(out), buildDashboard(out), buildDashboard(out)]);
    building = false;
    const reads = await reader;
    expect(reads).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
