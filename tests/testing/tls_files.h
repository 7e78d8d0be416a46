// Throwaway TLS material for tests, made with the OpenSSL API at test time
// (no `openssl` command needed, nothing checked in): self-signed
// certificates for "localhost" and 127.0.0.1, their keys, and a key that
// matches neither. Not here: anything a real deployment should use (the
// certificates live one day). Thread-compatible.
#pragma once

#include <filesystem>

namespace hub::testing {

struct TlsFiles {
  std::filesystem::path cert;  // self-signed, CN=localhost, SAN DNS:localhost, IP:127.0.0.1
  std::filesystem::path key;   // cert's key, unencrypted PEM
  std::filesystem::path encrypted_key;  // the same key encrypted with a passphrase
  std::filesystem::path other_cert;     // another self-signed certificate (an unrelated CA)
  std::filesystem::path other_key;      // other_cert's key: does not match `cert`
};

// Writes the files into `dir` (which must exist). Aborts when OpenSSL fails:
// no test can go on without them.
TlsFiles WriteTlsFiles(const std::filesystem::path& dir);

}  // namespace hub::testing
