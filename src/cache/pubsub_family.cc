// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB and Redis 7's
// sharded SSUBSCRIBE SUNSUBSCRIBE SPUBLISH (standalone: one shard, as Redis without cluster). Under
// RESP3 the confirmations and messages are push frames (`>`), under RESP2 arrays.
#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE (and their UN- forms) by the command's name.
PubSubKind KindOf(std::string_view name) {
  if (name[0] == 'p') return PubSubKind::kPattern;
  if (name == "ssubscribe" || name == "sunsubscribe") return PubSubKind::kShard;
  return PubSubKind::kChannel;
}

// [kind, channel, count]: the count is the client's channels and patterns, or for the shard
// kinds its shard channels (Redis keeps the two apart).
void Confirm(CommandContext& ctx, std::string_view kind, PubSubKind what,
             const std::string* channel) {
  ctx.rb.Push(3);
  ctx.rb.Bulk(kind);
  if (channel == nullptr)
    ctx.rb.Null();
  else
    ctx.rb.Bulk(*channel);
  const Client& c = ctx.client;
  ctx.rb.Int(static_cast<int64_t>(what == PubSubKind::kShard
                                      ? c.shard_channels.size()
                                      : c.channels.size() + c.patterns.size()));
}

}  // namespace

void PubSubFamily::Subscribe(CommandContext& ctx) {
  const PubSubKind kind = KindOf(ctx.spec->name);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string channel(ctx.arg(i));
    ctx.cache.Subscribe(ctx.client, channel, kind);
    Confirm(ctx, ctx.spec->name, kind, &channel);
  }
}

void PubSubFamily::Unsubscribe(CommandContext& ctx) {
  const PubSubKind kind = KindOf(ctx.spec->name);
  const std::string_view name = ctx.spec->name;
  std::vector<std::string> targets;
  if (ctx.argc() == 1) {
    const StringSet& own = ctx.client.subscriptions(kind);
    targets.assign(own.begin(), own.end());
    if (targets.empty()) {
      Confirm(ctx, name, kind, nullptr);
      return;
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) targets.emplace_back(ctx.arg(i));
  }
  for (const std::string& channel : targets) {
    ctx.cache.Unsubscribe(ctx.client, channel, kind);
    Confirm(ctx, name, kind, &channel);
  }
}

void PubSubFamily::Publish(CommandContext& ctx) {
  ctx.rb.Int(ctx.cache.Publish(ctx.arg(1), ctx.arg(2), ctx.spec->name[0] == 's'));
}

void PubSubFamily::PubSub(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  const bool shard = sub.starts_with("shard");
  if (sub == "channels" || sub == "shardchannels") {
    if (ctx.argc() > 3) {
      ctx.rb.Error(ArityError("pubsub|" + sub));
      return;
    }
    std::vector<std::string> channels =
        ctx.cache.Channels(ctx.argc() == 3 ? ctx.arg(2) : "", shard);
    ctx.rb.Array(static_cast<int64_t>(channels.size()));
    for (const std::string& c : channels) ctx.rb.Bulk(c);
  } else if (sub == "numsub" || sub == "shardnumsub") {
    ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2) * 2);  // flat under RESP3 too, as Redis
    for (size_t i = 2; i < ctx.argc(); ++i) {
      ctx.rb.Bulk(ctx.arg(i));
      ctx.rb.Int(ctx.cache.NumSub(ctx.arg(i), shard));
    }
  } else if (sub == "numpat") {
    ctx.rb.Int(ctx.cache.NumPat());
  } else {
    ctx.rb.Error(UnknownSubcommand("pubsub", ctx.arg(1)));
  }
}

}  // namespace aio::cache
