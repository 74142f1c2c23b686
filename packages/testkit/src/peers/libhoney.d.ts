// libhoney (npm) ships no type declarations; the part the peer tests use.
declare module 'libhoney' {
  interface LibhoneyEvent {
    timestamp: Date;
    add(data: Record<string, unknown>): void;
    send(): void;
  }
  export default class Libhoney {
    constructor(options: {
      writeKey: string;
      dataset: string;
      apiHost?: string;
      responseCallback?: (responses: { status_code?: number; error?: unknown }[]) => void;
    });
    newEvent(): LibhoneyEvent;
    sendNow(data: Record<string, unknown>): void;
    flush(): Promise<void>;
  }
}
