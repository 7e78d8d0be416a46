// `retailhub dlq|exceptions|replay …`: the operator's view of what failed and
// the way back. They work on the data directory directly (a running hub
// picks replays up within a second) and print a table or JSON.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <iostream>

#include "app/cli.h"
#include "app/commands.h"
#include "app/views.h"
#include "bus/bus.h"
#include "store/store.h"

namespace hub::app {
namespace {

struct Opened {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::Connection> conn;
};

Result<Opened> OpenData(const CliContext& ctx) {
  HUB_TRY(auto db, ExistingDatabase(ctx));
  Opened o;
  HUB_TRY(o.store, store::OpenSqliteStore({.path = db.string()}));
  HUB_TRY_STATUS(o.store->Migrate(bus::Operations::Migrations()));
  HUB_TRY(o.conn, o.store->Connect());
  return o;
}

void PrintFailures(CliContext& ctx, const std::vector<bus::Failure>& fs) {
  if (ctx.format == OutputFormat::kJson) {
    boost::json::array a;
    for (const auto& f : fs) {
      a.push_back(FailureJson(f, false));
    }
    ctx.out << boost::json::serialize(boost::json::object{{"items", a}}) << "\n";
    return;
  }
  ctx.out << fmt::format("{:<32} {:<9} {:<10} {:<20} {:<9} {:<22} {}\n", "ID", "KIND", "STAGE",
                         "REASON", "SOURCE", "CREATED", "MESSAGE");
  for (const auto& f : fs) {
    ctx.out << fmt::format("{:<32} {:<9} {:<10} {:<20} {:<9} {:<22} {}\n", f.id, f.kind, f.stage,
                           f.reason_code, f.source, FormatRfc3339(f.created_at), f.message);
  }
  ctx.out << fmt::format("{} entr{}\n", fs.size(), fs.size() == 1 ? "y" : "ies");
}

void PrintReplay(CliContext& ctx, const bus::ReplayRequest& r) {
  boost::json::array ids;
  for (const auto& id : r.failure_ids) {
    ids.emplace_back(id);
  }
  boost::json::object o{{"id", r.id},
                        {"state", r.state},
                        {"finance", r.finance},
                        {"requested_by", r.requested_by},
                        {"approved_by", r.approved_by},
                        {"reason", r.reason},
                        {"failures", ids},
                        {"requested_at", FormatRfc3339(r.requested_at)}};
  if (ctx.format == OutputFormat::kJson) {
    ctx.out << boost::json::serialize(o) << "\n";
    return;
  }
  ctx.out << fmt::format("replay {} {} ({} entr{}, requested by {}{})\n", r.id, r.state,
                         r.failure_ids.size(), r.failure_ids.size() == 1 ? "y" : "ies",
                         r.requested_by,
                         r.approved_by.empty() ? "" : ", approved by " + r.approved_by);
  if (r.state == "pending") {
    ctx.out << fmt::format(
        "it touches finance: a second person must run `retailhub replay approve {} --user "
        "NAME`\n",
        r.id);
  }
}

struct FilterOpts {
  std::string source, topic, reason, stage, since, until;
  std::int64_t limit = 100;
  std::string after;
};

void AddFilterOptions(CLI::App* c, FilterOpts& f) {
  c->add_option("--source", f.source, "Only this source (shopify, stripe, …)");
  c->add_option("--topic", f.topic, "Only this topic (orders/create, …)");
  c->add_option("--reason", f.reason, "Only this reason code (unmapped, parse_error, …)");
  c->add_option("--stage", f.stage, "Only this stage (translate, orders, ledger, …)");
  c->add_option("--since", f.since, "Created at or after this RFC 3339 time");
  c->add_option("--until", f.until, "Created at or before this RFC 3339 time");
  c->add_option("--limit", f.limit, "At most this many (default 100)")->check(CLI::Range(1, 10000));
  c->add_option("--after", f.after, "Cursor: list entries after this id");
}

Result<bus::FailureFilter> ToFilter(const FilterOpts& o, std::string kind) {
  bus::FailureFilter f;
  f.kind = std::move(kind);
  f.source = o.source;
  f.topic = o.topic;
  f.reason_code = o.reason;
  f.stage = o.stage;
  f.limit = o.limit;
  f.after_id = o.after;
  if (!o.since.empty()) {
    HUB_TRY(Instant t, ParseRfc3339(o.since));
    f.from = t;
  }
  if (!o.until.empty()) {
    HUB_TRY(Instant t, ParseRfc3339(o.until));
    f.to = t;
  }
  return f;
}

// dlq / exceptions share list and show.
void AddQueueCommands(CLI::App& app, CliContext& ctx, const std::string& name,
                      const std::string& kind, const std::string& what) {
  CLI::App* q = app.add_subcommand(name, what);
  q->require_subcommand(1);

  auto& lo = ctx.Keep<FilterOpts>();
  auto& all = ctx.Keep<bool>();
  CLI::App* list = q->add_subcommand("list", "List open entries, oldest first");
  AddDataOption(*list, ctx);
  AddConfigOption(*list, ctx);
  AddFormatOption(*list, ctx);
  AddFilterOptions(list, lo);
  list->add_flag("--all", all, "Include resolved and replayed entries");
  ctx.OnRun(list, [&lo, &all, kind](CliContext& c) {
    auto o = OpenData(c);
    if (!o) {
      return ReportError(c, o.error());
    }
    auto f = ToFilter(lo, kind);
    if (!f) {
      return ReportError(c, f.error());
    }
    if (all) {
      f->state = "";
    }
    bus::Operations ops(*o->conn, SystemClock::Get());
    auto r = ops.ListFailures(*f);
    if (!r) {
      return ReportError(c, r.error());
    }
    PrintFailures(c, *r);
    return 0;
  });

  auto& sid = ctx.Keep<std::string>();
  auto& raw = ctx.Keep<bool>();
  CLI::App* show = q->add_subcommand("show", "Show one entry with its attempts and raw message");
  AddDataOption(*show, ctx);
  AddConfigOption(*show, ctx);
  AddFormatOption(*show, ctx);
  show->add_option("id", sid, "Entry id (fail_…)")->required();
  show->add_flag("--raw", raw, "Print the raw message body as received");
  ctx.OnRun(show, [&sid, &raw](CliContext& c) {
    auto o = OpenData(c);
    if (!o) {
      return ReportError(c, o.error());
    }
    bus::Operations ops(*o->conn, SystemClock::Get());
    auto f = ops.GetFailure(sid);
    if (!f) {
      return ReportError(c, f.error());
    }
    auto j = FailureJson(*f, true);
    if (raw) {
      auto m = ops.GetMessage(f->message_id);
      if (m) {
        j["raw_body"] = m->body;
      }
    }
    if (c.format == OutputFormat::kJson) {
      c.out << boost::json::serialize(j) << "\n";
      return 0;
    }
    for (const auto& [k, v] : j) {
      c.out << fmt::format("{:<15} {}\n", std::string(k),
                           v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v));
    }
    return 0;
  });
}

struct ReplayOpts {
  std::vector<std::string> ids;
  FilterOpts filter;
  std::string user, note;
  bool dry_run = false;
};

int RunReplayRequest(CliContext& c, const ReplayOpts& ro, const std::string& kind) {
  auto o = OpenData(c);
  if (!o) {
    return ReportError(c, o.error());
  }
  bus::Operations ops(*o->conn, SystemClock::Get());
  std::vector<bus::Failure> selected;
  if (!ro.ids.empty()) {
    for (const auto& id : ro.ids) {
      auto f = ops.GetFailure(id);
      if (!f) {
        return ReportError(c, f.error());
      }
      selected.push_back(*f);
    }
  } else {
    auto f = ToFilter(ro.filter, kind);
    if (!f) {
      return ReportError(c, f.error());
    }
    if (ro.filter.source.empty() && ro.filter.topic.empty() && ro.filter.reason.empty() &&
        ro.filter.stage.empty() && ro.filter.since.empty() && ro.filter.until.empty()) {
      return ReportError(c, Error(ErrorCode::kInvalidArgument,
                                  "name entries by id or narrow with a filter (--source, "
                                  "--topic, --reason, --stage, --since, --until)"));
    }
    auto r = ops.ListFailures(*f);
    if (!r) {
      return ReportError(c, r.error());
    }
    selected = std::move(*r);
  }
  if (ro.dry_run) {
    c.out << "dry run: these entries would be replayed from their raw messages\n";
    PrintFailures(c, selected);
    return 0;
  }
  if (selected.empty()) {
    c.out << "nothing matches: no replay requested\n";
    return 0;
  }
  std::vector<std::string> ids;
  for (const auto& f : selected) {
    ids.push_back(f.id);
  }
  auto r = ops.RequestReplay(ids, ro.user, ro.note);
  if (!r) {
    return ReportError(c, r.error());
  }
  PrintReplay(c, *r);
  return 0;
}

void AddReplayOptions(CLI::App* c, ReplayOpts& ro, CliContext& ctx) {
  AddDataOption(*c, ctx);
  AddConfigOption(*c, ctx);
  AddFormatOption(*c, ctx);
  c->add_option("ids", ro.ids, "Entry ids (fail_…); or select with filters");
  AddFilterOptions(c, ro.filter);
  c->add_option("--user", ro.user, "Who asks (audited); finance replays need a second user")
      ->required();
  c->add_option("--note", ro.note, "Why (audited)");
  c->add_flag("--dry-run", ro.dry_run, "Show what would be replayed and change nothing");
}

}  // namespace

