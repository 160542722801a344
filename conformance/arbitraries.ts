// fast-check arbitraries derived from the contract's request schemas: bodies that must be accepted
// and bodies that must be rejected. Only the subset of JSON Schema the contract uses is generated
// (objects, strings with length and pattern, required, additionalProperties: false); every body is
// finally filtered through the contract's own validator, so an approximation here can never turn
// a valid body into an "invalid" one or the other way round.

import type { ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import type { Contract, Operation, SchemaObject } from './contract.js';

/** A body that breaks the schema, and how. */
export interface InvalidBody {
  body: unknown;
  why: string;
}

/** One way to break a schema, with an arbitrary producing bodies broken that way. */
export interface Mutation {
  why: string;
  arbitrary: fc.Arbitrary<unknown>;
}

const codePoints = (s: string) => [...s];
const lengthOf = (s: string) => codePoints(s).length;

/** Values that are certainly not of any of `types`, for "wrong type" mutations. */
function otherTypes(types: string[]): fc.Arbitrary<unknown> {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 8 }),
    integer: fc.integer(),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
  };
  // An integer is also a number in JSON Schema.
  const excluded = new Set(types.includes('number') ? [...types, 'integer'] : types);
  return fc.oneof(
    ...Object.entries(all)
      .filter(([type]) => !excluded.has(type))
      .map(([, arb]) => arb),
  );
}

function typesOf(schema: SchemaObject): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** Strings of any code points (ASCII-heavy and full Unicode), with code-point length bounds. */
function anyString(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength }));
}

export function validValue(contract: Contract, raw: SchemaObject): fc.Arbitrary<unknown> {
  const schema = contract.resolve(raw);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = typesOf(schema)[0];
  switch (type) {
    case 'object': {
      const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, sub]) => [key, validValue(contract, sub)]));
      return fc.record(properties, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? Math.max(min, 64);
      if (schema.pattern) {
        return fc
          .stringMatching(new RegExp(schema.pattern, 'u'))
          .map((s) => codePoints(s).slice(0, max).join(''))
          .filter((s) => lengthOf(s) >= min);
      }
      return anyString(min, max);
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      throw new Error(`the conformance fuzzer cannot generate values of schema type ${String(type)}`);
  }
}

/** Bodies the contract accepts, generated from `schema` and confirmed by `validate`. */
export function validBody(contract: Contract, schema: SchemaObject, validate: ValidateFunction): fc.Arbitrary<unknown> {
  return validValue(contract, schema).filter((body) => validate(body) === true);
}

/** Characters that break most name-like patterns; the validator decides which really do. */
const ODD_CHARACTERS = [' ', '@', '/', '!', '#', '%', '+', ',', ':', '<', '"', '\t', '\u0000', '😀', '\u200b'];

/** The ways to break `schema` (an object schema), each as its own arbitrary. */
export function mutations(contract: Contract, raw: SchemaObject, validate: ValidateFunction): Mutation[] {
  const schema = contract.resolve(raw);
  const properties = schema.properties ?? {};
  const valid = validValue(contract, schema) as fc.Arbitrary<Record<string, unknown>>;
  const validFull = fc.record(Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, validValue(contract, sub)])));
  const out: Mutation[] = [
    {
      why: `the body is not an object`,
      arbitrary: fc.oneof(
        fc.constant(null),
        fc.integer(),
        fc.string({ maxLength: 8 }),
        fc.boolean(),
        fc.array(validFull, { maxLength: 2 }),
      ),
    },
  ];
  for (const key of schema.required ?? []) {
    out.push({
      why: `required property ${key} is missing`,
      arbitrary: validFull.map(({ [key]: _dropped, ...rest }) => rest),
    });
  }
  if (schema.additionalProperties === false) {
    const extraKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in properties) && k !== '__proto__');
    out.push({
      why: `an undocumented property is present`,
      arbitrary: fc
        .tuple(valid, extraKey, fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()))
        .map(([body, key, value]) => ({ ...body, [key]: value })),
    });
  }
  for (const [key, rawSub] of Object.entries(properties)) {
    const sub = contract.resolve(rawSub);
    const withValue = (value: fc.Arbitrary<unknown>) => fc.tuple(validFull, value).map(([body, v]) => ({ ...body, [key]: v }));
    out.push({ why: `${key} has the wrong type`, arbitrary: withValue(otherTypes(typesOf(sub))) });
    if (!typesOf(sub).includes('string')) continue;
    const validString = validValue(contract, sub).filter((s): s is string => typeof s === 'string' && s.length > 0);
    if (sub.maxLength !== undefined) {
      const max = sub.maxLength;
      out.push({
        why: `${key} is longer than ${max} characters`,
        arbitrary: withValue(
          fc.tuple(validString, fc.integer({ min: 1, max: 40 })).map(([s, extra]) => {
            const chars = codePoints(s);
            return Array.from({ length: max + extra }, (_, i) => chars[i % chars.length]).join('');
          }),
        ),
      });
    }
    if (sub.minLength !== undefined && sub.minLength > 0) {
      const min = sub.minLength;
      out.push({
        why: min === 1 ? `${key} is empty` : `${key} is shorter than ${min} characters`,
        arbitrary: withValue(
          fc.tuple(validString, fc.integer({ min: 0, max: min - 1 })).map(([s, n]) => codePoints(s).slice(0, n).join('')),
        ),
      });
    }
    if (sub.pattern) {
      const pattern = new RegExp(sub.pattern, 'u');
      const odd = ODD_CHARACTERS.filter((c) => !pattern.test(c));
      if (odd.length > 0) {
        out.push({
          why: `${key} breaks its pattern ${sub.pattern}`,
          arbitrary: withValue(
            fc
              .tuple(validString, fc.constantFrom(...odd), fc.nat())
              .map(([s, c, at]) => {
                const chars = codePoints(s);
                chars[at % chars.length] = c;
                return chars.join('');
              })
              // A pattern that only pins a prefix (`^https://…`) survives most replacements, and the
              // body would then be invalid for another reason (a format) than the one named.
              .filter((s) => !pattern.test(s)),
          ),
        });
      }
    }
  }
  // The contract's validator has the last word on "invalid".
  return out.map(({ why, arbitrary }) => ({ why, arbitrary: arbitrary.filter((body) => validate(body) !== true) }));
}

