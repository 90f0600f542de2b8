import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { trackChild } from './cleanup';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL by default: a crash, not a polite shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). */
  start(): Promise<void>;
}

/**
 * A throwaway redis-server on a free loopback port: no persistence, no config file, nothing
 * survives a restart — exactly the Redis the gateway must cope with.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    trackChild(child);
    await waitForPort(port, 10_000);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not open port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Spawned Redis processes of one topology: each is registered the moment it starts, so a failed start still stops it. */
const everyTopology = new Set<RedisProcesses>();

/** Stops every sentinel / cluster process this test file started, even of a setup whose start never returned (call it in afterAll). */
export async function stopStartedRedis(): Promise<void> {
  await Promise.all([...everyTopology].map((processes) => processes.killAll()));
}

class RedisProcesses {
  private readonly children = new Map<number, ChildProcess>();

  constructor() {
    everyTopology.add(this);
  }

  spawn(port: number, args: string[], binary = 'redis-server'): ChildProcess {
    const child = spawn(binary, args, { stdio: 'ignore' });
    this.children.set(port, child);
    return child;
  }

  async kill(port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(port);
    this.children.delete(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((port) => this.kill(port)));
  }
}

const dataNodeArgs = (port: number): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'];

/** Runs `redis-cli` with `args`; resolves with its stdout, rejects on a non-zero exit or after `timeoutMs`. */
export function redisCli(args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`redis-cli ${args.join(' ')} exited with ${code}: ${output}`));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface RedisSentinelSetup {
  sentinels: Array<{ host: string; port: number }>;
  name: string;
  /** The port the sentinels currently name as master. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER, then waits until every sentinel names the other node as master. */
  failover(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/** One master, one replica and three sentinels (quorum 2) on free loopback ports. */
export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
  const processes = new RedisProcesses();
  const directory = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
  const name = 'gateway-master';
  const stop = async (): Promise<void> => {
    await processes.killAll();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const [master, replica] = [await freePort(), await freePort()];
    // Their own folder: a replica's full sync writes an RDB file to its working directory.
    processes.spawn(master, [...dataNodeArgs(master), '--dir', directory]);
    processes.spawn(replica, [...dataNodeArgs(replica), '--dir', directory, '--replicaof', '127.0.0.1', String(master)]);
    await Promise.all([waitForPort(master, 10_000), waitForPort(replica, 10_000)]);
    await until('the replica synced', async () => /master_link_status:up/.test(await redisCli(['-p', String(replica), 'info', 'replication'])), 15_000);
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    for (const port of sentinelPorts) {
      const file = join(directory, `sentinel-${port}.conf`);
      writeFileSync(file, [
        `port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${directory}`,
        `sentinel monitor ${name} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`, '',
      ].join('\n'));
      processes.spawn(port, [file, '--loglevel', 'warning'], 'redis-sentinel');
    }
    await Promise.all(sentinelPorts.map((port) => waitForPort(port, 10_000)));
    const masterPort = async (port = sentinelPorts[0]): Promise<number> => Number((await redisCli(['-p', String(port), 'sentinel', 'get-master-addr-by-name', name])).trim().split('\n')[1]);
    // A failover needs the sentinels to know the replica (and each other).
    await until('the sentinels know the replica', async () => {
      const replicas = await Promise.all(sentinelPorts.map((port) => redisCli(['-p', String(port), 'sentinel', 'replicas', name])));
      return replicas.every((text) => text.includes(String(replica)) && /master-link-status\s+ok/.test(text));
    }, 30_000);
    return {
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      name,
      masterPort: () => masterPort(),
      failover: async (timeoutMs = 30_000) => {
        const before = await masterPort();
        await redisCli(['-p', String(sentinelPorts[0]), 'sentinel', 'failover', name]);
        let after = before;
        await until('every sentinel names the new master', async () => {
          const named = await Promise.all(sentinelPorts.map((port) => masterPort(port)));
          after = named[0];
          return named.every((port) => port === named[0] && port !== before) && /role:master/.test(await redisCli(['-p', String(after), 'info', 'replication']));
        }, timeoutMs);
        return after;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RedisClusterSetup {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/** A Redis Cluster of three masters (no replicas) on free loopback ports (each also needs port + 10000 for the bus). */
export async function startRedisCluster(masters = 3): Promise<RedisClusterSetup> {
  const processes = new RedisProcesses();
  const directory = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const stop = async (): Promise<void> => {
    await processes.killAll();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < masters) {
      const port = await freePort();
      if (port + 10_000 <= 65_535 && !ports.includes(port) && (await portIsFree(port + 10_000))) ports.push(port);
    }
    for (const port of ports) {
      processes.spawn(port, [...dataNodeArgs(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(directory, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--dir', directory]);
    }
    await Promise.all(ports.map((port) => waitForPort(port, 10_000)));
    await redisCli(['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await until('the cluster is ok on every node', async () => {
      const states = await Promise.all(ports.map((port) => redisCli(['-p', String(port), 'cluster', 'info'])));
      return states.every((text) => /cluster_state:ok/.test(text) && text.includes(`cluster_known_nodes:${masters}`));
    }, 20_000);
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