void RegisterBusCommands(CLI::App& app, CliContext& ctx) {
  AddQueueCommands(app, ctx, "dlq", "dlq",
                   "Dead-letter queue: messages that could not be read or processed");
  AddQueueCommands(app, ctx, "exceptions", "exception",
                   "Business exceptions: unmapped codes, closed periods, amount mismatches");

  // dlq replay
  CLI::App* dlq = app.get_subcommand("dlq");
  auto& dro = ctx.Keep<ReplayOpts>();
  CLI::App* dreplay = dlq->add_subcommand("replay", "Replay DLQ entries from their raw messages");
  AddReplayOptions(dreplay, dro, ctx);
  ctx.OnRun(dreplay, [&dro](CliContext& c) { return RunReplayRequest(c, dro, "dlq"); });

  // exceptions resolve
  CLI::App* exc = app.get_subcommand("exceptions");
  auto& rid = ctx.Keep<std::string>();
  auto& ruser = ctx.Keep<std::string>();
  auto& rnote = ctx.Keep<std::string>();
  CLI::App* resolve = exc->add_subcommand("resolve", "Close an exception without replaying it");
  AddDataOption(*resolve, ctx);
  AddConfigOption(*resolve, ctx);
  resolve->add_option("id", rid, "Entry id (fail_…)")->required();
  resolve->add_option("--user", ruser, "Who resolves (audited)")->required();
  resolve->add_option("--note", rnote, "What was done (audited)")->required();
  ctx.OnRun(resolve, [&rid, &ruser, &rnote](CliContext& c) {
    auto o = OpenData(c);
    if (!o) {
      return ReportError(c, o.error());
    }
    bus::Operations ops(*o->conn, SystemClock::Get());
    if (auto st = ops.Resolve(rid, ruser, rnote); !st) {
      return ReportError(c, st.error());
    }
    c.out << fmt::format("{} resolved by {}\n", rid, ruser);
    return 0;
  });

  // replay request|approve|reject|list
  CLI::App* replay = app.add_subcommand(
      "replay", "Replay requests: finance replays wait for a second person's approval");
  replay->require_subcommand(1);
  auto& ro = ctx.Keep<ReplayOpts>();
  CLI::App* req = replay->add_subcommand("request", "Request a replay of DLQ or exception entries");
  AddReplayOptions(req, ro, ctx);
  ctx.OnRun(req, [&ro](CliContext& c) { return RunReplayRequest(c, ro, ""); });

  auto& aid = ctx.Keep<std::string>();
  auto& auser = ctx.Keep<std::string>();
  CLI::App* approve = replay->add_subcommand("approve", "Approve a pending replay (not your own)");
  AddDataOption(*approve, ctx);
  AddConfigOption(*approve, ctx);
  AddFormatOption(*approve, ctx);
  approve->add_option("id", aid, "Replay request id (rpl_…)")->required();
  approve->add_option("--user", auser, "Who approves (audited)")->required();
  ctx.OnRun(approve, [&aid, &auser](CliContext& c) {
    auto o = OpenData(c);
    if (!o) {
      return ReportError(c, o.error());
    }
    bus::Operations ops(*o->conn, SystemClock::Get());
    auto r = ops.Approve(aid, auser);
    if (!r) {
      return ReportError(c, r.error());
    }
    PrintReplay(c, *r);
    return 0;
  });

  auto& jid = ctx.Keep<std::string>();
  auto& juser = ctx.Keep<std::string>();
  auto& jnote = ctx.Keep<std::string>();
  CLI::App* reject = replay->add_subcommand("reject", "Reject a pending replay");
  AddDataOption(*reject, ctx);
  AddConfigOption(*reject, ctx);
  reject->add_option("id", jid, "Replay request id (rpl_…)")->required();
  reject->add_option("--user", juser, "Who rejects (audited)")->required();
  reject->add_option("--note", jnote, "Why (audited)")->required();
  ctx.OnRun(reject, [&jid, &juser, &jnote](CliContext& c) {
    auto o = OpenData(c);
    if (!o) {
      return ReportError(c, o.error());
    }
    bus::Operations ops(*o->conn, SystemClock::Get());
    auto r = ops.Reject(jid, juser, jnote);
    if (!r) {
      return ReportError(c, r.error());
    }
    PrintReplay(c, *r);
    return 0;
  });

  auto& lstate = ctx.Keep<std::string>();
  CLI::App* list = replay->add_subcommand("list", "List replay requests");
  AddDataOption(*list, ctx);
  AddConfigOption(*list, ctx);
  AddFormatOption(*list, ctx);
  list->add_option("--state", lstate, "pending, done or rejected (default: all)")
      ->check(CLI::IsMember({"", "pending", "done", "rejected"}));
  ctx.OnRun(list, [&lstate](CliContext& c) {
    auto o = OpenData(c);
    if (!o) {
      return ReportError(c, o.error());
    }
    bus::Operations ops(*o->conn, SystemClock::Get());
    auto r = ops.ListReplays(lstate);
    if (!r) {
      return ReportError(c, r.error());
    }
    if (c.format == OutputFormat::kJson) {
      boost::json::array a;
      for (const auto& x : *r) {
        a.push_back(boost::json::object{{"id", x.id},
                                        {"state", x.state},
                                        {"finance", x.finance},
                                        {"requested_by", x.requested_by},
                                        {"approved_by", x.approved_by},
                                        {"entries", x.failure_ids.size()}});
      }
      c.out << boost::json::serialize(boost::json::object{{"items", a}}) << "\n";
      return 0;
    }
    c.out << fmt::format("{:<32} {:<9} {:<8} {:<16} {:<16} {}\n", "ID", "STATE", "FINANCE",
                         "REQUESTED BY", "APPROVED BY", "ENTRIES");
    for (const auto& x : *r) {
      c.out << fmt::format("{:<32} {:<9} {:<8} {:<16} {:<16} {}\n", x.id, x.state,
                           x.finance ? "yes" : "no", x.requested_by, x.approved_by,
                           x.failure_ids.size());
    }
    return 0;
  });
}

}  // namespace hub::app
