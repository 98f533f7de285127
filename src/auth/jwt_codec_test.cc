#include "auth/jwt_codec.h"

#include <map>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace aio::auth {
namespace {

constexpr int64_t kNow = 1'700'000'000;

TokenClaims Claims() {
  return {.subject = "alice",
          .kind = "user",
          .roles = {"dev", "ops"},
          .issued_at = kNow,
          .expires_at = kNow + 3600,
          .jti = "j1"};
}

KeyLookup Keys(std::map<std::string, std::string> keys) {
  return [keys](std::string_view kid) -> std::optional<std::string> {
    auto it = keys.find(std::string(kid));
    if (it == keys.end()) return std::nullopt;
    return it->second;
  };
}

std::string Part(const std::string& json) { return absl::WebSafeBase64Escape(json); }

TEST(JwtCodecTest, RoundTripsTheClaims) {
  absl::StatusOr<std::string> token = EncodeJwt(Claims(), "k1", "secret-1");
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<TokenClaims> claims = DecodeJwt(*token, Keys({{"k1", "secret-1"}}), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->kind, "user");
  EXPECT_EQ(claims->roles, (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(claims->expires_at, kNow + 3600);
  EXPECT_EQ(claims->jti, "j1");
  EXPECT_EQ(claims->kid, "k1");
}

TEST(JwtCodecTest, ExpiredTokensAreRefused) {
  std::string token = *EncodeJwt(Claims(), "k1", "s");
  EXPECT_TRUE(DecodeJwt(token, Keys({{"k1", "s"}}), kNow + 3599).ok());
  absl::Status expired = DecodeJwt(token, Keys({{"k1", "s"}}), kNow + 3600).status();
  EXPECT_EQ(expired.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(expired.message(), "token expired");
}

TEST(JwtCodecTest, RotationVerifiesWithTheKeyNamedByKid) {
  const std::string old_token = *EncodeJwt(Claims(), "old", "secret-old");
  const std::string new_token = *EncodeJwt(Claims(), "new", "secret-new");
  const KeyLookup both = Keys({{"old", "secret-old"}, {"new", "secret-new"}});
  EXPECT_TRUE(DecodeJwt(old_token, both, kNow).ok());
  EXPECT_TRUE(DecodeJwt(new_token, both, kNow).ok());
  // Once the old key is dropped its tokens stop verifying.
  absl::Status gone = DecodeJwt(old_token, Keys({{"new", "secret-new"}}), kNow).status();
  EXPECT_EQ(gone.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(gone.message().find("unknown or retired signing key"), std::string::npos);
}

TEST(JwtCodecTest, WrongSignatureIsRefused) {
  const std::string token = *EncodeJwt(Claims(), "k1", "secret-1");
  absl::Status bad = DecodeJwt(token, Keys({{"k1", "another"}}), kNow).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(bad.message().find("bad signature"), std::string::npos) << bad;
  // A tampered payload with the original signature.
  const size_t a = token.find('.'), b = token.rfind('.');
  const std::string forged =
      token.substr(0, a + 1) +
      Part(R"({"iss":"aio","sub":"root","iat":1,"exp":9999999999,"jti":"x"})") + token.substr(b);
  EXPECT_FALSE(DecodeJwt(forged, Keys({{"k1", "secret-1"}}), kNow).ok());
}

TEST(JwtCodecTest, AlgNoneAndOtherAlgorithmsAreRefused) {
  const std::string payload =
      Part(R"({"iss":"aio","sub":"admin","iat":1,"exp":9999999999,"jti":"x"})");
  for (const char* header :
       {R"({"alg":"none","typ":"JWT","kid":"k1"})", R"({"alg":"HS512","typ":"JWT","kid":"k1"})",
        R"({"alg":"RS256","typ":"JWT","kid":"k1"})"}) {
    const std::string token = Part(header) + "." + payload + ".";
    absl::Status status = DecodeJwt(token, Keys({{"k1", "s"}}), kNow).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << header;
    EXPECT_NE(status.message().find("unsupported algorithm"), std::string::npos) << status;
  }
}

TEST(JwtCodecTest, MalformedTokensGetClearErrors) {
  const KeyLookup keys = Keys({{"k1", "s"}});
  for (const std::string token :
       {std::string(""), std::string("abc"), std::string("a.b"), std::string("!!!.b.c"),
        Part("[1,2]") + ".e30.sig", Part(R"({"alg":"HS256"})") + ".e30.sig",
        std::string(9000, 'a') + ".b.c"}) {
    absl::Status status = DecodeJwt(token, keys, kNow).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << token.substr(0, 40);
    EXPECT_EQ(status.message().rfind("invalid token: ", 0), 0u) << status;
  }
}

}  // namespace
}  // namespace aio::auth
