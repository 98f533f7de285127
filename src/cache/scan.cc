#include "cache/scan.h"

namespace aio::cache {

bool ParseScanArgs(CommandContext& ctx, size_t first, ScanRules rules, ScanArgs* out) {
  for (size_t i = first; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
    if (EqualsIgnoreCase(ctx.arg(i), "match")) {
      out->pattern = ctx.arg(i + 1);
    } else if (EqualsIgnoreCase(ctx.arg(i), "count")) {
      if (!ctx.IntArg(i + 1, &out->count)) return false;
      if (out->count < 1) {
        ctx.rb.Error(errors::kSyntax);
        return false;
      }
    } else if (rules.type && EqualsIgnoreCase(ctx.arg(i), "type")) {
      out->type = ctx.arg(i + 1);
    } else {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyScanHead(CommandContext& ctx, std::string_view cursor, size_t elements) {
  ctx.rb.Array(2);
  ctx.rb.Bulk(cursor);
  ctx.rb.Array(static_cast<int64_t>(elements));
}

}  // namespace aio::cache
