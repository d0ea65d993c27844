// Copies the .sql files of libs/ (and the Orthanc Lua hook of tools/orthanc) into dist/
// beside their compiled modules (npm run build).
const { cpSync, readdirSync, statSync, mkdirSync } = require('node:fs');
const { join, dirname } = require('node:path');

function walk(dir, extension) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, extension);
    else if (name.endsWith(extension)) {
      const target = join(__dirname, '..', 'dist', path);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
process.chdir(join(__dirname, '..'));
walk('libs', '.sql');
walk('tools/orthanc', '.lua');
