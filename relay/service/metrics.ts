import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryStore } from '../delivery/store.js';
import type { Delivery, SendResult } from '../delivery/types.js';
import type { ScenarioRuntime } from '../scenario/runtime/engine.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The relay's Prometheus metrics, in a registry of its own per relay (never prom-client's
 * global one, so that two relays in one process — the test suites — do not mix figures):
 * - `touchpoint_delivery_queue{status}`: outbox rows per status, counted when scraped;
 * - `touchpoint_delivery_attempts_total{kind,outcome}`: attempts by adapter and outcome
 *   (`sent`, `retry` — a transient failure, tried again —, `dead`);
 * - `touchpoint_deliveries_total{kind,outcome}`: deliveries finished, `sent` or `dead`;
 * - `touchpoint_delivery_send_seconds{kind}`: time of one send, as the worker measured it;
 * - `touchpoint_http_requests_total{method,route,status}` and
 *   `touchpoint_http_request_duration_seconds{method,route}`, labelled with the matched route
 *   pattern (`/api/store/leads/:id`), never the raw URL, so the label set stays small;
 * - `touchpoint_scenario_steps_total`: scenario steps run (relay/scenario/runtime);
 * - `touchpoint_scenario_delays_pending`: runs paused at a delay step, counted when scraped;
 * - Node's process metrics (CPU, memory, event loop lag, GC).
 * https://prometheus.io/docs/practices/naming/
 */
export function createMetrics({
  deliveries,
  scenarioRuntime,
}: {
  deliveries: DeliveryStore;
  scenarioRuntime: ScenarioRuntime;
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({
    name: 'touchpoint_delivery_queue',
    help: 'Outbox rows by status.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const counts = await deliveries.countByStatus();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Counter({
    name: 'touchpoint_scenario_steps_total',
    help: 'Scenario steps run since the relay started.',
    registers,
    collect() {
      this.reset();
      this.inc(scenarioRuntime.stepsTotal());
    },
  });
  new Gauge({
    name: 'touchpoint_scenario_delays_pending',
    help: 'Scenario runs paused at a delay step.',
    registers,
    async collect() {
      this.set(await scenarioRuntime.runs.pendingDelays());
    },
  });
  const attempts = new Counter({
    name: 'touchpoint_delivery_attempts_total',
    help: 'Delivery attempts by channel kind and outcome (sent, retry, dead).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const finished = new Counter({
    name: 'touchpoint_deliveries_total',
    help: 'Deliveries finished, by channel kind and outcome (sent, dead).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const sendSeconds = new Histogram({
    name: 'touchpoint_delivery_send_seconds',
    help: 'Duration of one send through a channel adapter.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers,
  });
  const requests = new Counter({
    name: 'touchpoint_http_requests_total',
    help: 'HTTP requests by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'touchpoint_http_request_duration_seconds',
    help: 'HTTP request duration by method and matched route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });

  return {
    registry,

    /** The worker's onAttempt hook. Mirrors the worker's rule for what happens next. */
    onAttempt(d: Delivery, result: SendResult, durationMs: number) {
      const more = d.attempts < d.max_attempts;
      const outcome = result.ok
        ? 'sent'
        : (result.retry || result.migrateToChatId) && more
          ? 'retry'
          : 'dead';
      attempts.inc({ kind: d.kind, outcome });
      if (outcome !== 'retry') finished.inc({ kind: d.kind, outcome });
      sendSeconds.observe({ kind: d.kind }, durationMs / 1000);
    },

    /** Counts every request under the route pattern that answered it. */
    middleware: createMiddleware(async function httpMetrics(c, next) {
      const started = performance.now();
      try {
        await next();
      } finally {
        const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
        let route = routePath(c) || 'unmatched';
        // A 404/405 answered by a catch-all middleware matched no route of its own.
        if ((c.res.status === 404 || c.res.status === 405) && route.endsWith('*'))
          route = 'unmatched';
        requests.inc({ method, route, status: String(c.res.status) });
        requestSeconds.observe({ method, route }, (performance.now() - started) / 1000);
      }
    }),

    /** `GET /metrics` in the Prometheus text format. */
    routes: () =>
      new Hono().get('/metrics', async (c) =>
        c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }),
      ),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
