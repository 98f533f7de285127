#include "net/tls.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "base/logging.h"
#include "fmt/format.h"

namespace aio::net {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

constexpr int kCaDays = 3650;
constexpr int kLeafDays = 825;  // the longest validity clients such as macOS accept

// OpenSSL's reason for the last failure (and clears its error queue).
std::string OpenSslError() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    if (!out.empty()) out += "; ";
    out += text.data();
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// One PEM object ("certificate", "private key") read from `path` by `Read` (PEM_read_bio_*).
template <class Ptr, auto Read>
absl::StatusOr<Ptr> LoadPem(const std::string& path, const char* what) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (bio == nullptr) {
    ERR_clear_error();
    return absl::NotFoundError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  Ptr object(Read(bio.get(), nullptr, nullptr, nullptr));
  if (object == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("{}: not a PEM {}: {}", path, what, OpenSslError()));
  }
  return object;
}

absl::StatusOr<X509Ptr> LoadCertificate(const std::string& path) {
  return LoadPem<X509Ptr, PEM_read_bio_X509>(path, "certificate");
}

absl::StatusOr<KeyPtr> LoadKey(const std::string& path) {
  return LoadPem<KeyPtr, PEM_read_bio_PrivateKey>(path, "private key");
}

// Writes `content` to `path` atomically (temp file + rename) with `mode`.
absl::Status WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        fmt::format("{}: cannot create: {}", tmp, std::strerror(errno)));
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return absl::InternalError(fmt::format("{}: write failed: {}", tmp, std::strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return absl::InternalError(fmt::format("{}: write failed: {}", tmp, std::strerror(errno)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(fmt::format("{}: cannot rename: {}", path, ec.message()));
  return absl::OkStatus();
}

absl::Status WritePem(const std::string& path, const X509* cert, const EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  const bool ok = cert != nullptr ? PEM_write_bio_X509(bio.get(), cert) == 1
                                  : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                                             nullptr, nullptr) == 1;
  if (!ok) return absl::InternalError(fmt::format("{}: {}", path, OpenSslError()));
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return WriteFile(path, std::string(data, static_cast<size_t>(size)), cert ? 0644 : 0600);
}

absl::StatusOr<KeyPtr> NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return absl::InternalError("cannot create an EC key: " + OpenSslError());
  return key;
}

struct CertSpec {
  std::string common_name;
  int days = 0;
  // (NID, value in openssl.cnf syntax), e.g. {NID_basic_constraints, "critical,CA:TRUE"}.
  std::vector<std::pair<int, std::string>> extensions;
};

// A certificate for `key` signed by `issuer` / `issuer_key` (self-signed when issuer is null).
absl::StatusOr<X509Ptr> Issue(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                              EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  BnPtr serial(BN_new());
  bool ok =
      cert != nullptr && serial != nullptr && X509_set_version(cert.get(), 2) == 1 &&
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), int64_t{spec.days} * 86400) != nullptr &&
      X509_set_pubkey(cert.get(), key) == 1;
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok &&
       X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>("AIO"), -1, -1, 0) == 1 &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                  -1, -1, 0) == 1 &&
       X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) ==
           1;
  if (!ok) return absl::InternalError("cannot build a certificate: " + OpenSslError());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : spec.extensions) {
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (ext == nullptr || X509_add_ext(cert.get(), ext.get(), -1) != 1) {
      return absl::InternalError(
          fmt::format("certificate extension {}: {}", value, OpenSslError()));
    }
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    return absl::InternalError("cannot sign a certificate: " + OpenSslError());
  }
  return cert;
}

absl::Status VerifyAgainst(X509* cert, X509* ca) {
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) {
    return absl::InternalError("cannot verify a certificate: " + OpenSslError());
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::InvalidArgumentError(X509_verify_cert_error_string(error));
  }
  return absl::OkStatus();
}

std::string Fingerprint(const X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int size = 0;
  X509_digest(cert, EVP_sha256(), md.data(), &size);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i > 0) out += ':';
    out += fmt::format("{:02X}", md[i]);
  }
  return out;
}

