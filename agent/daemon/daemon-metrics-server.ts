/** The Prometheus endpoint (`GET /metrics`) of the daemon, started only when enabled. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentConfig } from "../config/agent-config.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { Logger } from "./logger.js";

/** A listening metrics endpoint. */
export interface MetricsServer {
  server: Server;
  address: AddressInfo;
}

/** Starts the endpoint when `prometheus.enabled`; resolves null when disabled. */
export async function startMetricsServer(
  prometheus: AgentConfig["prometheus"],
  metrics: AgentMetrics,
  log: Logger,
): Promise<MetricsServer | null> {
  if (!prometheus.enabled) return null;
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(prometheus.listenPort, prometheus.listenAddr, () => resolve());
  });
  const address = server.address() as AddressInfo;
  log.info("prometheus metrics served", {
    url: `http://${prometheus.listenAddr}:${address.port}/metrics`,
  });
  return { server, address };
}

/** Closes the endpoint (resolves at once when there is none). */
export function closeMetricsServer(endpoint: MetricsServer | null): Promise<void> {
  return new Promise<void>((resolve) =>
    endpoint ? endpoint.server.close(() => resolve()) : resolve(),
  );
}
