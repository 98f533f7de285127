// COMMAND [COUNT | INFO [name ...] | DOCS [name ...] | LIST [FILTERBY MODULE m | ACLCAT c |
// PATTERN p] | GETKEYS command args...] (https://redis.io/commands/command/), answered from the
// declarative command table (command_table.cc) in Redis 7.0's shapes and error texts.
#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

// The words of a space-separated table string ("@read @string", "deprecated").
std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    if (space != 0) words.push_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return words;
}

bool HasCategory(const CommandSpec& spec, std::string_view category) {
  for (std::string_view c : Words(spec.categories)) {
    if (c.substr(1) == category) return true;
  }
  return false;
}

// One entry of COMMAND / COMMAND INFO: [name, arity, flags, first, last, step, categories, tips,
// key specs, subcommands] (tips, key specs and subcommands are empty here).
void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  std::vector<std::string_view> flags;
  if (spec.flags & kWrite) flags.push_back("write");
  if (spec.flags & kReadOnly) flags.push_back("readonly");
  if (spec.flags & kDenyOom) flags.push_back("denyoom");
  if (spec.flags & kAdmin) flags.push_back("admin");
  // Redis's "pubsub" flag marks the pub/sub commands (kPubSub means allowed while subscribed).
  if (HasCategory(spec, "pubsub")) flags.push_back("pubsub");
  if (spec.flags & kFast) flags.push_back("fast");
  if (spec.flags & kNoAuth) flags.push_back("no_auth");
  if (spec.flags & kBlocking) flags.push_back("blocking");
  if (spec.keys_fn != nullptr) flags.push_back("movablekeys");
  const std::vector<std::string_view> categories = Words(spec.categories);
  ctx.rb.Array(10);
  ctx.rb.Bulk(spec.name);
  ctx.rb.Int(spec.arity);
  ctx.rb.Set(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) ctx.rb.Simple(f);
  ctx.rb.Int(spec.first_key);
  ctx.rb.Int(spec.last_key);
  ctx.rb.Int(spec.step);
  ctx.rb.Set(static_cast<int64_t>(categories.size()));
  for (std::string_view c : categories) ctx.rb.Simple(c);
  ctx.rb.Array(0);  // tips
  ctx.rb.Array(0);  // key specs
  ctx.rb.Array(0);  // subcommands
}

// One argument of CommandDoc::arguments, parsed from the compact form (command.h).
struct DocArg {
  std::string_view name, type, token, since, key_spec_index;
  std::vector<std::string_view> flags;
  std::vector<DocArg> children;
};

// Parses arguments from *text up to a ')' or the end; consumes what it parsed.
std::vector<DocArg> ParseDocArgs(std::string_view* text) {
  std::vector<DocArg> args;
  std::string_view& t = *text;
  auto field = [&t]() {  // up to the next marker, at least one character (XADD's "@~" token)
    const size_t end = std::max<size_t>(t.find_first_of(":#@~() "), 1);
    std::string_view word = t.substr(0, end);
    t.remove_prefix(word.size());
    return word;
  };
  while (!t.empty() && t[0] != ')') {
    if (t[0] == ' ') {
      t.remove_prefix(1);
      continue;
    }
    DocArg arg;
    for (; !t.empty(); t.remove_prefix(1)) {
      if (t[0] == '?')
        arg.flags.push_back("optional");
      else if (t[0] == '*')
        arg.flags.push_back("multiple");
      else if (t[0] == '!')
        arg.flags.push_back("multiple_token");
      else
        break;
    }
    arg.name = field();
    while (!t.empty() && t[0] != ' ' && t[0] != ')') {
      const char marker = t[0];
      t.remove_prefix(1);
      if (marker == '(') {
        arg.children = ParseDocArgs(text);
        if (!t.empty()) t.remove_prefix(1);  // ')'
        continue;
      }
      std::string_view value = field();
      if (marker == ':') arg.type = value;
      if (marker == '#') arg.key_spec_index = value;
      if (marker == '@') arg.token = value;
      if (marker == '~') arg.since = value;
    }
    args.push_back(std::move(arg));
  }
  return args;
}

// Redis's argument maps: name, type, key_spec_index, token, since, flags, arguments.
void ReplyDocArgs(CommandContext& ctx, const std::vector<DocArg>& args) {
  ctx.rb.Array(static_cast<int64_t>(args.size()));
  for (const DocArg& arg : args) {
    ctx.rb.Map(2 + !arg.key_spec_index.empty() + !arg.token.empty() + !arg.since.empty() +
               !arg.flags.empty() + !arg.children.empty());
    ctx.rb.Bulk("name");
    ctx.rb.Bulk(arg.name);
    ctx.rb.Bulk("type");
    ctx.rb.Bulk(arg.type);
    if (!arg.key_spec_index.empty()) {
      int64_t index = 0;
      ParseInt(arg.key_spec_index, &index);
      ctx.rb.Bulk("key_spec_index");
      ctx.rb.Int(index);
    }
    if (!arg.token.empty()) {
      ctx.rb.Bulk("token");
      ctx.rb.Bulk(arg.token);
    }
    if (!arg.since.empty()) {
      ctx.rb.Bulk("since");
      ctx.rb.Bulk(arg.since);
    }
    if (!arg.flags.empty()) {
      ctx.rb.Bulk("flags");
      ctx.rb.Set(static_cast<int64_t>(arg.flags.size()));
      for (std::string_view f : arg.flags) ctx.rb.Simple(f);
    }
    if (!arg.children.empty()) {
      ctx.rb.Bulk("arguments");
      ReplyDocArgs(ctx, arg.children);
    }
  }
}

