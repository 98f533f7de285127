// JWT encoding and verification (libjwt, HS256 only) for AIO's access tokens. Pure functions over
// explicit keys and an explicit "now", so expiry and rotation are tested without a clock.
//
// Header: {"alg":"HS256","typ":"JWT","kid":<signing key id>}. Claims: iss "aio", sub, kind
// ("user" or "client"), roles, iat, exp (Unix seconds), jti. Anything else is refused: another
// alg (including "none"), a missing kid, a wrong signature, a token over 8 KiB, iss other than
// "aio", an expired token. Errors are Unauthenticated with a message naming the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace aio::auth {

inline constexpr size_t kMaxTokenBytes = 8192;

struct TokenClaims {
  std::string subject;  // user name or client_key
  std::string kind;     // "user" or "client"
  std::vector<std::string> roles;
  int64_t issued_at = 0;   // Unix seconds
  int64_t expires_at = 0;  // Unix seconds
  std::string jti;
  std::string kid;  // the signing key (from the header)
};

// Signs `claims` with HS256 under `kid`/`secret`.
absl::StatusOr<std::string> EncodeJwt(const TokenClaims& claims, std::string_view kid,
                                      std::string_view secret);

// The secret of a signing key id, or nullopt if unknown (or no longer valid for verification).
using KeyLookup = std::function<std::optional<std::string>(std::string_view kid)>;

absl::StatusOr<TokenClaims> DecodeJwt(std::string_view token, const KeyLookup& keys, int64_t now_s);

}  // namespace aio::auth