/** Bodies the contract rejects, each with the reason it is broken. */
export function invalidBody(contract: Contract, schema: SchemaObject, validate: ValidateFunction): fc.Arbitrary<InvalidBody> {
  return fc.oneof(...mutations(contract, schema, validate).map(({ why, arbitrary }) => arbitrary.map((body) => ({ body, why }))));
}

/** The operation's path with each `{parameter}` filled by a value its schema accepts (the same for a seed). */
export function pathFor(contract: Contract, op: Operation, seed: number): string {
  return op.pathParameters.reduce((path, { name, schema }) => {
    const [value] = fc.sample(validValue(contract, schema), { seed, numRuns: 1 });
    return path.replace(`{${name}}`, encodeURIComponent(String(value)));
  }, op.path);
}

/**
 * A JSON text nested deep or spread wide, as a plan (what a counterexample prints) rather than the
 * text itself, which fills the body limit. `field` puts it under one property of an object.
 */
export interface NestingPlan {
  shape: 'deep' | 'wide array' | 'wide object';
  /** deep: what each level opens with; wide: the element repeated. */
  unit: string;
  /** Levels, or elements. */
  count: number;
  /** The property holding it, or none: the whole body. */
  field?: string;
}

/** Each level of a deep text: how it opens, how it closes, and what the innermost holds. */
const LEVELS: Record<string, { close: string; inner: string }> = {
  '[': { close: ']', inner: '' },
  '{"a":': { close: '}', inner: '1' },
  '[{"a":': { close: '}]', inner: '1' },
  '{"a":[': { close: ']}', inner: '' },
};
const ELEMENTS = ['[]', '{}', '1', '"x"', '[[[[]]]]', '{"a":{"b":{}}}'];

/** The JSON text of a plan. Every byte is ASCII, so its length is its size in bytes. */
export function nestedText({ shape, unit, count, field }: NestingPlan): string {
  let inner: string;
  if (shape === 'deep') {
    const { close, inner: innermost } = LEVELS[unit]!;
    inner = `${unit.repeat(count)}${innermost}${close.repeat(count)}`;
  } else if (shape === 'wide object') {
    inner = `{${Array.from({ length: count }, (_, i) => `"k${i}":${unit}`).join(',')}}`;
  } else {
    inner = `[${Array(count).fill(unit).join(',')}]`;
  }
  return field === undefined ? inner : `{${JSON.stringify(field)}:${inner}}`;
}

/** The plan with the most units whose text fits in `limitBytes`, scaled down by `fill`. */
function fit(limitBytes: number, plan: Omit<NestingPlan, 'count'>, fill = 1): NestingPlan {
  let [fits, over] = [1, limitBytes + 1];
  while (over - fits > 1) {
    const count = Math.floor((fits + over) / 2);
    if (nestedText({ ...plan, count }).length <= limitBytes) fits = count;
    else over = count;
  }
  return { ...plan, count: Math.max(1, Math.floor(fits * fill)) };
}

/** The deepest text of each kind, in a body's first field and as the whole body, and the widest ones. */
export function extremeNestings(limitBytes: number, fields: readonly string[]): NestingPlan[] {
  const at = fields[0] === undefined ? [{}] : [{}, { field: fields[0] }];
  return [
    ...Object.keys(LEVELS).flatMap((unit) => at.map((where) => fit(limitBytes, { shape: 'deep', unit, ...where }))),
    fit(limitBytes, { shape: 'wide array', unit: '[]' }),
    fit(limitBytes, { shape: 'wide object', unit: '{}' }),
  ];
}

/**
 * Plans of JSON texts as deep or as wide as a body of `limitBytes` can hold (and shallower and
 * narrower ones): a server that walks a body by recursion overflows its stack on the deep ones,
 * one that does per-key work without bound spends it on the wide ones. `fields` are the
 * properties a body may put them under (the request schema's), besides the whole body.
 */
export function nestedBody(limitBytes: number, fields: readonly string[]): fc.Arbitrary<NestingPlan> {
  const field = fc.option(fc.constantFrom(...(fields.length > 0 ? fields : ['a'])), { nil: undefined });
  // Most cases fill the limit, where a stack gives out; some are smaller.
  const share = fc.oneof(
    { weight: 3, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 99 }).map((n) => n / 100) },
  );
  const plan = (shape: NestingPlan['shape'], units: readonly string[]): fc.Arbitrary<NestingPlan> =>
    fc
      .tuple(fc.constantFrom(...units), field, share)
      .map(([unit, at, fill]) => fit(limitBytes, { shape, unit, ...(at === undefined ? {} : { field: at }) }, fill));
  return fc.oneof(plan('deep', Object.keys(LEVELS)), plan('wide array', ELEMENTS), plan('wide object', ELEMENTS));
}
