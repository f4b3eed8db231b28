// In-memory ingest counters (bots dropped, events accepted…), read by whoever exposes metrics.

export type IngestMetrics = {
  accepted: number;
  duplicates: number;
  /** Requests answered 202 but not stored because the User-Agent is a bot or missing. */
  botRequests: number;
  botEvents: number;
  rejected: number;
};

export function createIngestMetrics(): IngestMetrics {
  return { accepted: 0, duplicates: 0, botRequests: 0, botEvents: 0, rejected: 0 };
}
