// Exceptions & DLQ: open failures with their reason, replay requests
// (finance-touching replays need a second user's approval) and resolution.
import { create, get, post, postIfMatch, seg, withQuery, type Page } from "../api";
import { append, clear, field, h, tid, type Obj } from "../dom";
import { act, flash, loading, pagedList, problemBox, section, table, type Column } from "../ui";
import type { Ctx, View } from "../context";

export const exceptionsView: View = (ctx: Ctx) => {
  const root = h("div", { testid: "view-exceptions" }, h("h1", {}, "Exceptions & DLQ"));
  const selected = new Set<string>();
  const selCount = h("span", { testid: "replay-selected-count" }, "0");
  const exceptionsHost = h("div", {}, loading());
  const dlqHost = h("div", {}, loading());
  const replaysHost = h("div", {}, loading());

  const refresh = () => {
    selected.clear();
    selCount.textContent = "0";
    void loadFailures("/v1/exceptions", "exceptions", exceptionsHost);
    void loadFailures("/v1/dlq", "dlq", dlqHost);
    void loadReplays();
  };

  const failureColumns = (kind: string): Column<Obj>[] => {
    const cols: Column<Obj>[] = [];
    if (ctx.can.requestReplay) {
      cols.push({
        label: "",
        render: (r) => {
          const id = field(r, "id");
          const box = h("input", { type: "checkbox", testid: tid(`${kind}-select`, id), "aria-label": `select ${id}` });
          box.addEventListener("change", () => {
            if (box.checked) selected.add(id);
            else selected.delete(id);
            selCount.textContent = String(selected.size);
          });
          return box;
        },
      });
    }
    cols.push(
      { label: "Id", key: "id" },
      { label: "Created", render: (r) => field(r, "created_at").replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") },
      { label: "Source", render: (r) => [field(r, "source"), field(r, "topic")].filter(Boolean).join(" · ") },
      { label: "Stage", key: "stage" },
      { label: "Reason", render: (r) => h("code", {}, field(r, "reason", "reason_code")) },
      { label: "Message", render: (r) => h("span", { testid: "failure-message" }, field(r, "message", "detail")) },
      { label: "Finance", render: (r) => (r.finance ? h("span", { class: "badge warn" }, "finance") : "") },
    );
    if (ctx.can.resolveException && kind === "exception") {
      cols.push({ label: "", render: (r) => resolveCell(field(r, "id")) });
    }
    return cols;
  };

  const resolveCell = (id: string): HTMLElement => {
    const cell = h("div", { class: "inline-form" });
    const open = h("button", { testid: tid("exception-resolve", id) }, "Resolve…");
    open.addEventListener("click", () => {
      clear(cell);
      const note = h("input", { type: "text", placeholder: "Resolution note (required)", testid: tid("resolve-note", id), "aria-label": "resolution note" });
      const confirm = h("button", { class: "primary", testid: tid("resolve-confirm", id) }, "Resolve");
      confirm.addEventListener("click", () => {
        if (!note.value.trim()) {
          flash("error", new Error("A resolution note is required."));
          return;
        }
        void act(confirm, `Exception ${id} resolved.`, () => postIfMatch(`/v1/exceptions/${seg(id)}`, `/v1/exceptions/${seg(id)}/resolve`, { note: note.value.trim() }), refresh);
      });
      cell.append(note, confirm);
      note.focus();
    });
    cell.appendChild(open);
    return cell;
  };

  const loadFailures = (path: string, kind: "exceptions" | "dlq", host: HTMLElement) =>
    pagedList(host, `${kind}-table`, path, { limit: "50" }, (items) =>
      table(`${kind}-table`, failureColumns(kind === "exceptions" ? "exception" : "dlq"), items, (r) => tid(kind === "exceptions" ? "exception-row" : "dlq-row", field(r, "id")), kind === "exceptions" ? "No open exceptions." : "The dead-letter queue is empty."),
    );

  const loadReplays = async () => {
    try {
      const page = await get<Page>(withQuery("/v1/replays", { state: "pending" }));
      clear(replaysHost);
      const cols: Column<Obj>[] = [
        { label: "Replay", key: "id" },
        { label: "Failures", render: (r) => (Array.isArray(r.failure_ids) ? r.failure_ids.join(", ") : "") },
        { label: "Requested by", render: (r) => field(r, "requested_by") },
        { label: "Reason", key: "reason" },
        { label: "Finance", render: (r) => (r.finance ? h("span", { class: "badge warn" }, "needs approval") : "") },
        { label: "State", key: "state" },
      ];
      if (ctx.can.approveReplay) {
        cols.push({
          label: "",
          render: (r) => {
            const id = field(r, "id");
            const b = h("button", { class: "primary", testid: tid("replay-approve", id) }, "Approve");
            b.addEventListener("click", () => void act(b, `Replay ${id} approved.`, () => post(`/v1/replays/${seg(id)}/approve`), refresh));
            return b;
          },
        });
      }
      replaysHost.appendChild(table("replays-table", cols, page.items ?? [], (r) => tid("replay-row", field(r, "id")), "No replays waiting for approval."));
    } catch (e) {
      clear(replaysHost);
      replaysHost.appendChild(problemBox(e));
    }
  };

  let requestForm: HTMLElement | null = null;
  if (ctx.can.requestReplay) {
    const reason = h("input", { type: "text", placeholder: "Why replay? (e.g. tender mapping fixed)", testid: "replay-reason", "aria-label": "replay reason" });
    const btn = h("button", { class: "primary", testid: "replay-request" }, "Request replay");
    btn.addEventListener("click", () => {
      if (selected.size === 0) {
        flash("error", new Error("Select at least one exception or DLQ entry to replay."));
        return;
      }
      if (!reason.value.trim()) {
        flash("error", new Error("A reason is required for a replay request."));
        return;
      }
      const ids = [...selected];
      void act(
        btn,
        `Replay requested for ${ids.length} entr${ids.length === 1 ? "y" : "ies"}.`,
        async () => {
          const r = await create("/v1/replays", { failure_ids: ids, reason: reason.value.trim() });
          reason.value = "";
          return r;
        },
        refresh,
      );
    });
    requestForm = h("div", { class: "toolbar" }, h("span", {}, "Selected: ", selCount), reason, btn);
  }

  append(
    root,
    section("Business exceptions", "panel-exceptions", h("p", { class: "muted" }, "Events that broke a business rule (e.g. an unmapped tender). Fix the cause, then replay or resolve."), exceptionsHost),
    section("Dead-letter queue", "panel-dlq", h("p", { class: "muted" }, "Messages that failed permanently in translation or processing."), dlqHost),
    requestForm ? section("Replay", "panel-replay-request", requestForm) : null,
    section("Replays awaiting approval", "panel-replays", h("p", { class: "muted" }, "A replay touching finance runs only after a second user approves it."), replaysHost),
  );
  refresh();
  return { el: root };
};
