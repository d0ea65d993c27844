// What the docs name must exist: files were moved and renamed over many sessions while the
// prose kept the old names. Checked in every Markdown file of the repository except
// bench/HISTORY.md, whose sessions name files as they were then; its headings are still
// read, as the anchors other docs link to. Grep-level on purpose: fast, and each failure
// says file:line and what to change.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import GithubSlugger from 'github-slugger';

const root = join(__dirname, '..', '..');
const HISTORY = 'bench/HISTORY.md';

/**
 * What the docs name on purpose though this repository has no such file, option or name:
 * `name` is a path prefix (ending in /), a CLI `command --option` or an identifier; `doc`
 * limits an entry to one document. Each says why: an entry without a reason is a stale
 * name hidden.
 */
const NOT_OURS: ReadonlyArray<{ name: string; doc?: string; why: string }> = [
  { name: '../shared/', why: 'the shared folder beside the clone (CONTRACT.md), outside it' },
  { name: 'test/artifacts/', why: 'written by the tests as they run (git-ignored)' },
  { name: 'dist/dashboard/', why: "esbuild's bundle of apps/dashboard, made by npm run build" },
  {
    name: 'DATA/',
    doc: 'tools/kafka/README.md',
    why: "stands for the local broker's data folder at run time",
  },
  {
    name: 'standard/',
    doc: 'libs/inspection/test-data/SOURCE.md',
    why: 'the path of the file in innolitics/dicom-standard, where it was taken from',
  },
  {
    name: 'verify --log',
    doc: 'docs/scaling.md',
    why: 'an option of the multi-log design the page proposes, not built',
  },
  { name: 'KAFKAJS_LOG_LEVEL', why: "KafkaJS's own environment variable" },
  { name: 'NODE_PATH', why: "Node's module search path" },
  { name: 'SCHED_BATCH', why: 'a Linux scheduling policy' },
  { name: 'CT1_UNC', why: "a NEMA WG04 sample image, named in pydicom's README" },
  { name: 'ExecuteLuaEnabled', why: "an option of Orthanc's configuration" },
  { name: 'KeepAlive', why: "an option of Orthanc's configuration" },
  { name: 'addFields', why: "node-pg's row parser, as a CPU profile names it" },
  { name: 'RequestedSOPInstanceUID', why: 'a keyword of the DICOM dictionary' },
  { name: 'niceIncrement', why: "an option of piscina's, tried for the letters and not used" },
  { name: 'ERR_STRING_TOO_LONG', why: "Node's error code for a string past its maximum length" },
];

function notOurs(docPath: string, name: string): boolean {
  return NOT_OURS.some(
    (n) =>
      (n.doc === undefined || n.doc === docPath) &&
      (n.name === name || (n.name.endsWith('/') && name.startsWith(n.name))),
  );
}

// ---------------------------------------------------------------------------------------
// The tree and the docs

/** Files a fresh clone has: tracked, or new and not ignored; none deleted in the work tree. */
function treeFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return listed.split('\0').filter((f) => f !== '' && existsSync(join(root, f)));
}

const files = treeFiles();
const fileSet = new Set(files);
const dirSet = new Set<string>();
for (const f of files) {
  const parts = f.split('/');
  for (let i = 1; i < parts.length; i++) dirSet.add(parts.slice(0, i).join('/'));
}

interface Located {
  text: string;
  line: number;
}

interface Doc {
  path: string;
  /** Every line, with the info string of the fenced code block it sits in. */
  lines: Array<{ text: string; line: number; fence?: string }>;
  /** Lines outside fences with their code spans blanked out. */
  prose: Located[];
  /** Code spans outside fences, a span over several lines joined with spaces. */
  codeSpans: Located[];
  /** Link and image targets outside fences and code spans. */
  linkTargets: Located[];
}

