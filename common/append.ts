// Appending one array to another: `target.push(...items)` passes every item as an argument, and
// past about 100,000 of them (an input with a million errors, a node with a million addresses) V8
// throws "Maximum call stack size exceeded".

/** Append `items` to `target` one by one, however many there are. */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]!);
}
