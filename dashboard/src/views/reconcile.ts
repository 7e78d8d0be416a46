// Reconciliation: payouts with their match status, a payout's proof
// (lines, residuals) and the open reconciliation exceptions.
import { get, seg } from "../api";
import { append, clear, field, h, isObj, tid, type Obj } from "../dom";
import { autoTable, facts, loading, pagedList, problemBox, section, table } from "../ui";
import type { View } from "../context";

function payoutReport(id: string): HTMLElement {
  const host = h("div", { testid: "payout-report" }, loading());
  get(`/v1/reconcile/payouts/${seg(id)}`)
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
  void pagedList(payouts, "payouts-table", "/v1/reconcile/payouts", { limit: "50" }, (items) =>
    table(
      "payouts-table",
      [
        { label: "Payout", render: (r) => h("a", { href: `#/reconcile/payouts/${encodeURIComponent(field(r, "payout_id", "id"))}`, testid: tid("payout-link", field(r, "payout_id", "id")) }, field(r, "payout_id", "id")) },
        { label: "Source", render: (r) => field(r, "source", "processor") },
        { label: "Arrival", render: (r) => field(r, "arrival_date", "paid_at", "at") },
        { label: "Currency", key: "currency" },
        { label: "Amount", render: (r) => field(r, "amount", "net", "net_amount"), numeric: true },
        { label: "Status", render: (r) => h("span", { class: "badge" }, field(r, "status", "state")) },
      ],
      items,
      (r) => tid("payout-row", field(r, "payout_id", "id")),
      "No payouts yet.",
    ),
  );
  void pagedList(exceptions, "recon-exceptions-table", "/v1/reconcile/exceptions", { limit: "50" }, (items) => autoTable("recon-exceptions-table", items, "No open reconciliation exceptions."));
  append(root, section("Payouts", "panel-payouts", payouts), section("Reconciliation exceptions", "panel-recon-exceptions", exceptions));
  return { el: root };
};

