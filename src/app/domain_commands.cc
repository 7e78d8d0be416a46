// `retailhub ledger|orders|inventory|identity …`: read the hub's state from a
// data directory (the same fold of the applied log that a running hub
// holds) and print it as a table or JSON.
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <filesystem>

#include "app/cli.h"
#include "app/commands.h"
#include "app/hub.h"
#include "app/views.h"
#include "identity/batch.h"

namespace hub::app {
namespace {

namespace json = boost::json;

Result<std::unique_ptr<Hub>> OpenHub(const CliContext& ctx) {
  HUB_TRY_STATUS(ExistingDatabase(ctx));
  HUB_TRY(Config cfg, ResolveConfig(ctx));
  return Hub::Open(cfg, SystemClock::Get());
}

void AddCommon(CLI::App* c, CliContext& ctx) {
  AddDataOption(*c, ctx);
  AddConfigOption(*c, ctx);
  AddFormatOption(*c, ctx);
}

void PrintTrialBalance(CliContext& c, const json::object& tb) {
  if (c.format == OutputFormat::kJson) {
    c.out << json::serialize(tb) << "\n";
    return;
  }
  c.out << fmt::format("Trial balance as of {}\n", std::string(tb.at("as_of").as_string()));
  c.out << fmt::format("{:<8} {:<28} {:<4} {:>14} {:>14} {:>14}\n", "ACCOUNT", "NAME", "CUR",
                       "DEBIT", "CREDIT", "BALANCE");
  for (const auto& a : tb.at("accounts").as_array()) {
    const auto& o = a.as_object();
    auto s = [&](const char* k) { return std::string(o.at(k).as_string()); };
    c.out << fmt::format("{:<8} {:<28} {:<4} {:>14} {:>14} {:>14}\n", s("account"), s("name"),
                         s("currency"), s("debit"), s("credit"), s("balance"));
  }
}

void PrintEntries(CliContext& c, const std::vector<ledger::StoredEntry>& entries) {
  if (c.format == OutputFormat::kJson) {
    json::array a;
    for (const auto& e : entries) {
      a.push_back(EntryJson(e));
    }
    c.out << json::serialize(json::object{{"entries", a}}) << "\n";
    return;
  }
  for (const auto& e : entries) {
    const auto& d = e.draft;
    c.out << fmt::format("#{} {} {} [{}] {}\n", e.id, FormatRfc3339(d.effective_at),
                         d.idempotency_key, d.event_type, d.description);
    c.out << fmt::format("    source {} {} · message {} · correlation {}\n", d.source_system,
                         d.source_id, d.message_id, d.correlation_id);
    for (const auto& p : d.postings) {
      const bool debit = p.amount.minor_units() >= 0;
      const Money abs(debit ? p.amount.minor_units() : -p.amount.minor_units(),
                      p.amount.currency());
      c.out << fmt::format("    {:<6} {:>12} {:>12} {} {}\n", p.account,
                           debit ? abs.ToDecimal() : "", debit ? "" : abs.ToDecimal(),
                           p.amount.currency().code(), p.memo);
    }
  }
  c.out << fmt::format("{} entr{}\n", entries.size(), entries.size() == 1 ? "y" : "ies");
}

void PrintOrder(CliContext& c, const json::object& o) {
  if (c.format == OutputFormat::kJson) {
    c.out << json::serialize(o) << "\n";
    return;
  }
  auto s = [&](const char* k) {
    const auto& v = o.at(k);
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  };
  c.out << fmt::format("Order {} ({}) · {} · {} · {} at {} · total {} {}\n", s("order_id"),
                       s("order_number"), s("status"), s("channel"), s("fulfillment_method"),
                       s("location"), s("total"), s("currency"));
  c.out << "Timeline:\n";
  for (const auto& t : o.at("timeline").as_array()) {
    const auto& x = t.as_object();
    c.out << fmt::format("  {:<22} {:<22} {:<8} {:<28} correlation {}\n",
                         std::string(x.at("at").as_string()), std::string(x.at("type").as_string()),
                         std::string(x.at("source").as_string()),
                         std::string(x.at("source_id").as_string()),
                         std::string(x.at("correlation_id").as_string()));
  }
}

}  // namespace

void RegisterDomainCommands(CLI::App& app, CliContext& ctx) {
  // ledger
  CLI::App* ledger = app.add_subcommand("ledger", "The journal: trial balance and entries");
  ledger->require_subcommand(1);
  auto& as_of = ctx.Keep<std::string>();
  CLI::App* tb = ledger->add_subcommand("trial-balance", "Debit, credit and balance per account");
  AddCommon(tb, ctx);
  tb->add_option("--as-of", as_of, "Entries effective at or before this RFC 3339 time");
  ctx.OnRun(tb, [&as_of](CliContext& c) {
    std::optional<Instant> t;
    if (!as_of.empty()) {
      auto p = ParseRfc3339(as_of);
      if (!p) {
        return ReportError(c, Error(p.error().code, p.error().message, "--as-of"));
      }
      t = *p;
    }
    auto hub = OpenHub(c);
    if (!hub) {
      return ReportError(c, hub.error());
    }
    std::lock_guard l((*hub)->finance().mu);
    PrintTrialBalance(c, TrialBalanceJson(*(*hub)->finance().journal, t, SystemClock::Get().Now()));
    return 0;
  });

  auto& filter = ctx.Keep<ledger::EntryFilter>();
  CLI::App* entries = ledger->add_subcommand("entries", "Journal entries with their lineage");
  AddCommon(entries, ctx);
  auto* by = entries->add_option_group("filter", "Select entries by one of");
  by->add_option("--order", filter.order_id, "Canonical order id");
  by->add_option("--correlation", filter.correlation_id, "Correlation id of the source message");
  by->add_option("--account", filter.account, "Account code (e.g. 2300)");
  ctx.OnRun(entries, [&filter](CliContext& c) {
    auto hub = OpenHub(c);
    if (!hub) {
      return ReportError(c, hub.error());
    }
    std::lock_guard l((*hub)->finance().mu);
    auto r = (*hub)->finance().journal->Entries(filter);
    if (!r) {
      return ReportError(c, r.error());
    }
    PrintEntries(c, *r);
    return 0;
  });

  // orders
  CLI::App* orders = app.add_subcommand("orders", "Order lifecycle");
  orders->require_subcommand(1);
  auto& oid = ctx.Keep<std::string>();
  CLI::App* show = orders->add_subcommand("show", "An order's state and timeline");
  AddCommon(show, ctx);
  show->add_option("id", oid, "Canonical order id (as printed by `retailhub demo`)")->required();
  ctx.OnRun(show, [&oid](CliContext& c) {
    auto hub = OpenHub(c);
    if (!hub) {
      return ReportError(c, hub.error());
    }
    std::lock_guard l((*hub)->finance().mu);
    auto o = OrderJson((*hub)->finance().book, oid);
    if (!o) {
      return ReportError(c, o.error());
    }
    PrintOrder(c, *o);
    return 0;
  });

  // inventory
  CLI::App* inv = app.add_subcommand("inventory", "Availability per SKU and location");
  inv->require_subcommand(1);
  auto& sku = ctx.Keep<std::string>();
  auto& loc = ctx.Keep<std::string>();
  CLI::App* ishow = inv->add_subcommand("show", "On hand, reserved and available for a SKU");
  AddCommon(ishow, ctx);
  ishow->add_option("sku", sku, "SKU")->required();
  ishow->add_option("--location", loc, "Only this location");
  ctx.OnRun(ishow, [&sku, &loc](CliContext& c) {
    auto hub = OpenHub(c);
    if (!hub) {
      return ReportError(c, hub.error());
    }
    std::lock_guard l((*hub)->inventory().mu);
    auto a = AvailabilityJson((*hub)->inventory().availability, sku, loc);
    if (c.format == OutputFormat::kJson) {
      c.out << json::serialize(json::object{{"sku", sku}, {"locations", a}}) << "\n";
      return 0;
    }
    c.out << fmt::format("{:<12} {:<10} {:>8} {:>9} {:>10}\n", "SKU", "LOCATION", "ON HAND",
                         "RESERVED", "AVAILABLE");
    for (const auto& x : a) {
      const auto& o = x.as_object();
      c.out << fmt::format("{:<12} {:<10} {:>8} {:>9} {:>10}\n",
                           std::string(o.at("sku").as_string()),
                           std::string(o.at("location").as_string()), o.at("on_hand").as_int64(),
                           o.at("reserved").as_int64(), o.at("available").as_int64());
    }
    return 0;
  });

  // identity
  CLI::App* ident = app.add_subcommand("identity", "Customer identity resolution");
  ident->require_subcommand(1);
  auto& ro = ctx.Keep<identity::ResolveOptions>();
  auto& maps = ctx.Keep<std::vector<std::string>>();
  CLI::App* resolve = ident->add_subcommand(
      "resolve", "Resolve a CSV of customer records to clusters (record_id,cluster_id)");
  resolve->add_option("--input", ro.input, "CSV file with a header row")->required();
  resolve->add_option("--id-column", ro.id_column, "Column holding the record id")->required();
  resolve->add_option("--map", maps, "SRC=FIELD pairs, comma separated")->delimiter(',');
  resolve->add_option("--output", ro.output, "Where to write record_id,cluster_id")->required();
  resolve->add_option("--region", ro.default_region, "Default phone region (ISO 3166, US)");
  AddConfigOption(*resolve, ctx);
  ctx.OnRun(resolve, [&ro, &maps](CliContext& c) {
    ro.map.clear();
    for (const auto& m : maps) {
      const auto eq = m.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
        return ReportError(c, Error(ErrorCode::kInvalidArgument,
                                    fmt::format("--map \"{}\" is not SRC=FIELD", m), "--map"));
      }
      ro.map.emplace_back(m.substr(0, eq), m.substr(eq + 1));
    }
    ro.progress = ::isatty(STDERR_FILENO) != 0;
    return identity::RunResolve(ro, c.out, c.err);
  });
}

}  // namespace hub::app
