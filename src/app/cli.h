// The `retailhub` command line: parses arguments and dispatches subcommands.
// Returns the process exit code: 0 success, 1 operation failed, 2 usage error.
#pragma once

namespace hub::app {

int RunCli(int argc, char** argv);

}  // namespace hub::app
