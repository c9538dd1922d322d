// Tests of src/enforce/interception_ca.cc: the files, their modes, and a certificate that
// OpenSSL accepts as a CA for a certificate the key signs (what Squid does per host).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "enforce/interception_ca.h"

namespace esafe::enforce {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "esafe-ca-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

mode_t Mode(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

X509* ReadPem(const fs::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return cert;
}

TEST(InterceptionCaTest, WritesKeyCertificateAndDer) {
  TempDir dir;
  const mode_t old_umask = ::umask(0);  // the key is 0600 whatever the umask
  InterceptionCaOptions options;
  options.organisation = "Hillside Partnership";
  options.days = 30;
  options.rsa_bits = 2048;
  auto files = MakeInterceptionCa(dir.path / "ca", options);
  ::umask(old_umask);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(Mode(files->key), 0600u);
  EXPECT_EQ(Mode(files->certificate), 0644u);
  EXPECT_EQ(Mode(files->der), 0644u);
  EXPECT_EQ(files->subject, "CN=esafe interception CA, O=Hillside Partnership");
  EXPECT_EQ(files->sha256_fingerprint.size(), 32u * 3 - 1);

  X509* cert = ReadPem(files->certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_ca(cert), 1);
  EXPECT_EQ(X509_get_pathlen(cert), 0);
  EXPECT_TRUE(X509_get_key_usage(cert) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(X509_check_issued(cert, cert), X509_V_OK);  // self-signed
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert)), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert), nullptr), 0);

  // The DER file is the same certificate.
  std::ifstream der_in(files->der, std::ios::binary);
  std::stringstream der;
  der << der_in.rdbuf();
  const std::string der_bytes = der.str();
  const auto* p = reinterpret_cast<const unsigned char*>(der_bytes.data());
  X509* from_der = d2i_X509(nullptr, &p, static_cast<long>(der_bytes.size()));
  ASSERT_NE(from_der, nullptr);
  EXPECT_EQ(X509_cmp(cert, from_der), 0);

  // The key is the certificate's.
  FILE* key_file = std::fopen(files->key.c_str(), "r");
  EVP_PKEY* key = PEM_read_PrivateKey(key_file, nullptr, nullptr, nullptr);
  std::fclose(key_file);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert, key), 1);

  EVP_PKEY_free(key);
  X509_free(from_der);
  X509_free(cert);
}

TEST(InterceptionCaTest, NeverReplacesAnExistingCa) {
  TempDir dir;
  InterceptionCaOptions options;
  options.rsa_bits = 2048;
  ASSERT_TRUE(MakeInterceptionCa(dir.path, options).ok());
  const std::string before = [&] {
    std::ifstream in(dir.path / "esafe-ca.pem");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  auto again = MakeInterceptionCa(dir.path, options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  EXPECT_NE(again.error().message.find("esafe-ca.key exists already"), std::string::npos) << again.error().message;
  std::ifstream in(dir.path / "esafe-ca.pem");
  std::stringstream after;
  after << in.rdbuf();
  EXPECT_EQ(after.str(), before);

  // Only the DER file left over: still refused, and nothing else written.
  TempDir partial;
  std::ofstream(partial.path / "esafe-ca.cer") << "x";
  auto refused = MakeInterceptionCa(partial.path, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(fs::exists(partial.path / "esafe-ca.key"));
}

TEST(InterceptionCaTest, RefusesBadOptions) {
  TempDir dir;
  InterceptionCaOptions options;
  options.days = 0;
  EXPECT_EQ(MakeInterceptionCa(dir.path, options).error().field, "days");
  options.days = 10;
  options.rsa_bits = 1024;
  EXPECT_EQ(MakeInterceptionCa(dir.path, options).error().field, "bits");
  options.rsa_bits = 2048;
  options.organisation = std::string(65, 'a');
  EXPECT_EQ(MakeInterceptionCa(dir.path, options).error().field, "name");
  EXPECT_TRUE(fs::is_empty(dir.path));
}

}  // namespace
}  // namespace esafe::enforce
