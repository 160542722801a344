// The breaking-change gate: openapi.yaml against the latest release kept in releases/. A contract
// that differs from the release needs a greater info.version, and a change that can break an
// existing client needs a greater major. api-smart-diff finds the changes and classifies them
// (it follows every $ref and judges request and response schemas each in their own direction);
// `judge` below holds the few rules added on top, each with its reason.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { type Document, escapePointer, parseDocument, pointerTarget } from '@azuma/contract';
import { apiCompare, type Diff } from 'api-smart-diff';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** MAJOR.MINOR.PATCH only: the contract's versions carry no pre-release or build part. */
export function parseVersion(text: unknown): Version | undefined {
  const match = typeof text === 'string' ? /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text) : null;
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export interface ContractSource {
  /** How the report names it, e.g. `openapi.yaml`. */
  file: string;
  text: string;
}

export interface Release extends ContractSource {
  /** From the file name, `openapi-<version>.yaml`. */
  version: string;
}

const RELEASE_FILE = /^openapi-(.+)\.yaml$/;

/** The release with the highest version in `dir`, its file named relative to the repository. */
export function latestRelease(dir = join(root, 'releases')): Release {
  const releases = readdirSync(dir)
    .map((name) => ({ name, version: parseVersion(RELEASE_FILE.exec(name)?.[1]) }))
    .filter((entry): entry is { name: string; version: Version } => entry.version !== undefined)
    .sort((a, b) => compareVersions(b.version, a.version));
  const latest = releases[0];
  if (!latest) throw new Error(`${relative(root, dir) || dir}: no release (openapi-MAJOR.MINOR.PATCH.yaml) to compare with`);
  const file = join(dir, latest.name);
  return { file: relative(root, file), text: readFileSync(file, 'utf8'), version: RELEASE_FILE.exec(latest.name)![1]! };
}

export type Kind = 'breaking' | 'non-breaking';

/** One change as written in the source, with every operation it reaches. */
export interface Change {
  kind: Kind;
  /** JSON pointer of the changed node in the contract (in the release for a removal), `$ref`s followed to where it is written. */
  pointer: string;
  /** What changed, e.g. `removed "SERVICE_UNAVAILABLE"`, with api-smart-diff's description where it has one. */
  what: string;
  /** The operations (and response statuses) where a client meets the change. */
  where: string[];
}

export interface GateResult {
  ok: boolean;
  /** Why the gate fails, one reason each; the report lists the breaking changes under the reason that counts them. */
  problems: string[];
  breaking: Change[];
  nonBreaking: Change[];
  report: string;
}