// name -> {summary, since, group, complexity, [doc_flags, deprecated_since, replaced_by],
// [arguments]}, as COMMAND DOCS.
void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& spec) {
  const CommandDoc& doc = spec.doc;
  std::string_view text = doc.arguments;
  const std::vector<DocArg> args = ParseDocArgs(&text);
  const bool deprecated = *doc.deprecated_since != '\0';
  ctx.rb.Bulk(spec.name);
  const bool complexity = *doc.complexity != '\0';  // MONITOR has none
  ctx.rb.Map(3 + complexity + (deprecated ? 3 : 0) + (args.empty() ? 0 : 1));
  ctx.rb.Bulk("summary");
  ctx.rb.Bulk(doc.summary);
  ctx.rb.Bulk("since");
  ctx.rb.Bulk(doc.since);
  ctx.rb.Bulk("group");
  ctx.rb.Bulk(doc.group);
  if (complexity) {
    ctx.rb.Bulk("complexity");
    ctx.rb.Bulk(doc.complexity);
  }
  if (deprecated) {
    ctx.rb.Bulk("doc_flags");
    ctx.rb.Set(1);
    ctx.rb.Simple("deprecated");
    ctx.rb.Bulk("deprecated_since");
    ctx.rb.Bulk(doc.deprecated_since);
    ctx.rb.Bulk("replaced_by");
    ctx.rb.Bulk(doc.replaced_by);
  }
  if (!args.empty()) {
    ctx.rb.Bulk("arguments");
    ReplyDocArgs(ctx, args);
  }
}

// COMMAND GETKEYS command args...: Redis 7's errors for an unknown command, a wrong argument
// count, a command without keys and arguments naming no key.
void GetKeys(CommandContext& ctx) {
  if (ctx.argc() < 4) {
    ctx.rb.Error(ArityError("command|getkeys"));
    return;
  }
  const CommandSpec* spec = FindCommand(ctx.arg(2));
  if (spec == nullptr) {
    ctx.rb.Error("ERR Invalid command specified");
    return;
  }
  const std::span<const std::string_view> args = ctx.args.subspan(2);
  if (spec->arity > 0 ? args.size() != static_cast<size_t>(spec->arity)
                      : args.size() < static_cast<size_t>(-spec->arity)) {
    ctx.rb.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  if (spec->first_key == 0 && spec->keys_fn == nullptr) {
    ctx.rb.Error("ERR The command has no key arguments");
    return;
  }
  std::vector<std::string_view> keys;
  CommandKeys(*spec, args, &keys);
  if (keys.empty()) {
    ctx.rb.Error("ERR Invalid arguments specified for command");
    return;
  }
  ctx.rb.Array(static_cast<int64_t>(keys.size()));
  for (std::string_view k : keys) ctx.rb.Bulk(k);
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern].
void List(CommandContext& ctx) {
  std::span<const CommandSpec> table = CommandTable();
  std::vector<const CommandSpec*> out;
  if (ctx.argc() == 2) {
    for (const CommandSpec& spec : table) out.push_back(&spec);
  } else if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "filterby")) {
    const std::string_view by = ctx.arg(3), value = ctx.arg(4);
    if (EqualsIgnoreCase(by, "aclcat")) {
      for (const CommandSpec& spec : table) {
        if (HasCategory(spec, ToLower(value))) out.push_back(&spec);
      }
    } else if (EqualsIgnoreCase(by, "pattern")) {
      for (const CommandSpec& spec : table) {
        if (GlobMatch(value, spec.name, true)) out.push_back(&spec);
      }
    } else if (!EqualsIgnoreCase(by, "module")) {  // no modules: an empty list
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  } else {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  ctx.rb.Array(static_cast<int64_t>(out.size()));
  for (const CommandSpec* spec : out) ctx.rb.Bulk(spec->name);
}

}  // namespace

void ServerFamily::Command(CommandContext& ctx) {
  std::span<const CommandSpec> table = CommandTable();
  if (ctx.argc() == 1) {
    ctx.rb.Array(static_cast<int64_t>(table.size()));
    for (const CommandSpec& spec : table) ReplyCommandInfo(ctx, spec);
    return;
  }
  const std::string sub = ToLower(ctx.arg(1));
  if (sub == "count") {
    if (ctx.argc() != 2) {
      ctx.rb.Error(ArityError("command|count"));
      return;
    }
    ctx.rb.Int(static_cast<int64_t>(table.size()));
  } else if (sub == "info") {
    if (ctx.argc() == 2) {
      ctx.rb.Array(static_cast<int64_t>(table.size()));
      for (const CommandSpec& spec : table) ReplyCommandInfo(ctx, spec);
      return;
    }
    ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const CommandSpec* spec = FindCommand(ctx.arg(i));
      if (spec == nullptr) {
        ctx.rb.NullArray();
      } else {
        ReplyCommandInfo(ctx, *spec);
      }
    }
  } else if (sub == "docs") {
    std::vector<const CommandSpec*> specs;
    if (ctx.argc() == 2) {
      for (const CommandSpec& spec : table) specs.push_back(&spec);
    }
    for (size_t i = 2; i < ctx.argc(); ++i) {  // unknown names are left out, as Redis does
      if (const CommandSpec* spec = FindCommand(ctx.arg(i))) specs.push_back(spec);
    }
    ctx.rb.Map(static_cast<int64_t>(specs.size()));
    for (const CommandSpec* spec : specs) ReplyCommandDocs(ctx, *spec);
  } else if (sub == "list") {
    List(ctx);
  } else if (sub == "getkeys") {
    GetKeys(ctx);
  } else {
    ctx.rb.Error(UnknownSubcommand("command", ctx.arg(1)));
  }
}

}  // namespace aio::cache
