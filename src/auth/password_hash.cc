#include "auth/password_hash.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "fmt/format.h"

namespace aio::auth {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
// Longer passwords are refused: hashing cost must not depend on attacker-sized input.
constexpr size_t kMaxPasswordBytes = 1024;

}  // namespace

std::string RandomBytes(size_t bytes) {
  std::string out(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(bytes)) != 1) {
    // Without a working CSPRNG no secret AIO makes would be safe.
    std::abort();
  }
  return out;
}

std::string RandomToken(size_t bytes) { return absl::WebSafeBase64Escape(RandomBytes(bytes)); }

absl::StatusOr<std::string> HashPassword(std::string_view password, Argon2Params params) {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(
        fmt::format("password is longer than {} bytes", kMaxPasswordBytes));
  }
  const std::string salt = RandomBytes(kSaltBytes);
  const size_t length = argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                          kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(length);
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return absl::InternalError(fmt::format("argon2id: {}", argon2_error_message(rc)));
  }
  return std::string(encoded.data());
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  if (encoded.rfind("$argon2id$", 0) != 0 || password.size() > kMaxPasswordBytes) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace aio::auth
