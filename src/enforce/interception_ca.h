// The deployment's interception CA: the certificate authority Squid signs its generated
// host certificates with when it decrypts (`ssl_bump bump`) the search and video sites
// (docs/enforce.md, "HTTPS: ssl_bump"). Each deployment makes its own with
// `esafe enforce make-ca`; nothing esafe ships contains a key.
//
// Start here: MakeInterceptionCa writes the three files an operator needs — the key Squid
// reads (0600), the certificate Squid reads (PEM) and the same certificate in DER to push
// to devices — and returns the certificate's SHA-256 fingerprint, which operators check on
// a device after installing it.
//
// Thread-safety: stateless; safe to call from any thread (OpenSSL 3 is thread-safe).
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace esafe::enforce {

struct InterceptionCaOptions {
  // Named in the certificate's subject (O=), so a person looking at a certificate on a
  // device can tell whose filter made it: "Hillside Schools Partnership".
  std::string organisation = "esafe";
  int days = 3650;        // validity from now (an hour's allowance for clock skew before)
  int rsa_bits = 3072;    // Squid gives generated host certificates this key too
};

struct InterceptionCaFiles {
  std::filesystem::path key;          // DIR/esafe-ca.key: PKCS#8 PEM, mode 0600
  std::filesystem::path certificate;  // DIR/esafe-ca.pem: for Squid's tls-cert=
  std::filesystem::path der;          // DIR/esafe-ca.cer: DER, to install on devices
  std::string sha256_fingerprint;     // "AB:CD:…" of the certificate
  std::string subject;                // "CN=esafe interception CA, O=…"
};

// Makes a new RSA key and a self-signed CA certificate (basicConstraints CA:TRUE,
// pathlen:0, both critical; keyUsage keyCertSign and cRLSign; SHA-256) and writes the
// three files into `dir`, creating it if needed. Refuses (Conflict, naming the file)
// when any of them exists already — replacing a CA means installing the new one on
// every device, so it is never done by accident — and Invalid for a days or key size
// out of range or an organisation over 64 bytes. Other failures (OpenSSL, writing) are
// Internal; files written before the failure are removed.
Result<InterceptionCaFiles> MakeInterceptionCa(const std::filesystem::path& dir, const InterceptionCaOptions& options);

}  // namespace esafe::enforce
