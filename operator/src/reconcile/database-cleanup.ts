// The one cleanup outside Kubernetes: dropping an environment's MongoDB database when it is deleted with
// storage.mongodb.dropDatabaseOnDelete. Everything inside the cluster goes with the garbage collector.
import { MongoClient } from 'mongodb';

export interface DatabaseDropper {
  drop(uri: string, database: string): Promise<void>;
}

export class MongoDatabaseDropper implements DatabaseDropper {
  constructor(private readonly timeoutMs = 10_000) {}

  async drop(uri: string, database: string): Promise<void> {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: this.timeoutMs,
      connectTimeoutMS: this.timeoutMs,
      appName: 'capturebox-operator',
    });
    try {
      await client.connect();
      await client.db(database).dropDatabase();
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
