import { globMatcher } from '../../glob.js';
import type { Balance, GatewayRoute } from './config.js';

/** One upstream endpoint and the requests in flight to it. */
export interface Upstream {
  /** Base URL without a trailing slash, e.g. `http://gpu-node-1:8000/v1`. */
  readonly base: string;
  readonly url: URL;
  /** The replica name configured for it (`strata.gateway.replica`), or null. */
  readonly replica: string | null;
  outstanding: number;
}

/** The upstreams of one route and how the next one is chosen. */
export class UpstreamPool {
  readonly upstreams: readonly Upstream[];
  private next = 0;

  constructor(bases: readonly string[], private readonly balance: Balance, replicas: readonly (string | null)[] = []) {
    this.upstreams = bases.map((base, i) => ({ base, url: new URL(base), replica: replicas[i] ?? null, outstanding: 0 }));
  }

  /**
   * The upstreams in the order to try them: the balancer's choice first, then the others (used
   * when the first refuses the connection). Round-robin rotates; least-outstanding picks the fewest
   * requests in flight, ties broken by rotation so equal upstreams share the load.
   */
  order(): Upstream[] {
    const n = this.upstreams.length;
    const start = this.next;
    this.next = (this.next + 1) % n;
    const rotated: Upstream[] = [];
    for (let i = 0; i < n; i++) rotated.push(this.upstreams[(start + i) % n]);
    if (this.balance === 'round_robin') return rotated;
    let best = 0;
    for (let i = 1; i < n; i++) if (rotated[i].outstanding < rotated[best].outstanding) best = i;
    if (best !== 0) rotated.unshift(...rotated.splice(best, 1));
    return rotated;
  }
}

/** A configured route ready to serve: its matcher and its pool. */
export interface LiveRoute {
  readonly config: GatewayRoute;
  readonly matches: (model: string) => boolean;
  readonly pool: UpstreamPool;
}

/** Picks the first route whose glob matches the model, in configuration order. */
export class RouteTable {
  readonly routes: readonly LiveRoute[];

  constructor(routes: readonly GatewayRoute[]) {
    this.routes = routes.map((config) => ({ config, matches: globMatcher(config.model), pool: new UpstreamPool(config.upstreams, config.balance, config.replicas) }));
  }

  pick(model: string): LiveRoute | null {
    for (const r of this.routes) if (r.matches(model)) return r;
    return null;
  }

  /** Every distinct upstream once, for `GET /v1/models`. */
  distinctUpstreams(): { route: LiveRoute; upstream: Upstream }[] {
    const seen = new Set<string>();
    const out: { route: LiveRoute; upstream: Upstream }[] = [];
    for (const route of this.routes)
      for (const upstream of route.pool.upstreams) {
        if (seen.has(upstream.base)) continue;
        seen.add(upstream.base);
        out.push({ route, upstream });
      }
    return out;
  }
}
