#include "configcenter/config_cipher.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "fmt/format.h"

namespace aio::configcenter {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kHkdfInfo = "aio/configcenter/v1";

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

absl::StatusOr<ConfigCipher> ConfigCipher::Create(std::string_view salt) {
  if (salt.empty()) {
    return absl::FailedPreconditionError(
        "encrypted config values need system.config_salt: set it to a unique random value in "
        "aio.yaml");
  }
  ConfigCipher cipher;
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  size_t length = cipher.key_.size();
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), Bytes(salt), static_cast<int>(salt.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), Bytes(kHkdfInfo),
                                  static_cast<int>(kHkdfInfo.size())) <= 0 ||
      EVP_PKEY_derive(ctx.get(), cipher.key_.data(), &length) <= 0 ||
      length != cipher.key_.size()) {
    return absl::InternalError("HKDF key derivation failed (OpenSSL)");
  }
  return cipher;
}

absl::StatusOr<std::string> ConfigCipher::Encrypt(std::string_view plaintext,
                                                  std::string_view aad) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  unsigned char* body = nonce + kNonceBytes;
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  int final_bytes = 0;
  if (RAND_bytes(nonce, kNonceBytes) != 1 || ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &written, Bytes(aad), static_cast<int>(aad.size())) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), body, &written, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + written, &final_bytes) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, body + plaintext.size()) !=
          1) {
    return absl::InternalError("AES-256-GCM encryption failed (OpenSSL)");
  }
  return std::string(kCiphertextPrefix) + absl::Base64Escape(out);
}

absl::StatusOr<std::string> ConfigCipher::Decrypt(std::string_view stored,
                                                  std::string_view aad) const {
  std::string raw;
  if (!stored.starts_with(kCiphertextPrefix) ||
      !absl::Base64Unescape(std::string(stored.substr(kCiphertextPrefix.size())), &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::InvalidArgumentError(
        fmt::format("not an encrypted value (expected \"{}\" and base64 of nonce, ciphertext and "
                    "tag)",
                    kCiphertextPrefix));
  }
  const size_t body_bytes = raw.size() - kNonceBytes - kTagBytes;
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw.data());
  const unsigned char* body = nonce + kNonceBytes;
  std::string plaintext(body_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  int final_bytes = 0;
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &written, Bytes(aad), static_cast<int>(aad.size())) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), out, &written, body, static_cast<int>(body_bytes)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          const_cast<unsigned char*>(body + body_bytes)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out + written, &final_bytes) != 1) {
    return absl::DataLossError(
        "cannot decrypt the value: wrong system.config_salt or damaged ciphertext");
  }
  return plaintext;
}

}  // namespace aio::configcenter
