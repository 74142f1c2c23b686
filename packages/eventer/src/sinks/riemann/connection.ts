import { connect, type Socket } from 'node:net';

/**
 * One TCP connection to Riemann, one request at a time: write a framed Msg, read the framed
 * reply. Any failure (refused, reset, timeout, a short read) closes the socket; the next
 * request dials again.
 */
export class RiemannConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  #buffer = Buffer.alloc(0);
  #waiting: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  async request(frame: Buffer, timeoutMs: number, signal: AbortSignal): Promise<Buffer> {
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const socket = await this.#connect(timeout);
    return new Promise<Buffer>((resolve, reject) => {
      const onAbort = () => {
        this.close();
        reject(timeout.reason instanceof Error ? timeout.reason : new Error('aborted'));
      };
      timeout.addEventListener('abort', onAbort, { once: true });
      this.#waiting = {
        resolve: (reply) => {
          timeout.removeEventListener('abort', onAbort);
          resolve(reply);
        },
        reject: (error) => {
          timeout.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      socket.write(frame);
    });
  }

  #connect(signal: AbortSignal): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed) return Promise.resolve(this.#socket);
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.#host, port: this.#port, signal });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.#socket = socket;
        this.#buffer = Buffer.alloc(0);
        resolve(socket);
      });
      // Events of a socket already replaced (closed after a timeout, say) must not touch the current one.
      socket.on('data', (chunk: Buffer) => {
        if (socket === this.#socket) this.#onData(chunk);
      });
      socket.on('error', (error) => {
        reject(error);
        if (socket === this.#socket) this.#fail(error);
      });
      socket.on('close', () => {
        if (socket === this.#socket) this.#fail(new Error('connection closed by Riemann'));
      });
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (this.#buffer.length < 4) return;
    const length = this.#buffer.readUInt32BE(0);
    if (this.#buffer.length < 4 + length) return;
    const reply = this.#buffer.subarray(4, 4 + length);
    this.#buffer = this.#buffer.subarray(4 + length);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(reply);
  }

  #fail(error: Error): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }

  close(): void {
    this.#fail(new Error('connection closed'));
  }
}
