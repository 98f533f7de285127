// The KvStore conformance suite run against the embedded engine: each test gets a fresh MvccStore
// in its own temp directory, on a ManualClock, with the background threads off so the suite
// drives lease expiry (CheckLeases) and watch catch-up (SyncWatchers) itself.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "base/clock.h"
#include "store/conformance/kv_store_conformance.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::store::mvcc {
namespace {

namespace fs = std::filesystem;
using conformance::KvStoreHarness;

// Small, so the slow-reader case overflows a stream's queue with a few dozen writes.
constexpr int64_t kWatchQueueLimit = 16;
constexpr int64_t kProgressNotifyIntervalMs = 5000;

fs::path UniqueTempDir() {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return fs::temp_directory_path() / ("aio_mvcc_conformance_" + std::to_string(::getpid()) + "_" +
                                      std::to_string(counter++) + "_" + std::to_string(now));
}

class MvccHarness final : public KvStoreHarness {
 public:
  static absl::StatusOr<std::unique_ptr<KvStoreHarness>> Create() {
    auto harness = std::unique_ptr<MvccHarness>(new MvccHarness(UniqueTempDir()));
    std::error_code error;
    fs::create_directories(harness->dir_, error);
    if (error) {
      return absl::InternalError("cannot create " + harness->dir_.string() + ": " +
                                 error.message());
    }
    if (absl::Status status = harness->Open(); !status.ok()) return status;
    return std::unique_ptr<KvStoreHarness>(std::move(harness));
  }

  ~MvccHarness() override {
    Close();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  KvStore* store() override { return store_.get(); }

  bool SupportsTime() const override { return true; }
  void AdvanceTimeMs(int64_t ms) override { clock_.AdvanceMs(ms); }

  bool SupportsRestart() const override { return true; }
  absl::Status Restart() override {
    Close();
    return Open();
  }

  void ExpireLeases() override { store_->CheckLeases(); }
  void PumpWatchers() override { store_->SyncWatchers(); }
  int64_t WatchQueueLimit() const override { return kWatchQueueLimit; }
  int64_t ProgressNotifyIntervalMs() const override { return kProgressNotifyIntervalMs; }

 private:
  explicit MvccHarness(fs::path dir) : dir_(std::move(dir)) {}

  absl::Status Open() {
    Options options;
    options.data_dir = dir_.string();
    options.sync_writes = false;
    options.background_threads = false;
    options.watch_stream_queue_limit = kWatchQueueLimit;
    options.progress_notify_interval_ms = kProgressNotifyIntervalMs;
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<MvccStore>> store = MvccStore::Open(options);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    return absl::OkStatus();
  }

  void Close() {
    if (store_ == nullptr) return;
    store_->Stop();
    store_.reset();
  }

  const fs::path dir_;
  base::ManualClock clock_;
  std::unique_ptr<MvccStore> store_;
};

}  // namespace
}  // namespace aio::store::mvcc

AIO_INSTANTIATE_KV_STORE_CONFORMANCE(Mvcc, &::aio::store::mvcc::MvccHarness::Create);
