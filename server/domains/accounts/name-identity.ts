// What makes two names one account, or too alike to be two: the identity key (RFC 8265, see
// contract/names.ts) and its UTS #39 confusable skeleton (`аlice` with a Cyrillic а and `alice`
// share one). The prototypes are Unicode's confusables.txt as the unhomoglyph package ships it
// (data.json: one entry per line of the file, source → prototype).
import { createRequire } from 'node:module';
import { nameKey, widthMapped } from '@azuma/contract/names';

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
  /** The key's skeleton: equal for keys that look alike (`аlice` with a Cyrillic а, `alice`). */
  skeleton: string;
  /**
   * The skeleton of the name as written, lower-cased, then skeletonised again: equal for names
   * that look alike once letter case is set aside (`CIara` with a capital I, `clara`).
   */
  writtenSkeleton: string;
}

/**
 * A name and an account's collide when any of their skeletons are equal. UTS #39 compares
 * strings as written: `CIara` (capital I) has skeleton `Clara`, confusable with `Clara`, which is
 * one name with `clara` here, though the key's skeleton `ciara` shows nothing. Skeletons are
 * case-sensitive (`I` → `l`, `0` → `O`), so the written skeleton is lower-cased to reach the
 * account whatever case it was written in, and skeletonised again as lower-casing can leave a
 * letter that has a prototype of its own.
 */
export function nameIdentity(name: string): NameIdentity {
  const key = nameKey(name);
  return { key, skeleton: skeleton(key), writtenSkeleton: skeleton(skeleton(widthMapped(name)).toLowerCase()) };
}
