#include "auth/password_hash.h"

#include <chrono>

#include "gtest/gtest.h"

namespace aio::auth {
namespace {

TEST(PasswordHashTest, VerifiesTheRightPasswordOnly) {
  absl::StatusOr<std::string> hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse ", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordHashTest, SaltsEveryHash) {
  absl::StatusOr<std::string> a = HashPassword("same");
  absl::StatusOr<std::string> b = HashPassword("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same", *b));
}

TEST(PasswordHashTest, MalformedHashesAndHugePasswordsAreRefused) {
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA"));
  EXPECT_FALSE(VerifyPassword("x", "$argon2id$garbage"));
  EXPECT_EQ(HashPassword(std::string(2000, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PasswordHashTest, OneHashStaysWithinTheLoginBudget) {
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(HashPassword("timing").ok());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  // ~50 ms is the target on an idle core; allow for a loaded CI machine.
  EXPECT_LT(ms, 500);
}

TEST(PasswordHashTest, RandomTokensAreUrlSafeAndDistinct) {
  const std::string a = RandomToken(18);
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_NE(a, RandomToken(18));
}

}  // namespace
}  // namespace aio::auth
