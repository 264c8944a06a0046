import pg from "pg";

/** How long a PostgreSQL connection keeps being retried while the server refuses connections. */
export const POSTGRES_UNAVAILABLE_WAIT_MS = 10_000;

// Refusals that end on their own: a restart or failover (57P03 starting up or shutting down, 57P01
// terminated by an administrator), connections paused (55000 "not currently accepting
// connections"), the connection limit (53300), and the server not listening for a moment.
const TRANSIENT_SQLSTATES = new Set(["57P03", "57P01", "55000", "53300"]);
const TRANSIENT_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE"]);

export function isTransientConnectError(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET_CODES.has(code))) return true;
  return /Connection terminated|timeout expired/i.test(message ?? "");
}

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg pool whose connect() waits out a briefly unavailable server (a restart, a failover) instead
 * of failing the request: only the connection is retried, so no statement ever runs twice. Queries
 * (pool.query) and Prisma's transactions both take their connection through connect().
 */
export class PatientPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly waitMs = POSTGRES_UNAVAILABLE_WAIT_MS,
  ) {
    super(config);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const connected = this.connectPatiently();
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
  }

  private async connectPatiently(): Promise<pg.PoolClient> {
    const deadline = Date.now() + this.waitMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
      try {
        return await super.connect();
      } catch (error) {
        if (!isTransientConnectError(error) || Date.now() + pause > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

/**
 * A Prisma error saying PostgreSQL could not be reached or dropped the connection (longer than the
 * pool waits), as opposed to an error in the query itself: the caller can say "try again".
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, meta } = error as {
    code?: string;
    meta?: {
      driverAdapterError?: { cause?: { code?: string; originalCode?: string; kind?: string; message?: string } };
    };
  };
  // Can't reach, connection closed, timed out (SQLite's lock wait included), no transaction in time.
  if (code === "P1001" || code === "P1017" || code === "P1008" || code === "P2028") return true;
  const cause = meta?.driverAdapterError?.cause;
  if (!cause) return false;
  if (cause.kind === "DatabaseNotReachable" || cause.kind === "ConnectionClosed" || cause.kind === "SocketTimeout")
    return true;
  return isTransientConnectError({ code: cause.originalCode ?? cause.code, message: cause.message });
}
