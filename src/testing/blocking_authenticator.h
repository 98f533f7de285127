// BlockingAuthenticator: a fake auth::Authenticator for front-end tests that must show a password
// check does not hold up an I/O thread. Test-only.
//
// Knows alice/secret and fast/secret, and the token "good". A password check for any user but
// "fast" blocks until Release() (or 10 s). Thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"

namespace aio::testing {

class BlockingAuthenticator : public auth::Authenticator {
 public:
  bool enabled() const override { return true; }
  absl::StatusOr<auth::Identity> AuthenticatePassword(std::string_view user,
                                                      std::string_view password,
                                                      std::string_view /*source*/) override {
    ++calls_;
    if (!entered_.HasBeenNotified()) entered_.Notify();
    if (user != "fast") release_.WaitForNotificationWithTimeout(absl::Seconds(10));
    if ((user == "alice" || user == "fast") && password == "secret") {
      return auth::Identity{.user = std::string(user), .admin = true};
    }
    return absl::UnauthenticatedError("wrong password");
  }
  absl::StatusOr<auth::Identity> AuthenticateToken(std::string_view token,
                                                   std::string_view /*source*/) override {
    if (token == "good") return auth::Identity{.user = "token-user"};
    return absl::UnauthenticatedError("bad token");
  }

  // True once a password check has started (waits up to 5 s).
  bool WaitEntered() { return entered_.WaitForNotificationWithTimeout(absl::Seconds(5)); }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  int calls() const { return calls_.load(); }

 private:
  absl::Notification entered_;
  absl::Notification release_;
  std::atomic<int> calls_{0};
};

}  // namespace aio::testing
