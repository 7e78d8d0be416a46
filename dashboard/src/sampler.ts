// Polls GET /v1/overview and /metrics every 5 s while logged in and keeps
// the last hour of samples for the overview charts. The hub samples its
// overview every 10 s since it started and returns the last hour as
// `series`: the first answer after log-in seeds the history with it, so a
// freshly opened dashboard shows the last hour at once; the dashboard's own
// polls are appended from then on, asking for the figures alone
// (?series=false) so a poll does not download the hour again.
import { get, request } from "./api";
import { isObj, type Obj } from "./dom";

export const kPollMs = 5000;
// One hour of history (the hub's `series` covers the same hour); the cap
// bounds memory if the clock jumps.
const kWindowMs = 3600_000;
const kHistoryMax = 1500;

export interface Sample {
  at: number; // epoch ms (client clock; seeded samples shifted onto it)
  overview: Obj | null; // the figures, without `series`
  ingestTotal: number | null; // retailhub_ingest_messages_total
  failures: Record<string, number>; // "kind/reason" → retailhub_failures_total
  backlog: Record<string, number>; // domain → retailhub_backlog_messages
  error: unknown;
  // From the hub's `series` (sampled by the hub), not polled by this page.
  seeded: boolean;
  serverAt: string; // the hub's RFC 3339 `at` of a seeded sample ("" otherwise)
}

const history: Sample[] = [];
const listeners = new Set<() => void>();
let timer = 0;
let seeded = false;
// Bumped by stopSampler, so a poll in flight at log-out is dropped.
let generation = 0;

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

function withoutSeries(o: Obj): Obj {
  const { series: _series, ...rest } = o;
  void _series;
  return rest;
}

// The hub's `series` ([{at, ingest_total, backlog, …}], oldest first) as
// samples on this page's clock. The newest hub sample is at most one hub
// interval old when the answer arrives; a larger gap (or one from the
// future) is a clock difference between hub and browser, and the seeded
// samples are shifted so that the newest lies half an interval before now.
// Time differences between seeded samples are the hub's own.
export function seedSamples(series: unknown, now: number): Sample[] {
  if (!Array.isArray(series)) return [];
  const rows: Array<{ t: number; at: string; o: Obj }> = [];
  for (const item of series) {
    if (!isObj(item) || typeof item.at !== "string") continue;
    const t = Date.parse(item.at);
    if (!Number.isFinite(t)) continue;
    if (rows.length && t <= rows[rows.length - 1].t) continue; // keep time strictly increasing
    rows.push({ t, at: item.at, o: item });
  }
  if (!rows.length) return [];
  const steps = rows.slice(1).map((r, i) => r.t - rows[i].t).sort((a, b) => a - b);
  const step = steps.length ? steps[Math.floor(steps.length / 2)] : 10_000;
  const gap = now - rows[rows.length - 1].t;
  const shift = gap < 0 || gap > 2 * step + 1000 ? gap - step / 2 : 0;
  return rows.map(({ t, at, o }) => {
    const { at: _at, ...figures } = o;
    void _at;
    return {
      at: t + shift,
      overview: withoutSeries(figures),
      ingestTotal: typeof o.ingest_total === "number" ? o.ingest_total : null,
      failures: {},
      backlog: {},
      error: null,
      seeded: true,
      serverAt: at,
    };
  });
}

async function sampleOnce(): Promise<void> {
  const gen = generation;
  const s: Sample = { at: Date.now(), overview: null, ingestTotal: null, failures: {}, backlog: {}, error: null, seeded: false, serverAt: "" };
  const [ov, metrics] = await Promise.allSettled([
    get(seeded ? "/v1/overview?series=false" : "/v1/overview"),
    request("GET", "/metrics", undefined, "text/plain").then((r) => r.text()),
  ]);
  if (gen !== generation) return;
  s.at = Date.now();
  if (ov.status === "fulfilled" && isObj(ov.value)) {
    s.overview = withoutSeries(ov.value);
    if (!seeded) {
      seeded = true;
      history.unshift(...seedSamples(ov.value.series, s.at).filter((x) => x.at < s.at));
    }
  } else if (ov.status === "rejected") s.error = ov.reason;
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
  const oldest = history.findIndex((x) => x.at >= s.at - kWindowMs);
  if (oldest > 0) history.splice(0, oldest);
  if (history.length > kHistoryMax) history.splice(0, history.length - kHistoryMax);
  listeners.forEach((fn) => fn());
}

export function startSampler(): void {
  if (timer) return;
  const gen = generation;
  const tick = () => {
    sampleOnce().finally(() => {
      if (timer && gen === generation) timer = window.setTimeout(tick, kPollMs);
    });
  };
  timer = window.setTimeout(tick, 0);
}

export function stopSampler(): void {
  window.clearTimeout(timer);
  timer = 0;
  generation++;
  seeded = false;
  history.length = 0;
}

export function samples(): readonly Sample[] {
  return history;
}

export function onSample(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
