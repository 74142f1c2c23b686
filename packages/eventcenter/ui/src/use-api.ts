import { useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** True from the first render with a new key until its answer (or error) arrives. */
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `load` when `key` changes (aborting the previous call) and on reload(); keeps the last data while the next loads. */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Loaded<T> {
  const [generation, setGeneration] = useState(0);
  const current = `${generation}:${key}`;
  const [state, setState] = useState<{ data?: T; error?: Error; for?: string }>({});
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => setState({ data, for: current }),
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState((s) => ({ data: s.data, error: error instanceof Error ? error : new Error(String(error)), for: current }));
      },
    );
    return () => controller.abort();
  }, [current]);
  return {
    data: state.data,
    error: state.for === current ? state.error : undefined,
    loading: state.for !== current,
    reload: () => setGeneration((g) => g + 1),
  };
}
