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

const code = await run(process.argv.slice(2), processIo(), controller.signal);
await closeBackends();
process.exit(code);
