#include "cache/cache_test_harness.h"

namespace aio::cache {

CacheHarness::CacheHarness(CacheOptions options) : cache(std::move(options), nullptr, nullptr) {
  client = NewClient();
}

CacheHarness::~CacheHarness() {
  for (auto& c : clients_) cache.UnregisterClient(c.get());
}

TestClient* CacheHarness::NewClient() {
  clients_.push_back(std::make_unique<TestClient>());
  cache.RegisterClient(clients_.back().get());
  return clients_.back().get();
}

std::string CacheHarness::Run(std::initializer_list<std::string_view> args, TestClient* who) {
  return Run(std::vector<std::string>(args.begin(), args.end()), who);
}

std::string CacheHarness::Run(const std::vector<std::string>& args, TestClient* who) {
  TestClient& c = who == nullptr ? *client : *who;
  std::string out;
  protocol::resp::ReplyBuilder rb(&out);
  rb.set_resp3(c.resp == 3);
  std::vector<std::string_view> views(args.begin(), args.end());
  last_outcome_ = cache.Execute(c, views, rb);
  return out;
}

}  // namespace aio::cache
