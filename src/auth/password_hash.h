// Password and secret hashing with Argon2id (libargon2), and random secrets (OpenSSL RAND_bytes).
// Thread-safe.
//
// Parameters: t=2 passes over m=19 MiB with one lane (OWASP's Argon2id baseline), about 20-40 ms
// per hash on one core here, so a login stays under the ~50 ms budget. The encoded string carries
// its parameters ($argon2id$v=19$m=...,t=...,p=...$salt$hash), so they can be raised later
// without invalidating stored hashes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace aio::auth {

struct Argon2Params {
  uint32_t time_cost = 2;
  uint32_t memory_kib = 19 * 1024;
  uint32_t parallelism = 1;
};

// An encoded Argon2id hash of `password` with a fresh 16-byte salt.
absl::StatusOr<std::string> HashPassword(std::string_view password, Argon2Params params = {});
// Whether `password` matches `encoded` (constant time); false for a malformed `encoded`.
bool VerifyPassword(std::string_view password, const std::string& encoded);

// `bytes` random bytes from the OS CSPRNG.
std::string RandomBytes(size_t bytes);
// A random URL-safe text of `bytes` random bytes (base64url, no padding).
std::string RandomToken(size_t bytes);

}  // namespace aio::auth