// The leaf at `cert_path` / `key_path` when it loads, matches its key, verifies against `ca` and
// covers every host in `hosts`; else a new one signed by `ca`, written to the files.
absl::Status EnsureLeaf(const std::string& cert_path, const std::string& key_path,
                        const CertSpec& spec, const std::vector<std::string>& hosts, X509* ca,
                        EVP_PKEY* ca_key) {
  absl::StatusOr<X509Ptr> cert = LoadCertificate(cert_path);
  absl::StatusOr<KeyPtr> key = LoadKey(key_path);
  if (cert.ok() && key.ok() && X509_check_private_key(cert->get(), key->get()) == 1 &&
      VerifyAgainst(cert->get(), ca).ok()) {
    bool covers = true;
    for (const std::string& host : hosts) {
      covers = covers && X509_check_host(cert->get(), host.data(), host.size(), 0, nullptr) == 1;
    }
    if (covers) return absl::OkStatus();
  }
  ERR_clear_error();
  absl::StatusOr<KeyPtr> fresh_key = NewKey();
  if (!fresh_key.ok()) return fresh_key.status();
  absl::StatusOr<X509Ptr> fresh = Issue(spec, fresh_key->get(), ca, ca_key);
  if (!fresh.ok()) return fresh.status();
  if (absl::Status s = WritePem(key_path, nullptr, fresh_key->get()); !s.ok()) return s;
  return WritePem(cert_path, fresh->get(), nullptr);
}

}  // namespace

std::string LocalHostname() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "";
  return name.data();
}

absl::StatusOr<AutoTls> EnsureAutoTls(const std::string& dir,
                                      const std::vector<std::string>& hostnames) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::PermissionDeniedError(fmt::format("{}: cannot create: {}", dir, ec.message()));
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  const auto path = [&dir](const char* name) {
    return (std::filesystem::path(dir) / name).string();
  };
  AutoTls out;
  out.server = {
      .cert_file = path("server.crt"), .key_file = path("server.key"), .ca_file = path("ca.crt")};
  out.client_cert_file = path("client.crt");
  out.client_key_file = path("client.key");
  const std::string ca_key_file = path("ca.key");

  // The CA: created once; a CA file that exists but does not load is an error, never replaced,
  // since clients trust it.
  X509Ptr ca;
  KeyPtr ca_key;
  if (!std::filesystem::exists(out.server.ca_file) && !std::filesystem::exists(ca_key_file)) {
    absl::StatusOr<KeyPtr> key = NewKey();
    if (!key.ok()) return key.status();
    const std::string host = LocalHostname();
    absl::StatusOr<X509Ptr> cert =
        Issue({.common_name = host.empty() ? "AIO CA" : "AIO CA " + host,
               .days = kCaDays,
               .extensions = {{NID_basic_constraints, "critical,CA:TRUE"},
                              {NID_key_usage, "critical,keyCertSign,cRLSign"},
                              {NID_subject_key_identifier, "hash"}}},
              key->get(), nullptr, nullptr);
    if (!cert.ok()) return cert.status();
    if (absl::Status s = WritePem(ca_key_file, nullptr, key->get()); !s.ok()) return s;
    if (absl::Status s = WritePem(out.server.ca_file, cert->get(), nullptr); !s.ok()) return s;
    ca = *std::move(cert);
    ca_key = *std::move(key);
    out.created_ca = true;
  } else {
    absl::StatusOr<X509Ptr> cert = LoadCertificate(out.server.ca_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<KeyPtr> key = LoadKey(ca_key_file);
    if (!key.ok()) return key.status();
    if (X509_check_private_key(cert->get(), key->get()) != 1) {
      ERR_clear_error();
      return absl::FailedPreconditionError(
          fmt::format("{} does not belong to {}", ca_key_file, out.server.ca_file));
    }
    ca = *std::move(cert);
    ca_key = *std::move(key);
  }

  std::vector<std::string> hosts = {"localhost"};
  for (const std::string& host : hostnames) {
    if (!host.empty() && host != "localhost") hosts.push_back(host);
  }
  std::string san = "IP:127.0.0.1,IP:::1";
  for (const std::string& host : hosts) san += ",DNS:" + host;
  const CertSpec server{.common_name = hosts.back(),
                        .days = kLeafDays,
                        .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                                       {NID_key_usage, "critical,digitalSignature"},
                                       {NID_ext_key_usage, "serverAuth"},
                                       {NID_subject_alt_name, san},
                                       {NID_authority_key_identifier, "keyid"}}};
  if (absl::Status s = EnsureLeaf(out.server.cert_file, out.server.key_file, server, hosts,
                                  ca.get(), ca_key.get());
      !s.ok()) {
    return s;
  }
  const CertSpec client{.common_name = "aio-client",
                        .days = kLeafDays,
                        .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                                       {NID_key_usage, "critical,digitalSignature"},
                                       {NID_ext_key_usage, "clientAuth"},
                                       {NID_authority_key_identifier, "keyid"}}};
  if (absl::Status s =
          EnsureLeaf(out.client_cert_file, out.client_key_file, client, {}, ca.get(), ca_key.get());
      !s.ok()) {
    return s;
  }
  out.ca_fingerprint = Fingerprint(ca.get());
  return out;
}

