import { it } from 'vitest';
it('t', async () => {
  let t = performance.now();
  await import('fast-check');
  console.log('fast-check', performance.now() - t);
  t = performance.now();
  await import('@fast-check/vitest');
  console.log('@fast-check/vitest', performance.now() - t);
});
