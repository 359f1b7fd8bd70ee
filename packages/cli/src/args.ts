/**
 * Command-line arguments decoded by hand into an fp-ts `Either`: every
 * problem (unknown flag, missing value, bad value, missing required flag) is
 * collected and reported at once, each with its fix.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';

/** One problem with the command line: the flag, what is wrong, how to fix it. @category args */
export interface ArgIssue {
  readonly flag: string;
  readonly message: string;
  readonly fix: string;
}

/** The kinds of flag values. @category args */
export type FlagKind = 'int' | 'number' | 'string' | 'bool' | 'enum' | 'triple';

/** One flag of a command. @category args */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly help: string;
  readonly required?: boolean;
  readonly default?: string | number | boolean | readonly number[];
  /** Allowed values of an `enum` flag. */
  readonly values?: readonly string[];
  /** Smallest allowed value of an `int`/`number` flag (and of each `triple` entry). */
  readonly min?: number;
  /** Largest allowed value of an `int`/`number` flag (and of each `triple` entry). */
  readonly max?: number;
  /** `min` itself is not allowed (the range is open below): `(0, 1)` is `min: 0, max: 1, exclusiveMin: true, exclusiveMax: true`. */
  readonly exclusiveMin?: boolean;
  /** `max` itself is not allowed (the range is open above). */
  readonly exclusiveMax?: boolean;
  /** The value's placeholder in the help text. */
  readonly meta?: string;
}

/** A command: its name, a one-line summary, a longer description and its flags. @category args */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly flags: readonly FlagSpec[];
  readonly examples?: readonly string[];
}

/**
 * A command's spec from its name and one-line summary (what `colab-ts help` lists) and the rest; the flags keep their
 * literal types (as `as const` would), so `ArgsOf<typeof spec>` types the decoded options.
 * @example export const fooSpec = defineCommand('foo', 'do foo', { flags: [{ name: 'n', kind: 'int', default: 1, help: 'How many' }] })
 * @category args
 */
export const defineCommand = <const N extends string, const R extends Omit<CommandSpec, 'name' | 'summary'>>(
  name: N,
  summary: string,
  rest: R,
): { readonly name: N; readonly summary: string } & R => ({ name, summary, ...rest });

/** Decoded flag values by option name (absent when not given and without default). @category args */
export type ArgValues = Readonly<Record<string, string | number | boolean | readonly number[] | undefined>>;

