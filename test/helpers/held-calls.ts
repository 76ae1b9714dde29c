/**
 * Holds every call of the async method `obj[key]` until open() (then lets them all through), so
 * a test can look at an operation while it is certainly still running. restore() puts the
 * method back.
 */
export function holdCalls<T extends object, K extends keyof T>(obj: T, key: K): { open: () => void; restore: () => void } {
  const original = obj[key];
  const call = original as unknown as (...args: unknown[]) => Promise<unknown>;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  obj[key] = (async (...args: unknown[]) => {
    await gate;
    return call.apply(obj, args);
  }) as T[K];
  return { open, restore: () => void (obj[key] = original) };
}
