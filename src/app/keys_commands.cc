// `retailhub keys create|list|revoke`: API keys for the REST API v1 (see
// api/v1/auth.h). Works on the data directory directly; a running hub sees a
// new or revoked key on the next request. The secret is printed once, to
// stdout, and nowhere else. Not thread-safe (one command per process).
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <system_error>

#include "api/v1/auth.h"
#include "app/cli.h"
#include "app/commands.h"
#include "bus/bus.h"
#include "store/store.h"

namespace hub::app {

namespace {

// The store with the keys and audit tables, creating the database when absent
// (keys may be made before the first `serve`).
Result<std::unique_ptr<store::Store>> OpenKeysStore(const CliContext& ctx) {
  HUB_TRY(Config cfg, ResolveConfig(ctx));
  std::error_code ec;
  std::filesystem::create_directories(cfg.store.data_dir, ec);
  if (ec) {
    return Fail(
        ErrorCode::kIo,
        fmt::format("cannot create data directory {}: {}", cfg.store.data_dir, ec.message()),
        "data");
  }
  const auto db = DatabasePath(cfg.store.data_dir);
  HUB_TRY(auto st, store::OpenSqliteStore({.path = db.string()}));
  HUB_TRY_STATUS(st->Migrate(bus::Operations::Migrations()));
  HUB_TRY_STATUS(st->Migrate(api::v1::Migrations()));
  return st;
}

std::string CliActor(const CliContext& ctx) {
  auto it = ctx.env.find("USER");
  return it == ctx.env.end() || it->second.empty() ? "cli" : "cli:" + it->second;
}

struct CreateOpts {
  std::string role, label;
};

void AddCreate(CLI::App* keys, CliContext& ctx) {
  auto& o = ctx.Keep<CreateOpts>();
  CLI::App* create = keys->add_subcommand("create", "Create a key; its secret is printed once");
  AddDataOption(*create, ctx);
  AddConfigOption(*create, ctx);
  create->add_option("--role", o.role, "admin, finance, steward, viewer or ingest")->required();
  create->add_option("--label", o.label, "Who or what uses the key (shown in the audit log)");
  ctx.OnRun(create, [&o](CliContext& c) {
    auto role = api::v1::ParseRole(o.role);
    if (!role) {
      return ReportError(c, role.error());
    }
    auto st = OpenKeysStore(c);
    if (!st) {
      return ReportError(c, st.error());
    }
    api::v1::Auth auth(**st, SystemClock::Get());
    auto secret = auth.CreateKey(*role, o.label, CliActor(c));
    if (!secret) {
      return ReportError(c, secret.error());
    }
    c.out << *secret << "\n";
    c.err << fmt::format("key {} ({}) created: store the secret now, it is not shown again\n",
                         api::v1::KeyIdOf(*secret), o.role);
    return 0;
  });
}

void AddList(CLI::App* keys, CliContext& ctx) {
  CLI::App* list = keys->add_subcommand("list", "List keys (never their secrets)");
  AddDataOption(*list, ctx);
  AddConfigOption(*list, ctx);
  AddFormatOption(*list, ctx);
  ctx.OnRun(list, [](CliContext& c) {
    auto st = OpenKeysStore(c);
    if (!st) {
      return ReportError(c, st.error());
    }
    api::v1::Auth auth(**st, SystemClock::Get());
    auto listed = auth.List();
    if (!listed) {
      return ReportError(c, listed.error());
    }
    if (c.format == OutputFormat::kJson) {
      boost::json::array a;
      for (const auto& k : *listed) {
        a.push_back(boost::json::object{
            {"id", k.id},
            {"role", api::v1::RoleName(k.role)},
            {"label", k.label},
            {"created_by", k.created_by},
            {"created_at", FormatRfc3339(k.created_at)},
            {"revoked_at", k.revoked_at ? boost::json::value(FormatRfc3339(*k.revoked_at))
                                        : boost::json::value(nullptr)}});
      }
      c.out << boost::json::serialize(boost::json::object{{"items", a}}) << "\n";
      return 0;
    }
    c.out << fmt::format("{:<10} {:<8} {:<24} {:<22} {}\n", "ID", "ROLE", "LABEL", "CREATED",
                         "REVOKED");
    for (const auto& k : *listed) {
      c.out << fmt::format("{:<10} {:<8} {:<24} {:<22} {}\n", k.id, api::v1::RoleName(k.role),
                           k.label, FormatRfc3339(k.created_at),
                           k.revoked_at ? FormatRfc3339(*k.revoked_at) : "-");
    }
    return 0;
  });
}

void AddRevoke(CLI::App* keys, CliContext& ctx) {
  auto& id = ctx.Keep<std::string>();
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key: it stops working at once");
  AddDataOption(*revoke, ctx);
  AddConfigOption(*revoke, ctx);
  revoke->add_option("id", id, "Key id (as in `keys list`)")->required();
  ctx.OnRun(revoke, [&id](CliContext& c) {
    auto st = OpenKeysStore(c);
    if (!st) {
      return ReportError(c, st.error());
    }
    api::v1::Auth auth(**st, SystemClock::Get());
    auto done = auth.Revoke(id, CliActor(c));
    if (!done) {
      return ReportError(c, done.error());
    }
    c.out << fmt::format("key {} revoked\n", id);
    return 0;
  });
}

}  // namespace

void RegisterKeysCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* keys = app.add_subcommand("keys", "API keys for the REST API");
  keys->require_subcommand(1);
  AddCreate(keys, ctx);
  AddList(keys, ctx);
  AddRevoke(keys, ctx);
}

}  // namespace hub::app
