// Customers: search, golden record with sources and lineage, the review
// queue with match explanations, and merge/unmerge for stewards.
import { create, get, seg, withQuery } from "../api";
import { append, clear, field, h, isObj, tid, type Json, type Obj } from "../dom";
import { act, cellText, facts, loading, pagedList, problemBox, section, table, type Column } from "../ui";
import type { Ctx, View } from "../context";

// Merge and unmerge endpoints (steward actions; Idempotency-Key required).
const kMergePath = "/v1/customers/merges";
const kUnmergePath = "/v1/customers/unmerges";

// Review-queue items: {"a","b","probability"}; records are "<source>:<id>".
function pairOf(r: Obj): [string, string] {
  return [field(r, "a", "record_a"), field(r, "b", "record_b")];
}

// A golden record's attribute values ({"values": {...}}).
const valuesOf = (c: Obj): Obj => (isObj(c.values) ? c.values : {});
const nameOf = (c: Obj): string => {
  const v = valuesOf(c);
  return [field(v, "first_name"), field(v, "last_name")].filter(Boolean).join(" ") || field(v, "name", "full_name");
};
// A source record's key as the identity API takes it: "<source>:<source_id>".
const recordOf = (r: Obj): string => [field(r, "source"), field(r, "source_id")].join(":");

function explainPanel(ctx: Ctx, a: string, b: string, host: HTMLElement, after: () => void): void {
  clear(host);
  host.appendChild(loading());
  get(withQuery("/v1/customers/explain", { a, b }))
    .then((ex) => {
      clear(host);
      const fields = Array.isArray(ex.fields) ? (ex.fields.filter(isObj) as Obj[]) : [];
      const merge = ctx.can.stewardCustomers ? h("button", { class: "primary", testid: "merge-button" }, `Merge ${a} + ${b}`) : null;
      merge?.addEventListener("click", () => void act(merge, `Merged ${a} and ${b}.`, () => create(kMergePath, { record_a: a, record_b: b }), after));
      append(
        host,
        h("h3", {}, `Why ${a} and ${b} may be the same customer`),
        facts("explain-summary", ex, ["fields"]),
        table(
          "explain-table",
          [
            { label: "Field", render: (r) => field(r, "field", "name") },
            { label: "Level", key: "level" },
            { label: "Weight", key: "weight", numeric: true },
            { label: "TF adjustment", key: "tf_adjustment", numeric: true },
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
      const from = (l: Json | undefined): string => (isObj(l) ? recordOf(l) : cellText(l));
      const attrs: Obj[] = Object.entries(valuesOf(c)).map(([k, v]) => ({ attribute: k, value: v, from: from(lineage[k]) }));
      const sources = Array.isArray(c.sources) ? (c.sources.filter(isObj) as Obj[]) : [];
      const srcCols: Column<Obj>[] = [
        { label: "Record", render: (r) => recordOf(r) },
        { label: "Source", key: "source" },
        { label: "Source id", key: "source_id" },
      ];
      if (ctx.can.stewardCustomers && sources.length > 1) {
        srcCols.push({
          label: "",
          render: (r) => {
            const rec = recordOf(r);
            const b = h("button", { testid: tid("unmerge", rec) }, "Unmerge");
            b.addEventListener("click", () => void act(b, `Record ${rec} split from the customer.`, () => create(kUnmergePath, { record: rec }), () => ctx.go(`#/customers/${encodeURIComponent(id)}`)));
            return b;
          },
        });
      }
      append(
        host,
        h("h2", {}, `Golden record ${field(c, "id") || id}`, c.erased === true ? h("span", { class: "badge warn" }, "erased") : null),
        table("customer-attributes", [{ label: "Attribute", key: "attribute" }, { label: "Value", key: "value" }, { label: "From (lineage)", key: "from" }], attrs),
        h("h3", {}, "Source records"),
        table("customer-sources", srcCols, sources, (r) => tid("source-row", recordOf(r))),
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
          { label: "Customer", render: (r) => h("a", { href: `#/customers/${encodeURIComponent(field(r, "id"))}`, testid: tid("customer-link", field(r, "id")) }, field(r, "id")) },
          { label: "Name", render: (r) => nameOf(r) },
          { label: "Email", render: (r) => field(valuesOf(r), "email") },
          { label: "Phone", render: (r) => field(valuesOf(r), "phone") },
          { label: "Sources", render: (r) => (Array.isArray(r.sources) ? String(r.sources.length) : "") },
        ],
        items,
        (r) => tid("customer-row", field(r, "id")),
        "No customer matches.",
      ),
    );
  });

  const explainHost = h("div", { testid: "explain-panel" });
  const reviewHost = h("div", {}, loading());
  const loadReview = () =>
    pagedList(reviewHost, "review-table", "/v1/customers/review-queue", { limit: "25" }, (items) =>
      table(
        "review-table",
        [
          { label: "Record A", render: (r) => pairOf(r)[0] },
          { label: "Record B", render: (r) => pairOf(r)[1] },
          { label: "Match probability", key: "probability", numeric: true },
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
  // The review queue and explanations are steward work (the hub answers 403 to others).
  if (ctx.can.stewardCustomers) void loadReview();
  else {
    clear(reviewHost);
    reviewHost.appendChild(h("p", { class: "muted", testid: "review-steward-only" }, "The review queue is open to stewards and administrators."));
  }
  append(root, section("Search", "panel-customer-search", form, results), section("Review queue", "panel-review", h("p", { class: "muted" }, "Possible duplicates the matcher was not sure about."), reviewHost, explainHost));
  return { el: root };
};

