// Copies the .sql files of libs/ into dist/ beside their compiled modules (npm run build).
const { cpSync, readdirSync, statSync, mkdirSync } = require('node:fs');
const { join, dirname } = require('node:path');

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.sql')) {
      const target = join(__dirname, '..', 'dist', path);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
process.chdir(join(__dirname, '..'));
walk('libs');
