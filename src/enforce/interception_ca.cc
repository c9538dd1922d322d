#include "enforce/interception_ca.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <system_error>
#include <vector>

namespace esafe::enforce {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

Error OpenSslError(std::string_view what) {
  char detail[256] = "no detail";
  if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, detail, sizeof detail);
  ERR_clear_error();
  return Error::Internal("interception CA: " + std::string(what) + " failed (" + detail + ")");
}

std::string BioBytes(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

// Creates `path` with `mode` (never replacing a file) and writes `bytes`.
Result<void> WriteNew(const std::filesystem::path& path, const std::string& bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const int error = errno;
    if (error == EEXIST) return Error::Conflict(path.string() + " exists already; move it away first", "out");
    return Error::Internal("cannot create " + path.string() + ": " + std::generic_category().message(error));
  }
  if (::fchmod(fd, mode) != 0) {  // whatever the umask
    ::close(fd);
    return Error::Internal("cannot set the mode of " + path.string());
  }
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      ::close(fd);
      return Error::Internal("cannot write " + path.string());
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Error::Internal("cannot write " + path.string());
  return {};
}

bool AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtPtr extension(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

}  // namespace

Result<InterceptionCaFiles> MakeInterceptionCa(const std::filesystem::path& dir, const InterceptionCaOptions& options) {
  if (options.days < 1 || options.days > 36500) return Error::Invalid("days must be from 1 to 36500", "days");
  if (options.rsa_bits < 2048 || options.rsa_bits > 8192) {
    return Error::Invalid("RSA key size must be 2048 to 8192", "bits");
  }
  if (options.organisation.empty() || options.organisation.size() > 64) {
    return Error::Invalid("the organisation must be 1 to 64 bytes", "name");
  }
  InterceptionCaFiles files{dir / "esafe-ca.key", dir / "esafe-ca.pem", dir / "esafe-ca.cer", {}, {}};
  for (const auto& path : {files.key, files.certificate, files.der}) {
    if (std::filesystem::exists(path)) {
      return Error::Conflict(path.string() + " exists already; move it away first", "out");
    }
  }

  PkeyPtr key(EVP_RSA_gen(static_cast<unsigned int>(options.rsa_bits)));
  if (!key) return OpenSslError("generating the RSA key");
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return OpenSslError("making the certificate");
  // A random 159-bit serial, positive as RFC 5280 requires.
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return OpenSslError("making the serial number");
  }
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), options.days, 0, nullptr)) {
    return OpenSslError("setting the validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add = [&](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                      -1, -1, 0) == 1;
  };
  if (!add("CN", "esafe interception CA") || !add("O", options.organisation) ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("naming the certificate");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always")) {
    return OpenSslError("adding the CA extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return OpenSslError("signing the certificate");

  BioPtr key_pem(BIO_new(BIO_s_secmem()));  // cleared when freed
  BioPtr cert_pem(BIO_new(BIO_s_mem()));
  if (!key_pem || !cert_pem ||
      PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_pem.get(), cert.get()) != 1) {
    return OpenSslError("encoding the key and certificate");
  }
  const int der_size = i2d_X509(cert.get(), nullptr);
  if (der_size <= 0) return OpenSslError("encoding the certificate as DER");
  std::string der(static_cast<size_t>(der_size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert.get(), &out);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &digest_size) != 1) return OpenSslError("fingerprinting");
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned int i = 0; i < digest_size; ++i) {
    if (i > 0) files.sha256_fingerprint += ':';
    files.sha256_fingerprint += kHex[digest[i] >> 4];
    files.sha256_fingerprint += kHex[digest[i] & 0xF];
  }
  files.subject = "CN=esafe interception CA, O=" + options.organisation;

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::Internal("cannot create " + dir.string() + ": " + ec.message());
  std::vector<std::filesystem::path> written;
  std::string key_bytes = BioBytes(key_pem.get());
  const std::string cert_bytes = BioBytes(cert_pem.get());
  Result<void> outcome;
  struct Output {
    const std::filesystem::path& path;
    const std::string& bytes;
    mode_t mode;
  };
  for (const Output& output : {Output{files.key, key_bytes, 0600}, Output{files.certificate, cert_bytes, 0644},
                               Output{files.der, der, 0644}}) {
    outcome = WriteNew(output.path, output.bytes, output.mode);
    if (!outcome) break;
    written.push_back(output.path);
  }
  OPENSSL_cleanse(key_bytes.data(), key_bytes.size());
  if (!outcome) {
    for (const auto& path : written) std::filesystem::remove(path, ec);
    return outcome.error();
  }
  return files;
}

}  // namespace esafe::enforce
