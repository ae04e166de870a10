/**
 * How a Strata watches a running simulated fleet: the `gateway.routes` (each route's replicas as
 * upstreams named after their replica entity, so gateway spans, the replica's own `llm_request` spans
 * and its scraped vLLM metrics meet on one replica) and the `scrape` targets (each with the labels the
 * fleet gives it). Raw YAML-shaped sections: `strata sim` prints them, `strata demo` parses them into
 * its configuration.
 */
import type { Scenario } from './scenario.js';
import type { SimServers } from './servers.js';

export interface RawRoute {
  readonly model: string;
  readonly upstreams: readonly { readonly url: string; readonly replica: string }[];
  readonly balance: 'least_outstanding';
}

export interface RawScrapeTarget {
  readonly url: string;
  readonly kind: 'vllm' | 'dcgm';
  readonly interval: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface StrataSections {
  readonly gateway: { readonly routes: readonly RawRoute[] };
  readonly scrape: readonly RawScrapeTarget[];
}

/** The sections for `scenario`'s fleet served by `servers`, scraped every `intervalMs` (default: the scenario's). */
export function strataSectionsFor(scenario: Scenario, servers: SimServers, intervalMs = scenario.scrapeIntervalMs): StrataSections {
  const byId = new Map(servers.replicas.map((r) => [r.id, r]));
  const routes = scenario.routes.map((route): RawRoute => ({
    model: route.model,
    upstreams: route.replicas.flatMap((id) => {
      const r = byId.get(id);
      return r ? [{ url: r.baseUrl, replica: r.name }] : [];
    }),
    balance: 'least_outstanding',
  }));
  const scrape = servers.scrapes.map((s): RawScrapeTarget => ({ url: s.url, kind: s.target.kind, interval: `${intervalMs}ms`, labels: { ...s.target.labels } }));
  return { gateway: { routes: routes.filter((r) => r.upstreams.length > 0) }, scrape };
}
