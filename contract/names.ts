// The contract's rules for account names that its schema cannot say, executable: RFC 8265's
// PRECIS profile UsernameCaseMapped decides when two names are one and what a name may contain,
// narrowed as the contract's § Accounts says. The server enforces them; the conformance suite
// predicts its answers from them. The character data is the JavaScript engine's own (Unicode
// property escapes, String#normalize, String#toLowerCase) plus the small tables the RFCs list,
// and Bidi classes from bidi-js: no character list is typed here by hand.
import { createRequire } from 'node:module';
import type { Bidi, BidiCharTypeName } from 'bidi-js';

// bidi-js is CommonJS whose typings declare an ES default export; requiring it is what works.
const bidi = (createRequire(import.meta.url)('bidi-js') as () => Bidi)();

/** A name the rules admit: its identity, which two names share exactly when they are one account. */
export interface PreparedName {
  ok: true;
  key: string;
}

/** A name the rules refuse, and why, in words for a person. */
export interface RefusedName {
  ok: false;
  problem: string;
}

/**
 * Code points with a `<wide>` or `<narrow>` decomposition (UnicodeData.txt, UAX #11): the
 * Halfwidth and Fullwidth Forms block, the ideographic space and the won sign. RFC 8265 §3.3.1
 * maps each to its decomposition.
 */
const WIDTH_FORMS = /[\u3000\u20A9\uFF00-\uFFEF]/u;

/**
 * RFC 8264 §9.1 LetterDigits (general categories Ll, Lu, Lo, Nd, Lm, Mn, Mc), as narrowed by the
 * contract to these plus `_`, `-` and `.` from ASCII7: no titlecase letters, letter numbers,
 * enclosing marks, symbols, punctuation, spaces or controls.
 */
const LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}_.-]$/u;

/** RFC 8264 §9.13 PrecisIgnorableProperties: invisible or never to be used (U+3164 HANGUL FILLER …). */
const IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u;

/** RFC 5892 §2.6, the exceptions this narrowing can meet: DISALLOWED letters and marks. */
const EXCEPTIONS_DISALLOWED = new Set([0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b]);

/** RFC 5892 Appendix A.8 and A.9: Arabic-Indic digits (U+0660…0669) and extended ones (U+06F0…06F9) never mix. */
const ARABIC_INDIC_DIGIT = /[\u0660-\u0669]/u;
const EXTENDED_ARABIC_INDIC_DIGIT = /[\u06F0-\u06F9]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * RFC 5892 §2.9 OldHangulJamo, from the engine's data: conjoining jamo are the Hangul letters
 * that neither decompose (as syllables do) nor have a compatibility mapping (as the
 * compatibility and halfwidth jamo do). A syllable sent decomposed is composed by NFC first.
 */
const isConjoiningJamo = (c: string) => /^\p{Script=Hangul}$/u.test(c) && /^\p{L}$/u.test(c) && c.normalize('NFKD') === c;

/** Why one code point of a prepared name is refused, or undefined when it is fine. */
function codePointProblem(c: string): string | undefined {
  if (!LETTER_DIGITS.test(c)) return `${codePoint(c)} is not a letter, combining mark, decimal digit, '_', '-' or '.'`;
  if (IGNORABLE.test(c)) return `${codePoint(c)} is invisible (a default-ignorable code point)`;
  if (EXCEPTIONS_DISALLOWED.has(c.codePointAt(0)!)) return `${codePoint(c)} is disallowed in identifiers (RFC 5892 §2.6)`;
  if (isConjoiningJamo(c)) return `${codePoint(c)} is a conjoining Hangul jamo that forms no syllable`;
  // HasCompat (RFC 8264 §9.17): a ligature, a math letter, a superscript … stands for another name.
  if (c.normalize('NFKC') !== c) return `${codePoint(c)} is a compatibility character (NFKC changes it)`;
  return undefined;
}

/**
 * The Bidi Rule of RFC 5893 §2, for a name with a right-to-left character in it (RFC 8265
 * §3.3.1: names without one get no directionality processing). Undefined when it holds.
 */
function bidiProblem(key: string): string | undefined {
  const classes = [...key].map((c) => bidi.getBidiCharTypeName(c));
  if (!classes.some((t) => t === 'R' || t === 'AL' || t === 'AN')) return undefined;
  const refused = 'mixes left-to-right and right-to-left writing as the Bidi Rule (RFC 5893) forbids';
  const first = classes[0];
  const allowed = (set: readonly BidiCharTypeName[]) => classes.every((t) => set.includes(t));
  const last = classes.filter((t) => t !== 'NSM').at(-1);
  if (first === 'R' || first === 'AL') {
    if (!allowed(['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM'])) return refused;
    if (!(last === 'R' || last === 'AL' || last === 'EN' || last === 'AN'))
      return `${refused}: it must end with a right-to-left letter or a digit`;
    if (classes.includes('EN') && classes.includes('AN')) return `${refused}: it mixes European and Arabic-Indic digits`;
    return undefined;
  }
  // A name with a right-to-left character that begins left-to-right breaks rule 5; one that
  // begins with anything else (a digit, `_`) breaks rule 1.
  return first === 'L' ? refused : `${refused}: a right-to-left name must begin with a right-to-left letter`;
}

/**
 * The identity of a name: RFC 8265 §3.3.3 enforcement's mappings, in its order. Width mapping
 * (fullwidth `ＡＬＩＣＥ` is `ALICE`), then the Unicode toLowerCase that §3.3.1 names (not case
 * folding: `ß` stays, `ẞ` becomes it), then NFC. Login looks names up by it even when they
 * break today's rules, so accounts registered under older rules keep signing in.
 */
export function nameKey(name: string): string {
  return widthMapped(name).toLowerCase().normalize('NFC');
}

/**
 * A name with RFC 8265's width mapping alone (`ＡＬＩＣＥ` is `ALICE`): how it looks, letter case
 * kept, which a look-alike is judged by.
 */
export function widthMapped(name: string): string {
  let mapped = '';
  for (const c of name) mapped += WIDTH_FORMS.test(c) ? c.normalize('NFKD') : c;
  return mapped;
}

/**
 * Applies the rules to a name that already fits the contract's UserName schema (its pattern and
 * length count the name as sent). As RFC 8264 §7 orders it, the repertoire is judged after the
 * mappings and NFC, so a name sent decomposed (`José` in NFD) is judged as its composed form.
 */
export function prepareName(name: string): PreparedName | RefusedName {
  const key = nameKey(name);
  const refuse = (problem: string): RefusedName => ({ ok: false, problem });
  if (key.length === 0) return refuse('it is empty');
  for (const c of key) {
    const problem = codePointProblem(c);
    if (problem) return refuse(problem);
  }
  // As IDNA2008 (RFC 5891 §4.2.3.2) requires of a label: a mark alone would attach to whatever
  // text is shown before the name.
  if (/^\p{M}/u.test(key)) return refuse('it begins with a combining mark');
  if (ARABIC_INDIC_DIGIT.test(key) && EXTENDED_ARABIC_INDIC_DIGIT.test(key))
    return refuse('it mixes Arabic-Indic and extended Arabic-Indic digits (RFC 5892 Appendix A.8)');
  const bidiRule = bidiProblem(key);
  if (bidiRule) return refuse(`it ${bidiRule}`);
  return { ok: true, key };
}