const CODE_SPAN = /(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

function parseDoc(path: string): Doc {
  const lines: Doc['lines'] = [];
  const paragraphs: Located[] = [];
  let fence: { marker: string; info: string } | undefined;
  let paragraph: string[] = [];
  let paragraphStart = 0;
  const endParagraph = (): void => {
    if (paragraph.length > 0) paragraphs.push({ text: paragraph.join('\n'), line: paragraphStart });
    paragraph = [];
  };
  readFileSync(join(root, path), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const line = i + 1;
      const marker = FENCE.exec(text)?.[1];
      if (fence) {
        const closes =
          marker !== undefined &&
          marker[0] === fence.marker[0] &&
          marker.length >= fence.marker.length &&
          text.trim() === marker;
        lines.push(closes ? { text, line } : { text, line, fence: fence.info });
        if (closes) fence = undefined;
        return;
      }
      lines.push({ text, line });
      if (marker !== undefined) {
        endParagraph();
        fence = { marker, info: text.trim().slice(marker.length).trim() };
      } else if (text.trim() === '') endParagraph();
      else {
        if (paragraph.length === 0) paragraphStart = line;
        paragraph.push(text);
      }
    });
  endParagraph();

  const prose: Located[] = [];
  const codeSpans: Located[] = [];
  const linkTargets: Located[] = [];
  for (const p of paragraphs) {
    const lineAt = (index: number): number =>
      p.line + (p.text.slice(0, index).match(/\n/g) ?? []).length;
    const masked = p.text.replace(
      CODE_SPAN,
      (whole: string, _ticks: string, body: string, at: number) => {
        codeSpans.push({ text: body.replace(/\s*\n\s*/g, ' ').trim(), line: lineAt(at) });
        return whole.replace(/[^\n]/g, ' ');
      },
    );
    masked.split('\n').forEach((text, i) => prose.push({ text, line: p.line + i }));
    for (const m of masked.matchAll(/\]\(\s*<?([^)\s>]+)/g))
      linkTargets.push({ text: m[1], line: lineAt(m.index) });
    for (const m of masked.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)/gm))
      linkTargets.push({ text: m[1], line: lineAt(m.index) });
    for (const m of masked.matchAll(/\b(?:href|src)="([^"]+)"/g))
      linkTargets.push({ text: m[1], line: lineAt(m.index) });
  }
  return { path, lines, prose, codeSpans, linkTargets };
}

const parsed = new Map(files.filter((f) => f.endsWith('.md')).map((f) => [f, parseDoc(f)]));
/** The docs checked for names; HISTORY.md only for its links (its own and to others). */
const docs = [...parsed.values()].filter((d) => d.path !== HISTORY);

