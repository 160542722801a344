// Renders a Mermaid diagram to a standalone SVG, stamped with the hash of the text it was drawn
// from. Mermaid lays out text by measuring it in a real DOM, so it runs where it was made to run:
// its browser bundle, from node_modules, in Debian's headless Chromium. The page is offline and
// the bundle is the pinned version, so the picture depends only on the source, the Mermaid
// version and the fonts; the stamp lets --check tell a stale SVG without a browser.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Mermaid } from 'mermaid';
import { launchChromium } from '../tools/chromium.js';

const require = createRequire(import.meta.url);
const mermaidBundle = require.resolve('mermaid/dist/mermaid.min.js');
/** Which renderer drew an SVG; a different one means it must be drawn again. */
export const renderer = `mermaid ${(JSON.parse(readFileSync(require.resolve('mermaid/package.json'), 'utf8')) as { version: string }).version}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The diagram as SVG: `id` becomes the root element's id (Mermaid scopes its styles with it).
 * `sourcePath` is named in a comment, so whoever opens the SVG knows what to edit instead.
 */
export async function renderDiagram(source: string, id: string, sourcePath: string): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    // Nothing may come from the network: the picture must not depend on what a host serves today.
    await page.route('**/*', (route) => route.abort());
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: mermaidBundle });
    const svg = await page.evaluate(
      async ({ text, id }) => {
        const { mermaid } = window as unknown as { mermaid: Mermaid };
        // The diagram's options live in its source's front matter, so the hash covers them too.
        mermaid.initialize({ startOnLoad: false });
        return (await mermaid.render(id, text)).svg;
      },
      { text: source, id },
    );
    if (!svg.startsWith('<svg ')) throw new Error(`Mermaid returned no SVG for ${sourcePath}`);
    const stamp = `data-source-sha256="${sha256(source)}" data-renderer="${renderer}"`;
    // Opaque: a picture shown by <img> cannot follow the page's theme, so it brings its own white
    // ground and stays legible on a dark one (the reference has a dark mode).
    const ground = 'style="background-color: #fff"';
    return `<!-- Drawn from ${sourcePath} by \`npm run generate\` (scripts/artifacts.ts): edit that, not this. -->\n<svg ${stamp} ${ground} ${svg.slice(5)}\n`;
  } finally {
    await browser.close();
  }
}

/** Whether `svg` was drawn from exactly `source` by this renderer; needs no browser. */
export function isDrawnFrom(svg: string, source: string): boolean {
  const root = /<svg\s[^>]*>/.exec(svg)?.[0] ?? '';
  return root.includes(`data-source-sha256="${sha256(source)}"`) && root.includes(`data-renderer="${renderer}"`);
}
