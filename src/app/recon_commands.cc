// `retailhub reconcile run|report|exceptions|resolve`: settlement
// reconciliation over a data directory. `run` matches every payout the hub
// has applied against the captured tenders, refunds and disputes and stores
// the exceptions; `report` proves a payout line by line; `resolve` acts on
// an exception (a write-off needs a second finance user to approve it).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <filesystem>

#include "app/cli.h"
#include "app/commands.h"
#include "app/recon.h"
#include "app/reconciler.h"
#include "ledger/journal.h"
#include "reconcile/report_json.h"

namespace hub::app {
namespace {

namespace json = boost::json;

Result<std::unique_ptr<store::Store>> OpenStore(const CliContext& ctx) {
  HUB_TRY(auto db, ExistingDatabase(ctx));
  return store::OpenSqliteStore({.path = db.string()});
}

// Every reconcile command but resolve starts from a fresh run.
struct Reconciled {
  std::unique_ptr<store::Store> store;
  ReconRun run;
};

Result<Reconciled> OpenAndRun(const CliContext& ctx) {
  Reconciled r;
  HUB_TRY(r.store, OpenStore(ctx));
  HUB_TRY(auto config, LoadReconcileConfig());
  HUB_TRY(r.run, RunReconciliation(*r.store, config, SystemClock::Get()));
  return r;
}

void AddCommon(CLI::App* c, CliContext& ctx) {
  AddDataOption(*c, ctx);
  AddConfigOption(*c, ctx);
  AddFormatOption(*c, ctx);
}

struct ResolveOpts {
  std::string id, action, user, note, reference, approve;
};

}  // namespace

void RegisterReconcileCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* rec = app.add_subcommand("reconcile", "Settlement reconciliation of payouts");
  rec->require_subcommand(1);

  CLI::App* run = rec->add_subcommand("run", "Match payouts to tenders, refunds and disputes");
  AddCommon(run, ctx);
  ctx.OnRun(run, [](CliContext& c) {
    auto done = OpenAndRun(c);
    if (!done) {
      return ReportError(c, done.error());
    }
    const ReconRun* r = &done->run;
    const json::object passes = reconcile::ToJson(r->output.match.stats);
    std::int64_t closing = 0;
    for (const auto& p : r->output.proofs) {
      closing += p.closes ? 1 : 0;
    }
    if (c.format == OutputFormat::kJson) {
      c.out << json::serialize(json::object{{"payouts", r->payouts.size()},
                                            {"payouts_closing", closing},
                                            {"expected_items", r->expected.size()},
                                            {"exceptions", r->output.match.exceptions.size()},
                                            {"new_exceptions", r->new_exceptions},
                                            {"passes", passes}})
            << "\n";
      return 0;
    }
    c.out << fmt::format(
        "{} payout(s), {} closing to the cent; {} expected item(s); {} exception(s) ({} new)\n",
        r->payouts.size(), closing, r->expected.size(), r->output.match.exceptions.size(),
        r->new_exceptions);
    return 0;
  });

  auto& pid = ctx.Keep<std::string>();
  CLI::App* report = rec->add_subcommand("report", "Per-payout proof: lines, matches, residual");
  AddCommon(report, ctx);
  report->add_option("--payout", pid, "Only this payout id");
  ctx.OnRun(report, [&pid](CliContext& c) {
    auto done = OpenAndRun(c);
    if (!done) {
      return ReportError(c, done.error());
    }
    const ReconRun* r = &done->run;
    json::array out;
    for (const auto& p : r->payouts) {
      if (!pid.empty() && p.payout_id != pid) {
        continue;
      }
      auto rep = PayoutReportJson(*r, p.payout_id, SystemClock::Get().Now());
      if (rep) {
        out.push_back(*rep);
      }
    }
    if (!pid.empty() && out.empty()) {
      return ReportError(c,
                         Error(ErrorCode::kNotFound, fmt::format("no payout {}", pid), "--payout"));
    }
    if (c.format == OutputFormat::kJson) {
      c.out << json::serialize(json::object{{"payouts", out}}) << "\n";
      return 0;
    }
    for (const auto& v : out) {
      c.out << json::serialize(v) << "\n";
    }
    return 0;
  });