/** A name with the punctuation around it in prose dropped. */
function bare(token: string): string {
  return token.replace(/^[("'[]+/, '').replace(/[)"',;:\]]+$/, '');
}

// ---------------------------------------------------------------------------------------
// Anchors: GitHub's slug of each heading (github-slugger), and explicit HTML ids

/** A heading as GitHub renders it to text: no code ticks, link targets, emphasis or tags. */
function headingText(markdown: string): string {
  return markdown
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/`/g, '')
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
            .replace(/<[^>]+>/g, '')
            .replace(/\*/g, '')
            .replace(/(^|[^\p{L}\p{N}])_+|_+(?=[^\p{L}\p{N}]|$)/gu, '$1'),
    )
    .join('');
}

const anchorsByDoc = new Map<string, Set<string>>();
function anchorsOf(path: string): Set<string> {
  const known = anchorsByDoc.get(path);
  if (known) return known;
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const { text, fence } of (parsed.get(path) ?? parseDoc(path)).lines) {
    if (fence !== undefined) continue;
    const heading = /^ {0,3}#{1,6}\s+(.+?)(?:\s+#+)?\s*$/.exec(text);
    if (heading) anchors.add(slugger.slug(headingText(heading[1])));
    for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  }
  anchorsByDoc.set(path, anchors);
  return anchors;
}

// ---------------------------------------------------------------------------------------
// Paths

function inTree(path: string): boolean {
  const p = path.replace(/\/+$/, '');
  return fileSet.has(p) || dirSet.has(p);
}

/** A name with placeholders (`*`, `<name>`, `...`) as a pattern, else undefined. */
function placeholderPattern(name: string): RegExp | undefined {
  if (!/[*<>]|\.\.\.|…/.test(name)) return undefined;
  const source = name
    .replace(/\/+$/, '')
    .split(/(\*\*|\*|<[^>]*>|\.\.\.|…)/)
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      return part === '*' || part.startsWith('<') ? '[^/]*' : '.*';
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** The folders a short path may be relative to besides the root and the doc's folder. */
function packageFolders(docPath: string): string[] {
  const pkg = /^((?:apps|libs|tools)\/[^/]+)\//.exec(docPath)?.[1];
  return pkg ? [pkg, `${pkg}/src`] : [];
}

/**
 * Whether a path the docs name is in the tree, from the root, the doc's folder, its
 * package (and the package's src/), or a folder of a path named before it on the same
 * line (`libs/x/src/a.spec.ts`, `feature/b.spec.ts`). `dist/<p>.js` is built from
 * `<p>.ts` (tsc) or `<p>.js` (copied).
 */
function resolves(docPath: string, named: string, folders: readonly string[]): boolean {
  const path = named.replace(/^\.\//, '');
  const built = path.startsWith('dist/') ? path.slice('dist/'.length) : undefined;
  if (built === '') return true; // dist/ itself: the build's output folder
  const relative = built ?? path;
  const bases = ['', posix.dirname(docPath), ...packageFolders(docPath), ...folders];
  return bases.some((base) => {
    const full = posix.normalize(posix.join(base, relative));
    const candidates = built ? [full.replace(/\.js$/, '.ts'), full] : [full];
    return candidates.some((c) => {
      const pattern = placeholderPattern(c);
      if (!pattern) return inTree(c);
      return files.some((f) => pattern.test(f)) || [...dirSet].some((d) => pattern.test(d));
    });
  });
}

/** A full path's folder and the folders above it. */
function foldersOf(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

const TOP_LEVEL = /^(apps|libs|test|bench|tools|docs|types|dist|\.ci)\//;
const EXTENSION = /\.[A-Za-z][A-Za-z0-9]{0,5}$/;

/** Tokens of a code span that look like a path: a `/` and an extension, or a top folder. */
function namedPaths(span: string): string[] {
  return span
    .split(/\s+/)
    .map(bare)
    .filter((t) => {
      if (/^[a-z][a-z0-9+.-]*:/i.test(t) || /^[/~$]/.test(t) || t.includes('=')) return false;
      if (!t.includes('/') || /^(\.\/)?\.data(\/|$)/.test(t)) return false;
      const p = t.replace(/^\.\//, '');
      return TOP_LEVEL.test(p) || EXTENSION.test(p) || p.startsWith('../');
    });
}

// ---------------------------------------------------------------------------------------
// npm scripts, the CLI, the benchmarks, and the names the code uses

const scripts = new Set(
  Object.keys(
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: object }).scripts,
  ),
);

/** The CLI's commands (apps/cli/main.ts, commander), each with its options. */
function cliCommands(): Map<string, Set<string>> {
  const parts = readFileSync(join(root, 'apps/cli/main.ts'), 'utf8').split(
    /\.command\('([\w-]+)'\)/,
  );
  const commands = new Map<string, Set<string>>();
  for (let i = 1; i < parts.length; i += 2) {
    const options = new Set(['--help']);
    for (const m of parts[i + 1].matchAll(/\.(?:option|requiredOption)\(\s*'(?:-\w, )?(--[\w-]+)/g))
      options.add(m[1]);
    commands.set(parts[i], options);
  }
  return commands;
}

/** Does bench/<name>.bench.ts (node's parseArgs) take `--flag`? */
function benchTakes(name: string, flag: string): boolean {
  const file = join(root, 'bench', `${name}.bench.ts`);
  const key = flag.slice(2);
  return (
    existsSync(file) &&
    new RegExp(`(?:'${key}'|\\b${key})\\s*:\\s*\\{\\s*type\\s*:`).test(readFileSync(file, 'utf8'))
  );
}

/** Where commands are written: every line (fences too) and every code span. */
function commandTexts(doc: Doc): Located[] {
  return [...doc.lines.map(({ text, line }) => ({ text, line })), ...doc.codeSpans];
}

/** The `--options` of a command line, up to a shell comment, pipe, `&&` or `;`. */
function optionsOf(rest: string): string[] {
  const command = rest.split(/\s#|&&|\|\||[|;`)]/)[0];
  return [...command.matchAll(/(?:^|\s)(--[a-z][\w-]*)/g)].map((m) => m[1]);
}

/** Every identifier of the source files (code, SQL, schema, scripts), read once. */
function sourceIdentifiers(): Set<string> {
  const words = new Set<string>();
  for (const f of files) {
    if (!/\.(ts|js|mjs|sql|graphql|lua|ya?ml|sh)$|(^|\/)Dockerfile$|^\.ci\/run$/.test(f)) continue;
    for (const m of readFileSync(join(root, f), 'utf8').matchAll(/[A-Za-z_$][\w$]*/g))
      words.add(m[0]);
  }
  return words;
}

// ---------------------------------------------------------------------------------------

describe('the docs', () => {
  it('should link only to files that exist and to anchors their headings make', () => {
    const problems: string[] = [];
    for (const doc of parsed.values()) {
      for (const { text: target, line } of doc.linkTargets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
        const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
        const path =
          rawPath === ''
            ? doc.path
            : posix.normalize(posix.join(posix.dirname(doc.path), decodeURIComponent(rawPath)));
        const where = `${doc.path}:${line}: link ${target}`;
        if (path.startsWith('../')) {
          if (!notOurs(doc.path, path))
            problems.push(`${where}: leaves the repository; link to a file in it`);
        } else if (!inTree(path)) {
          problems.push(`${where}: there is no ${path}; link to where the file is now`);
        } else if (
          anchor &&
          path.endsWith('.md') &&
          !anchorsOf(path).has(decodeURIComponent(anchor))
        ) {
          problems.push(
            `${where}: no heading of ${path} makes the anchor #${anchor}; use the anchor of the ` +
              "heading meant (GitHub's slug: lower case, spaces to -, punctuation dropped)",
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('should name only paths that exist when they write a path in backticks', () => {
    const problems: string[] = [];
    for (const doc of docs) {
      const foldersByLine = new Map<number, string[]>();
      for (const span of doc.codeSpans) {
        const folders = foldersByLine.get(span.line) ?? [];
        foldersByLine.set(span.line, folders);
        for (const path of namedPaths(span.text)) {
          if (fileSet.has(path)) folders.push(...foldersOf(path));
          if (notOurs(doc.path, path) || resolves(doc.path, path, folders)) continue;
          problems.push(
            `${doc.path}:${span.line}: \`${path}\` is in no folder of the repository; name the ` +
              "file as it is now, from the repository's root (or add it to NOT_OURS with why)",
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('should name only paths that exist when they write one outside backticks', () => {
    const problems: string[] = [];
    const path = /(?<![\w./@<-])((?:apps|libs|test|bench|tools|docs|types|dist)\/[\w./*-]*[\w*/])/g;
    for (const doc of docs) {
      const texts = [
        ...doc.prose,
        ...doc.lines.filter((l) => l.fence !== undefined && l.fence !== 'mermaid'),
      ];
      for (const { text, line } of texts) {
        for (const [, named] of text.matchAll(path)) {
          if (notOurs(doc.path, named) || resolves(doc.path, named, [])) continue;
          // Prose may leave the extension out (bench/README) or give a Jest path pattern.
          if (files.some((f) => f.startsWith(`${named}.`))) continue;
          problems.push(
            `${doc.path}:${line}: ${named} is no path of the repository; name it as it is now`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('should name only source files that exist when they give a file name alone', () => {
    const problems: string[] = [];
    const basenames = [...new Set(files.map((f) => posix.basename(f)))];
    const names = new Set(basenames);
    for (const doc of docs) {
      for (const span of doc.codeSpans) {
        for (const name of span.text.split(/\s+/).map(bare)) {
          if (!/^[^./\s][^/\s]*\.(ts|sql|lua|graphql)$/.test(name)) continue;
          const pattern = placeholderPattern(name);
          if (pattern ? basenames.some((b) => pattern.test(b)) : names.has(name)) continue;
          problems.push(
            `${doc.path}:${span.line}: \`${name}\`: no file of the repository has that name; name the file as it is now`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('should name only scripts of package.json when they write npm run', () => {
    const problems: string[] = [];
    for (const doc of docs) {
      for (const { text, line } of doc.lines)
        for (const [, script] of text.matchAll(/\bnpm run ([\w:.-]+)/g))
          if (!scripts.has(script))
            problems.push(
              `${doc.path}:${line}: npm run ${script}: package.json has no such script`,
            );
      for (const { text, line } of doc.codeSpans)
        if (/^(bench|test|start):[\w-]+$/.test(text) && !scripts.has(text))
          problems.push(`${doc.path}:${line}: \`${text}\`: package.json has no such script`);
    }
    expect(problems).toEqual([]);
  });

  it('should name only commands and options the CLI has when they show it', () => {
    const cli = cliCommands();
    const problems: string[] = [];
    const check = (doc: Doc, line: number, command: string, rest: string): void => {
      const options = cli.get(command);
      if (!options) {
        problems.push(`${doc.path}:${line}: cli ${command}: apps/cli/main.ts has no such command`);
        return;
      }
      for (const option of optionsOf(rest))
        if (!options.has(option) && !notOurs(doc.path, `${command} ${option}`))
          problems.push(
            `${doc.path}:${line}: cli ${command} ${option}: the command has no such option`,
          );
    };
    const invocation = /(?:npm run cli --|node dist\/apps\/cli\/main\.js)\s+([a-z][\w-]*)([^\n]*)/g;
    for (const doc of docs) {
      for (const { text, line } of commandTexts(doc))
        for (const [, command, rest] of text.matchAll(invocation)) check(doc, line, command, rest);
      for (const { text, line } of doc.codeSpans) {
        // In prose: `cli rebuild`, `cli inspect --json`, or a command and its options alone.
        const named = /^cli ([a-z][\w-]*)(.*)$/.exec(text);
        if (named) check(doc, line, named[1], named[2]);
        const alone = /^([a-z][\w-]*)((?:\s+--[a-z][\w-]*(?:\s+[^-\s]\S*)?)+)$/.exec(text);
        if (alone && cli.has(alone[1])) check(doc, line, alone[1], alone[2]);
      }
    }
    expect(problems).toEqual([]);
  });

  it('should name only options a benchmark takes when they show its command line', () => {
    const problems: string[] = [];
    const invocation =
      /(?:npm run bench:([\w-]+) --|node dist\/bench\/([\w-]+)\.bench\.js)([^\n]*)/g;
    for (const doc of docs)
      for (const { text, line } of commandTexts(doc))
        for (const [, script, built, rest] of text.matchAll(invocation)) {
          const name = script ?? built;
          for (const option of optionsOf(rest))
            if (option !== '--help' && !benchTakes(name, option))
              problems.push(
                `${doc.path}:${line}: bench:${name} ${option}: bench/${name}.bench.ts takes no such option`,
              );
        }
    expect(problems).toEqual([]);
  });

  it("should list only settings libs/config reads in the README's settings tables", () => {
    const readme = docs.find((d) => d.path === 'README.md');
    const start = readme?.lines.findIndex((l) => /^## Settings\s*$/.test(l.text)) ?? -1;
    if (!readme || start < 0) throw new Error('README.md has no "## Settings" section');
    const end = readme.lines.findIndex((l, i) => i > start && /^## /.test(l.text));
    const config = files
      .filter((f) => /^libs\/config\/src\/.*\.ts$/.test(f) && !f.endsWith('.spec.ts'))
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    const settings = readme.lines
      .slice(start, end < 0 ? undefined : end)
      .flatMap(({ text, line }) =>
        [...(/^\|([^|]*)\|/.exec(text)?.[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)(?:=[^`]*)?`/g)].map(
          (m) => ({ text: m[1], line }),
        ),
      );
    expect(settings.length).toBeGreaterThan(30);
    const problems = settings
      .filter((s) => !new RegExp(`\\b${s.text}\\b`).test(config))
      .map(
        (s) =>
          `README.md:${s.line}: setting ${s.text} is read nowhere in libs/config/src; name it as ` +
          'libs/config reads it',
      );
    expect(problems).toEqual([]);
  });

  it('should name only settings, constants, functions and types the code has', () => {
    const known = sourceIdentifiers();
    const problems: string[] = [];
    for (const doc of docs) {
      // UPPER_SNAKE anywhere: settings, constants, codes.
      for (const { text, line } of doc.lines)
        for (const [name] of text.matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b/g))
          if (!known.has(name) && !notOurs(doc.path, name))
            problems.push(
              `${doc.path}:${line}: ${name} is in no source file; name it as the code does now`,
            );
      // A code span that is a camelCase or PascalCase name, a member of one, or a call.
      for (const { text, line } of doc.codeSpans) {
        const m = /^([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?(?:\(.*\))?$/.exec(text);
        for (const name of m ? [m[1], m[2]] : [])
          if (
            name &&
            /[a-z][A-Z]|^[A-Z][a-z0-9]+[A-Z]/.test(name) &&
            !known.has(name) &&
            !notOurs(doc.path, name)
          )
            problems.push(
              `${doc.path}:${line}: \`${text}\`: ${name} is in no source file; name it as the code does now`,
            );
      }
    }
    expect(problems).toEqual([]);
  });
});
