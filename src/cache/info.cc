// INFO: server, clients, memory, stats, replication, cpu, keyspace, commandstats (Redis's field
// names, so tools that parse INFO keep working).
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "cache/cache.h"
#include "cache/families.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

bool Wants(const std::vector<std::string>& sections, std::string_view name, bool by_default) {
  if (sections.empty()) return by_default;
  for (const std::string& s : sections) {
    if (s == name || s == "all" || s == "everything" || (s == "default" && by_default)) return true;
  }
  return false;
}

}  // namespace

void ServerFamily::Info(CommandContext& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < ctx.argc(); ++i) sections.push_back(ToLower(ctx.arg(i)));
  Cache& cache = ctx.cache;
  Stats& stats = cache.stats();
  std::string out;
  auto section = [&](std::string_view name) {
    if (!out.empty()) out += "\r\n";
    out += fmt::format("# {}\r\n", name);
  };
  const int64_t now = cache.NowMs();
  if (Wants(sections, "server", true)) {
    section("Server");
    out += fmt::format(
        "redis_version:7.0.15\r\nredis_mode:standalone\r\nserver_name:aio\r\nos:Linux\r\n"
        "arch_bits:64\r\nmultiplexing_api:epoll\r\nprocess_id:{}\r\ntcp_port:{}\r\n"
        "uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nexecutable:aio\r\n",
        getpid(), cache.options().port, (now - cache.started_ms()) / 1000,
        (now - cache.started_ms()) / 86400000, cache.options().hz);
  }
  if (Wants(sections, "clients", true)) {
    section("Clients");
    out += fmt::format(
        "connected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\n",
        stats.connected_clients.load(), cache.options().max_clients, cache.blocked_clients());
  }
  if (Wants(sections, "memory", true)) {
    section("Memory");
    const int64_t used = ctx.ks.UsedMemory();
    out += fmt::format(
        "used_memory:{}\r\nused_memory_human:{:.2f}M\r\nused_memory_rss:{}\r\n"
        "maxmemory:{}\r\nmaxmemory_human:{:.2f}M\r\nmaxmemory_policy:{}\r\n",
        used, used / 1048576.0, RssBytes(), cache.maxmemory(), cache.maxmemory() / 1048576.0,
        EvictionPolicyName(cache.policy()));
    ScriptEngine& scripts = cache.scripts();
    out += fmt::format(
        "used_memory_lua:{}\r\nused_memory_scripts_eval:{}\r\nnumber_of_cached_scripts:{}\r\n"
        "used_memory_scripts:{}\r\n",
        scripts.lua_bytes(), scripts.body_bytes(), scripts.size(), scripts.body_bytes());
  }
  if (Wants(sections, "persistence", true)) {
    section("Persistence");
    out += fmt::format(
        "loading:0\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\n"
        "rdb_last_bgsave_status:{}\r\naof_enabled:0\r\n",
        cache.save_in_progress() ? 1 : 0, cache.last_save_s(), cache.last_save_ok() ? "ok" : "err");
  }
  if (Wants(sections, "stats", true)) {
    section("Stats");
    out += fmt::format(
        "total_connections_received:{}\r\ntotal_commands_processed:{}\r\n"
        "total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\n"
        "expired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\n"
        "pubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\n",
        stats.connections_received.load(), cache.TotalCommands(), stats.net_input_bytes.load(),
        stats.net_output_bytes.load(), stats.rejected_connections.load(), stats.expired_keys.load(),
        stats.evicted_keys.load(), cache.KeyspaceHits(), cache.KeyspaceMisses(),
        cache.Channels("").size(), cache.NumPat(), cache.Channels("", /*shard=*/true).size());
  }
  if (Wants(sections, "replication", true)) {
    section("Replication");
    out += "role:master\r\nconnected_slaves:0\r\n";
  }
  if (Wants(sections, "cpu", true)) {
    section("CPU");
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    out += fmt::format("used_cpu_sys:{}.{:06}\r\nused_cpu_user:{}.{:06}\r\n", usage.ru_stime.tv_sec,
                       usage.ru_stime.tv_usec, usage.ru_utime.tv_sec, usage.ru_utime.tv_usec);
  }
  if (Wants(sections, "commandstats", false)) {
    section("Commandstats");
    struct Totals {
      uint64_t calls = 0, usec = 0, failed = 0;
    };
    std::vector<std::pair<std::string, Totals>> totals;
    for (const auto& [spec, cs] : cache.CommandStatsSnapshot()) {
      if (totals.empty() || totals.back().first != spec->name) {
        totals.emplace_back(spec->name, Totals{});
      }
      Totals& t = totals.back().second;
      t.calls += cs->calls.load();
      t.usec += cs->usec.load();
      t.failed += cs->failed.load();
    }
    for (const auto& [name, t] : totals) {
      if (t.calls == 0) continue;
      out += fmt::format(
          "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls=0,failed_calls={}\r\n",
          name, t.calls, t.usec, static_cast<double>(t.usec) / static_cast<double>(t.calls),
          t.failed);
    }
  }
  if (Wants(sections, "keyspace", true)) {
    section("Keyspace");
    // INFO keyspace holds every shard: callers run it with all shards locked (kAllShards).
    for (int db = 0; db < ctx.ks.databases(); ++db) {
      const size_t keys = ctx.ks.DbSize(db);
      if (keys == 0) continue;
      out +=
          fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", db, keys, ctx.ks.ExpiresCount(db));
    }
  }
  ctx.rb.Verbatim(out);
}

}  // namespace aio::cache
