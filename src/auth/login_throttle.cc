#include "auth/login_throttle.h"

#include <algorithm>
#include <vector>

#include "fmt/format.h"

namespace aio::auth {
namespace {

std::string UserKey(std::string_view user) { return fmt::format("user:{}", user); }
std::string SourceKey(std::string_view source) { return fmt::format("addr:{}", source); }

}  // namespace

LoginThrottle::LoginThrottle(base::Clock* clock, ThrottleOptions options)
    : clock_(clock), options_(options) {}

absl::Status LoginThrottle::Check(std::string_view user, std::string_view source) {
  const int64_t now = clock_->NowMs();
  absl::MutexLock lock(&mu_);
  for (const auto& [key, what] :
       {std::pair{UserKey(user), fmt::format("user \"{}\"", user)},
        std::pair{SourceKey(source), fmt::format("address {}", source)}}) {
    if (source.empty() && key.rfind("addr:", 0) == 0) continue;
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.retry_at_ms > now) {
      const int64_t wait_s = (it->second.retry_at_ms - now + 999) / 1000;
      return absl::ResourceExhaustedError(
          fmt::format("too many failed logins for {}; retry in {} s", what, wait_s));
    }
  }
  return absl::OkStatus();
}

void LoginThrottle::Fail(const std::string& key, int64_t now) {
  Entry& entry = entries_[key];
  entry.failures++;
  entry.last_ms = now;
  const int64_t over = entry.failures - options_.free_failures;
  if (over <= 0) return;
  int64_t delay = options_.base_delay_ms;
  for (int64_t i = 1; i < over && delay < options_.max_delay_ms; ++i) delay *= 2;
  entry.retry_at_ms = now + std::min(delay, options_.max_delay_ms);
}

void LoginThrottle::Prune(int64_t now) {
  if (entries_.size() <= options_.max_entries) return;
  // Forget records idle for longer than the longest back-off first, then the oldest ones.
  std::vector<std::pair<int64_t, std::string>> by_age;
  for (const auto& [key, entry] : entries_) by_age.emplace_back(entry.last_ms, key);
  std::sort(by_age.begin(), by_age.end());
  for (const auto& [last, key] : by_age) {
    if (entries_.size() <= options_.max_entries * 9 / 10 && now - last < options_.max_delay_ms) {
      break;
    }
    entries_.erase(key);
  }
}

void LoginThrottle::RecordFailure(std::string_view user, std::string_view source) {
  const int64_t now = clock_->NowMs();
  absl::MutexLock lock(&mu_);
  Fail(UserKey(user), now);
  if (!source.empty()) Fail(SourceKey(source), now);
  Prune(now);
}

void LoginThrottle::RecordSuccess(std::string_view user, std::string_view source) {
  absl::MutexLock lock(&mu_);
  entries_.erase(UserKey(user));
  if (!source.empty()) entries_.erase(SourceKey(source));
}

}  // namespace aio::auth
