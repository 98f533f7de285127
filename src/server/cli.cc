#include "server/cli.h"

#include <algorithm>
#include <utility>

#include "CLI/CLI.hpp"
#include "base/version.h"

namespace aio::server {

std::vector<std::string> NormalizeArgs(std::vector<std::string> args) {
  static constexpr std::string_view kLongOptions[] = {"config", "version", "help", "print-config"};
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') continue;
    const std::string_view name = std::string_view(arg).substr(1, arg.find('=') - 1);
    if (std::find(std::begin(kLongOptions), std::end(kLongOptions), name) !=
        std::end(kLongOptions)) {
      arg.insert(0, "-");
    }
  }
  return args;
}

std::optional<CommandLine> ParseCommandLine(std::vector<std::string> args, int* exit_code) {
  CommandLine command_line;
  CLI::App app("AIO: all-in-one infrastructure server (etcd v3 API on an embedded store)", "aio");
  app.add_option("-c,--config", command_line.config_path,
                 "config directory holding aio.yaml, or a YAML file (default: built-in defaults; "
                 "AIO_<SECTION>_<KEY> environment variables override either)");
  app.add_flag("--print-config", command_line.print_config,
               "print the effective configuration as YAML and exit");
  app.set_version_flag("-v,--version", "aio " + std::string(base::kVersion));

  args = NormalizeArgs(std::move(args));
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    *exit_code = code == 0 ? kExitOk : kExitConfigError;
    return std::nullopt;
  }
  return command_line;
}

}  // namespace aio::server
