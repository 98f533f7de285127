// The SCAN family's shared arguments and reply (https://redis.io/commands/scan/): SCAN's
// [MATCH pattern] [COUNT count] [TYPE type] and HSCAN/SSCAN/ZSCAN's [MATCH pattern] [COUNT count],
// and the [cursor, [elements...]] reply they all write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cache/command.h"

namespace aio::cache {

struct ScanArgs {
  std::string_view pattern;  // empty: every element matches
  int64_t count = 10;
  std::string_view type;  // SCAN's TYPE; empty: any type

  // True when `text` passes MATCH.
  bool Matches(std::string_view text) const { return pattern.empty() || GlobMatch(pattern, text); }
};

// Which options a command accepts beyond MATCH and COUNT (COUNT < 1 is a syntax error for all,
// as Redis's scanGenericCommand).
struct ScanRules {
  bool type = false;  // TYPE (SCAN)
};

// Parses the option pairs at args[first..] into *out. Replies kSyntax (or kNotInteger for a
// non-integer COUNT) and returns false on a bad option.
bool ParseScanArgs(CommandContext& ctx, size_t first, ScanRules rules, ScanArgs* out);

// Writes the head of a SCAN-family reply: the cursor, then an array of `elements` the caller
// writes next.
void ReplyScanHead(CommandContext& ctx, std::string_view cursor, size_t elements);

}  // namespace aio::cache