/** A kebab-case flag name as an option name: `batch-size` -> `batchSize`. @category args */
export type OptionName<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<OptionName<B>>}` : S;

/** The option name of a flag, the key of its value in `decodeArgs`'s result: `flagKey('batch-size') === 'batchSize'`. @category args */
export const flagKey = <S extends string>(name: S): OptionName<S> => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as OptionName<S>;

/**
 * A spec's flags without some, keeping each flag's type (for a command that
 * shares another's flags).
 * @example flags: [...without(trainSpec.flags, ['data', 'out'])]
 * @category args
 */
export const without = <const F extends readonly FlagSpec[], N extends F[number]['name']>(
  flags: F,
  names: readonly N[],
): readonly Exclude<F[number], { readonly name: N }>[] =>
  flags.filter((f): f is Exclude<F[number], { readonly name: N }> => !(names as readonly string[]).includes(f.name));

/** The decoded type of one flag's value. @category args */
export type FlagValue<F extends FlagSpec> = F['kind'] extends 'int' | 'number'
  ? number
  : F['kind'] extends 'bool'
    ? boolean
    : F['kind'] extends 'triple'
      ? readonly [number, number, number]
      : F['kind'] extends 'enum'
        ? F['values'] extends readonly (infer V)[]
          ? V
          : string
        : string;

/** Whether a flag always has a value once decoded (it is required or has a default). */
type Present<F> = F extends { readonly required: true } | { readonly default: unknown } ? true : false;

/**
 * The options a command's flags decode to, derived from its spec (declared
 * with `defineCommand`, or `as const satisfies CommandSpec`): one property per flag under its option
 * name, optional unless the flag is required or has a default.
 * @example type TrainFlags = ArgsOf<typeof trainSpec> // { data: string; batchSize: number; patch?: readonly [number, number, number] | undefined; ... }
 * @category args
 */
export type ArgsOf<S extends CommandSpec> = {
  readonly [F in S['flags'][number] as Present<F> extends true ? OptionName<F['name']> : never]: FlagValue<F>;
} & {
  readonly [F in S['flags'][number] as Present<F> extends true ? never : OptionName<F['name']>]?: FlagValue<F> | undefined;
};

const distance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
};

/** The closest name to `s` within edit distance 2, if any. @category args */
export function closest(s: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bd = 3;
  for (const n of names) {
    const d = distance(s, n);
    if (d < bd) {
      bd = d;
      best = n;
    }
  }
  return best;
}

/** The allowed range of a flag in words (`>= 0`, `in [0, 1)`), or '' when unbounded. @category args */
export function rangeText(spec: Pick<FlagSpec, 'min' | 'max' | 'exclusiveMin' | 'exclusiveMax'>): string {
  const lo = spec.min;
  const hi = spec.max;
  if (lo !== undefined && hi !== undefined) return `in ${spec.exclusiveMin === true ? '(' : '['}${lo}, ${hi}${spec.exclusiveMax === true ? ')' : ']'}`;
  if (lo !== undefined) return `${spec.exclusiveMin === true ? '>' : '>='} ${lo}`;
  if (hi !== undefined) return `${spec.exclusiveMax === true ? '<' : '<='} ${hi}`;
  return '';
}

/** Whether `v` lies in the flag's range. @category args */
export function inRange(spec: Pick<FlagSpec, 'min' | 'max' | 'exclusiveMin' | 'exclusiveMax'>, v: number): boolean {
  const aboveMin = spec.min === undefined || (spec.exclusiveMin === true ? v > spec.min : v >= spec.min);
  const belowMax = spec.max === undefined || (spec.exclusiveMax === true ? v < spec.max : v <= spec.max);
  return aboveMin && belowMax;
}

function parseValue(spec: FlagSpec, raw: string): E.Either<ArgIssue, string | number | boolean | readonly number[]> {
  const flag = `--${spec.name}`;
  const bad = (message: string, fix: string): E.Either<ArgIssue, never> => E.left({ flag, message, fix });
  const range = rangeText(spec);
  const within = range === '' ? '' : ` ${range}`;
  const example = `pass e.g. ${flag} ${spec.default ?? (spec.min === undefined ? 1 : spec.exclusiveMin === true ? spec.min + (spec.kind === 'int' ? 1 : spec.max === undefined ? 1 : (spec.max - spec.min) / 2) : spec.min)}`;
  switch (spec.kind) {
    case 'int': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isSafeInteger(v) || !inRange(spec, v)) return bad(`expects an integer${within}, got ${JSON.stringify(raw)}`, example);
      return E.right(v);
    }
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || !inRange(spec, v)) return bad(`expects a number${within}, got ${JSON.stringify(raw)}`, example);
      return E.right(v);
    }
    case 'bool': {
      if (['true', '1', 'yes'].includes(raw)) return E.right(true);
      if (['false', '0', 'no'].includes(raw)) return E.right(false);
      return bad(`expects true or false, got ${JSON.stringify(raw)}`, `write ${flag} alone, or ${flag}=false`);
    }
    case 'enum': {
      const vals = spec.values ?? [];
      if (vals.includes(raw)) return E.right(raw);
      const near = closest(raw, vals);
      return bad(
        `must be one of ${vals.join(', ')}, got ${JSON.stringify(raw)}`,
        near === undefined ? `pick one of ${vals.join(', ')}` : `did you mean ${flag} ${near}?`,
      );
    }
    case 'triple': {
      const parts = raw.split(/[,x]/).map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
      if (parts.length !== 3 || parts.some((v) => !Number.isSafeInteger(v) || !inRange(spec, v)))
        return bad(
          `expects three integers D,H,W${within}, got ${JSON.stringify(raw)}`,
          `pass e.g. ${flag} ${(spec.default as readonly number[] | undefined)?.join(',') ?? '1,64,64'}`,
        );
      return E.right(parts);
    }
    case 'string':
      if (raw === '') return bad('expects a non-empty value', `pass ${flag} ${spec.meta ?? 'VALUE'}`);
      return E.right(raw);
  }
}

/**
 * Decodes `argv` (the arguments after the command name) against `spec`:
 * `--flag value`, `--flag=value`, and for booleans bare `--flag` (true) and
 * `--no-flag` (false). Returns every issue found, or the values with defaults
 * filled in, each under its option name (`--batch-size` as `batchSize`).
 * @example decodeArgs(trainSpec, ['--data', 'ds', '--t', '0']) // Left([{ flag: '--t', ... }, { flag: '--out', ... }])
 * @category args
 */
export function decodeArgs<S extends CommandSpec>(spec: S, argv: readonly string[]): E.Either<ReadonlyArray<ArgIssue>, ArgsOf<S>> {
  const issues: ArgIssue[] = [];
  const values: Record<string, string | number | boolean | readonly number[] | undefined> = {};
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const names = spec.flags.map((f) => f.name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      issues.push({ flag: a, message: `unexpected argument ${JSON.stringify(a)}`, fix: `flags start with --; see colab-ts ${spec.name} --help` });
      continue;
    }
    const eq = a.indexOf('=');
    const written = a.slice(2, eq < 0 ? undefined : eq);
    // `--no-flag` negates a boolean flag (and takes no value).
    const negated = written.startsWith('no-') && byName.get(written.slice(3))?.kind === 'bool' && !byName.has(written);
    const name = negated ? written.slice(3) : written;
    const f = byName.get(name);
    if (negated && eq >= 0) {
      issues.push({ flag: `--${written}`, message: 'takes no value', fix: `write --${written} alone, or --${name}=false` });
      continue;
    }
    if (f === undefined) {
      const near = closest(name, names);
      issues.push({ flag: `--${name}`, message: 'unknown flag', fix: near === undefined ? `see colab-ts ${spec.name} --help` : `did you mean --${near}?` });
      if (eq < 0 && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = a.slice(eq + 1);
    else if (f.kind === 'bool') raw = negated ? 'false' : 'true';
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) raw = argv[++i];
    if (raw === undefined) {
      issues.push({
        flag: `--${name}`,
        message: 'is missing its value',
        fix: `pass --${name} ${f.meta ?? (f.kind === 'enum' ? (f.values ?? []).join('|') : 'VALUE')}`,
      });
      continue;
    }
    if (values[flagKey(name)] !== undefined) {
      issues.push({ flag: `--${name}`, message: 'is given more than once', fix: `keep one --${name}` });
      continue;
    }
    const v = parseValue(f, raw);
    if (E.isLeft(v)) issues.push(v.left);
    else values[flagKey(name)] = v.right;
  }
  for (const f of spec.flags) {
    if (values[flagKey(f.name)] !== undefined) continue;
    if (f.required === true)
      issues.push({
        flag: `--${f.name}`,
        message: 'is required',
        fix: `pass --${f.name} ${f.meta ?? (f.kind === 'enum' ? (f.values ?? []).join('|') : 'VALUE')}`,
      });
    else values[flagKey(f.name)] = f.default;
  }
  return issues.length > 0 ? E.left(issues) : E.right(values as ArgsOf<S>);
}

/** One line per issue: `--flag: message (fix: ...)`. @category args */
export const showArgIssue = (i: ArgIssue): string => `${i.flag}: ${i.message} (fix: ${i.fix})`;

/** The `--help` text of a command. @category args */
export function helpText(spec: CommandSpec): string {
  const rows = spec.flags.map((f) => {
    const left = `  --${f.kind === 'bool' ? `[no-]${f.name}` : f.name}${f.kind === 'bool' ? '' : ` ${f.meta ?? (f.kind === 'enum' ? (f.values ?? []).join('|') : f.kind === 'triple' ? 'D,H,W' : f.kind.toUpperCase())}`}`;
    const dflt =
      f.required === true ? ' (required)' : f.default === undefined ? '' : ` [${Array.isArray(f.default) ? f.default.join(',') : String(f.default)}]`;
    const range = f.kind === 'int' || f.kind === 'number' ? rangeText(f) : '';
    return [left, `${f.help}${range === '' ? '' : `, ${range}`}${dflt}`] as const;
  });
  const w = Math.max(...rows.map((r) => r[0].length), 10) + 2;
  return [
    `colab-ts ${spec.name}: ${spec.summary}`,
    '',
    ...(spec.description === undefined ? [] : [spec.description, '']),
    `Usage: colab-ts ${spec.name} ${spec.flags
      .filter((f) => f.required === true)
      .map((f) => `--${f.name} ${f.meta ?? 'VALUE'}`)
      .join(' ')}${spec.flags.some((f) => f.required !== true) ? ' [options]' : ''}`.trimEnd(),
    '',
    'Options:',
    ...rows.map(([l, r]) => `${l.padEnd(w)}${r}`),
    `${'  --help'.padEnd(w)}Show this help`,
    ...(spec.examples === undefined ? [] : ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)]),
    '',
    'Exit codes: 0 success, 1 runtime failure, 2 usage or data error.',
  ].join('\n');
}
