// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB. Under RESP3 the
// confirmations and messages are push frames (`>`), under RESP2 arrays.
#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

void Confirm(CommandContext& ctx, std::string_view kind, const std::string* channel) {
  ctx.rb.Push(3);
  ctx.rb.Bulk(kind);
  if (channel == nullptr)
    ctx.rb.Null();
  else
    ctx.rb.Bulk(*channel);
  ctx.rb.Int(static_cast<int64_t>(ctx.client.channels.size() + ctx.client.patterns.size()));
}

}  // namespace

void PubSubFamily::Subscribe(CommandContext& ctx) {
  const bool pattern = ctx.spec->name[0] == 'p';
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string channel(ctx.arg(i));
    ctx.cache.Subscribe(ctx.client, channel, pattern);
    Confirm(ctx, pattern ? "psubscribe" : "subscribe", &channel);
  }
}

void PubSubFamily::Unsubscribe(CommandContext& ctx) {
  const bool pattern = ctx.spec->name[0] == 'p';
  const std::string_view kind = pattern ? "punsubscribe" : "unsubscribe";
  std::vector<std::string> targets;
  if (ctx.argc() == 1) {
    const auto& own = pattern ? ctx.client.patterns : ctx.client.channels;
    targets.assign(own.begin(), own.end());
    if (targets.empty()) {
      Confirm(ctx, kind, nullptr);
      return;
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) targets.emplace_back(ctx.arg(i));
  }
  for (const std::string& channel : targets) {
    ctx.cache.Unsubscribe(ctx.client, channel, pattern);
    Confirm(ctx, kind, &channel);
  }
}

void PubSubFamily::Publish(CommandContext& ctx) {
  ctx.rb.Int(ctx.cache.Publish(ctx.arg(1), ctx.arg(2)));
}

void PubSubFamily::PubSub(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  if (sub == "channels") {
    if (ctx.argc() > 3) {
      ctx.rb.Error(ArityError("pubsub|channels"));
      return;
    }
    std::vector<std::string> channels = ctx.cache.Channels(ctx.argc() == 3 ? ctx.arg(2) : "");
    ctx.rb.Array(static_cast<int64_t>(channels.size()));
    for (const std::string& c : channels) ctx.rb.Bulk(c);
  } else if (sub == "numsub") {
    ctx.rb.Map(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); ++i) {
      ctx.rb.Bulk(ctx.arg(i));
      ctx.rb.Int(ctx.cache.NumSub(ctx.arg(i)));
    }
  } else if (sub == "numpat") {
    ctx.rb.Int(ctx.cache.NumPat());
  } else {
    ctx.rb.Error(UnknownSubcommand("pubsub", ctx.arg(1)));
  }
}

}  // namespace aio::cache
