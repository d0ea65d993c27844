import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardAssets, defaultDashboardDir } from './dashboard-assets';

describe('DashboardAssets', () => {
  const root = mkdtempSync(join(tmpdir(), 'dashboard-assets-'));
  const dir = join(root, 'dist', 'dashboard');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'app.js'), 'void 0;');
  writeFileSync(join(root, 'secret.txt'), 'no');
  const assets = new DashboardAssets(dir);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
  ])('should serve %s with its content type when it was built', async (name, type) => {
    expect((await assets.read(name))?.contentType).toBe(type);
  });

  it.each(['../secret.txt', '..%2Fsecret.txt', '.env', 'secret.txt', 'missing.js', 'a/b.js', ''])(
    'should find nothing when the name is %j',
    async (name) => {
      expect(await assets.read(name)).toBeUndefined();
    },
  );

  it('should read a file once while it is unchanged, and again once rebuilt', async () => {
    writeFileSync(join(dir, 'chart.js'), 'one();');
    const [first, second] = await Promise.all([assets.read('chart.js'), assets.read('chart.js')]);
    expect(second?.body).toBe(first?.body);
    writeFileSync(join(dir, 'chart.js'), 'two();');
    utimesSync(join(dir, 'chart.js'), new Date(), new Date(Date.now() + 60_000));
    expect((await assets.read('chart.js'))?.body.toString()).toBe('two();');
  });

  it('should find nothing once a file is removed', async () => {
    writeFileSync(join(dir, 'gone.js'), 'gone();');
    expect(await assets.read('gone.js')).toBeDefined();
    rmSync(join(dir, 'gone.js'));
    expect(await assets.read('gone.js')).toBeUndefined();
  });

  it('should look in dist/dashboard of the directory holding package.json', () => {
    writeFileSync(join(root, 'package.json'), '{}');
    const deep = join(root, 'dist', 'apps', 'api', 'src', 'dashboard');
    mkdirSync(deep, { recursive: true });
    expect(defaultDashboardDir(deep)).toBe(dir);
  });
});
