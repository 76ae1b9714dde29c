/**
 * Imports a TypeScript module from a worker thread's plain-JS entry file. Workers inherit the
 * process's --import flags (`npm start` runs `node --import tsx`) but not a loader registered
 * another way (the test runner's), so tsx is registered only when the module cannot be loaded
 * without it: registering it a second time costs ~100 ms at every worker start.
 */
export async function importTs(url) {
  try {
    return await import(url);
  } catch (err) {
    if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    const { register } = await import('tsx/esm/api');
    register();
    // Node remembers the failed load of `url`: the retry must name the module differently.
    return import(`${url}?tsx`);
  }
}
