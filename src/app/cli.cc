// The `retailhub` command frame: CLI11 setup, exit-code mapping, config resolution and the
// serve, config and version commands. Subcommands run from handlers looked up after parsing
// (not CLI11 callbacks, which run before --help is processed). Not thread-safe: one run each.
#include "app/cli.h"
#include "app/commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <system_error>

#include "app/serve.h"

namespace hub::app {
namespace {

#ifdef HUB_VERSION
constexpr std::string_view kVersion = HUB_VERSION;
#else
constexpr std::string_view kVersion = "0.1.0";
#endif

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

using Registrar = void (*)(CLI::App&, CliContext&);
// Every area's commands, in the order `retailhub --help` lists them. Add a line per area.
constexpr Registrar kRegistrars[] = {
    RegisterServeCommands, RegisterConfigCommands, RegisterVersionCommands,
    RegisterBusCommands,   RegisterIngestCommands, RegisterDomainCommands,
    RegisterDemoCommands,  RegisterKeysCommands,   RegisterReconcileCommands,
};

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t eq = text.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  return env;
}

// Names the offending word first: CLI11 reports a stray word ("retailhub frob") as "a
// subcommand is required", which hides the typo. Then the usage of the command at hand.
std::string UsageFailure(const CLI::App* app, const CLI::Error& e) {
  const std::vector<std::string> extra = app->remaining(true);
  const std::string problem =
      extra.empty() ? std::string(e.what())
                    : fmt::format("unknown subcommand or argument: {}", extra.front());
  return fmt::format("error: {}\n{}", problem, app->help());
}

}  // namespace

std::string_view Version() { return kVersion; }

CliContext::CliContext(std::ostream& out_stream, std::ostream& err_stream,
                       std::map<std::string, std::string> environment)
    : out(out_stream), err(err_stream), env(std::move(environment)), run_serve(RunServe) {}

void CliContext::OnRun(const CLI::App* command, Handler handler) {
  handlers_[command] = std::move(handler);
}

const CliContext::Handler* CliContext::Selected(const CLI::App& app) const {
  const CLI::App* current = &app;
  for (std::vector<CLI::App*> chosen = current->get_subcommands(); !chosen.empty();
       chosen = current->get_subcommands()) {
    current = chosen.front();
  }
  const auto it = handlers_.find(current);
  return it == handlers_.end() ? nullptr : &it->second;
}

void AddConfigOption(CLI::App& command, CliContext& ctx) {
  command
      .add_option("--config", ctx.config_file,
                  fmt::format("Config file (default: {} if present, else built-in defaults)",
                              ctx.default_config_file.string()))
      ->type_name("FILE");
}

void AddDataOption(CLI::App& command, CliContext& ctx) {
  command.add_option("--data", ctx.data_dir, "Data directory (overrides store.data_dir)")
      ->type_name("DIR");
}

void AddFormatOption(CLI::App& command, CliContext& ctx) {
  const CLI::Validator table_or_json(
      [](const std::string& value) -> std::string {
        return value == "table" || value == "json"
                   ? std::string{}
                   : fmt::format("must be table or json, got \"{}\"", value);
      },
      "");
  command
      .add_option_function<std::string>(
          "--format",
          [&ctx](const std::string& value) {
            ctx.format = value == "json" ? OutputFormat::kJson : OutputFormat::kTable;
          },
          "Output format (default: table)")
      ->check(table_or_json)
      ->type_name("table|json");
}

Result<Config> ResolveConfig(const CliContext& ctx) {
  Config config;
  std::error_code ec;
  if (!ctx.config_file.empty()) {
    HUB_TRY(config, LoadConfig(ctx.config_file));
  } else if (std::filesystem::exists(ctx.default_config_file, ec)) {
    HUB_TRY(config, LoadConfig(ctx.default_config_file));
  }
  HUB_TRY_STATUS(ApplyEnvOverrides(config, ctx.env));
  if (!ctx.data_dir.empty()) {
    config.store.data_dir = ctx.data_dir;
  }
  HUB_TRY_STATUS(ValidateConfig(config));
  return config;
}

Result<std::filesystem::path> ExistingDatabase(const CliContext& ctx) {
  HUB_TRY(Config cfg, ResolveConfig(ctx));
  auto db = DatabasePath(cfg.store.data_dir);
  if (!std::filesystem::exists(db)) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("no RetailHub data in {}; pass --data DIR (for example the folder "
                            "`retailhub demo` printed)",
                            cfg.store.data_dir),
                "data");
  }
  return db;
}

int ReportError(CliContext& ctx, const Error& error) {
  ctx.err << "error: " << error.message << "\n";
  return kExitFailed;
}

void RegisterServeCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP API and the domain workers");
  AddConfigOption(*serve, ctx);
  AddDataOption(*serve, ctx);
  std::string& listen = ctx.Keep<std::string>();
  serve->add_option("--listen", listen, "HOST:PORT to listen on (overrides server.listen)")
      ->type_name("HOST:PORT");
  ctx.OnRun(serve, [&listen](CliContext& c) {
    Result<Config> config = ResolveConfig(c);
    if (!config) {
      return ReportError(c, config.error());
    }
    if (!listen.empty()) {
      config->server.listen = listen;
      if (Status valid = ValidateConfig(*config); !valid) {
        c.err << "error: --listen: " << valid.error().message << "\n";
        return kExitUsage;  // a bad flag value is a usage error
      }
    }
    return c.run_serve(*config);
  });
}

void RegisterConfigCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* config = app.add_subcommand("config", "Check configuration");
  config->require_subcommand(1);
  CLI::App* check = config->add_subcommand(
      "check", "Parse and validate a config file; errors name the key and line");
  std::string& file = ctx.Keep<std::string>();
  check->add_option("FILE", file,
                    fmt::format("Config file (default: {})", ctx.default_config_file.string()));
  ctx.OnRun(check, [&file](CliContext& c) {
    const std::filesystem::path path =
        file.empty() ? c.default_config_file : std::filesystem::path(file);
    if (Result<Config> loaded = LoadConfig(path); !loaded) {
      return ReportError(c, loaded.error());
    }
    c.out << "config OK: " << path.string() << "\n";
    return kExitOk;
  });
}

void RegisterVersionCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* version = app.add_subcommand("version", "Print the version");
  AddFormatOption(*version, ctx);
  ctx.OnRun(version, [](CliContext& c) {
    if (c.format == OutputFormat::kJson) {
      c.out << fmt::format("{{\"version\":\"{}\"}}\n", kVersion);
    } else {
      c.out << "retailhub " << kVersion << "\n";
    }
    return kExitOk;
  });
}

int RunCli(int argc, char** argv, CliContext& ctx) {
  CLI::App app{"RetailHub: retail integration hub", "retailhub"};
  app.require_subcommand(1);
  app.failure_message(UsageFailure);  // usage on every parse error
  for (const Registrar registrar : kRegistrars) {
    registrar(app, ctx);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 exits 0 for --help and 105..127 for errors; scripts only need "usage error".
    return app.exit(e, ctx.out, ctx.err) == kExitOk ? kExitOk : kExitUsage;
  }
  const CliContext::Handler* handler = ctx.Selected(app);
  if (handler == nullptr) {
    ctx.err << app.help();  // a command group without a handler; require_subcommand covers it
    return kExitUsage;
  }
  return (*handler)(ctx);
}

int RunCli(int argc, char** argv) {
  CliContext ctx(std::cout, std::cerr, ProcessEnvironment());
  return RunCli(argc, argv, ctx);
}

}  // namespace hub::app
