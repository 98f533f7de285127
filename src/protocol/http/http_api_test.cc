#include "protocol/http/http_api.h"

#include "base/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "protocol/http/metrics_writer.h"

namespace aio::protocol::http {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A store that answers Status() only.
class StatusOnlyStore final : public store::KvStore {
 public:
  absl::StatusOr<store::StoreStatus> status = store::StoreStatus{
      .revision = 17, .compact_revision = 3, .db_size_bytes = 4096, .db_size_in_use = 2048};

  absl::StatusOr<store::StoreStatus> Status() override { return status; }
  absl::StatusOr<store::RangeResponse> Range(const store::RangeRequest&) override { return No(); }
  absl::StatusOr<store::PutResponse> Put(const store::PutRequest&) override { return No(); }
  absl::StatusOr<store::DeleteRangeResponse> DeleteRange(
      const store::DeleteRangeRequest&) override {
    return No();
  }
  absl::StatusOr<store::TxnResponse> Txn(const store::TxnRequest&) override { return No(); }
  absl::StatusOr<store::CompactResponse> Compact(int64_t, bool) override { return No(); }
  absl::StatusOr<store::LeaseGrantResponse> LeaseGrant(int64_t, int64_t) override { return No(); }
  absl::StatusOr<int64_t> LeaseRevoke(int64_t) override { return No(); }
  absl::StatusOr<store::LeaseKeepAliveResponse> LeaseKeepAlive(int64_t) override { return No(); }
  absl::StatusOr<store::LeaseTimeToLiveResponse> LeaseTimeToLive(int64_t, bool) override {
    return No();
  }
  absl::StatusOr<std::vector<int64_t>> LeaseList() override { return No(); }
  std::unique_ptr<store::WatchStream> NewWatchStream(std::function<void()>) override {
    return nullptr;
  }
  absl::StatusOr<store::HashKVResponse> HashKV(int64_t) override { return No(); }
  absl::Status Defragment() override { return No(); }
  absl::Status DisarmNoSpaceAlarm() override { return No(); }
  int64_t CurrentRevision() override { return 17; }

 private:
  static absl::Status No() { return absl::UnimplementedError("not in this fake"); }
};

json Body(const net::HttpResponse& response) { return json::parse(response.body); }

class HttpApiTest : public ::testing::Test {
 protected:
  StatusOnlyStore store_;
  store::mvcc::Stats stats_;
  HttpApi api_{{.node_id = "node7", .mode = "standalone"}, &store_, &stats_};
};

TEST_F(HttpApiTest, HealthAnswersWithTheEnvelope) {
  json body = Body(api_.Health());
  EXPECT_EQ(body["code"], 20000);
  EXPECT_EQ(body["msg"], "success");
  EXPECT_EQ(body["data"]["status"], "ok");
  EXPECT_EQ(body["data"]["node_id"], "node7");
}

TEST_F(HttpApiTest, ReadyOnlyOnceListenersAreUpAndTheStoreAnswers) {
  net::HttpResponse response = api_.Ready();
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response)["code"], 50300);

  api_.SetReady(true);
  response = api_.Ready();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response)["data"]["revision"], 17);

  store_.status = absl::UnavailableError("etcdserver: server stopped");
  response = api_.Ready();
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(std::string(Body(response)["msg"]), HasSubstr("etcdserver: server stopped"));
}

TEST_F(HttpApiTest, VersionComesFromTheBuild) {
  json data = Body(api_.Version())["data"];
  EXPECT_EQ(data["name"], "aio");
  EXPECT_EQ(data["version"], std::string(base::kVersion));
  EXPECT_EQ(data["mode"], "standalone");
}

TEST_F(HttpApiTest, MetricsReadStatsAndStatusAtScrapeTime) {
  stats_.puts_total = 5;
  stats_.keys = 2;
  net::HttpResponse response = api_.Metrics();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, kPrometheusContentType);
  EXPECT_THAT(response.body,
              HasSubstr("# TYPE aio_store_puts_total counter\naio_store_puts_total 5\n"));
  EXPECT_THAT(response.body, HasSubstr("# TYPE aio_store_keys gauge\naio_store_keys 2\n"));
  EXPECT_THAT(response.body, HasSubstr("aio_store_revision 17\n"));
  EXPECT_THAT(response.body, HasSubstr("aio_store_db_size_bytes 4096\n"));
  EXPECT_THAT(response.body, HasSubstr("process_resident_memory_bytes "));
  EXPECT_THAT(response.body, HasSubstr("process_cpu_seconds_total "));

  stats_.puts_total = 6;
  EXPECT_THAT(api_.Metrics().body, HasSubstr("aio_store_puts_total 6\n"));
}

TEST_F(HttpApiTest, UnknownRouteAndWrongMethodUseTheEnvelope) {
  net::HttpRouter router;
  api_.Register(router);
  net::HttpResponse response = router.Dispatch({.method = "GET", .path = "/api/nope"});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(Body(response)["code"], 40400);
  response = router.Dispatch({.method = "POST", .path = "/api/health"});
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(Body(response)["code"], 40500);
  EXPECT_EQ(router.Dispatch({.method = "GET", .path = "/api/version"}).status, 200);
}

}  // namespace
}  // namespace aio::protocol::http
