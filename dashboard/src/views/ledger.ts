// Trial balance as of an instant: debit, credit and balance per account,
// amounts exactly as the ledger gives them, totals summed exactly.
import { get, withQuery } from "../api";
import { append, clear, field, h, isObj, tid, when, type Obj } from "../dom";
import { loading, problemBox, section, table } from "../ui";
import type { View } from "../context";

export const ledgerView: View = () => {
  const root = h("div", { testid: "view-ledger" }, h("h1", {}, "Trial balance"));
  const asOf = h("input", { type: "datetime-local", step: "1", testid: "tb-as-of", "aria-label": "as of (UTC)" });
  const host = h("div", {}, loading());
  const load = () => {
    clear(host);
    host.appendChild(loading());
    // datetime-local has no zone: the value is read as UTC, like the ledger.
    const at = asOf.value ? `${asOf.value.length === 16 ? asOf.value + ":00" : asOf.value}Z` : "";
    get(withQuery("/v1/ledger/trial-balance", { as_of: at }))
      .then((tb) => {
        clear(host);
        const accounts = Array.isArray(tb.accounts) ? (tb.accounts.filter(isObj) as Obj[]) : [];
        const currencies = [...new Set(accounts.map((a) => field(a, "currency")))];
        append(
          host,
          h("p", { class: "muted", testid: "tb-as-of-label" }, `As of ${when(field(tb, "as_of")) || "now"}`),
          ...currencies.map((cur) =>
            table(
              currencies.length > 1 ? `tb-table-${cur}` : "tb-table",
              [
                { label: "Account", key: "account" },
                { label: "Name", key: "name" },
                { label: "Currency", key: "currency" },
                { label: "Debit", key: "debit", numeric: true, total: true },
                { label: "Credit", key: "credit", numeric: true, total: true },
                { label: "Balance", key: "balance", numeric: true, total: true, render: (r) => h("span", { testid: tid("tb-balance", field(r, "account")) }, field(r, "balance")) },
              ],
              accounts.filter((a) => field(a, "currency") === cur),
              (r) => tid("tb-row", field(r, "account")),
              "No postings yet.",
            ),
          ),
        );
      })
      .catch((e) => {
        clear(host);
        host.appendChild(problemBox(e));
      });
  };
  const form = h("form", { class: "toolbar" }, h("label", {}, "As of (UTC) ", asOf), h("button", { class: "primary", type: "submit", testid: "tb-refresh" }, "Show"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    load();
  });
  append(root, section("Accounts", "panel-trial-balance", form, host));
  load();
  return { el: root };
};