/** Compares a contract with a release: the gate's whole verdict, for the CLI and for tests. */
export function checkContract(current: ContractSource, release: Release): GateResult {
  const before = parseDocument(release.text);
  const after = parseDocument(current.text);
  const problems: string[] = [];
  const version = after.info?.version;
  const ours = parseVersion(version);
  const theirs = parseVersion(release.version);
  if (!ours) problems.push(`${current.file}: info.version '${version}' is not MAJOR.MINOR.PATCH`);
  if (before.info?.version !== release.version)
    problems.push(`${release.file}: its info.version '${before.info?.version}' does not match its file name; a release is never edited`);

  // Formatting and YAML comments are not the contract: the parsed documents are compared.
  const changed = !isDeepStrictEqual(withoutVersion(before), withoutVersion(after));
  const changes = changed ? classify(before, after) : [];
  const breaking = changes.filter((c) => c.kind === 'breaking');
  const nonBreaking = changes.filter((c) => c.kind === 'non-breaking');

  let needsMajor: string | undefined;
  if (ours && theirs) {
    const order = compareVersions(ours, theirs);
    if (order < 0) problems.push(`info.version ${version} is lower than the latest release, ${release.version}`);
    else if (changed && order === 0)
      problems.push(
        `${current.file} differs from release ${release.version} but info.version is still ${version}: ` +
          `bump it (${next(theirs, breaking.length > 0)} for these changes)`,
      );
    if (breaking.length > 0 && ours.major <= theirs.major) {
      needsMajor = `${count(breaking.length, 'breaking change')} need${breaking.length === 1 ? 's' : ''} a major version (${next(theirs, true)}); info.version is ${version}:`;
      problems.push(needsMajor);
    }
  }

  const ok = problems.length === 0;
  const report = [`contract gate: ${current.file} (${version}) against ${release.file}`];
  if (ok) report.push(verdict(changed, breaking.length, String(version), release.version));
  for (const problem of problems) report.push(`✘ ${problem}`, ...(problem === needsMajor ? breaking.map(line) : []));
  if (ok && breaking.length > 0)
    report.push(`${count(breaking.length, 'breaking change')}, allowed by the major version:`, ...breaking.map(line));
  report.push(...summary(nonBreaking));
  return { ok, problems, breaking, nonBreaking, report: report.join('\n') };
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function verdict(changed: boolean, breaking: number, version: string, released: string): string {
  if (!changed) return `✔ unchanged since release ${released}${version === released ? '' : ` (info.version ${version})`}`;
  return `✔ ${version} is greater than ${released}${breaking === 0 ? ', and no change breaks a client' : ''}`;
}

/** The smallest version the changes allow. */
function next(v: Version, major: boolean): string {
  return major ? `${v.major + 1}.0.0` : `${v.major}.${v.minor + 1}.0`;
}

const line = (c: Change) => `  - ${c.pointer}: ${c.what}${c.where.length > 0 ? ` — in ${c.where.join('; ')}` : ''}`;

/** The non-breaking changes, short: a long list is cut. */
function summary(changes: Change[]): string[] {
  if (changes.length === 0) return [];
  const shown = 15;
  return [
    `${count(changes.length, 'non-breaking change')}:`,
    ...changes.slice(0, shown).map(line),
    ...(changes.length > shown ? [`  … and ${changes.length - shown} more`] : []),
  ];
}

function withoutVersion(document: Document): unknown {
  return { ...document, info: { ...document.info, version: undefined } };
}

/** api-smart-diff's changes, judged, then grouped by the place in the source they come from. */
function classify(before: Document, after: Document): Change[] {
  const used = new Set([...usedComponents(before), ...usedComponents(after)]);
  const groups = new Map<string, { kind: Kind; pointer: string; what: string; descriptions: Set<string>; where: Map<string, string[]> }>();
  for (const diff of apiCompare(responsesInPlace(before), responsesInPlace(after)).diffs) {
    // The version is what the gate checks, not one of the changes it reports.
    if (diff.path.join('/') === 'info/version') continue;
    const kind = judge(diff, after, used);
    if (!kind) continue;
    const pointer = sourcePointer(diff.action === 'add' ? after : before, diff.path);
    const what = describe(diff);
    const key = `${kind} ${pointer} ${what}`;
    const group = groups.get(key) ?? { kind, pointer, what, descriptions: new Set(), where: new Map() };
    groups.set(key, group);
    group.descriptions.add(diff.description ?? '');
    const [section, path, method, part, status] = diff.path.map(String);
    if (section === 'paths' && path && method && METHODS.has(method)) {
      const operation = `${method.toUpperCase()} ${path}`;
      const statuses = group.where.get(operation) ?? [];
      if (part === 'responses' && status && !statuses.includes(status)) statuses.push(status);
      group.where.set(operation, statuses);
    }
  }
  return [...groups.values()].map(({ kind, pointer, what, descriptions, where }) => {
    // The library says where it met the change ("in Response 500 content"); for a change met in
    // many places that wording fits only one of them, so it is kept only where all agree.
    const [description] = descriptions;
    return {
      kind,
      pointer,
      what: descriptions.size === 1 && description ? `${what} (${description})` : what,
      where: [...where].map(([operation, statuses]) => (statuses.length > 0 ? `${operation} (${statuses.join(', ')})` : operation)),
    };
  });
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * The document with each operation's `$ref`s to shared responses (components/responses) written
 * out in place. api-smart-diff judges a schema it reaches through such a `$ref` by the request
 * rules, so a tightened response (a narrower pattern) would read as breaking and a loosened one
 * (a dropped required property) as safe; in place, it is judged as the response it is. Reports
 * still name where a change is written: `sourcePointer` walks the document as written.
 */
function responsesInPlace(document: Document): Document {
  const copy = structuredClone(document);
  for (const item of Object.values(copy.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      const responses: unknown = isNode(operation) ? operation.responses : undefined;
      if (!METHODS.has(method) || !isNode(responses)) continue;
      for (const [status, response] of Object.entries(responses)) {
        const shared = isNode(response) && typeof response.$ref === 'string' ? deref(copy, response) : undefined;
        if (shared) responses[status] = structuredClone(shared);
      }
    }
  }
  return copy;
}

/**
 * api-smart-diff's verdict, with the rules this gate adds; undefined drops a change. The library
 * judges a change by whether it can break a client of the API, which is what a server's contract
 * needs; these close the gaps found in it:
 */
function judge(diff: Diff, after: Document, used: Set<string>): Kind | undefined {
  const [section, group, name] = diff.path.map(String);
  const last = String(diff.path.at(-1));
  // 1. A component an operation uses is also reported inside each such operation, judged as
  //    request or response there; its report under /components is judged without knowing which
  //    (a new required property of a response schema would count as breaking), so it is dropped.
  //    Examples are the exception: the library reports them under /components only.
  if (section === 'components' && name && REPORTED_IN_PLACE.has(String(group)) && used.has(`#/components/${group}/${escapePointer(name)}`))
    return undefined;
  // 2. A security scheme removed breaks the clients that use it; a new one breaks nobody (an
  //    operation that starts requiring it is judged at the operation). The library has these reversed.
  if (section === 'components' && group === 'securitySchemes' && diff.path.length <= 3 && diff.action !== 'replace')
    return diff.action === 'remove' ? 'breaking' : 'non-breaking';
  // 3. An operation that gains its first parameters, or a request body, as a whole: the library
  //    calls that non-breaking even when one is required, which a client without it fails.
  if (section === 'paths' && diff.action === 'add' && (last === 'parameters' || last === 'requestBody')) {
    const added = (Array.isArray(diff.after) ? diff.after : [diff.after]).map((node) => deref(after, node));
    return added.some((node) => node?.required === true && (node.schema as { default?: unknown } | undefined)?.default === undefined)
      ? 'breaking'
      : 'non-breaking';
  }
  // 4. The rules list restates promises the rest of the contract makes: a new or reworded rule
  //    breaks nobody, but a rule dropped is a promise withdrawn, which needs a major version.
  //    The library compares the list by index, so a rule's id that is gone from `after` is what counts.
  if (section === 'x-rules') {
    const ids = new Set(((after as { 'x-rules'?: { id?: unknown }[] })['x-rules'] ?? []).map((rule) => rule.id));
    const gone =
      (diff.action === 'remove' && diff.path.length === 2 && !ids.has((diff.before as { id?: unknown } | undefined)?.id)) ||
      (diff.action !== 'add' && last === 'id' && diff.path.length === 3 && !ids.has(diff.before));
    return gone ? 'breaking' : 'non-breaking';
  }
  // 5. A constant added to or removed from a response enum. This contract's only response enum is
  //    its error constants: one added comes with a new status, which breaks no client, and one
  //    removed takes away an answer clients match on. The library judges response enums the
  //    other way round (these verdicts are the ones it gave while it took the shared error
  //    responses for requests, see `responsesInPlace`).
  if (section === 'paths' && diff.path.includes('responses') && String(diff.path.at(-2)) === 'enum' && diff.action !== 'replace')
    return diff.action === 'remove' ? 'breaking' : 'non-breaking';
  // 6. A request string's pattern replaced by one that only widens its character class
  //    (`^[\p{L}\p{Nd}]+$` → `^[\p{L}\p{M}\p{Nd}]+$`) still admits everything clients send: the
  //    library calls every replaced request pattern breaking, since it cannot compare regexes.
  const requestPattern = section === 'paths' && last === 'pattern' && diff.action === 'replace' && diff.path.includes('requestBody');
  if (requestPattern && widensCharacterClass(diff.before, diff.after)) return 'non-breaking';
  // 7. A `Set-Cookie` response header that comes to allow clearing the session cookie as well:
  //    the user agent applies a clearing cookie by itself (RFC 6265 §5.3), and the typed client
  //    has read an empty session cookie as the session's end since 1.0. Nothing parses the header
  //    against its schema, so a server may always add a clearing branch where a session can end.
  if (section === 'paths' && allowsClearingToo(diff, after)) return 'non-breaking';
  // 8. What the library leaves unclassified (a response header's schema, an extension such as
  //    x-azuma, an error constant of the unused 404 response) fails closed, as breaking, unless it
  //    is documentation (examples, code samples, tags) or mock-data settings.
  if (diff.type === 'unclassified') return isDocumentation(diff.path) ? 'non-breaking' : 'breaking';
  // Deprecation and annotations (descriptions, summaries, servers) break no client.
  return diff.type === 'breaking' ? 'breaking' : 'non-breaking';
}

const SESSION_COOKIES = new Set(['#/components/schemas/SessionCookie', '#/components/schemas/ClearedSessionCookie']);

/** Whether the change is within a `Set-Cookie` header that now is one of the session cookie or the cleared one. */
function allowsClearingToo(diff: Diff, after: Document): boolean {
  const at = diff.path.findIndex((key, i) => String(key).toLowerCase() === 'set-cookie' && diff.path[i - 1] === 'headers');
  if (at < 0) return false;
  let header: unknown = after;
  for (const key of diff.path.slice(0, at + 1)) header = deref(after, header)?.[String(key)];
  const branches = (deref(after, deref(after, header)?.schema)?.oneOf ?? []) as { $ref?: unknown }[];
  const refs = new Set(branches.map((branch) => branch.$ref));
  return refs.size === SESSION_COOKIES.size && [...SESSION_COOKIES].every((ref) => refs.has(ref));
}

/**
 * The items of a pattern that is one character class repeated, `^[…]+$`, as written (`\p{L}`,
 * `_`, `a-z`); undefined for any other pattern, or a class too involved to read this simply.
 */
function characterClassItems(pattern: unknown): Set<string> | undefined {
  const body = typeof pattern === 'string' ? /^\^\[([^\]^][^\]]*)\]\+\$$/u.exec(pattern)?.[1] : undefined;
  if (body === undefined) return undefined;
  const tokens = body.match(/\\[pP]\{[^}]*\}|\\.|[^\\]/gu) ?? [];
  const items = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    // `x-y` is a range unless the `-` ends the class, where it is a literal hyphen.
    if (tokens[i + 1] === '-' && i + 2 < tokens.length) {
      items.add(`${tokens[i]}-${tokens[i + 2]}`);
      i += 2;
    } else items.add(tokens[i]!);
  }
  return items;
}

