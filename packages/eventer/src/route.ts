import { type FilterSpec, matchesFilter } from './filter.ts';
import type { KubeEvent } from './types.ts';

/**
 * A sink's route tree, plain data mapping 1:1 onto YAML:
 * ```yaml
 * route:
 *   drop: [{ namespaces: [kube-system] }]
 *   match: [{ level: Warning }, { reasons: ["^Evict"] }]
 *   routes:
 *     - match: [{ kinds: [Pod] }]
 * ```
 * An event passes a node when no `drop` rule matches it, at least one `match` rule matches
 * (no `match` = any) and, when the node has `routes`, at least one child passes.
 */
export interface Route {
  readonly drop?: readonly FilterSpec[];
  readonly match?: readonly FilterSpec[];
  readonly routes?: readonly Route[];
}

export function routeAccepts(route: Route | undefined, event: KubeEvent): boolean {
  if (!route) return true;
  if (route.drop?.some((rule) => matchesFilter(rule, event))) return false;
  if (route.match && route.match.length > 0 && !route.match.some((rule) => matchesFilter(rule, event))) return false;
  if (route.routes && route.routes.length > 0) return route.routes.some((child) => routeAccepts(child, event));
  return true;
}
