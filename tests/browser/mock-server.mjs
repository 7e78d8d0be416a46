// A stand-in for `retailhub serve` while the /v1 routes are being written:
// the REST v1 contract the dashboard uses (bearer keys, roles, problem+json,
// {"items","next_cursor"} pages) over a fixed demo story, plus dashboard/dist
// at / and /assets/. Development aid only: tests/browser/run.sh uses the real
// binary; `run-mock.sh` runs the same browser tests against this.
//   node tests/browser/mock-server.mjs [--port N] [--dist DIR]
// Prints the URL on the first line of stdout, as `retailhub serve` does.
import http from "node:http";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const port = Number(opt("--port", "0"));
const dist = path.resolve(opt("--dist", path.join(here, "../../dashboard/dist")));

export const KEYS = {
  "rh_test_alice": { key_id: "key_alice", label: "alice", role: "admin" },
  "rh_test_bob": { key_id: "key_bob", label: "bob", role: "finance" },
  "rh_test_vic": { key_id: "key_vic", label: "vic", role: "viewer" },
  "rh_test_sam": { key_id: "key_sam", label: "sam", role: "steward" },
};
const ORDER_ID = "ord_shopify_1001";

const state = {
  failures: [
    { id: "fail_0001", kind: "exception", stage: "ledger", source: "shopify", topic: "orders/create", event_type: "order.placed", reason: "unmapped", message: "no tender mapping for gateway 'gift_card_x'", field: "transactions[0].gateway", correlation_id: "corr_1", created_at: "2024-05-01T10:00:02Z", state: "open", finance: true },
    { id: "fail_0002", kind: "exception", stage: "orders", source: "square", topic: "refund.created", event_type: "return.received", reason: "failed_precondition", message: "return for unknown order sq_77", field: "", correlation_id: "corr_2", created_at: "2024-05-01T10:05:00Z", state: "open", finance: false },
    { id: "fail_0003", kind: "dlq", stage: "translate", source: "stripe", topic: "charge.succeeded", event_type: "", reason: "parse", message: "body is not valid JSON at offset 12", field: "", correlation_id: "corr_3", created_at: "2024-05-01T10:06:00Z", state: "open", finance: false },
  ],
  replays: [],
  seq: 0,
};

const problem = (res, status, title, detail, field) => {
  const body = { type: `https://retailhub.dev/problems/${title.toLowerCase().replace(/\W+/g, "_")}`, title, status, detail, request_id: `req_${++state.seq}` };
  if (field) body.field = field;
  res.writeHead(status, { "Content-Type": "application/problem+json" });
  res.end(JSON.stringify(body));
};
const json = (res, status, value) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(value));
};
const page = (items) => ({ items, next_cursor: null });
// As the hub: ETag of a failure for If-Match; POSTs that create need an
// Idempotency-Key (same key + same request → the stored answer again).
const etagOf = (o) => `"${createHash("sha256").update(JSON.stringify(o)).digest("hex").slice(0, 32)}"`;
const idem = new Map();
function creating(req, res, who, body, fn) {
  const key = req.headers["idempotency-key"];
  if (!key) return problem(res, 400, "Bad Request", "this POST creates: send an Idempotency-Key header", "Idempotency-Key");
  const fp = `${req.method} ${req.url} ${JSON.stringify(body)}`;
  const seen = idem.get(`${who.key_id}/${key}`);
  if (seen) {
    if (seen.fp !== fp) return problem(res, 422, "Unprocessable Content", "this Idempotency-Key was used with a different request", "Idempotency-Key");
    res.writeHead(seen.status, { "Content-Type": "application/json", "Idempotent-Replayed": "true" });
    return res.end(seen.body);
  }
  const out = fn();
  if (!out) return;
  idem.set(`${who.key_id}/${key}`, { fp, status: out[0], body: JSON.stringify(out[1]) });
  json(res, out[0], out[1]);
}

const customers = [
  { id: "cus_1", erased: false,
    values: { first_name: "Ana", last_name: "Souza", email: "ana.souza@example.com", phone: "+5511999990000" },
    lineage: { first_name: { source: "shopify", source_id: "501" }, last_name: { source: "shopify", source_id: "501" }, email: { source: "shopify", source_id: "501" }, phone: { source: "square", source_id: "77" } },
    sources: [{ source: "shopify", source_id: "501" }, { source: "square", source_id: "77" }] },
];
const steward = (who) => ["admin", "steward"].includes(who.role);

