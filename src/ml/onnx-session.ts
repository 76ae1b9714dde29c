type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

export interface LazyOnnxSession {
  /** ONNX Runtime and the model's session, loaded on the first call (a failed load is tried again next time). */
  get(): Promise<{ ort: Ort; session: Session }>;
  release(): Promise<void>;
}

/** An operator's ONNX model, loaded on first use with one thread: each worker already has a core of its own. */
export function lazyOnnxSession(modelPath: string): LazyOnnxSession {
  let loading: Promise<{ ort: Ort; session: Session }> | null = null;
  return {
    get: () =>
      (loading ??= (async () => {
        const ort = await import('onnxruntime-node');
        const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
        return { ort, session };
      })().catch((error: unknown) => {
        loading = null;
        throw error;
      })),
    async release() {
      const session = await loading?.then((l) => l.session).catch(() => null);
      loading = null;
      await session?.release();
    },
  };
}