  auto& reason = ctx.Keep<std::string>();
  CLI::App* exc = rec->add_subcommand("exceptions", "Open settlement exceptions");
  AddCommon(exc, ctx);
  exc->add_option("--reason", reason, "Only this reason code (amount_mismatch, fee_mismatch, …)");
  ctx.OnRun(exc, [&reason](CliContext& c) {
    auto done = OpenAndRun(c);
    if (!done) {
      return ReportError(c, done.error());
    }
    auto conn = done->store->Connect();
    if (!conn) {
      return ReportError(c, conn.error());
    }
    reconcile::ExceptionQueue queue(**conn, SystemClock::Get(), {});
    reconcile::ExceptionFilter f;
    if (!reason.empty()) {
      auto rc = reconcile::ParseReason(reason);
      if (!rc) {
        return ReportError(c, Error(rc.error().code, rc.error().message, "--reason"));
      }
      f.reason = *rc;
    }
    auto list = queue.List(f);
    if (!list) {
      return ReportError(c, list.error());
    }
    json::array a;
    for (const auto& x : *list) {
      a.push_back(reconcile::ToJson(x));
    }
    if (c.format == OutputFormat::kJson) {
      c.out << json::serialize(json::object{{"items", a}}) << "\n";
      return 0;
    }
    for (const auto& x : *list) {
      c.out << fmt::format("{:<48} {:<22} {:>10} {}\n", x.id, reconcile::ReasonName(x.reason),
                           x.amount.ToDecimal(), x.message);
    }
    c.out << fmt::format("{} exception(s)\n", list->size());
    return 0;
  });

  auto& ro = ctx.Keep<ResolveOpts>();
  CLI::App* res = rec->add_subcommand("resolve", "Act on a settlement exception");
  AddCommon(res, ctx);
  res->add_option("id", ro.id, "Exception id")->required();
  res->add_option("--action", ro.action, "match, ignore, write-off or approve-write-off")
      ->required()
      ->check(CLI::IsMember({"match", "ignore", "write-off", "approve-write-off"}));
  res->add_option("--user", ro.user, "Who acts (audited); finance for write-offs")->required();
  res->add_option("--note", ro.note, "Why (audited)");
  res->add_option("--reference", ro.reference, "For match: the expected item's reference");
  ctx.OnRun(res, [&ro](CliContext& c) {
    auto st = OpenStore(c);
    if (!st) {
      return ReportError(c, st.error());
    }
    if (auto m = (*st)->Migrate(reconcile::ReconcileMigrations()); !m) {
      return ReportError(c, m.error());
    }
    auto conn = (*st)->Connect();
    if (!conn) {
      return ReportError(c, conn.error());
    }
    reconcile::ExceptionQueue queue(**conn, SystemClock::Get(), {});
    reconcile::Actor who{ro.user, {"finance"}};
    Status s = Ok();
    if (ro.action == "match" || ro.action == "ignore") {
      s = queue.Resolve(ro.id, who,
                        ro.action == "match" ? reconcile::ResolveAction::kMatch
                                             : reconcile::ResolveAction::kIgnore,
                        ro.reference, ro.note);
    } else if (ro.action == "write-off") {
      s = queue.RequestWriteOff(ro.id, who, ro.note);
    } else {
      auto draft = queue.ApproveWriteOff(ro.id, who);
      if (!draft) {
        return ReportError(c, draft.error());
      }
      // Posted through the journal here; with a hub running, approve through
      // the API instead so its in-memory balances see the entry at once.
      auto journal = ledger::Journal::Open(**st, ledger::DefaultChart());
      if (!journal) {
        return ReportError(c, journal.error());
      }
      auto posted = (*journal)->Post(*draft);
      if (!posted) {
        return ReportError(c, posted.error());
      }
      c.out << fmt::format("write-off approved; adjusting entry #{} {} posted\n", posted->entry_id,
                           draft->idempotency_key);
    }
    if (!s) {
      return ReportError(c, s.error());
    }
    c.out << fmt::format("{}: {} by {}\n", ro.id, ro.action, ro.user);
    return 0;
  });
}

}  // namespace hub::app