// /v1/overview: the figures now and, as the hub, `series`: a sample at
// start and every 10 s (at most 360), oldest first. The business figures are
// those tests/browser/run.sh sets up on the real hub.
const startedAt = Date.now();
const business = () => ({
  unmatched_settlements: [{ currency: "USD", count: 1, amount: "12.30" }],
  reconcile_exceptions_by_reason: { tender_not_settled: 1 },
  payouts: 1, payouts_not_closing: 0,
  postings_delayed: 0, posting_sla_s: 900,
  exceptions_by_reason: { unmapped: 1, failed_precondition: 1 }, dlq_by_reason: { parse: 1 },
  return_exceptions_open: 1,
  source_customers: 6, golden_customers: 5, duplicate_customer_rate: 0.166666, review_pairs: 1,
});
const overviewFigures = (ingest = 12) => ({
  ingest_total: ingest, backlog: { translate: 0, inventory: 1, ledger: 0, identity: 2 }, parked: 0,
  errors_by_class: { exception: state.failures.filter((f) => f.kind === "exception" && f.state === "open").length, dlq: state.failures.filter((f) => f.kind === "dlq" && f.state === "open").length },
  business: business(),
});
function overviewSeries() {
  const n = Math.min(360, Math.floor((Date.now() - startedAt) / 10_000) + 1);
  const first = Math.floor((Date.now() - startedAt) / 10_000) + 1 - n;
  return Array.from({ length: n }, (_, i) => ({ at: new Date(startedAt + (first + i) * 10_000).toISOString(), ...overviewFigures(2 * (first + i)) }));
}

