/**
 * Iterative post-order walk of a tensor graph (no recursion: graphs built by
 * training loops are deeper than the call stack). Shared by `realize`'s
 * scheduler and the transformations' search for active nodes.
 * @module
 */
import type { Tensor } from '../Tensor.js';

/**
 * Visits every node below `outputs` once, after all of its `children(n)` (called once per node; return `[]` to stop
 * descending), in topological order.
 * @internal
 */
export function postorder(outputs: readonly Tensor[], children: (n: Tensor) => readonly Tensor[], visit: (n: Tensor) => void): void {
  const done = new Set<number>();
  for (const o of outputs) {
    if (done.has(o.id)) continue;
    const stack: { node: Tensor; below: readonly Tensor[]; next: number }[] = [{ node: o, below: children(o), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.below.length) {
        const c = top.below[top.next++]!;
        if (!done.has(c.id)) stack.push({ node: c, below: children(c), next: 0 });
        continue;
      }
      stack.pop();
      if (done.has(top.node.id)) continue;
      done.add(top.node.id);
      visit(top.node);
    }
  }
}
