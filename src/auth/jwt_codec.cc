#include "auth/jwt_codec.h"

#include <jwt.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace aio::auth {
namespace {

using nlohmann::json;

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct CFree {
  void operator()(char* p) const { std::free(p); }
};

absl::Status Invalid(std::string_view why) {
  return absl::UnauthenticatedError(fmt::format("invalid token: {}", why));
}

}  // namespace

absl::StatusOr<std::string> EncodeJwt(const TokenClaims& claims, std::string_view kid,
                                      std::string_view secret) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const std::string kid_text(kid);
  const json grants = {
      {"iss", "aio"},          {"sub", claims.subject},   {"kind", claims.kind},
      {"roles", claims.roles}, {"iat", claims.issued_at}, {"exp", claims.expires_at},
      {"jti", claims.jti}};
  const std::string grants_json = grants.dump(-1, ' ', false, json::error_handler_t::replace);
  if (jwt_add_grants_json(jwt.get(), grants_json.c_str()) != 0 ||
      jwt_add_header(jwt.get(), "kid", kid_text.c_str()) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    return absl::InternalError("cannot build the JWT");
  }
  std::unique_ptr<char, CFree> encoded(jwt_encode_str(jwt.get()));
  if (encoded == nullptr) return absl::InternalError("jwt_encode_str failed");
  return std::string(encoded.get());
}

absl::StatusOr<TokenClaims> DecodeJwt(std::string_view token, const KeyLookup& keys,
                                      int64_t now_s) {
  if (token.empty()) return Invalid("empty");
  if (token.size() > kMaxTokenBytes) return Invalid("longer than 8 KiB");
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) == std::string_view::npos) {
    return Invalid("not a JWT (expected header.payload.signature)");
  }
  // The header is checked before libjwt sees the token: only HS256 with a known key id passes,
  // so "alg":"none" and algorithm confusion never reach signature handling.
  std::string header_text;
  if (!absl::WebSafeBase64Unescape(std::string(token.substr(0, dot)), &header_text)) {
    return Invalid("header is not base64url");
  }
  const json header = json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Invalid("header is not a JSON object");
  const json alg = header.value("alg", json());
  if (!alg.is_string() || alg.get<std::string>() != "HS256") {
    return Invalid(fmt::format("unsupported algorithm {} (only HS256)", alg.dump()));
  }
  const json kid = header.value("kid", json());
  if (!kid.is_string()) return Invalid("no key id");
  std::optional<std::string> secret = keys(kid.get<std::string>());
  if (!secret) return Invalid("unknown or retired signing key");

  const std::string text(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret->data()),
                 static_cast<int>(secret->size())) != 0) {
    return Invalid("bad signature");
  }
  JwtPtr jwt(raw);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return Invalid("bad algorithm");
  std::unique_ptr<char, CFree> grants_text(jwt_get_grants_json(jwt.get(), nullptr));
  if (grants_text == nullptr) return Invalid("no claims");
  const json grants = json::parse(grants_text.get(), nullptr, /*allow_exceptions=*/false);
  if (!grants.is_object()) return Invalid("claims are not a JSON object");

  TokenClaims claims;
  try {
    if (grants.value("iss", "") != "aio") return Invalid("issuer is not aio");
    claims.subject = grants.at("sub").get<std::string>();
    claims.kind = grants.value("kind", "user");
    claims.roles = grants.value("roles", std::vector<std::string>{});
    claims.issued_at = grants.at("iat").get<int64_t>();
    claims.expires_at = grants.at("exp").get<int64_t>();
    claims.jti = grants.at("jti").get<std::string>();
  } catch (const json::exception&) {
    return Invalid("missing or malformed claims (sub, iat, exp, jti)");
  }
  claims.kid = kid.get<std::string>();
  if (claims.subject.empty()) return Invalid("empty subject");
  if (claims.expires_at <= now_s) return absl::UnauthenticatedError("token expired");
  return claims;
}

}  // namespace aio::auth
