import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { giveTurnIfHeld } from '../support/event-loop.js';

type Connection = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Transaction = Awaited<ReturnType<Connection['startTransaction']>>;

/**
 * Prisma's better-sqlite3 adapter, on its one connection, with two changes. A long run of queries
 * gives the event loop its turns (giveTurnIfHeld): better-sqlite3 runs each statement synchronously
 * and the adapter resolves it in a microtask, so a chain of queries (an import of 2,000 flags, 20,000
 * statements) otherwise ran as one stretch and every request waited seconds for it; on PostgreSQL each
 * query waits for the network, which gives the loop its turns. And a query outside a transaction waits
 * until an open transaction ends, which makes those turns safe: the adapter would run it on the same
 * connection, inside that transaction, seeing its uncommitted rows and rolled back with it.
 */
export function sqliteAdapter(file: string): PrismaBetterSqlite3 {
  const factory = new PrismaBetterSqlite3({ url: file, timeout: 5000 });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => exclusiveTransactions(await connect());
  return factory;
}

function exclusiveTransactions(connection: Connection): Connection {
  /** Settles when the open transaction ends; undefined while none is open. */
  let open: Promise<void> | undefined;
  const outside = async () => {
    while (open) await open;
  };
  const yielding =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await run(...args);
      await giveTurnIfHeld();
      return result;
    };

  return Object.assign(Object.create(connection) as Connection, {
    queryRaw: yielding(async (query: Parameters<Connection['queryRaw']>[0]) => {
      await outside();
      return connection.queryRaw(query);
    }),
    executeRaw: yielding(async (query: Parameters<Connection['executeRaw']>[0]) => {
      await outside();
      return connection.executeRaw(query);
    }),
    async startTransaction(isolationLevel?: Parameters<Connection['startTransaction']>[0]): Promise<Transaction> {
      await outside();
      // Nothing awaits between the check and this: the next caller waits for it.
      let end!: () => void;
      open = new Promise<void>((resolve) => (end = resolve));
      const finish = () => {
        open = undefined;
        end();
      };
      let transaction: Transaction;
      try {
        transaction = await connection.startTransaction(isolationLevel);
      } catch (error) {
        finish();
        throw error;
      }
      const settle = (close: () => Promise<void>) => async () => {
        try {
          await close();
        } finally {
          finish();
        }
      };
      return Object.assign(Object.create(transaction) as Transaction, {
        queryRaw: yielding(transaction.queryRaw.bind(transaction)),
        executeRaw: yielding(transaction.executeRaw.bind(transaction)),
        commit: settle(transaction.commit.bind(transaction)),
        rollback: settle(transaction.rollback.bind(transaction)),
      });
    },
  });
}
