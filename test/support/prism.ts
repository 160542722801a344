// Prism and Spectral as implementers install them (see npm-tools.ts), and what the tests that point
// them at the contract share: starting Prism on a free port, and requests built from the contract's
// own examples.
import { fileURLToPath } from 'node:url';
import { escapePointer } from '@azuma/contract';
import type { Operation } from '../../conformance/contract.js';
import type { Exchange, RequestSpec } from '../../conformance/http.js';
import { CONTRACT_FILE, compileContract } from '../../conformance/index.js';
import { binOf, freePort, installTools, type RunningTool, startTool } from './npm-tools.js';

export const contractPath = fileURLToPath(CONTRACT_FILE);
export const contract = compileContract();

/** Pinned, so a new release of a tool cannot change the verdict under us; 5.14.2 is Prism's last for Node 20. */
const PRISM = '@stoplight/prism-cli@5.14.2';
const SPECTRAL = '@stoplight/spectral-cli@6.16.3';
/** A first install fetches about 430 packages; later runs reuse them. */
export const INSTALL_TIMEOUT_MS = 240_000;
/** A token of the right shape that no server issued: mocks accept any, our server none. */
export const TOKEN = 'T'.repeat(64);

/** Installs both tools once (the folder is shared by every test file) and returns where. */
export const installTestTools = () => installTools([PRISM, SPECTRAL]);

/** Starts `prism <command> … ` on a free loopback port; resolves with its base URL once it listens. */
export async function prism(tools: string, args: string[]): Promise<{ url: string; tool: RunningTool }> {
  const port = await freePort();
  const bin = binOf(tools, '@stoplight/prism-cli', 'prism');
  const tool = await startTool(bin, [...args, '--host', '127.0.0.1', '--port', String(port)], /Prism is listening on/);
  return { url: `http://127.0.0.1:${port}`, tool };
}

/** The first example the contract gives for `pointer` (a media type or a parameter), `$ref` followed. */
function firstExample(pointer: string): unknown {
  const node = contract.index.at<{ example?: unknown; examples?: Record<string, { $ref?: string; value?: unknown }> } | undefined>(pointer);
  if (node?.example !== undefined) return node.example;
  const [first] = Object.values(node?.examples ?? {});
  if (!first) throw new Error(`the contract has no example at ${pointer}`);
  return first.$ref ? contract.index.at<{ value: unknown }>(contract.index.follow(first.$ref)).value : first.value;
}

/** A request the contract documents as valid for `op`, from its own examples, signed in by header when it must be. */
export function exampleRequest(op: Operation, token: string): RequestSpec {
  const at = `#/paths/${escapePointer(op.path)}/${op.method.toLowerCase()}`;
  const parameters = contract.index.at<{ name: string; in: string }[] | undefined>(`${at}/parameters`) ?? [];
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const index = parameters.findIndex((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(String(firstExample(`${at}/parameters/${index}`)));
  });
  return {
    method: op.method,
    path,
    label: `${op.id}, the contract's example`,
    ...(op.requestSchema ? { json: firstExample(`${at}/requestBody/content/application~1json`) } : {}),
    ...(op.security.length > 0 ? { auth: { header: token } } : {}),
  };
}

export const successOf = (op: Operation) => Math.min(...[...op.responses.keys()].filter((status) => status >= 200 && status < 300));

/** What is wrong with an answer: the suite's own contract validation, plus any violation Prism reports about itself. */
export function problems(ex: Exchange, expected: number): string[] {
  const prismSaw = ex.headers.get('sl-violations');
  return [
    ...(ex.status === expected ? [] : [`answered ${ex.status}, expected ${expected}: ${ex.text.slice(0, 300)}`]),
    ...ex.violations,
    ...(prismSaw ? [`Prism reports sl-violations ${prismSaw}`] : []),
  ];
}