/** Whether `after` keeps every item of `before`'s character class: then it matches every string `before` did. */
function widensCharacterClass(before: unknown, after: unknown): boolean {
  const old = characterClassItems(before);
  const now = characterClassItems(after);
  return old !== undefined && now !== undefined && [...old].every((item) => now.has(item));
}

/** Component sections whose changes the library also reports in every operation that `$ref`s them. */
const REPORTED_IN_PLACE = new Set(['schemas', 'responses', 'parameters', 'requestBodies', 'headers']);

/** Documentation, or settings for tools that no client meets (json-schema-faker's, for mock servers). */
function isDocumentation(path: Diff['path']): boolean {
  return (
    path[0] === 'tags' ||
    path[0] === 'x-json-schema-faker' ||
    path.some((key, i) => key === 'x-codeSamples' || ((key === 'examples' || key === 'example') && path[i - 1] !== 'properties'))
  );
}

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

function deref(document: Document, node: unknown): Node | undefined {
  for (let hops = 0; isNode(node) && typeof node.$ref === 'string' && hops < 32; hops++) node = pointerTarget(document, node.$ref);
  return isNode(node) ? node : undefined;
}

/** Every component the operations reach through `$ref`s, as `#/components/<section>/<name>`. */
function usedComponents(document: Document): Set<string> {
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (!isNode(node)) return;
    if (typeof node.$ref === 'string') {
      const component = /^#\/components\/[^/]+\/[^/]+/.exec(node.$ref)?.[0];
      if (component && !used.has(component)) {
        used.add(component);
        visit(pointerTarget(document, component));
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(document.paths);
  return used;
}

/**
 * Where a change is written: the diff's path walked through the document, following `$ref`s, so a
 * change to a shared schema names the schema once instead of every operation that reaches it.
 * Where the library's path leaves the document (it merges path-level parameters into operations),
 * its own path is named.
 */
function sourcePointer(document: Document, path: Diff['path']): string {
  let pointer = '#';
  let node: unknown = document;
  for (const key of path.map(String)) {
    for (let hops = 0; isNode(node) && !(key in node) && typeof node.$ref === 'string' && hops < 32; hops++) {
      pointer = node.$ref;
      node = pointerTarget(document, node.$ref);
    }
    if (!isNode(node) || !(key in node)) return `#${path.map((k) => `/${escapePointer(String(k))}`).join('')}`;
    node = node[key];
    pointer += `/${escapePointer(key)}`;
  }
  return pointer;
}

function describe(diff: Diff): string {
  switch (diff.action) {
    case 'add':
      return `added ${brief(diff.after)}`;
    case 'remove':
      return `removed ${brief(diff.before)}`;
    case 'rename':
      return `renamed ${brief(diff.before)} to ${brief(diff.after)}`;
    default:
      return `changed ${brief(diff.before)} → ${brief(diff.after)}`;
  }
}

/** A value short enough for one line: whole when small, its kind when not. */
function brief(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  if (json.length <= 60) return json;
  if (Array.isArray(value)) return `[${count(value.length, 'item')}]`;
  return isNode(value) ? '{…}' : `${json.slice(0, 57)}…`;
}

export function main(): number {
  let result: GateResult;
  try {
    result = checkContract({ file: 'openapi.yaml', text: readFileSync(join(root, 'openapi.yaml'), 'utf8') }, latestRelease());
  } catch (error) {
    // No release to compare with, or a file that is not YAML: a message, not a stack.
    console.error(`✘ contract gate: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  (result.ok ? console.log : console.error)(result.report);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main();
