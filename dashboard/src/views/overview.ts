// Overview: KPI tiles from GET /v1/overview and charts over the client-side
// history the sampler keeps (ingest rate, backlog per domain, errors by class).
import { barChart, legend, lineChart, type Series } from "../charts";
import { clear, h, isObj, type Obj } from "../dom";
import { onSample, samples, type Sample } from "../sampler";
import { problemBox, section } from "../ui";
import type { View } from "../context";

function numbers(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObj(o)) return out;
  for (const [k, v] of Object.entries(o)) {
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
    if (Number.isFinite(n)) out[k] = n;
  }
  return out;
}

// Messages per second between consecutive samples of the ingest counter
// (/metrics, or the overview's ingest_total when /metrics is not readable).
function ingestSeries(hist: readonly Sample[]): Series {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < hist.length; i++) {
    const cur = hist[i], prev = hist[i - 1];
    if (prev && cur.ingestTotal !== null && prev.ingestTotal !== null) {
      points.push([cur.at, Math.max(0, (cur.ingestTotal - prev.ingestTotal) / ((cur.at - prev.at) / 1000))]);
    }
  }
  return { name: "messages/s", points };
}

function keyedSeries(hist: readonly Sample[], pick: (s: Sample) => Record<string, number>): Series[] {
  const byName = new Map<string, Array<[number, number]>>();
  for (const s of hist) {
    for (const [k, v] of Object.entries(pick(s))) {
      if (!byName.has(k)) byName.set(k, []);
      byName.get(k)!.push([s.at, v]);
    }
  }
  return [...byName.entries()].sort().map(([name, points]) => ({ name, points }));
}

// The overview's figures first (the API contract), /metrics as the fallback.
const backlogOf = (s: Sample) => {
  const fromOverview = numbers(s.overview?.backlog);
  return Object.keys(fromOverview).length ? fromOverview : s.backlog;
};
const errorsOf = (s: Sample) => {
  const fromOverview = numbers(s.overview?.errors_by_class);
  return Object.keys(fromOverview).length ? fromOverview : s.failures;
};

function kpi(testid: string, label: string, value: string, note = ""): HTMLElement {
  return h("div", { class: "kpi", testid }, h("div", { class: "kpi-label" }, label), h("div", { class: "kpi-value" }, value), note ? h("div", { class: "muted small" }, note) : null);
}

function render(host: HTMLElement): void {
  const hist = samples();
  clear(host);
  const last = hist[hist.length - 1];
  if (!last) {
    host.appendChild(h("p", { class: "muted", testid: "loading" }, "Loading…"));
    return;
  }
  if (!last.overview && last.error) host.appendChild(problemBox(last.error));
  const ov: Obj = last.overview ?? {};
  const backlog = backlogOf(last);
  const errors = errorsOf(last);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const ingest = ingestSeries(hist);
  const rate = ingest.points.length ? ingest.points[ingest.points.length - 1][1] : NaN;
  host.appendChild(
    h(
      "div",
      { class: "kpis" },
      kpi("kpi-ingest-rate", "Ingest rate", Number.isFinite(rate) ? `${rate.toFixed(2)} msg/s` : "—"),
      kpi("kpi-backlog", "Backlog", String(sum(backlog)), "messages waiting"),
      kpi("kpi-errors", "Errors", String(sum(errors)), "DLQ + exceptions"),
      kpi("kpi-ingest-total", "Messages ingested", ov.ingest_total === undefined ? "—" : String(ov.ingest_total), "since the hub started"),
      kpi("kpi-parked", "Parked", ov.parked === undefined ? "—" : String(ov.parked), "waiting for an earlier event"),
    ),
  );
  const backlogSeries = keyedSeries(hist, backlogOf);
  const errorSeries = keyedSeries(hist, errorsOf);
  host.appendChild(
    h(
      "div",
      { class: "grid2" },
      section("Ingest rate", "panel-ingest", lineChart("chart-ingest", [ingest], "msg/s")),
      section(
        "Backlog per domain",
        "panel-backlog",
        barChart("chart-backlog", Object.entries(backlog).sort()),
        lineChart("chart-backlog-history", backlogSeries, "messages"),
        legend(backlogSeries),
      ),
      section("Errors by class", "panel-errors", lineChart("chart-errors", errorSeries, "count"), legend(errorSeries)),
    ),
  );
  host.appendChild(h("p", { class: "muted small" }, `Updated ${new Date(last.at).toLocaleTimeString()} · refreshes every 5 s · ${hist.length} samples kept`));
}

export const overviewView: View = () => {
  const host = h("div", { testid: "view-overview" }, h("h1", {}, "Overview"));
  const body = h("div");
  host.appendChild(body);
  render(body);
  const off = onSample(() => render(body));
  return { el: host, dispose: off };
};
