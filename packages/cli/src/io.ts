/**
 * Where the command writes (so that tests run it in-process), its typed
 * failures with their exit codes, and progress bars on stderr.
 * @module
 */

/** Output streams of a command run. @category io */
export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Whether stderr is a terminal: progress bars redraw in place, else they print plain lines. */
  readonly isTTY: boolean;
}

/** The process's streams. @category io */
export const processIo = (): Io => ({
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: process.stderr.isTTY === true,
});

/** An Io that keeps everything written (tests). @category io */
export function memoryIo(): Io & { readonly out: () => string; readonly err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    isTTY: false,
    out: () => out,
    err: () => err,
  };
}

/** Exit codes scripts can rely on. @category io */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * A failure the command reports in one line per problem: `usage` and `data`
 * errors exit with 2, `runtime` ones with 1.
 * @category io
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly kind: 'usage' | 'data' | 'runtime',
    readonly lines: readonly string[],
  ) {
    super(lines.join('\n'));
  }
  get exitCode(): number {
    return this.kind === 'runtime' ? EXIT.failure : EXIT.usage;
  }
}

/** Throws a data error (exit code 2). @category io */
export const dataError = (...lines: string[]): never => {
  throw new CliError('data', lines);
};

const fmtTime = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
};

/** A progress bar: `update(done, note)` and `finish(note)`. @category io */
export interface Progress {
  readonly update: (done: number, note?: string) => void;
  /** Ends the bar: at `total` unless `done` says where it stopped. */
  readonly finish: (note?: string, done?: number) => void;
}

/**
 * A progress bar on stderr with throughput and time left: redrawn in place on
 * a terminal, else a plain line at most every 10% or 15 seconds.
 * @example const bar = progress(io, 'train colab', 300, 'it'); bar.update(1, 'loss 0.9'); bar.finish()
 * @category io
 */
export function progress(io: Io, label: string, total: number, unit = 'it', startAt = 0, t0 = performance.now()): Progress {
  let lastPrint = -Infinity;
  let lastPct = -1;
  const line = (done: number, note: string | undefined, final: boolean): string => {
    const el = (performance.now() - t0) / 1000;
    const rate = (done - startAt) / Math.max(el, 1e-9);
    const left = rate > 0 ? (total - done) / rate : Infinity;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const fill = Math.round(frac * width);
    const bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}]`;
    const speed = rate >= 1 ? `${rate.toFixed(1)} ${unit}/s` : `${(1 / Math.max(rate, 1e-9)).toFixed(2)} s/${unit}`;
    const eta = final ? `took ${fmtTime(el)}` : `${fmtTime(el)}<${fmtTime(left)} left`;
    return `${label} ${bar} ${done}/${total} ${speed} ${eta}${note === undefined ? '' : ` ${note}`}`;
  };
  return {
    update: (done, note) => {
      const now = performance.now();
      if (io.isTTY) {
        if (now - lastPrint < 100 && done < total) return;
        lastPrint = now;
        io.stderr(`\r\x1b[2K${line(done, note, false)}`);
        return;
      }
      const pct = Math.floor((10 * done) / Math.max(total, 1));
      if (pct > lastPct || now - lastPrint > 15000) {
        lastPct = pct;
        lastPrint = now;
        io.stderr(`${line(done, note, false)}\n`);
      }
    },
    finish: (note, done = total) => io.stderr(`${io.isTTY ? '\r\x1b[2K' : ''}${line(done, note, true)}\n`),
  };
}

/**
 * A progress bar that appears only once the work has taken `afterMs` (default 2 s), so short work stays
 * quiet: loading a Decathlon CT folder takes minutes, loading the demo's phantoms a fraction of a second.
 * @category io
 */
export function lateProgress(io: Io, label: string, total: number, unit = 'it', afterMs = 2000): Progress {
  const t0 = performance.now();
  let bar: Progress | undefined;
  return {
    update: (done, note) => {
      if (bar === undefined && performance.now() - t0 >= afterMs) bar = progress(io, label, total, unit, 0, t0);
      bar?.update(done, note);
    },
    finish: (note, done) => bar?.finish(note, done),
  };
}
