#include "net/tls_trust.hpp"

#include <mbedtls/version.h>
#include <sys/stat.h>

#include <array>
#include <map>
#include <utility>

#include "net/mbed_error.hpp"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

namespace net::detail {
namespace {

using common::ErrorKind;
using common::make_error;

// Where Debian/Ubuntu, Fedora/RHEL and Alpine/Arch keep the system CA bundle.
constexpr std::array<const char*, 3> kSystemBundles = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
};

constexpr std::string_view kPersonalization = "popfetchd";

struct FileStamp {
  off_t size = 0;
  struct timespec mtime {};
  bool operator==(const FileStamp& other) const {
    return size == other.size && mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec;
  }
};

struct CacheEntry {
  FileStamp stamp;
  std::shared_ptr<TrustStore> store;
};

}  // namespace

Rng::Rng() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
}

Rng::~Rng() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

common::Result<std::shared_ptr<Rng>> Rng::shared() {
  static std::mutex mutex;
  static std::shared_ptr<Rng> instance;
  std::lock_guard lock(mutex);
  if (instance) return instance;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  // mbedTLS 3.x runs TLS 1.3 (and, with MBEDTLS_USE_PSA_CRYPTO, more) on PSA.
  if (psa_crypto_init() != PSA_SUCCESS) return make_error(ErrorKind::Tls, "cannot initialise PSA crypto");
#endif
  std::shared_ptr<Rng> rng(new Rng());
  const int ret = mbedtls_ctr_drbg_seed(&rng->drbg_, mbedtls_entropy_func, &rng->entropy_,
                                        reinterpret_cast<const unsigned char*>(kPersonalization.data()),
                                        kPersonalization.size());
  if (ret != 0) {
    return make_error(ErrorKind::Tls, "cannot seed the TLS random generator: " + mbed_error_text(ret));
  }
  instance = std::move(rng);
  return instance;
}

int Rng::random(void* self, unsigned char* out, std::size_t length) {
  auto* rng = static_cast<Rng*>(self);
  std::lock_guard lock(rng->mutex_);
  return mbedtls_ctr_drbg_random(&rng->drbg_, out, length);
}

TrustStore::TrustStore() { mbedtls_x509_crt_init(&chain_); }
TrustStore::~TrustStore() { mbedtls_x509_crt_free(&chain_); }

std::string system_ca_bundle() {
  for (const char* path : kSystemBundles) {
    struct stat info {};
    if (::stat(path, &info) == 0 && S_ISREG(info.st_mode)) return path;
  }
  return {};
}

common::Result<std::shared_ptr<TrustStore>> trust_store(const std::string& ca_file) {
  const std::string path = ca_file.empty() ? system_ca_bundle() : ca_file;
  if (path.empty()) {
    return make_error(ErrorKind::Config,
                      "no system CA bundle found (install ca-certificates or set ca_file)");
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return make_error(ErrorKind::Config, "CA file " + path + " does not exist or is not a regular file");
  }
  const FileStamp stamp{info.st_size, info.st_mtim};

  static std::mutex mutex;
  static std::map<std::string, CacheEntry> cache;
  std::lock_guard lock(mutex);
  if (auto found = cache.find(path); found != cache.end() && found->second.stamp == stamp) {
    return found->second.store;
  }

  auto store = std::make_shared<TrustStore>();
  const int ret = mbedtls_x509_crt_parse_file(store->chain(), path.c_str());
  // A positive count means some certificates in a bundle were skipped (e.g. an
  // unsupported algorithm); the rest are still usable, as with any TLS library.
  if (ret < 0)
    return make_error(ErrorKind::Config, "cannot read CA file " + path + ": " + mbed_error_text(ret));
  if (store->chain()->raw.p == nullptr) {
    return make_error(ErrorKind::Config, "CA file " + path + " holds no usable certificate");
  }
  cache[path] = CacheEntry{stamp, store};
  return store;
}

}  // namespace net::detail
