// The `retailhub` command line: parses arguments and dispatches subcommands.
// Returns the process exit code: 0 success, 1 operation failed, 2 usage error (every CLI11
// parse error; --help is 0). Each area registers its subcommands with a
// `void Register<Area>Commands(CLI::App&, CliContext&)` listed in kRegistrars in cli.cc.
// Not here: the work itself (serve.h, the modules). One CliContext per run; not thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "core/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace hub::app {

// "retailhub <kVersion>"; HUB_VERSION (a compile definition) wins when set.
std::string_view Version();

enum class OutputFormat { kTable, kJson };

// What a command needs besides its own options: streams, environment, the shared options
// (--config, --data, --format) and the handler of each subcommand. Tests build one with
// string streams, a fixed environment and a fake serve.
class CliContext {
 public:
  using Handler = std::function<int(CliContext&)>;

  CliContext(std::ostream& out, std::ostream& err, std::map<std::string, std::string> env);

  std::ostream& out;  // results (tables, JSON) go here
  std::ostream& err;  // errors and usage go here
  // The process environment (RETAILHUB_* overrides); injected so tests do not setenv.
  std::map<std::string, std::string> env;
  // Used when --config is absent and this file exists; else built-in defaults apply.
  std::filesystem::path default_config_file = "config/retailhub.toml";
  // `serve` hands the resolved config to this: RunServe in production, a fake in tests.
  std::function<int(const Config&)> run_serve;

  // Shared options, bound by AddConfigOption & co; one subcommand runs per process, so every
  // subcommand can bind the same fields.
  std::string config_file;  // --config FILE
  std::string data_dir;     // --data DIR: overrides store.data_dir
  OutputFormat format = OutputFormat::kTable;

  // Runs `handler` when `command` is the subcommand selected on the command line.
  void OnRun(const CLI::App* command, Handler handler);
  // The handler of the deepest selected subcommand of `app`; nullptr if it has none.
  const Handler* Selected(const CLI::App& app) const;

  // Storage for command-specific option values: CLI11 binds options to addresses that must
  // outlive parsing. `auto& opts = ctx.Keep<ServeOptions>();`
  template <typename T>
  T& Keep() {
    auto holder = std::make_unique<Holder<T>>();
    T& value = holder->value;
    kept_.push_back(std::move(holder));
    return value;
  }

 private:
  struct HolderBase {
    virtual ~HolderBase() = default;
  };
  template <typename T>
  struct Holder final : HolderBase {
    T value{};
  };
  std::map<const CLI::App*, Handler> handlers_;
  std::vector<std::unique_ptr<HolderBase>> kept_;
};

// Shared options for a subcommand; each binds the CliContext field of the same name.
void AddConfigOption(CLI::App& command, CliContext& ctx);  // --config FILE
void AddDataOption(CLI::App& command, CliContext& ctx);    // --data DIR
void AddFormatOption(CLI::App& command, CliContext& ctx);  // --format table|json

// The effective config: --config FILE, else ctx.default_config_file if it exists, else
// built-in defaults; then RETAILHUB_* overrides; then --data. Validated.
[[nodiscard]] Result<Config> ResolveConfig(const CliContext& ctx);

// The database of the resolved data directory, which must already hold
// RetailHub data (commands that read state); kNotFound naming the directory.
[[nodiscard]] Result<std::filesystem::path> ExistingDatabase(const CliContext& ctx);

// Prints "error: <message>" to ctx.err and returns 1: the usual end of a failed command.
int ReportError(CliContext& ctx, const Error& error);

// One per area; more areas register in commands.h (ingest, dlq, ledger, reconcile, …).
void RegisterServeCommands(CLI::App& app, CliContext& ctx);
void RegisterConfigCommands(CLI::App& app, CliContext& ctx);
void RegisterVersionCommands(CLI::App& app, CliContext& ctx);

// Parses argv (argv[0] is the program name) and runs the selected subcommand.
int RunCli(int argc, char** argv, CliContext& ctx);
// The same with std::cout, std::cerr, the process environment and RunServe.
int RunCli(int argc, char** argv);

}  // namespace hub::app
