// What makes two names one account, or too alike to be two: the identity key (RFC 8265, see
// contract/names.ts) and its UTS #39 confusable skeleton (`аlice` with a Cyrillic а and `alice`
// share one). The prototypes are Unicode's confusables.txt as the unhomoglyph package ships it
// (data.json: one entry per line of the file, source → prototype).
import { createRequire } from 'node:module';
import { nameKey } from '../../contract/names.js';

const prototypes = createRequire(import.meta.url)('unhomoglyph/data.json') as Readonly<Record<string, string>>;

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * skeleton(X), UTS #39 §4: NFD, drop default-ignorable code points, replace each code point by
 * its prototype, NFD again. Not for showing: `m` becomes `rn`.
 */
export function skeleton(text: string): string {
  let mapped = '';
  for (const c of text.normalize('NFD').replace(IGNORABLE, '')) mapped += Object.hasOwn(prototypes, c) ? prototypes[c] : c;
  return mapped.normalize('NFD');
}

export interface NameIdentity {
  /** Equal for two spellings of one name (`ＡＬＩＣＥ`, `Alice`, `alice`). */
  key: string;
  /** Equal for names that look alike; the key's skeleton, so one key has one skeleton. */
  skeleton: string;
}

export function nameIdentity(name: string): NameIdentity {
  const key = nameKey(name);
  return { key, skeleton: skeleton(key) };
}
