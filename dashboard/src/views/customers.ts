// Customers: search, golden record with sources and lineage, the review
// queue with match explanations, and merge/unmerge for stewards.
import { get, post, seg, withQuery } from "../api";
import { append, clear, field, h, isObj, tid, type Json, type Obj } from "../dom";
import { act, cellText, facts, loading, pagedList, problemBox, section, table, type Column } from "../ui";
import type { Ctx, View } from "../context";

// Merge and unmerge endpoints (steward actions).
const kMergePath = "/v1/customers/merge";
const kUnmergePath = "/v1/customers/unmerge";

function pairOf(r: Obj): [string, string] {
  return [field(r, "a", "record_a", "left"), field(r, "b", "record_b", "right")];
}

function explainPanel(ctx: Ctx, a: string, b: string, host: HTMLElement, after: () => void): void {
  clear(host);
  host.appendChild(loading());
  get(withQuery("/v1/customers/explain", { a, b }))
    .then((ex) => {
      clear(host);
      const fields = Array.isArray(ex.fields) ? (ex.fields.filter(isObj) as Obj[]) : [];
      const merge = ctx.can.stewardCustomers ? h("button", { class: "primary", testid: "merge-button" }, `Merge ${a} + ${b}`) : null;
      merge?.addEventListener("click", () => void act(merge, `Merged ${a} and ${b}.`, () => post(kMergePath, { a, b }), after));
      append(
        host,
        h("h3", {}, `Why ${a} and ${b} may be the same customer`),
        facts("explain-summary", ex, ["fields"]),
        table(
          "explain-table",
          [
            { label: "Field", render: (r) => field(r, "field", "name") },
            { label: "Level", key: "level" },
            { label: "A", render: (r) => field(r, "a", "value_a") },
            { label: "B", render: (r) => field(r, "b", "value_b") },
            { label: "Weight", key: "weight", numeric: true },
          ],
          fields,
          (r) => tid("explain-row", field(r, "field", "name")),
        ),
        merge,
      );
    })
    .catch((e) => {
      clear(host);
      host.appendChild(problemBox(e));
    });
}

function goldenRecord(ctx: Ctx, id: string): HTMLElement {
  const host = h("div", { testid: "customer-record" }, loading());
  get(`/v1/customers/${seg(id)}`)
    .then((c) => {
      clear(host);
      const lineage = isObj(c.lineage) ? c.lineage : {};
      const attrs: Obj[] = Object.entries(c)
        .filter(([k, v]) => !["sources", "lineage"].includes(k) && (v === null || typeof v !== "object"))
        .map(([k, v]) => ({ attribute: k, value: v, from: isObj(lineage[k]) || Array.isArray(lineage[k]) ? JSON.stringify(lineage[k]) : cellText(lineage[k] as Json) }));
      const sources = Array.isArray(c.sources) ? (c.sources.filter(isObj) as Obj[]) : [];
      const srcCols: Column<Obj>[] = [
        { label: "Record", render: (r) => field(r, "record_id", "id") },
        { label: "Source", key: "source" },
        { label: "Source id", render: (r) => field(r, "source_id", "external_id") },
        { label: "Name", render: (r) => field(r, "name", "full_name") },
        { label: "Email", key: "email" },
      ];
      if (ctx.can.stewardCustomers && sources.length > 1) {
        srcCols.push({
          label: "",
          render: (r) => {
            const rec = field(r, "record_id", "id");
            const b = h("button", { testid: tid("unmerge", rec) }, "Unmerge");
            b.addEventListener("click", () => void act(b, `Record ${rec} split from the customer.`, () => post(kUnmergePath, { record: rec }), () => ctx.go(`#/customers/${encodeURIComponent(id)}`)));
            return b;
          },
        });
      }
      append(
        host,
        h("h2", {}, `Golden record ${field(c, "customer_id", "id") || id}`),
        table("customer-attributes", [{ label: "Attribute", key: "attribute" }, { label: "Value", key: "value" }, { label: "From (lineage)", key: "from" }], attrs),
        h("h3", {}, "Source records"),
        table("customer-sources", srcCols, sources, (r) => tid("source-row", field(r, "record_id", "id"))),
      );
    })
    .catch((e) => {
      clear(host);
      host.appendChild(problemBox(e));
    });
  return host;
}

export const customersView: View = (ctx: Ctx, args: string[]) => {
  const root = h("div", { testid: "view-customers" }, h("h1", {}, "Customers"));
  if (args[0]) {
    append(root, h("p", {}, h("a", { href: "#/customers" }, "← Back to search")), section("Customer", "panel-customer", goldenRecord(ctx, args[0])));
    return { el: root };
  }
  const q = h("input", { type: "search", placeholder: "Name, email or phone", testid: "customer-search-input", "aria-label": "search customers" });
  const go = h("button", { class: "primary", type: "submit", testid: "customer-search-submit" }, "Search");
  const results = h("div", { testid: "customer-results" });
  const form = h("form", { class: "toolbar" }, q, go);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void pagedList(results, "customer-results-table", "/v1/customers", { q: q.value.trim(), limit: "25" }, (items) =>
      table(
        "customer-results-table",
        [
          { label: "Customer", render: (r) => h("a", { href: `#/customers/${encodeURIComponent(field(r, "customer_id", "id"))}`, testid: tid("customer-link", field(r, "customer_id", "id")) }, field(r, "customer_id", "id")) },
          { label: "Name", render: (r) => field(r, "name", "full_name") },
          { label: "Email", key: "email" },
          { label: "Phone", key: "phone" },
          { label: "Sources", render: (r) => (Array.isArray(r.sources) ? String(r.sources.length) : field(r, "source_count")) },
        ],
        items,
        (r) => tid("customer-row", field(r, "customer_id", "id")),
        "No customer matches.",
      ),
    );
  });

  const explainHost = h("div", { testid: "explain-panel" });
  const reviewHost = h("div", {}, loading());
  const loadReview = () =>
    pagedList(reviewHost, "review-table", "/v1/customers/review", { limit: "25" }, (items) =>
      table(
        "review-table",
        [
          { label: "Record A", render: (r) => pairOf(r)[0] },
          { label: "Record B", render: (r) => pairOf(r)[1] },
          { label: "Score", render: (r) => field(r, "total", "score", "weight"), numeric: true },
          { label: "Band", key: "band" },
          {
            label: "",
            render: (r) => {
              const [a, b] = pairOf(r);
              const btn = h("button", { testid: tid("review-explain", `${a}-${b}`) }, "Explain");
              btn.addEventListener("click", () => explainPanel(ctx, a, b, explainHost, () => void loadReview()));
              return btn;
            },
          },
        ],
        items,
        (r) => tid("review-row", pairOf(r).join("-")),
        "No pairs waiting for review.",
      ),
    );
  void loadReview();
  append(root, section("Search", "panel-customer-search", form, results), section("Review queue", "panel-review", h("p", { class: "muted" }, "Possible duplicates the matcher was not sure about."), reviewHost, explainHost));
  return { el: root };
};

