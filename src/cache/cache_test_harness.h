// In-process harness for the command families: a Cache with fake clients, Run({"SET","k","v"})
// returning the exact RESP reply. No sockets, no threads.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache.h"

namespace aio::cache {

class TestClient : public Client {
 public:
  void Deliver(std::string bytes) override { delivered.push_back(std::move(bytes)); }
  void Wake() override { ++wakes; }
  void Kill() override { killed = true; }

  std::vector<std::string> delivered;
  int wakes = 0;
  bool killed = false;
};

class CacheHarness {
 public:
  explicit CacheHarness(CacheOptions options = {});
  ~CacheHarness();

  // Runs one command as `client` (default: the first client) and returns its RESP reply.
  std::string Run(std::initializer_list<std::string_view> args, TestClient* client = nullptr);
  std::string Run(const std::vector<std::string>& args, TestClient* client = nullptr);
  // The outcome of the last Run (kBlocked for a blocked pop).
  Cache::Outcome last_outcome() const { return last_outcome_; }
  TestClient* NewClient();

  Cache cache;
  TestClient* client;

 private:
  std::vector<std::unique_ptr<TestClient>> clients_;
  Cache::Outcome last_outcome_ = Cache::Outcome::kDone;
};

}  // namespace aio::cache
