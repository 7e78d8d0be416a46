// Self-signed test certificates through the OpenSSL 3 API (see tls_files.h).
#include "testing/tls_files.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace hub::testing {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;
using FilePtr = std::unique_ptr<std::FILE, decltype(&std::fclose)>;

constexpr long kValiditySeconds = 24 * 60 * 60;
constexpr char kPassphrase[] = "test-passphrase";

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "WriteTlsFiles: %s failed\n", what);
    std::abort();
  }
}

KeyPtr NewKey() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  Require(key != nullptr, "EC key generation");
  return key;
}

CertPtr SelfSigned(EVP_PKEY* key, long serial) {
  CertPtr cert(X509_new(), &X509_free);
  Require(cert != nullptr, "X509_new");
  X509* c = cert.get();
  Require(X509_set_version(c, 2) == 1, "X509_set_version");
  Require(ASN1_INTEGER_set(X509_get_serialNumber(c), serial) == 1, "serial");
  // An hour of slack before now, for clocks a little apart.
  Require(X509_gmtime_adj(X509_getm_notBefore(c), -3600) != nullptr, "notBefore");
  Require(X509_gmtime_adj(X509_getm_notAfter(c), kValiditySeconds) != nullptr, "notAfter");
  Require(X509_set_pubkey(c, key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(c);
  Require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                     0) == 1,
          "subject");
  Require(X509_set_issuer_name(c, name) == 1, "issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, c, c, nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    Require(ext != nullptr, value);
    Require(X509_add_ext(c, ext, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(ext);
  }
  Require(X509_sign(c, key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

FilePtr Open(const std::filesystem::path& path) {
  FilePtr file(std::fopen(path.c_str(), "wb"), &std::fclose);
  Require(file != nullptr, "fopen");
  return file;
}

void WriteCert(const std::filesystem::path& path, X509* cert) {
  Require(PEM_write_X509(Open(path).get(), cert) == 1, "PEM_write_X509");
}

void WriteKey(const std::filesystem::path& path, EVP_PKEY* key, bool encrypted) {
  const auto file = Open(path);
  const std::string pass = kPassphrase;
  const int ok = encrypted
                     ? PEM_write_PrivateKey(file.get(), key, EVP_aes_256_cbc(),
                                            reinterpret_cast<const unsigned char*>(pass.data()),
                                            static_cast<int>(pass.size()), nullptr, nullptr)
                     : PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  Require(ok == 1, "PEM_write_PrivateKey");
}

}  // namespace

TlsFiles WriteTlsFiles(const std::filesystem::path& dir) {
  TlsFiles files{dir / "cert.pem", dir / "key.pem", dir / "key-encrypted.pem",
                 dir / "other-cert.pem", dir / "other-key.pem"};
  const KeyPtr key = NewKey();
  const KeyPtr other_key = NewKey();
  WriteCert(files.cert, SelfSigned(key.get(), 1).get());
  WriteKey(files.key, key.get(), false);
  WriteKey(files.encrypted_key, key.get(), true);
  WriteCert(files.other_cert, SelfSigned(other_key.get(), 2).get());
  WriteKey(files.other_key, other_key.get(), false);
  return files;
}

}  // namespace hub::testing
