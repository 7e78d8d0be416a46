#include "app/cli.h"

#include <CLI/CLI.hpp>

namespace hub::app {

int RunCli(int argc, char** argv) {
  CLI::App app{"RetailHub: retail integration hub"};
  app.require_subcommand(1);
  app.add_subcommand("version", "Print the version");
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace hub::app
