// Shared view pieces: sections, tables with right-aligned amounts, problem
// boxes, flash messages and "load more" paging over {"items","next_cursor"}.
import { ApiError, get, withQuery, type Page } from "./api";
import { clear, field, h, isObj, when, type Child, type Json, type Obj } from "./dom";
import { isDecimal, sumDecimals } from "./decimal";

export function section(title: string, testid: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card", testid }, h("h2", {}, title), ...children);
}

// A problem (or any error) as a readable box: title, detail, request id.
export function problemBox(err: unknown): HTMLElement {
  const e = err instanceof ApiError ? err : new ApiError(0, "Unexpected error", String(err));
  const hint =
    e.status === 403
      ? "The hub refused this action for your key. Ask an administrator if you need access."
      : e.status === 401
        ? "Your API key was not accepted. Log in again."
        : "";
  return h(
    "div",
    { class: "problem", role: "alert", testid: "problem", "data-status": e.status },
    h("strong", { testid: "problem-title" }, e.title),
    e.detail ? h("div", { testid: "problem-detail" }, e.detail) : null,
    hint ? h("div", { class: "muted" }, hint) : null,
    e.requestId ? h("div", { class: "muted small" }, `request id ${e.requestId}`) : null,
  );
}

let flashTimer = 0;
// A message under the header: kind "ok" fades, "error" stays until replaced.
export function flash(kind: "ok" | "error", content: string | unknown): void {
  const el = document.querySelector<HTMLElement>("[data-testid=flash]");
  if (!el) return;
  clear(el);
  window.clearTimeout(flashTimer);
  el.className = `flash ${kind}`;
  el.dataset.kind = kind;
  if (kind === "ok") {
    el.appendChild(document.createTextNode(String(content)));
    flashTimer = window.setTimeout(() => {
      clear(el);
      el.className = "flash";
    }, 8000);
  } else {
    el.appendChild(problemBox(content));
  }
}

export interface Column<T> {
  label: string;
  key?: string; // field name; ignored when render is given
  numeric?: boolean; // right-aligned, tabular figures; totals for decimals
  render?: (row: T) => Child;
  total?: boolean; // show an exact total in the footer
}

// Text for a JSON cell: scalars as given (decimal strings untouched),
// timestamps made readable, small objects as compact JSON.
export function cellText(v: Json | undefined): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return when(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function table<T extends Obj>(
  testid: string,
  columns: Column<T>[],
  rows: T[],
  rowTestId?: (row: T, index: number) => string,
  empty = "Nothing here.",
): HTMLElement {
  if (rows.length === 0) return h("p", { class: "muted", testid: `${testid}-empty` }, empty);
  const head = h("tr", {}, ...columns.map((c) => h("th", { class: c.numeric ? "num" : "" }, c.label)));
  const body = h("tbody");
  rows.forEach((row, i) => {
    const tr = h("tr", { testid: rowTestId ? rowTestId(row, i) : `${testid}-row` });
    for (const c of columns) {
      const content = c.render ? c.render(row) : cellText(c.key ? row[c.key] : undefined);
      tr.appendChild(h("td", { class: c.numeric ? "num" : "", "data-col": c.key ?? c.label }, content));
    }
    body.appendChild(tr);
  });
  const tbl = h("table", { class: "grid", testid }, h("thead", {}, head), body);
  if (columns.some((c) => c.total)) {
    const foot = h(
      "tr",
      { class: "total", testid: `${testid}-total` },
      ...columns.map((c, i) => {
        if (!c.total || !c.key) return h("td", {}, i === 0 ? "Total" : "");
        const sum = sumDecimals(rows.map((r) => field(r, c.key as string)));
        return h("td", { class: "num", "data-col": c.key }, sum ?? "");
      }),
    );
    tbl.appendChild(h("tfoot", {}, foot));
  }
  return h("div", { class: "table-wrap" }, tbl);
}

const kAmountKeys = /(amount|debit|credit|balance|total|fee|net|gross|residual|difference|value)$/i;

// A table for objects of unknown shape: one column per scalar key seen in
// the first rows; decimal strings and amount-like keys right-aligned.
export function autoTable(testid: string, rows: Obj[], empty?: string): HTMLElement {
  const keys: string[] = [];
  for (const r of rows.slice(0, 20)) {
    for (const [k, v] of Object.entries(r)) {
      if (!keys.includes(k) && (v === null || typeof v !== "object" || Array.isArray(v))) keys.push(k);
    }
  }
  const columns: Column<Obj>[] = keys.map((k) => ({
    label: k.replace(/_/g, " "),
    key: k,
    numeric: kAmountKeys.test(k) || rows.every((r) => typeof r[k] !== "string" || isDecimal(r[k] as string)),
  }));
  return table(testid, columns, rows, undefined, empty);
}

// Scalar fields of an object as a definition list; nested values skipped.
export function facts(testid: string, o: Obj, skip: string[] = []): HTMLElement {
  const dl = h("dl", { class: "facts", testid });
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k) || (isObj(v) || Array.isArray(v))) continue;
    dl.append(h("dt", {}, k.replace(/_/g, " ")), h("dd", { "data-field": k }, cellText(v)));
  }
  return dl;
}

// Loads a paged listing into `host`: renders the table for all items loaded
// so far and a "Load more" button while next_cursor is not empty.
export async function pagedList(
  host: HTMLElement,
  testid: string,
  path: string,
  params: Record<string, string | undefined>,
  render: (items: Obj[]) => HTMLElement,
): Promise<Obj[]> {
  const items: Obj[] = [];
  const load = async (cursor: string) => {
    const page = await get<Page>(withQuery(path, { ...params, cursor }));
    items.push(...(page.items ?? []));
    clear(host);
    host.appendChild(render(items));
    if (page.next_cursor) {
      const btn = h("button", { class: "link", testid: `${testid}-more` }, "Load more");
      btn.addEventListener("click", () => {
        btn.disabled = true;
        load(page.next_cursor as string).catch((e) => host.appendChild(problemBox(e)));
      });
      host.appendChild(btn);
    }
  };
  try {
    await load("");
  } catch (e) {
    clear(host);
    host.appendChild(problemBox(e));
  }
  return items;
}

// Runs an action from a button: disables it while running, flashes the
// result or the server's problem, then calls `after` on success.
export async function act(btn: HTMLButtonElement, okText: string, fn: () => Promise<unknown>, after?: () => void): Promise<void> {
  btn.disabled = true;
  try {
    await fn();
    flash("ok", okText);
    after?.();
  } catch (e) {
    flash("error", e);
  } finally {
    btn.disabled = false;
  }
}

export function loading(): HTMLElement {
  return h("p", { class: "muted", testid: "loading" }, "Loading…");
}
