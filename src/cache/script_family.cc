// EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT (https://redis.io/commands/eval/, /commands/script/):
// the requests of Redis 7.0's Lua scripting; the engine is scripting.h.
#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {

void ScriptFamily::Eval(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  ctx.cache.scripts().Eval(ctx, /*by_sha=*/name.starts_with("evalsha"),
                           /*read_only=*/name.ends_with("_ro"));
}

void ScriptFamily::Script(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  ScriptEngine& scripts = ctx.cache.scripts();
  if (sub == "load" && ctx.argc() == 3) {
    absl::StatusOr<std::string> sha = scripts.Load(ctx.arg(2));
    if (!sha.ok()) return ctx.rb.Error(std::string(sha.status().message()));
    ctx.rb.Bulk(*sha);
  } else if (sub == "exists" && ctx.argc() >= 3) {
    ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) ctx.rb.Int(scripts.Exists(ctx.arg(i)) ? 1 : 0);
  } else if (sub == "flush" && ctx.argc() <= 3) {
    if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
        !EqualsIgnoreCase(ctx.arg(2), "async")) {
      return ctx.rb.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    scripts.Flush();
    ctx.rb.Ok();
  } else if (sub == "flush") {
    ctx.rb.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  } else if (sub == "kill" && ctx.argc() == 2) {
    const std::string error = scripts.Kill();
    if (!error.empty()) return ctx.rb.Error(error);
    ctx.rb.Ok();
  } else if (sub == "help" && ctx.argc() == 2) {
    static constexpr std::string_view kHelp[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help."};
    ctx.rb.Array(std::size(kHelp));
    for (std::string_view line : kHelp) ctx.rb.Simple(line);
  } else if (sub == "load" || sub == "exists" || sub == "kill" || sub == "help") {
    ctx.rb.Error(ArityError("script|" + sub));
  } else {
    ctx.rb.Error(UnknownSubcommand("script", ctx.arg(1)));
  }
}

}  // namespace aio::cache
