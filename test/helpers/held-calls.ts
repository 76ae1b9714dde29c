/**
 * Holds every call of the async method `obj[key]` until open() (then lets them all through), so
 * a test can look at an operation while it is certainly still running; `reached` resolves at
 * the first call. restore() puts the method back.
 */
export function holdCalls<T extends object, K extends keyof T>(obj: T, key: K): { reached: Promise<void>; open: () => void; restore: () => void } {
  const original = obj[key];
  const call = original as unknown as (...args: unknown[]) => Promise<unknown>;
  let open!: () => void;
  let reach!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  obj[key] = (async (...args: unknown[]) => {
    reach();
    await gate;
    return call.apply(obj, args);
  }) as T[K];
  return { reached, open, restore: () => void (obj[key] = original) };
}
