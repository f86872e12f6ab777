/**
 * The one way a command of this repository reads its arguments (scripts/*.ts, local-stack/src/cli/*.ts,
 * bench/*.ts): node:util parseArgs in strict mode, plus what every command owes its user. `--help` / `-h`
 * prints the usage and exits 0; an unknown option, a missing value or the wrong number of arguments prints
 * the error and the usage on stderr and exits 2; so does `usageError` for a value the command refuses.
 *
 *     const COMMAND = defineCommand({
 *       usage: 'npm run gen-data -- [options]',
 *       summary: 'Writes a deterministic DBpedia-shaped labeled CSV and its classes.txt.',
 *       options: {
 *         rows: { type: 'string', value: 'n', default: '14000', description: 'how many rows' },
 *         json: { type: 'boolean', description: 'print JSON' },
 *       },
 *       arguments: { name: 'file', description: 'the files to read', min: 1 }, // leave out when it takes none
 *     });
 *     const { values, positionals } = parseCommandLine(COMMAND);
 *     if (!(Number(values.rows) > 0)) usageError(COMMAND, `--rows must be positive, not "${values.rows}"`);
 */
import { parseArgs } from 'node:util';

/** One option: its node:util parseArgs configuration and what --help says about it. */
export type OptionSpec = (
  | { type: 'string'; multiple?: false; default?: string }
  | { type: 'string'; multiple: true; default?: string[] }
  | { type: 'boolean'; multiple?: false; default?: boolean }
) & {
  short?: string;
  /** What the option does, for --help (its default is added). */
  description: string;
  /** How --help names a string option's value: `--rows <n>` (default `value`). */
  value?: string;
};

export interface CommandSpec<TOptions extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** How the command is run, e.g. `npm run predict -- [options] <text> [<text> ...]`. */
  usage: string;
  /** What it does: a sentence or two. */
  summary: string;
  options: TOptions;
  /** The arguments it takes besides options; none when left out. */
  arguments?: { name: string; description: string; min?: number; max?: number };
}

type ParseConfig<TOptions extends Record<string, OptionSpec>> = { options: TOptions; allowPositionals: true; strict: true };
export type ParsedCommandLine<TOptions extends Record<string, OptionSpec>> = ReturnType<typeof parseArgs<ParseConfig<TOptions>>>;

export type Interpretation<TOptions extends Record<string, OptionSpec>> =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | { kind: 'parsed'; parsed: ParsedCommandLine<TOptions> };

/** Declares a command (typed by its options); `-h` and `--help` are added to every command. */
export function defineCommand<const TOptions extends Record<string, OptionSpec>>(spec: CommandSpec<TOptions>): CommandSpec<TOptions> {
  for (const name of Object.keys(spec.options)) {
    if (name === 'help') throw new Error('--help is every command\'s own: do not declare it');
  }
  return spec;
}

/** What the arguments ask for, without printing or exiting (parseCommandLine does that). */
export function interpretCommandLine<TOptions extends Record<string, OptionSpec>>(
  spec: CommandSpec<TOptions>,
  argv: readonly string[],
): Interpretation<TOptions> {
  const separator = argv.indexOf('--');
  const beforeSeparator = separator < 0 ? argv : argv.slice(0, separator);
  if (beforeSeparator.includes('--help') || beforeSeparator.includes('-h')) return { kind: 'help' };
  let parsed: ParsedCommandLine<TOptions>;
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true }) as ParsedCommandLine<TOptions>;
  } catch (error) {
    // node's own wording ("Unknown option '--x'. To specify a positional argument ...") names the culprit.
    return { kind: 'error', message: (error as Error).message };
  }
  const count = parsed.positionals.length;
  const { arguments: args } = spec;
  if (!args && count > 0) return { kind: 'error', message: `Unexpected argument '${parsed.positionals[0]}': this command takes options only` };
  if (args && count < (args.min ?? 0)) return { kind: 'error', message: `Expected at least ${args.min} <${args.name}>, got ${count}` };
  if (args?.max !== undefined && count > args.max) return { kind: 'error', message: `Expected at most ${args.max} <${args.name}>, got ${count}` };
  return { kind: 'parsed', parsed };
}

function optionLabel(name: string, option: OptionSpec): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${name}`;
  return option.type === 'string' ? `${flag} <${option.value ?? 'value'}>` : flag;
}

function optionDescription(option: OptionSpec): string {
  const repeat = option.multiple ? ' (repeatable)' : '';
  const fallback = option.type === 'string' && option.default !== undefined && option.default.length > 0 ? ` (default ${option.default})` : '';
  return `${option.description}${repeat}${fallback}`;
}

const LINE_WIDTH = 100;

/** Words of `text` in lines of at most `width` characters (a longer word, a URL say, stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** The usage text --help prints. */
export function helpText(spec: CommandSpec): string {
  const rows: Array<[string, string]> = [
    ...(spec.arguments ? [[`<${spec.arguments.name}>`, spec.arguments.description] as [string, string]] : []),
    ...Object.entries(spec.options).map(([name, option]): [string, string] => [optionLabel(name, option), optionDescription(option)]),
    ['-h, --help', 'show this help'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 4;
  const row = ([label, description]: [string, string]) =>
    wrap(description, LINE_WIDTH - width).map((text, i) => `${i === 0 ? `  ${label}`.padEnd(width) : ' '.repeat(width)}${text}`);
  const lines = [`usage: ${spec.usage}`, '', ...wrap(spec.summary, LINE_WIDTH), ''];
  if (spec.arguments) lines.push('Arguments:', ...row(rows.shift()!), '');
  lines.push('Options:', ...rows.flatMap(row), '');
  return lines.join('\n');
}

/** Prints `error: <message>` and the usage on stderr and exits 2: for a value the command refuses. */
export function usageError(spec: CommandSpec, message: string): never {
  process.stderr.write(`error: ${message}\n\n${helpText(spec)}`);
  process.exit(2);
}

/** Parses the command line (default process.argv): prints the help and exits 0, or refuses a wrong one with exit 2. */
export function parseCommandLine<TOptions extends Record<string, OptionSpec>>(
  spec: CommandSpec<TOptions>,
  argv: readonly string[] = process.argv.slice(2),
): ParsedCommandLine<TOptions> {
  const outcome = interpretCommandLine(spec, argv);
  if (outcome.kind === 'help') {
    process.stdout.write(helpText(spec));
    process.exit(0);
  }
  if (outcome.kind === 'error') usageError(spec, outcome.message);
  return outcome.parsed;
}

/** A whole-number value of option (or argument) `name`, at least `min` when given: anything else is a usage error naming it. */
export function integerOption(spec: CommandSpec, name: string, raw: string, options: { min?: number } = {}): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  const { min } = options;
  if (!Number.isInteger(value) || (min !== undefined && value < min)) {
    const what = spec.arguments?.name === name ? `<${name}>` : `--${name}`;
    usageError(spec, `${what} must be a whole number${min === undefined ? '' : ` of at least ${min}`}, not "${raw}"`);
  }
  return value;
}
