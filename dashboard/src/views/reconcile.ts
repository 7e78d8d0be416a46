// Reconciliation: payouts with their match status, a payout's proof
// (lines, residuals) and the open reconciliation exceptions.
import { get, seg } from "../api";
import { append, clear, field, h, isObj, tid, when, type Obj } from "../dom";
import { autoTable, facts, loading, pagedList, problemBox, section, table } from "../ui";
import type { View } from "../context";

// {"amount":{"amount":"1.00","currency":"USD"}} → amount "1.00", currency "USD".
function flattenMoney(r: Obj): Obj {
  const out: Obj = { ...r };
  for (const [k, v] of Object.entries(r)) {
    if (isObj(v) && typeof v.amount === "string" && typeof v.currency === "string") {
      out[k] = v.amount;
      if (out.currency === undefined) out.currency = v.currency;
    }
  }
  return out;
}

function payoutReport(id: string): HTMLElement {
  const host = h("div", { testid: "payout-report" }, loading());
  get(`/v1/reconciliation/payouts/${seg(id)}`)
    .then((r) => {
      clear(host);
      append(host, h("h2", {}, `Payout ${id}`), facts("payout-facts", r));
      for (const [k, v] of Object.entries(r)) {
        if (Array.isArray(v)) {
          append(host, h("h3", {}, k.replace(/_/g, " ")), autoTable(`payout-${k}`, v.filter(isObj) as Obj[]));
        } else if (isObj(v)) {
          append(host, h("h3", {}, k.replace(/_/g, " ")), facts(`payout-${k}`, v));
        }
      }
    })
    .catch((e) => {
      clear(host);
      host.appendChild(problemBox(e));
    });
  return host;
}

export const reconcileView: View = (_ctx, args: string[]) => {
  const root = h("div", { testid: "view-reconcile" }, h("h1", {}, "Reconciliation"));
  if (args[0] === "payouts" && args[1]) {
    append(root, h("p", {}, h("a", { href: "#/reconcile" }, "← All payouts")), section("Payout report", "panel-payout", payoutReport(args[1])));
    return { el: root };
  }
  const payouts = h("div", {}, loading());
  const exceptions = h("div", {}, loading());
  void pagedList(payouts, "payouts-table", "/v1/reconciliation/payouts", { limit: "50" }, (items) =>
    table(
      "payouts-table",
      [
        { label: "Payout", render: (r) => h("a", { href: `#/reconcile/payouts/${encodeURIComponent(field(r, "payout_id", "id"))}`, testid: tid("payout-link", field(r, "payout_id", "id")) }, field(r, "payout_id", "id")) },
        { label: "Gateway", render: (r) => field(r, "gateway", "source") },
        { label: "Arrival", render: (r) => when(field(r, "arrival_at", "arrival_date")) },
        { label: "Currency", key: "currency" },
        { label: "Amount", render: (r) => field(r, "amount", "net", "net_amount"), numeric: true },
        { label: "Status", render: (r) => h("span", { class: "badge" }, field(r, "status", "state")) },
        { label: "Closes", render: (r) => (r.closes === true ? "yes" : r.closes === false ? h("span", { class: "badge warn" }, `residual ${field(r, "residual")}`) : "") },
      ],
      items,
      (r) => tid("payout-row", field(r, "payout_id", "id")),
      "No payouts yet.",
    ),
  );
  void pagedList(exceptions, "recon-exceptions-table", "/v1/reconciliation/exceptions", { limit: "50" }, (items) =>
    autoTable("recon-exceptions-table", items.map(flattenMoney), "No open reconciliation exceptions."),
  );
  append(root, section("Payouts", "panel-payouts", payouts), section("Reconciliation exceptions", "panel-recon-exceptions", exceptions));
  return { el: root };
};

