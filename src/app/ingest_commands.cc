// `retailhub ingest` (files into the same inbox, same dedup) and
// `retailhub translate` (print canonical events; touches no state).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/cli.h"
#include "app/commands.h"
#include "app/connectors.h"
#include "app/file_ingest.h"
#include "app/test_source.h"
#include "bus/bus.h"
#include "connectors/connector.h"
#include "store/store.h"

namespace hub::app {
namespace {

struct FileOpts {
  std::string source, account, topic;
  std::vector<std::string> files;
};

}  // namespace

void RegisterIngestCommands(CLI::App& app, CliContext& ctx) {
  auto& io = ctx.Keep<FileOpts>();
  CLI::App* ingest = app.add_subcommand(
      "ingest", "Store files (payout reports, exports, API pages) in the inbox, like webhooks");
  AddDataOption(*ingest, ctx);
  AddConfigOption(*ingest, ctx);
  AddFormatOption(*ingest, ctx);
  ingest->add_option("--source", io.source, "Connector: shopify, stripe, square, adyen, csv, …")
      ->required();
  ingest->add_option("--account", io.account, "Source account (default: \"files\")");
  ingest->add_option("--topic", io.topic,
                     "Topic, when the file does not say (payouts, a csv profile, …)");
  ingest->add_option("files", io.files, "Files to ingest")->required()->check(CLI::ExistingFile);
  ctx.OnRun(ingest, [&io](CliContext& c) {
    auto cfg = ResolveConfig(c);
    if (!cfg) {
      return ReportError(c, cfg.error());
    }
    auto registry = ConnectorRegistryFor(*cfg);
    (void)registry.Add(MakeTestConnector());
    const Connector* conn = registry.Find(io.source);
    if (conn == nullptr) {
      return ReportError(c, Error(ErrorCode::kInvalidArgument,
                                  fmt::format("unknown source \"{}\"", io.source), "--source"));
    }
    std::filesystem::create_directories(cfg->store.data_dir);
    const auto db = DatabasePath(cfg->store.data_dir);
    auto store = store::OpenSqliteStore({.path = db.string()});
    if (!store) {
      return ReportError(c, store.error());
    }
    if (auto st = (*store)->Migrate(bus::Operations::Migrations()); !st) {
      return ReportError(c, st.error());
    }
    auto sconn = (*store)->Connect();
    if (!sconn) {
      return ReportError(c, sconn.error());
    }
    bus::Operations ops(**sconn, SystemClock::Get());
    int rc = 0;
    for (const auto& file : io.files) {
      auto r =
          IngestFile([&ops](bus::RawMessage m) { return ops.Append(std::move(m)); }, *conn, file,
                     io.account.empty() ? "files" : io.account, io.topic, SystemClock::Get());
      if (!r) {
        c.err << fmt::format("error: {}: {}\n", file, r.error().ToString());
        rc = 1;
        continue;
      }
      c.out << fmt::format("{}: {} {} ({})\n", file, r->duplicate ? "duplicate of" : "stored as",
                           r->message_id, r->note);
      if (!r->note.empty() && r->quarantined) {
        rc = 1;
      }
    }
    return rc;
  });

  auto& to = ctx.Keep<FileOpts>();
  CLI::App* translate = app.add_subcommand(
      "translate", "Print the canonical events of a payload as JSON lines; changes nothing");
  AddConfigOption(*translate, ctx);  // csv reads its profiles from the config
  translate->add_option("--source", to.source, "Connector: shopify, stripe, square, adyen, csv, …")
      ->required();
  translate->add_option("--topic", to.topic,
                        "Topic (orders/create, charge.succeeded, a csv profile, …)");
  translate->add_option("--account", to.account, "Source account (default: \"files\")");
  translate->add_option("files", to.files, "Payload file")->required()->check(CLI::ExistingFile);
  ctx.OnRun(translate, [&to](CliContext& c) {
    auto cfg = ResolveConfig(c);
    if (!cfg) {
      return ReportError(c, cfg.error());
    }
    auto registry = ConnectorRegistryFor(*cfg);
    (void)registry.Add(MakeTestConnector());
    const Connector* conn = registry.Find(to.source);
    if (conn == nullptr) {
      return ReportError(c, Error(ErrorCode::kInvalidArgument,
                                  fmt::format("unknown source \"{}\"", to.source), "--source"));
    }
    int rc = 0;
    for (const auto& file : to.files) {
      auto d = ReadDelivery(file, to.source, to.account.empty() ? "files" : to.account, to.topic,
                            SystemClock::Get());
      if (!d) {
        c.err << fmt::format("error: {}: {}\n", file, d.error().ToString());
        rc = 1;
        continue;
      }
      auto events = conn->Translate(*d);
      if (!events) {
        c.err << fmt::format("error: {}: {}\n", file, events.error().ToString());
        rc = 1;
        continue;
      }
      for (const Event& e : *events) {
        c.out << EventToJson(e) << "\n";
      }
    }
    return rc;
  });
}

}  // namespace hub::app
