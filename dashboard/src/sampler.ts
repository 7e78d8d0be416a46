// Polls GET /v1/overview and /metrics every 5 s while logged in and keeps a
// short client-side history (kHistoryMax samples = 10 minutes) for charts.
import { get, request } from "./api";
import { isObj, type Obj } from "./dom";

export const kPollMs = 5000;
const kHistoryMax = 120;

export interface Sample {
  at: number; // epoch ms
  overview: Obj | null;
  ingestTotal: number | null; // retailhub_ingest_messages_total
  failures: Record<string, number>; // "kind/reason" → retailhub_failures_total
  backlog: Record<string, number>; // domain → retailhub_backlog_messages
  error: unknown;
}

const history: Sample[] = [];
const listeners = new Set<() => void>();
let timer = 0;

// Prometheus text exposition → [name, labels, value] for the families we chart.
export function parseMetrics(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.push({ name: m[1], labels, value });
  }
  return out;
}

async function sampleOnce(): Promise<void> {
  const s: Sample = { at: Date.now(), overview: null, ingestTotal: null, failures: {}, backlog: {}, error: null };
  const [ov, metrics] = await Promise.allSettled([
    get("/v1/overview"),
    request("GET", "/metrics", undefined, "text/plain").then((r) => r.text()),
  ]);
  if (ov.status === "fulfilled" && isObj(ov.value)) s.overview = ov.value;
  else if (ov.status === "rejected") s.error = ov.reason;
  if (metrics.status === "fulfilled") {
    for (const m of parseMetrics(metrics.value)) {
      if (m.name === "retailhub_ingest_messages_total") s.ingestTotal = (s.ingestTotal ?? 0) + m.value;
      else if (m.name === "retailhub_failures_total") {
        const k = `${m.labels.kind ?? "?"}/${m.labels.reason ?? "?"}`;
        s.failures[k] = (s.failures[k] ?? 0) + m.value;
      } else if (m.name === "retailhub_backlog_messages") s.backlog[m.labels.domain ?? "?"] = m.value;
    }
  }
  // Without a readable /metrics the overview's own counter stands in.
  if (s.ingestTotal === null && s.overview && typeof s.overview.ingest_total === "number") s.ingestTotal = s.overview.ingest_total;
  history.push(s);
  if (history.length > kHistoryMax) history.splice(0, history.length - kHistoryMax);
  listeners.forEach((fn) => fn());
}

export function startSampler(): void {
  if (timer) return;
  const tick = () => {
    sampleOnce().finally(() => {
      if (timer) timer = window.setTimeout(tick, kPollMs);
    });
  };
  timer = window.setTimeout(tick, 0);
}

export function stopSampler(): void {
  window.clearTimeout(timer);
  timer = 0;
  history.length = 0;
}

export function samples(): readonly Sample[] {
  return history;
}

export function onSample(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
