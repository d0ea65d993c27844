// Builds the browser dashboard (npm run build): bundles apps/dashboard/src/main.ts into
// dist/dashboard/app.js and copies index.html and the stylesheet beside it. The API
// serves that directory at /dashboard/.
//
// The files are built in a scratch folder and then renamed into place one by one, so a
// server reading dist/dashboard while another process rebuilds it (parallel browser
// suites do) always finds a whole file: never a missing or half-written one.
const { build } = require('esbuild');
const { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..', '..');
const source = join(root, 'apps', 'dashboard', 'src');
const defaultOut = join(root, 'dist', 'dashboard');

/** Builds into `out` (dist/dashboard by default) and resolves to it. */
async function buildDashboard(out = defaultOut) {
  mkdirSync(out, { recursive: true });
  // Beside the output, on the same file system, so each rename is atomic.
  const scratch = mkdtempSync(join(dirname(out), '.dashboard-build-'));
  try {
    await buildInto(scratch);
    const built = readdirSync(scratch);
    for (const name of built) renameSync(join(scratch, name), join(out, name));
    for (const name of readdirSync(out)) {
      if (!built.includes(name)) rmSync(join(out, name), { recursive: true, force: true });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}

async function buildInto(dir) {
  await build({
    entryPoints: [join(source, 'main.ts')],
    outfile: join(dir, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  cpSync(join(source, 'index.html'), join(dir, 'index.html'));
  cpSync(join(source, 'styles.css'), join(dir, 'app.css'));
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
