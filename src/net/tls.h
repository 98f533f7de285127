// TLS material for AIO's listeners (OpenSSL 3, EVP APIs): loading configured PEM files, and
// `tls.auto`, which creates a private CA and certificates signed by it at first start and reuses
// them afterwards.
//
// tls.auto writes into `dir` (created 0700; keys 0600):
//   ca.crt / ca.key          the CA (ECDSA P-256, 10 years, CN "AIO CA <hostname>")
//   server.crt / server.key  the server certificate (ECDSA P-256, 825 days; SANs localhost,
//                            127.0.0.1, ::1 and the host names given); extKeyUsage serverAuth
//   client.crt / client.key  a client certificate (CN "aio-client", extKeyUsage clientAuth) for
//                            tls.client_auth
// At later starts the files are reused when they load and the certificates verify against the CA;
// an expired (or unverifiable) server or client certificate is issued anew by the same CA, so
// clients that trust ca.crt keep working. Thread-compatible: call at start-up.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/config.h"

namespace aio::net {

// PEM files of one TLS listener; ca_file may be "" (no client certificates).
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
};

struct AutoTls {
  TlsFiles server;  // ca_file is the generated CA
  std::string client_cert_file;
  std::string client_key_file;
  std::string ca_fingerprint;  // SHA-256 of the CA certificate (DER), "AB:CD:..."
  bool created_ca = false;     // this call created the CA (first start)
};

// The TLS files of the listeners from the `tls` config section: {} (plaintext) when TLS is not
// configured, the configured files (checked), or the tls.auto files in <data_dir>/tls, whose CA
// path and SHA-256 fingerprint are logged.
absl::StatusOr<TlsFiles> ListenerTlsFiles(const base::TlsConfig& config,
                                          const std::string& data_dir);

// This machine's host name ("" if unknown).
std::string LocalHostname();

// Creates or reuses the tls.auto files in `dir`; `hostnames` are extra DNS SANs of the server
// certificate (the node's host name). Errors name the file and OpenSSL's reason.
absl::StatusOr<AutoTls> EnsureAutoTls(const std::string& dir,
                                      const std::vector<std::string>& hostnames);

// Checks configured files before a listener uses them: the certificate and key load and match,
// and the CA (if any) loads. Errors: "tls.cert_file /x: ..." and the like.
absl::Status CheckTlsFiles(const TlsFiles& files);

// Whether `cert_file` is signed by `ca_file` and valid now.
absl::Status VerifyCertificate(const std::string& cert_file, const std::string& ca_file);

// The SHA-256 fingerprint of a PEM certificate, as `openssl x509 -fingerprint -sha256` prints it.
absl::StatusOr<std::string> CertificateFingerprint(const std::string& cert_file);

// The whole content of a (PEM) file.
absl::StatusOr<std::string> ReadTlsFile(const std::string& path);

}  // namespace aio::net
