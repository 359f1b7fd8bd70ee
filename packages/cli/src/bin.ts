#!/usr/bin/env node
/**
 * The `colab-ts` executable: runs a command with the process's streams,
 * turns the first Ctrl-C into "save a checkpoint and stop" (a second one
 * exits at once), closes the kernel backend and exits with the command's code.
 * @module
 */
import { closeBackends } from '@colab-ts/kernels';
import { processIo } from './io.js';
import { run } from './main.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\ncolab-ts: interrupt received; saving a checkpoint after this step (Ctrl-C again to quit now)\n');
  controller.abort();
});

// No top-level await: the CommonJS build of this file must load too.
void run(process.argv.slice(2), processIo(), controller.signal)
  .catch((e: unknown) => {
    process.stderr.write(`colab-ts: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  })
  .then(async (code) => {
    await closeBackends().catch(() => undefined);
    // Let pending writes to piped stdout/stderr drain instead of process.exit() cutting them off.
    process.exitCode = code;
    process.removeAllListeners('SIGINT');
    setTimeout(() => process.exit(code), 2000).unref();
  });
