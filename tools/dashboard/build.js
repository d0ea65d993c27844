// Builds the browser dashboard (npm run build): bundles apps/dashboard/src/main.ts into
// dist/dashboard/app.js and copies index.html and the stylesheet beside it. The API
// serves that directory at /dashboard/.
const { build } = require('esbuild');
const { cpSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const source = join(root, 'apps', 'dashboard', 'src');
const out = join(root, 'dist', 'dashboard');

async function buildDashboard() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(source, 'main.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  cpSync(join(source, 'index.html'), join(out, 'index.html'));
  cpSync(join(source, 'styles.css'), join(out, 'app.css'));
  return out;
}

module.exports = { buildDashboard };

if (require.main === module) {
  buildDashboard().then(
    (dir) => process.stdout.write(`dashboard built in ${dir}\n`),
    (error) => {
      process.stderr.write(`dashboard build failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
