// Overview: KPI tiles from GET /v1/overview (technical, then the business
// figures finance and stewards act on) and charts over the sampler's
// history: the hub's last hour (its `series`) followed by this page's polls.
import { barChart, legend, lineChart, type Series } from "../charts";
import { clear, h, isObj, tid, type Obj } from "../dom";
import { kPollMs, onSample, samples, type Sample } from "../sampler";
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
// Seeded samples pair only with seeded ones (the hub's `at` stamps) and polled
// with polled ones (this page's clock): across the seam the two clocks differ.
function ingestSeries(hist: readonly Sample[]): Series {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < hist.length; i++) {
    const cur = hist[i], prev = hist[i - 1];
    if (prev && prev.seeded === cur.seeded && cur.at > prev.at && cur.ingestTotal !== null && prev.ingestTotal !== null) {
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
// The hub lists only the classes with open entries: an overview without one
// means none open (not "unknown"), so both classes are always charted.
const errorsOf = (s: Sample) => {
  if (s.overview && isObj(s.overview.errors_by_class)) return { dlq: 0, exception: 0, ...numbers(s.overview.errors_by_class) };
  return s.failures;
};

function kpi(testid: string, label: string, value: string, note: string | Node = "", attention = false, ...extra: Node[]): HTMLElement {
  return h(
    "div",
    { class: attention ? "kpi attention" : "kpi", testid },
    h("div", { class: "kpi-label" }, label),
    h("div", { class: "kpi-value" }, value),
    ...extra,
    note ? h("div", { class: "kpi-note muted small" }, note) : null,
  );
}

// --- business figures (GET /v1/overview → business) ---

const count = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

// 0.166666 → "16.7%": the hub's fraction is a whole number of parts per
// million, rounded half up to tenths of a percent in integers.
export function percentOneDecimal(fraction: number): string {
  const ppm = Math.round(Math.abs(fraction) * 1e6);
  const tenths = Math.floor((ppm + 500) / 1000);
  return `${fraction < 0 && tenths ? "-" : ""}${Math.floor(tenths / 10)}.${tenths % 10}%`;
}

// 900 → "15 min", 90 → "1.5 min".
function minutes(seconds: number): string {
  const m = seconds / 60;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} min`;
}

function unmatchedTile(b: Obj | null): HTMLElement {
  const rows = b && Array.isArray(b.unmatched_settlements) ? b.unmatched_settlements.filter(isObj) : [];
  // Per currency: the item count and the absolute amount, a decimal string
  // shown as the hub sends it (no arithmetic on money here).
  const open = rows.filter((r) => typeof r.currency === "string" && (count(r.count) ?? 0) > 0);
  const total = open.reduce((a, r) => a + (count(r.count) ?? 0), 0);
  const lines = open.map((r) => {
    const currency = String(r.currency);
    const amount = typeof r.amount === "string" ? r.amount : "—";
    const n = count(r.count) ?? 0;
    return h(
      "div",
      { class: "kpi-line", testid: tid("kpi-unmatched", currency), "data-currency": currency, "data-count": n, "data-amount": amount },
      h("span", { class: "amount" }, `${currency} ${amount}`),
      ` · ${plural(n, "item", "items")}`,
    );
  });
  const note = !b ? "" : open.length ? "without a counterpart in the latest reconciliation" : "every settlement matched in the latest reconciliation";
  return kpi("kpi-unmatched-settlements", "Unmatched settlements", b ? String(total) : "—", note, total > 0, ...lines);
}

function businessTiles(b: Obj | null): HTMLElement {
  const n = (k: string) => (b ? count(b[k]) : null);
  const text = (v: number | null) => (v === null ? "—" : String(v));
  const delayed = n("postings_delayed");
  const sla = n("posting_sla_s");
  const payouts = n("payouts");
  const notClosing = n("payouts_not_closing");
  const rate = n("duplicate_customer_rate");
  const golden = n("golden_customers");
  const source = n("source_customers");
  const review = n("review_pairs");
  const returns = n("return_exceptions_open");
  const slaNote = sla === null ? "" : h("span", {}, "beyond the posting SLA of ", h("span", { testid: "kpi-posting-sla" }, minutes(sla)));
  return h(
    "div",
    { class: "kpis", testid: "kpis-business" },
    unmatchedTile(b),
    kpi("kpi-postings-delayed", "Postings delayed", text(delayed), slaNote, (delayed ?? 0) > 0),
    kpi(
      "kpi-payouts-not-closing",
      "Payouts not closing",
      notClosing === null ? "—" : payouts === null ? String(notClosing) : `${notClosing} of ${payouts}`,
      "payouts whose lines do not add up to the amount paid",
      (notClosing ?? 0) > 0,
    ),
    kpi(
      "kpi-duplicate-rate",
      "Duplicate customers",
      rate === null ? "—" : percentOneDecimal(rate),
      golden === null || source === null ? "" : `${plural(golden, "golden customer", "golden customers")} from ${plural(source, "source record", "source records")}`,
    ),
    kpi("kpi-review-pairs", "Review pairs", text(review), "possible duplicates waiting for a steward", (review ?? 0) > 0),
    kpi("kpi-return-exceptions", "Return exceptions", text(returns), "open exceptions on returns and refunds", (returns ?? 0) > 0),
  );
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
  host.appendChild(h("h2", { class: "kpis-title" }, "Finance and stewardship"));
  host.appendChild(businessTiles(isObj(ov.business) ? ov.business : null));
  const backlogSeries = keyedSeries(hist, backlogOf);
  const errorSeries = keyedSeries(hist, errorsOf);
  // How much of each chart came from the hub's own samples (`series`).
  const seededHist = hist.filter((s) => s.seeded);
  const seededPoints = (series: Series[]) => ({ "data-seeded-points": series.reduce((a, s) => a + s.points.length, 0) });
  host.appendChild(
    h(
      "div",
      { class: "grid2", testid: "overview-charts", "data-seeded-samples": seededHist.length, "data-seeded-from": seededHist[0]?.serverAt ?? "" },
      section("Ingest rate", "panel-ingest", lineChart("chart-ingest", [ingest], "msg/s", seededPoints([ingestSeries(seededHist)]))),
      section(
        "Backlog per domain",
        "panel-backlog",
        barChart("chart-backlog", Object.entries(backlog).sort()),
        lineChart("chart-backlog-history", backlogSeries, "messages", seededPoints(keyedSeries(seededHist, backlogOf))),
        legend(backlogSeries),
      ),
      section("Errors by class", "panel-errors", lineChart("chart-errors", errorSeries, "count", seededPoints(keyedSeries(seededHist, errorsOf))), legend(errorSeries)),
    ),
  );
  const fromHub = seededHist.length ? ` (${seededHist.length} from the hub's last hour)` : "";
  host.appendChild(h("p", { class: "muted small" }, `Updated ${new Date(last.at).toLocaleTimeString()} · refreshes every ${kPollMs / 1000} s · ${hist.length} samples kept${fromHub}`));
}

export const overviewView: View = () => {
  const host = h("div", { testid: "view-overview" }, h("h1", {}, "Overview"));
  const body = h("div");
  host.appendChild(body);
  render(body);
  const off = onSample(() => render(body));
  return { el: host, dispose: off };
};
