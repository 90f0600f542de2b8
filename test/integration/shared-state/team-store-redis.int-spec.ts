import { Redis } from 'ioredis';
import { RedisTeamStore } from '@app/auth';
import { describeTeamStoreContract } from '../../contracts/team-store.contract';
import { startRedis, type RedisServer } from '../../support/redis';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let prefix = 0;
describeTeamStoreContract('redis', async () => {
  const client = new Redis(redis.url, { keyPrefix: `team-${(prefix += 1)}:` });
  return { store: new RedisTeamStore(client), close: async () => void client.disconnect() };
});
