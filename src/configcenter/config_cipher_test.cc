#include "configcenter/config_cipher.h"

#include <gtest/gtest.h>

namespace aio::configcenter {
namespace {

TEST(ConfigCipherTest, RoundTripsAndNeverRepeatsCiphertext) {
  absl::StatusOr<ConfigCipher> cipher = ConfigCipher::Create("123456789087654321");
  ASSERT_TRUE(cipher.ok()) << cipher.status();
  absl::StatusOr<std::string> a = cipher->Encrypt("s3cret", "prod/db.password");
  absl::StatusOr<std::string> b = cipher->Encrypt("s3cret", "prod/db.password");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->starts_with(kCiphertextPrefix));
  EXPECT_EQ(a->find("s3cret"), std::string::npos);
  EXPECT_NE(*a, *b);  // fresh nonce each time
  EXPECT_EQ(*cipher->Decrypt(*a, "prod/db.password"), "s3cret");
  EXPECT_EQ(*cipher->Decrypt(*cipher->Encrypt("", "x"), "x"), "");
}

TEST(ConfigCipherTest, WrongSaltOrKeyDoesNotDecrypt) {
  ConfigCipher right = *ConfigCipher::Create("salt-one");
  ConfigCipher wrong = *ConfigCipher::Create("salt-two");
  const std::string sealed = *right.Encrypt("s3cret", "prod/k");
  absl::StatusOr<std::string> other_salt = wrong.Decrypt(sealed, "prod/k");
  EXPECT_EQ(other_salt.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(other_salt.status().message(),
            "cannot decrypt the value: wrong system.config_salt or damaged ciphertext");
  EXPECT_EQ(right.Decrypt(sealed, "dev/k").status().code(), absl::StatusCode::kDataLoss);
  std::string damaged = sealed;
  // A character in the middle: every bit of it is ciphertext (the last ones may be padding bits).
  const size_t middle = damaged.size() / 2;
  damaged[middle] = damaged[middle] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(right.Decrypt(damaged, "prod/k").ok());
  EXPECT_EQ(right.Decrypt("plaintext", "prod/k").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ConfigCipherTest, EmptySaltIsRefused) {
  absl::StatusOr<ConfigCipher> cipher = ConfigCipher::Create("");
  EXPECT_EQ(cipher.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(cipher.status().message(),
            "encrypted config values need system.config_salt: set it to a unique random value in "
            "aio.yaml");
}

}  // namespace
}  // namespace aio::configcenter
