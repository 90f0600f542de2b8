import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

/**
 * The one check every fetch of a client-supplied URL goes through (today: remote images). It
 * refuses anything that is not a public unicast address, whatever the spelling: the WHATWG URL
 * parser already folds `127.1`, `0x7f000001`, `2130706433` and `0177.0.0.1` into `127.0.0.1`;
 * names are resolved once, every address they resolve to must be public, and the connection goes
 * to the address that was checked (the agent's own `lookup`), so DNS rebinding between the check
 * and the connect is not possible. Redirects are never followed by the agent.
 */
export class OutboundRefusedError extends Error {
  constructor() {
    super('The URL does not point at a public http(s) address.');
    this.name = 'OutboundRefusedError';
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface OutboundGuardOptions {
  /**
   * Host names or IP literals let through even when private. For tests on loopback only: every
   * entry re-opens the door the guard closes (IMAGE_FETCH_ALLOW_HOSTS).
   */
  allowHosts?: readonly string[];
  /** Name resolution; the system resolver by default. */
  resolve?: Resolver;
}

/** Names that mean "this machine" or the cloud metadata service, refused before any lookup. */
const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /^metadata$/, /^metadata\.google\.internal$/, /\.internal$/, /\.local$/];

const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const BLOCKED_V6: Array<[string, number]> = [
  // Unspecified, loopback and IPv4-compatible (::a.b.c.d); NAT64; discard; documentation; 6to4
  // (embeds any IPv4); ULA; link-local; site-local; multicast. IPv4-mapped (::ffff:a.b.c.d) needs
  // no entry: BlockList checks those against the IPv4 ranges above.
  ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];

const blocked = new BlockList();
for (const [network, prefix] of BLOCKED_V4) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of BLOCKED_V6) blocked.addSubnet(network, prefix, 'ipv6');

/** True for a public unicast IP literal (v4 or v6, brackets allowed). */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return false;
  return !blocked.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

const defaultResolver: Resolver = (hostname) => new Promise((resolve, reject) => {
  systemLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
});

export class OutboundGuard {
  private readonly allowHosts: ReadonlySet<string>;
  private readonly resolve: Resolver;

  constructor(options: OutboundGuardOptions = {}) {
    this.allowHosts = new Set((options.allowHosts ?? []).map((host) => normalizeHost(host)));
    this.resolve = options.resolve ?? defaultResolver;
  }

  /** Parses and checks a URL before any connection; throws OutboundRefusedError. */
  checkUrl(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundRefusedError();
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError();
    if (url.username || url.password) throw new OutboundRefusedError();
    const host = normalizeHost(url.hostname);
    if (this.allowHosts.has(host)) return url;
    if (isIP(host) !== 0) {
      if (!isPublicAddress(host)) throw new OutboundRefusedError();
    } else if (BLOCKED_NAMES.some((pattern) => pattern.test(host)) || !host.includes('.')) {
      throw new OutboundRefusedError();
    }
    return url;
  }

  /**
   * An undici agent that connects only to addresses this guard has checked: its lookup resolves
   * the name once and hands that very address to the socket.
   */
  createAgent(options: { connectTimeoutMs: number; headersTimeoutMs: number; bodyTimeoutMs: number }): Dispatcher {
    return new Agent({
      connect: { timeout: options.connectTimeoutMs, lookup: this.lookup as never },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 1_000,
    });
  }

  /** `dns.lookup`-shaped, for net.connect; answers with vetted addresses only. */
  readonly lookup = (hostname: string, options: { all?: boolean; family?: number } | number, callback: (...args: unknown[]) => void): void => {
    const wantsAll = typeof options === 'object' && options.all === true;
    const host = normalizeHost(hostname);
    this.vet(host).then(
      (addresses) => (wantsAll ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family)),
      (error: unknown) => callback(error),
    );
  };

  private async vet(host: string): Promise<LookupAddress[]> {
    const literal = isIP(host);
    if (literal !== 0) {
      if (!this.allowHosts.has(host) && !isPublicAddress(host)) throw new OutboundRefusedError();
      return [{ address: host, family: literal }];
    }
    if (!this.allowHosts.has(host) && BLOCKED_NAMES.some((pattern) => pattern.test(host))) throw new OutboundRefusedError();
    const addresses = await this.resolve(host);
    if (addresses.length === 0) throw new OutboundRefusedError();
    // Every address must be public: a name that also resolves to a private one is refused whole.
    if (!this.allowHosts.has(host) && addresses.some((entry) => !isPublicAddress(entry.address))) throw new OutboundRefusedError();
    return addresses;
  }
}

/** Lower case, no brackets, no trailing dot (`LOCALHOST.` is `localhost`). */
function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}
