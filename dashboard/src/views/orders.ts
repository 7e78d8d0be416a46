// Order timeline: the order's state, every event that shaped it (with
// source and correlation id) and the journal lines it posted.
import { get, seg, type Page } from "../api";
import { append, clear, field, h, isObj, when, type Obj } from "../dom";
import { facts, loading, problemBox, section, table } from "../ui";
import type { Ctx, View } from "../context";

// Journal lines from GET /v1/orders/{id}/postings ({items: entries}, each
// entry holding "postings"): flattened, keeping entry id, date and memo.
function journalLines(entries: unknown[]): Obj[] {
  const out: Obj[] = [];
  for (const e of entries) {
    if (!isObj(e)) continue;
    const lines = Array.isArray(e.postings) ? e.postings : [];
    for (const l of lines) {
      if (isObj(l)) out.push({ ...l, entry_id: field(e, "id"), posted_at: field(e, "effective_at"), memo: field(l, "memo") || field(e, "description") });
    }
  }
  return out;
}

function orderDetail(id: string): HTMLElement {
  const host = h("div", {}, loading());
  Promise.all([get(`/v1/orders/${seg(id)}`), get<Page>(`/v1/orders/${seg(id)}/postings`).then((p) => p.items ?? []).catch((e: unknown) => e)])
    .then(([order, postings]) => {
      clear(host);
      const timeline = Array.isArray(order.timeline) ? (order.timeline.filter(isObj) as Obj[]) : [];
      const ol = h("ol", { class: "timeline", testid: "order-timeline" });
      for (const t of timeline) {
        ol.appendChild(
          h(
            "li",
            { testid: "timeline-item", "data-type": field(t, "type") },
            h("span", { class: "tl-at" }, when(field(t, "at"))),
            h("strong", { class: "tl-type" }, field(t, "type")),
            h("span", { class: "muted small" }, [field(t, "source"), field(t, "source_id")].filter(Boolean).join(" · ")),
            field(t, "correlation_id") ? h("span", { class: "muted small mono" }, `corr ${field(t, "correlation_id")}`) : null,
          ),
        );
      }
      const lines = Array.isArray(postings) ? journalLines(postings) : [];
      append(
        host,
        section(
          `Order ${field(order, "order_id") || id}`,
          "order-summary",
          h("p", {}, "State: ", h("span", { class: "badge", testid: "order-state" }, field(order, "status"))),
          facts("order-facts", order, ["timeline", "status"]),
        ),
        section("Timeline", "panel-timeline", timeline.length ? ol : h("p", { class: "muted" }, "No events.")),
        section(
          "Journal lines",
          "panel-postings",
          Array.isArray(postings)
            ? table(
                "order-postings",
                [
                  { label: "Entry", render: (r) => field(r, "entry_id", "entry") },
                  { label: "Posted", render: (r) => when(field(r, "posted_at", "at")) },
                  { label: "Account", key: "account" },
                  { label: "Memo", render: (r) => field(r, "memo", "description") },
                  { label: "Currency", key: "currency" },
                  { label: "Debit", key: "debit", numeric: true, total: true },
                  { label: "Credit", key: "credit", numeric: true, total: true },
                ],
                lines,
                () => "posting-row",
                "Nothing posted for this order yet.",
              )
            : problemBox(postings),
        ),
      );
    })
    .catch((e) => {
      clear(host);
      host.appendChild(problemBox(e));
    });
  return host;
}

export const ordersView: View = (ctx: Ctx, args: string[]) => {
  const root = h("div", { testid: "view-order" }, h("h1", {}, "Order timeline"));
  const input = h("input", { type: "text", placeholder: "Order id", value: args[0] ?? "", testid: "order-id-input", "aria-label": "order id" });
  const form = h("form", { class: "toolbar" }, input, h("button", { class: "primary", type: "submit", testid: "order-open" }, "Open"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (input.value.trim()) ctx.go(`#/orders/${encodeURIComponent(input.value.trim())}`);
  });
  append(root, form, args[0] ? orderDetail(args[0]) : h("p", { class: "muted" }, "Enter an order id to see its timeline and journal lines."));
  return { el: root };
};
