#include "cache/command.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "cache/cache.h"
#include "fmt/format.h"

namespace aio::cache {

std::string ArityError(std::string_view name) {
  return fmt::format("ERR wrong number of arguments for '{}' command", name);
}

std::string UnknownSubcommand(std::string_view command, std::string_view sub) {
  return fmt::format("ERR unknown subcommand '{}'. Try {} HELP.", sub.substr(0, 128),
                     ToUpper(command));
}

bool ParseInt(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 20) return false;
  if (text[0] == '+') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return false;
  // Redis rejects leading zeros ("01") and "-0".
  if (text.size() > 1 && (text[0] == '0' || (text[0] == '-' && text[1] == '0'))) return false;
  return true;
}

bool ParseDouble(std::string_view text, double* value) {
  if (text.empty() || text.size() > 255) return false;
  if (std::isspace(static_cast<unsigned char>(text[0]))) return false;
  char buf[256];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(buf, &end);
  if (end != buf + text.size() || std::isnan(v)) return false;
  if (errno == ERANGE && !std::isinf(v) && v != 0) return false;
  *value = v;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ToUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

namespace {

bool Glob(const char* p, const char* pend, const char* s, const char* send, bool nocase,
          int depth) {
  if (depth > 1000) return false;
  auto fold = [nocase](char c) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  };
  while (p < pend) {
    switch (*p) {
      case '*':
        while (p + 1 < pend && p[1] == '*') ++p;
        if (p + 1 == pend) return true;
        for (const char* t = s; t <= send; ++t) {
          if (Glob(p + 1, pend, t, send, nocase, depth + 1)) return true;
        }
        return false;
      case '?':
        if (s == send) return false;
        ++s;
        break;
      case '[': {
        if (s == send) return false;
        ++p;
        const bool negate = p < pend && *p == '^';
        if (negate) ++p;
        bool match = false;
        while (p < pend && *p != ']') {
          if (*p == '\\' && p + 1 < pend) {
            ++p;
            if (fold(*p) == fold(*s)) match = true;
          } else if (p + 2 < pend && p[1] == '-' && p[2] != ']') {
            char lo = fold(p[0]), hi = fold(p[2]);
            if (lo > hi) std::swap(lo, hi);
            if (fold(*s) >= lo && fold(*s) <= hi) match = true;
            p += 2;
          } else if (fold(*p) == fold(*s)) {
            match = true;
          }
          ++p;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        break;
      }
      case '\\':
        if (p + 1 < pend) ++p;
        [[fallthrough]];
      default:
        if (s == send || fold(*p) != fold(*s)) return false;
        ++s;
        break;
    }
    ++p;
  }
  return s == send;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  return Glob(pattern.data(), pattern.data() + pattern.size(), text.data(),
              text.data() + text.size(), nocase, 0);
}

void CommandKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                 std::vector<std::string_view>* keys) {
  if (spec.keys_fn != nullptr) {
    spec.keys_fn(args, keys);
    return;
  }
  if (spec.first_key == 0) return;
  const int argc = static_cast<int>(args.size());
  const int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  for (int i = spec.first_key; i <= last && i < argc; i += spec.step) keys->push_back(args[i]);
}

CommandContext::CommandContext(Cache& cache, Client& client, protocol::resp::ReplyBuilder& rb,
                               std::span<const std::string_view> args, const CommandSpec* spec,
                               int64_t now_ms)
    : args(args),
      rb(rb),
      client(client),
      cache(cache),
      ks(cache.keyspace()),
      spec(spec),
      now_ms(now_ms) {}

HashedKey CommandContext::Hashed(std::string_view key) {
  const size_t n = keys_.size();
  for (size_t tried = 0, i = next_key_; tried < n; ++tried, i = i + 1 == n ? 0 : i + 1) {
    if (keys_[i].data() == key.data() && keys_[i].size() == key.size()) {
      next_key_ = i + 1 == n ? 0 : i + 1;
      return HashedKey(key, hashes_[i]);
    }
  }
  return HashedKey(key);
}

Object* CommandContext::Read(std::string_view key) {
  Object* object = ks.Find(db(), Hashed(key), now_ms);
  cache.CountHit(object != nullptr);
  if (client.TracksReads()) cache.Track(client, db(), key);
  return object;
}

Object* CommandContext::ReadTyped(std::string_view key, Type type, bool* wrong) {
  Object* object = Read(key);
  *wrong = object != nullptr && object->type() != type;
  if (*wrong) {
    rb.Error(errors::kWrongType);
    return nullptr;
  }
  return object;
}

Object* CommandContext::LookupTyped(std::string_view key, Type type, bool* wrong) {
  Object* object = Lookup(key);
  *wrong = object != nullptr && object->type() != type;
  if (*wrong) {
    rb.Error(errors::kWrongType);
    return nullptr;
  }
  return object;
}

void CommandContext::DeleteIfEmpty(std::string_view key, Object* object) {
  if (object != nullptr && object->Length() == 0) {
    ks.Delete(db(), Hashed(key));
    Notify(kNotifyGeneric, "del", key);
  }
}

void CommandContext::Notify(uint32_t cls, std::string_view event, std::string_view key) {
  cache.Notify(db(), cls, event, key);
}

bool CommandContext::MayServe(std::string_view key) { return cache.MayServe(client, db(), key); }

void CommandContext::Modified(std::string_view key) { cache.KeyModified(db(), key, &client); }

bool CommandContext::IntArg(size_t i, int64_t* value, std::string_view error) {
  if (ParseInt(args[i], value)) return true;
  rb.Error(error);
  return false;
}

bool CommandContext::DoubleArg(size_t i, double* value, std::string_view error) {
  if (ParseDouble(args[i], value)) return true;
  rb.Error(error);
  return false;
}

void CommandContext::Block(std::span<const std::string_view> keys, int64_t timeout_ms) {
  if (in_exec) {
    rb.NullArray();
    return;
  }
  blocked_ = true;
  block_timeout_ms_ = timeout_ms;
  cache.BlockOn(client, keys);
}

bool ParseExpireOption(CommandContext& ctx, size_t i, int64_t unit_ms, bool absolute,
                       int64_t* when_ms) {
  int64_t value = 0;
  if (!ctx.IntArg(i, &value)) return false;
  if (value <= 0 || (unit_ms > 1 && value > INT64_MAX / unit_ms)) {
    ctx.rb.Error(fmt::format("ERR invalid expire time in '{}' command", ctx.spec->name));
    return false;
  }
  value *= unit_ms;
  if (!absolute) {
    if (value > INT64_MAX - ctx.now_ms) {
      ctx.rb.Error(fmt::format("ERR invalid expire time in '{}' command", ctx.spec->name));
      return false;
    }
    value += ctx.now_ms;
  }
  *when_ms = value;
  return true;
}

void FinishStore(CommandContext& ctx, std::string_view dst, uint32_t cls, std::string_view event,
                 int64_t stored) {
  if (stored > 0) {
    ctx.Notify(cls, event, dst);
  } else {
    ctx.Notify(kNotifyGeneric, "del", dst);
  }
  ctx.rb.Int(stored);
}

bool ParseTimeoutArg(CommandContext& ctx, size_t i, int64_t* timeout_ms) {
  double seconds = 0;
  if (!ParseDouble(ctx.arg(i), &seconds) || std::isinf(seconds)) {
    ctx.rb.Error(errors::kTimeout);
    return false;
  }
  if (seconds < 0) {
    ctx.rb.Error(errors::kTimeoutNegative);
    return false;
  }
  *timeout_ms = static_cast<int64_t>(std::ceil(seconds * 1000));
  return true;
}

bool ParsePopCount(CommandContext& ctx, std::string_view too_many_args, int64_t* count) {
  if (ctx.argc() > 3) {
    ctx.rb.Error(too_many_args);
    return false;
  }
  if (ctx.argc() == 3) {
    if (!ctx.IntArg(2, count, errors::kPositive)) return false;
    if (*count < 0) {
      ctx.rb.Error(errors::kPositive);
      return false;
    }
  }
  return true;
}

bool ParseMPopArgs(CommandContext& ctx, size_t at, std::string_view first_end,
                   std::string_view second_end, MPopArgs* out) {
  int64_t numkeys = 0;
  if (!ParseInt(ctx.arg(at), &numkeys) || numkeys <= 0) {
    ctx.rb.Error("ERR numkeys should be greater than 0");
    return false;
  }
  const size_t where = at + 1 + static_cast<size_t>(std::min<int64_t>(numkeys, INT32_MAX));
  if (where >= ctx.argc()) {
    ctx.rb.Error(errors::kSyntax);
    return false;
  }
  out->keys = ctx.args.subspan(at + 1, where - at - 1);
  if (EqualsIgnoreCase(ctx.arg(where), first_end)) {
    out->first_end = true;
  } else if (EqualsIgnoreCase(ctx.arg(where), second_end)) {
    out->first_end = false;
  } else {
    ctx.rb.Error(errors::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t i = where + 1; i < ctx.argc(); ++i) {
    if (has_count || !EqualsIgnoreCase(ctx.arg(i), "count") || i + 1 >= ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
    if (!ParseInt(ctx.arg(++i), &out->count) || out->count <= 0) {
      ctx.rb.Error("ERR count should be greater than 0");
      return false;
    }
    has_count = true;
  }
  return true;
}

}  // namespace aio::cache
