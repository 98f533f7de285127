// The `aio` command line: flags, the single-dash spellings of the seed (`aio -config ./conf`,
// `aio -version`) and the exit codes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aio::server {

// Exit codes of `aio`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // runtime failure: store cannot open, port taken, ...
inline constexpr int kExitConfigError = 2;  // bad command line or config

struct CommandLine {
  std::string config_path;  // "" = built-in defaults (plus AIO_* environment overrides)
  bool print_config = false;
};

// Rewrites the seed's single-dash long options (-config, -config=PATH, -version, -help,
// -print-config) to CLI11's double-dash form. args[0] is the program name.
std::vector<std::string> NormalizeArgs(std::vector<std::string> args);

// Parses `args` (args[0] is the program name). For --help, --version or a usage error, prints
// the answer and returns nullopt with `exit_code` set (0 or kExitConfigError).
std::optional<CommandLine> ParseCommandLine(std::vector<std::string> args, int* exit_code);

}  // namespace aio::server
