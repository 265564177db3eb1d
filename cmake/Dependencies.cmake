# Every dependency is a Debian package (see README "Dependencies" for why each is here).
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
# libpq (libpq-dev): the PostgreSQL archive backend.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)

# mbedTLS 2.28 (Debian 12) ships neither a CMake package nor a pkg-config file;
# 3.x (Debian 13) ships a CMake package. Find the three libraries directly so both work.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h REQUIRED)
find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
add_library(mbedtls_all INTERFACE)
target_include_directories(mbedtls_all SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(mbedtls_all INTERFACE ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})

# Debian's http-parser: the health socket's HTTP/1.1 request parser.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
add_library(http_parser_lib INTERFACE)
target_include_directories(http_parser_lib SYSTEM INTERFACE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(http_parser_lib INTERFACE ${HTTP_PARSER_LIBRARY})

# libsystemd: sd_notify() for Type=notify (READY, RELOADING, STOPPING, STATUS, WATCHDOG).
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
