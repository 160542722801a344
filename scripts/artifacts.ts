// Builds what grows from openapi.yaml (generated types, the client's facts, rendered docs) and from
// the diagrams beside the docs or, with --check, fails when a committed copy is out of date: drift
// fails CI. Most are rebuilt into a temp folder and compared byte for byte; a diagram is only
// checked against the hash of its source, since drawing it takes a browser (see diagram.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, indexContract, loadContract } from '@azuma/contract';
import { renderClientFacts } from '@azuma/contract/client-facts';
import { parse, stringify } from 'yaml';
import { isDrawnFrom, renderDiagram } from './diagram.js';
import { rulesSection } from './rules-section.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Artifact {
  path: string;
  /** What it is built from, for the drift message. */
  from: string;
  build(out: string): void | Promise<void>;
  /** For an artifact --check must not rebuild: whether the committed copy is current. */
  isCurrent?(committed: string): boolean;
}

const SESSION_LIFE = 'docs/session-life.mmd';

// Ordered: docs inlines the diagram, so `npm run generate` draws it first.
const artifacts: Record<string, Artifact> = {
  types: {
    path: 'contract/generated/openapi.ts',
    from: 'openapi.yaml',
    build: (out) => run(bin('openapi-typescript'), ['openapi.yaml', '--redocly', 'redocly.yaml', '-o', out]),
  },
  facts: {
    path: 'contract/generated/contract-facts.ts',
    from: 'openapi.yaml',
    build: (out) => writeFileSync(out, renderClientFacts(loadContract(join(root, 'openapi.yaml')))),
  },
  diagram: {
    path: 'docs/session-life.svg',
    from: SESSION_LIFE,
    build: async (out) => writeFileSync(out, await renderDiagram(read(SESSION_LIFE), 'session-life', SESSION_LIFE)),
    isCurrent: (committed) => isDrawnFrom(committed, read(SESSION_LIFE)),
  },
  docs: {
    path: 'docs/index.html',
    from: 'openapi.yaml and the docs/*.svg it shows',
    build: (out) => {
      const contract = join(dirname(out), 'openapi.yaml');
      writeFileSync(contract, forDocs(read('openapi.yaml')));
      // --inlineBundle: the page must work with no network at view time.
      run(bin('redocly'), ['build-docs', contract, '--inlineBundle', '-o', out]);
      writeFileSync(out, withoutRemoteLogo(readFileSync(out, 'utf8')));
    },
  },
};

/** The contract as the docs show it: pictures inline, the rules appended to the description as a table. */
function forDocs(text: string): string {
  const document = parse(withImagesInline(text)) as Document;
  const { rules } = indexContract(text);
  const info = { ...document.info, description: `${document.info.description ?? ''}${rulesSection(rules)}` };
  return stringify({ ...document, info }, { lineWidth: 0 });
}

/**
 * The contract's Markdown images of docs/*.svg (`![alt](session-life.svg)`, relative to docs/,
 * where the page lives) as `<img>` elements with a data: URI. The served /docs cannot fetch files
 * beside it, and its CSP admits `data:` images, so the page carries its pictures as it carries its
 * script; the contract itself keeps the short reference. HTML rather than a Markdown image:
 * Redoc's Markdown parser (markdown-it) admits data: links only for GIF, PNG, JPEG and WebP, and
 * would print an SVG one as text.
 */
function withImagesInline(contract: string): string {
  return contract.replace(/!\[([^\]]*)\]\(([\w-]+\.svg)\)/g, (_, alt: string, file: string) => {
    const svg = readFileSync(join(root, 'docs', file)).toString('base64');
    return `<img src="data:image/svg+xml;base64,${svg}" alt="${escapeAttribute(alt)}">`;
  });
}

/**
 * The page with Redoc's footer logo left out: Redoc fetches it from its CDN at view time, which
 * the served page's CSP refuses and an offline reader cannot reach, and Redoc has no option to
 * turn it off. The footer names Redocly in words instead. Fails loudly when a Redoc release
 * renders the logo differently, so no remote image slips back in unnoticed.
 */
function withoutRemoteLogo(html: string): string {
  const logo =
    /\(0,\w+\.jsx\)\(`img`,\{alt:`redocly logo`,onError:\(\)=>\w+\(!1\),src:\w+\?`https:\/\/cdn\.redoc\.ly\/[^`]+`:`https:\/\/cdn\.redoc\.ly\/[^`]+`\}\)/g;
  const credit = /children:`API docs by`/g;
  const found = [html.match(logo)?.length ?? 0, html.match(credit)?.length ?? 0];
  if (found[0] !== 1 || found[1] !== 1) throw new Error(`Redoc's footer logo changed shape (logo, credit found ${found.join(', ')} times)`);
  const page = html.replace(logo, 'null').replace(credit, 'children:`API docs by Redocly`');
  if (page.includes('cdn.redoc.ly')) throw new Error('the docs still load something from cdn.redoc.ly');
  return page;
}

const escapeAttribute = (text: string) => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The artifact built into a temp folder, as text. */
async function rebuild(artifact: Artifact): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), 'azuma-artifact-'));
  try {
    const out = join(tmp, basename(artifact.path));
    await artifact.build(out);
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const check = process.argv.includes('--check');
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const chosen = names.length > 0 ? names : Object.keys(artifacts);
let drift = false;

for (const name of chosen) {
  const artifact = artifacts[name];
  if (!artifact) throw new Error(`unknown artifact '${name}'; known: ${Object.keys(artifacts).join(', ')}`);
  const target = join(root, artifact.path);
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // a missing file is drift too
    }
    const current = artifact.isCurrent ? artifact.isCurrent(committed) : committed === (await rebuild(artifact));
    if (!current) {
      drift = true;
      console.error(`✘ ${artifact.path} is out of date with ${artifact.from}: run \`npm run generate\` and commit it.`);
    } else {
      console.log(`✔ ${artifact.path} matches ${artifact.from}`);
    }
  } else {
    const built = await rebuild(artifact);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, built);
    console.log(`wrote ${artifact.path}`);
  }
}
if (drift) process.exit(1);
