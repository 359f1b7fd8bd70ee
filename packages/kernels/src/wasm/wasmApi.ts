/**
 * Minimal typings for the WebAssembly JS API and Atomics.waitAsync, read off
 * globalThis so this module type-checks with lib ES2022 and no DOM types.
 * @category wasm
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(deltaPages: number): number;
}
/** A WebAssembly instance (its exports). @category wasm */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
/** The part of the `WebAssembly` namespace the engine uses. @category wasm */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}
/** The global `WebAssembly` namespace, typed. @category wasm */
export const WA: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
/**
 * `Atomics.waitAsync`, typed; where an engine lacks it (Firefox before 145,
 * Safari before 16.4), a poll that re-checks the value every few milliseconds.
 * @category wasm
 */
export const waitAsync: (ta: Int32Array, index: number, value: number) => WaitAsyncResult = (() => {
  const native = (Atomics as unknown as { waitAsync?: (ta: Int32Array, index: number, value: number) => WaitAsyncResult }).waitAsync;
  if (typeof native === 'function') return native.bind(Atomics);
  return (ta: Int32Array, index: number, value: number): WaitAsyncResult => {
    if (Atomics.load(ta, index) !== value) return { async: false, value: 'not-equal' };
    return {
      async: true,
      value: new Promise<'ok'>((resolve) => {
        const poll = (): void => {
          if (Atomics.load(ta, index) !== value) resolve('ok');
          else setTimeout(poll, 1);
        };
        setTimeout(poll, 1);
      }),
    };
  };
})();
