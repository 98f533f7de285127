// ConfigCipher: AES-256-GCM for encrypted config values (OpenSSL EVP). The 256-bit key is derived
// with HKDF-SHA256 (RFC 5869) from system.config_salt, info "aio/configcenter/v1"; every value gets
// a fresh 96-bit random nonce and is bound to its environment and key as additional authenticated
// data, so a ciphertext copied to another key does not decrypt.
//
// Stored form: "aes256gcm:" + base64(nonce[12] | ciphertext | tag[16]).
// Thread-safe (immutable after Create).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace aio::configcenter {

inline constexpr std::string_view kCiphertextPrefix = "aes256gcm:";

class ConfigCipher {
 public:
  // FailedPrecondition when `salt` is empty: "encrypted config values need system.config_salt:
  // set it to a unique random value in aio.yaml".
  static absl::StatusOr<ConfigCipher> Create(std::string_view salt);

  // The stored form of `plaintext`, bound to `aad` (env + key).
  absl::StatusOr<std::string> Encrypt(std::string_view plaintext, std::string_view aad) const;
  // The plaintext of a stored form. DataLoss "cannot decrypt ..." for a wrong key, wrong aad or
  // damaged ciphertext; InvalidArgument when `stored` is not in the stored form.
  absl::StatusOr<std::string> Decrypt(std::string_view stored, std::string_view aad) const;

 private:
  ConfigCipher() = default;
  std::array<unsigned char, 32> key_{};
};

}  // namespace aio::configcenter