const routes = [
  ["GET", /^\/v1\/me$/, (req, res, who) => json(res, 200, who)],
  ["GET", /^\/v1\/overview$/, (req, res) => json(res, 200, { ...overviewFigures(), series: overviewSeries() })],
  ["GET", /^\/v1\/exceptions$/, (req, res) => json(res, 200, page(state.failures.filter((f) => f.kind === "exception" && f.state === "open")))],
  ["GET", /^\/v1\/dlq$/, (req, res) => json(res, 200, page(state.failures.filter((f) => f.kind === "dlq" && f.state === "open")))],
  ["GET", /^\/v1\/exceptions\/([^/]+)$/, (req, res, who, m) => {
    const f = state.failures.find((x) => x.kind === "exception" && x.id === decodeURIComponent(m[1]));
    if (!f) return problem(res, 404, "Not Found", "no such exception", "id");
    res.writeHead(200, { "Content-Type": "application/json", ETag: etagOf(f) });
    res.end(JSON.stringify({ ...f, attempts: [] }));
  }],
  ["POST", /^\/v1\/exceptions\/([^/]+)\/resolve$/, (req, res, who, m, body) => {
    if (!["admin", "finance"].includes(who.role)) return problem(res, 403, "Forbidden", `role ${who.role} may not call POST /v1/exceptions/{id}/resolve`);
    const f = state.failures.find((x) => x.kind === "exception" && x.id === decodeURIComponent(m[1]));
    if (!f) return problem(res, 404, "Not Found", "no such exception", "id");
    const ifMatch = req.headers["if-match"];
    if (!ifMatch) return problem(res, 428, "Precondition Required", "send If-Match with the ETag from the last GET of this resource", "If-Match");
    if (ifMatch !== "*" && !ifMatch.split(",").map((t) => t.trim().replace(/^W\//, "")).includes(etagOf(f))) return problem(res, 412, "Precondition Failed", "the resource changed since it was read: GET it again and retry", "If-Match");
    f.state = "resolved";
    f.resolution = body.note ?? "";
    res.writeHead(200, { "Content-Type": "application/json", ETag: etagOf(f) });
    res.end(JSON.stringify(f));
  }],
  ["GET", /^\/v1\/replays$/, (req, res, who, m, body, url) => json(res, 200, page(state.replays.filter((r) => !url.searchParams.get("state") || r.state === url.searchParams.get("state"))))],
  ["POST", /^\/v1\/replays$/, (req, res, who, m, body) => {
    if (!["admin", "finance"].includes(who.role)) return problem(res, 403, "Forbidden", `role ${who.role} may not call POST /v1/replays`);
    if (!Array.isArray(body.failure_ids) || body.failure_ids.length === 0) return problem(res, 400, "Bad Request", "1 to 1000 failure ids", "$.failure_ids");
    creating(req, res, who, body, () => {
      const finance = body.failure_ids.some((id) => state.failures.find((f) => f.id === id)?.finance);
      const r = { id: `rpl_${String(state.replays.length + 1).padStart(4, "0")}`, failure_ids: body.failure_ids, reason: body.reason ?? "", requested_by: `key:${who.key_id}(${who.label})`, approved_by: "", state: "pending", finance, requested_at: "2024-05-01T11:00:00Z" };
      state.replays.push(r);
      return [201, r];
    });
  }],
  ["POST", /^\/v1\/replays\/([^/]+)\/approve$/, (req, res, who, m) => {
    if (!["admin", "finance"].includes(who.role)) return problem(res, 403, "Forbidden", `role ${who.role} may not call POST /v1/replays/{id}/approve`);
    const r = state.replays.find((x) => x.id === decodeURIComponent(m[1]));
    if (!r) return problem(res, 404, "Not Found", "no such replay");
    if (r.requested_by === `key:${who.key_id}(${who.label})`) return problem(res, 403, "Forbidden", "a replay must be approved by a second user, not by the requester");
    r.state = "done";
    r.approved_by = `key:${who.key_id}(${who.label})`;
    for (const id of r.failure_ids) { const f = state.failures.find((x) => x.id === id); if (f) f.state = "replayed"; }
    json(res, 200, r);
  }],
  ["GET", /^\/v1\/customers$/, (req, res, who, m, body, url) => {
    const q = (url.searchParams.get("q") ?? "").toLowerCase();
    json(res, 200, page(customers.filter((c) => !q || JSON.stringify(c.values).toLowerCase().includes(q))));
  }],
  ["GET", /^\/v1\/customers\/review-queue$/, (req, res, who) => (steward(who) ? json(res, 200, page([{ a: "shopify:502", b: "square:80", probability: 0.62 }])) : problem(res, 403, "Forbidden", `role ${who.role} may not call GET /v1/customers/review-queue`))],
  ["GET", /^\/v1\/customers\/explain$/, (req, res, who) => (steward(who) ? json(res, 200, { fields: [{ field: "name", level: 2, weight: 3.1, tf_adjustment: 0 }, { field: "email", level: 0, weight: -2, tf_adjustment: 0 }, { field: "phone", level: 3, weight: 5.11, tf_adjustment: 0 }], prior_weight: -4, total_weight: 2.21, probability: 0.62, band: "review", rule: "" }) : problem(res, 403, "Forbidden", `role ${who.role} may not call GET /v1/customers/explain`))],
  ["POST", /^\/v1\/customers\/(merges|unmerges)$/, (req, res, who, m, body) => {
    if (!steward(who)) return problem(res, 403, "Forbidden", `role ${who.role} may not call POST /v1/customers/${m[1]}`);
    const ok = m[1] === "merges" ? body.record_a && body.record_b : body.record;
    if (!ok) return problem(res, 400, "Bad Request", m[1] === "merges" ? "record_a and record_b are required" : "record is required", "$");
    creating(req, res, who, body, () => [201, { events: [] }]);
  }],
  ["GET", /^\/v1\/customers\/([^/]+)$/, (req, res, who, m) => {
    const c = customers.find((x) => x.id === decodeURIComponent(m[1]));
    return c ? json(res, 200, c) : problem(res, 404, "Not Found", "no such customer");
  }],
  ["GET", /^\/v1\/orders\/([^/]+)$/, (req, res, who, m) => {
    if (decodeURIComponent(m[1]) !== ORDER_ID) return problem(res, 404, "Not Found", `no order ${decodeURIComponent(m[1])}`);
    json(res, 200, { order_id: ORDER_ID, order_number: "#1001", status: "partly_returned", channel: "web", location: "SF-01", fulfillment_method: "pickup", customer: "501", currency: "USD", total: "135.00", lines: [], tenders: [],
      timeline: [
        { type: "order.placed", at: "2024-05-01T10:00:00Z", source: "shopify", source_id: "1001", correlation_id: "corr_1", message_id: "msg_1" },
        { type: "payment.captured", at: "2024-05-01T10:00:01Z", source: "stripe", source_id: "ch_1", correlation_id: "corr_1", message_id: "msg_2" },
        { type: "order.picked_up", at: "2024-05-02T15:00:00Z", source: "shopify", source_id: "1001", correlation_id: "corr_1", message_id: "msg_3" },
        { type: "return.received", at: "2024-05-03T09:00:00Z", source: "shopify", source_id: "r_1", correlation_id: "corr_1", message_id: "msg_4" },
      ] });
  }],
  ["GET", /^\/v1\/orders\/([^/]+)\/postings$/, (req, res) => json(res, 200, page([
    { id: 1, event_type: "order.created", effective_at: "2024-05-01T10:00:01Z", description: "order #1001", source_system: "shopify", source_id: "1001", correlation_id: "corr_1", reverses_entry_id: "", reversed_by: 0, postings: [
      { account: "2200", debit: "50.00", credit: "", currency: "USD", memo: "capture gift_card", dimensions: {} },
      { account: "1100", debit: "85.00", credit: "", currency: "USD", memo: "capture card", dimensions: {} },
      { account: "4000", debit: "", credit: "135.00", currency: "USD", memo: "sale", dimensions: {} }] },
  ]))],
  ["GET", /^\/v1\/ledger\/trial-balance$/, (req, res, who, m, body, url) => json(res, 200, { as_of: url.searchParams.get("as_of") || "2024-05-10T00:00:00Z", accounts: [
    { account: "1000", name: "Bank", currency: "USD", debit: "65.64", credit: "0.00", balance: "65.64" },
    { account: "1100", name: "Stripe clearing", currency: "USD", debit: "85.00", credit: "85.00", balance: "0.00" },
    { account: "2100", name: "Gift card liability", currency: "USD", debit: "50.00", credit: "50.00", balance: "0.00" },
    { account: "4000", name: "Sales revenue", currency: "USD", debit: "0.00", credit: "135.00", balance: "-135.00" },
    { account: "4900", name: "Returns", currency: "USD", debit: "20.00", credit: "0.00", balance: "20.00" },
    { account: "6100", name: "Processor fees", currency: "USD", debit: "2.76", credit: "0.00", balance: "2.76" },
    { account: "1200", name: "Cash (gift card sale)", currency: "USD", debit: "50.00", credit: "3.40", balance: "46.60" }] })],
  ["GET", /^\/v1\/reconciliation\/payouts$/, (req, res) => json(res, 200, page([{ payout_id: "po_1", gateway: "stripe", amount: "65.64", currency: "USD", status: "paid", arrival_at: "2024-05-04T16:00:00Z", lines: 2, closes: true, residual: "0.00" }]))],
  ["GET", /^\/v1\/reconciliation\/payouts\/([^/]+)$/, (req, res, who, m) => json(res, 200, { payout_id: decodeURIComponent(m[1]), amount: "65.64", currency: "USD", status: "matched", lines: [{ type: "charge", reference: "ch_1", amount: "85.00", fee: "-2.76" }, { type: "refund", reference: "re_1", amount: "-16.60", fee: "0.00" }] })],
  ["GET", /^\/v1\/reconciliation\/exceptions$/, (req, res) => json(res, 200, page([{ id: "tender_not_settled:stripe:r_1", reason: "tender_not_settled", gateway: "stripe", payout_id: "", line_id: "", reference: "r_1", amount: { amount: "-16.60", currency: "USD" }, message: "refund r_1 (-16.60 USD) not settled after 13 days", candidates: [], state: "open", assignee: "", write_off_requested_by: "", resolution: "", created_at: "2024-05-10T00:00:00Z", updated_at: "2024-05-10T00:00:00Z" }]))],
];

function serveStatic(res, file, cache) {
  fs.readFile(file, (err, data) => {
    if (err) return problem(res, 404, "Not Found", "no such dashboard file");
    const type = file.endsWith(".js") ? "text/javascript; charset=utf-8" : file.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
    res.writeHead(200, { "Content-Type": type, "Cache-Control": cache });
    res.end(data);
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  let raw = "";
  req.on("data", (c) => (raw += c));
  req.on("end", () => {
    if (req.method === "GET" && url.pathname === "/") return serveStatic(res, path.join(dist, "index.html"), "no-cache");
    const asset = /^\/assets\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(url.pathname);
    if (req.method === "GET" && asset) return serveStatic(res, path.join(dist, "assets", asset[1]), "public, max-age=31536000, immutable");
    if (url.pathname === "/metrics") {
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      return res.end(`# TYPE retailhub_ingest_messages_total counter\nretailhub_ingest_messages_total ${12 + Math.floor(Date.now() / 2000) % 1000}\nretailhub_failures_total{kind="exception",reason="unmapped"} 1\nretailhub_backlog_messages{domain="orders"} 1\n`);
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const who = auth && KEYS[auth[1]];
    if (!who) return problem(res, 401, "Unauthorized", "missing or unknown API key");
    let body = {};
    try { body = raw ? JSON.parse(raw) : {}; } catch { return problem(res, 400, "Bad Request", "body is not JSON"); }
    for (const [method, re, fn] of routes) {
      const m = re.exec(url.pathname);
      if (m && method === req.method) return fn(req, res, who, m, body, url);
    }
    problem(res, 404, "Not Found", `no route ${req.method} ${url.pathname}`);
  });
});
server.listen(port, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}/`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