absl::StatusOr<TlsFiles> ListenerTlsFiles(const base::TlsConfig& config,
                                          const std::string& data_dir) {
  if (config.auto_generate) {
    const std::string dir = (std::filesystem::path(data_dir) / "tls").string();
    absl::StatusOr<AutoTls> generated = EnsureAutoTls(dir, {LocalHostname()});
    if (!generated.ok()) {
      return absl::Status(generated.status().code(),
                          "tls.auto: " + std::string(generated.status().message()));
    }
    base::GetLogger("tls")->info(
        "tls.auto {} CA {} sha256={} (clients trust this CA; client certificate {})",
        generated->created_ca ? "created" : "reuses", generated->server.ca_file,
        generated->ca_fingerprint, generated->client_cert_file);
    TlsFiles files = generated->server;
    if (!config.ca_file.empty()) files.ca_file = config.ca_file;
    return files;
  }
  if (config.cert_file.empty()) return TlsFiles{};
  TlsFiles files{
      .cert_file = config.cert_file, .key_file = config.key_file, .ca_file = config.ca_file};
  if (absl::Status checked = CheckTlsFiles(files); !checked.ok()) return checked;
  return files;
}

absl::Status CheckTlsFiles(const TlsFiles& files) {
  absl::StatusOr<X509Ptr> cert = LoadCertificate(files.cert_file);
  if (!cert.ok())
    return absl::InvalidArgumentError("tls.cert_file " + std::string(cert.status().message()));
  absl::StatusOr<KeyPtr> key = LoadKey(files.key_file);
  if (!key.ok())
    return absl::InvalidArgumentError("tls.key_file " + std::string(key.status().message()));
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        fmt::format("tls.key_file {} does not belong to {}", files.key_file, files.cert_file));
  }
  if (!files.ca_file.empty()) {
    absl::StatusOr<X509Ptr> ca = LoadCertificate(files.ca_file);
    if (!ca.ok())
      return absl::InvalidArgumentError("tls.ca_file " + std::string(ca.status().message()));
  }
  return absl::OkStatus();
}

absl::Status VerifyCertificate(const std::string& cert_file, const std::string& ca_file) {
  absl::StatusOr<X509Ptr> cert = LoadCertificate(cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<X509Ptr> ca = LoadCertificate(ca_file);
  if (!ca.ok()) return ca.status();
  return VerifyAgainst(cert->get(), ca->get());
}

absl::StatusOr<std::string> CertificateFingerprint(const std::string& cert_file) {
  absl::StatusOr<X509Ptr> cert = LoadCertificate(cert_file);
  if (!cert.ok()) return cert.status();
  return Fingerprint(cert->get());
}

absl::StatusOr<std::string> ReadTlsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace aio::net
