# `cpack -G DEB` in a build directory makes popfetchd_<version>_<arch>.deb.
# scripts/package builds one the way Debian would (prefix /usr, Debian's
# hardening flags, stripped) and runs lintian on it.
set(POPFETCHD_PACKAGE_MAINTAINER "popfetchd developers <popfetchd@example.org>"
    CACHE STRING "The Maintainer: of the .deb (name <email>)")
option(POPFETCHD_INSTALL_CONFIG
       "Install etc/popfetchd.example.yaml as SYSCONFDIR/popfetchd/popfetchd.yaml (the package's conffile)" OFF)
if(POPFETCHD_INSTALL_CONFIG)
  # The example holds no secret; the package's postinst makes it 0640 with
  # group "popfetchd" on the first install, before anyone adds a password.
  install(FILES etc/popfetchd.example.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/popfetchd
          RENAME popfetchd.yaml)
endif()

# Debian wants compressed man pages and a changelog in the package's doc folder.
foreach(page popfetchd.8 popfetchd.yaml.5)
  execute_process(COMMAND gzip -9n -c "${popfetchd_generated}/${page}"
                  OUTPUT_FILE "${popfetchd_generated}/${page}.gz" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
string(TIMESTAMP popfetchd_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(cmake/deb/changelog.in "${popfetchd_generated}/changelog.Debian" @ONLY)
execute_process(COMMAND gzip -9n -c "${popfetchd_generated}/changelog.Debian"
                OUTPUT_FILE "${popfetchd_generated}/changelog.Debian.gz" COMMAND_ERROR_IS_FATAL ANY)
install(FILES "${popfetchd_generated}/changelog.Debian.gz" cmake/deb/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME popfetchd)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${POPFETCHD_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "POP3 fetcher daemon that archives every message")
# CPack puts the summary first and indents these lines itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "popfetchd polls POP3 accounts (TLS, STARTTLS, SASL and APOP), stores every
message in a SQLite archive before it may delete it on the server, and
delivers new mail to a Maildir, an mbox, an MDA or LMTP exactly once.

It runs every account at once on one thread as a hardened systemd service,
reports its health and Prometheus metrics on a Unix socket, and searches,
exports and backs up the archive.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser: the postinst makes the system user (shlibdeps adds the libraries).
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
# Maintainer scripts: the system user (sysusers.d), the config's group, and
# systemd's view of the units. The unit is not enabled: it needs accounts first.
set(popfetchd_maintainer_scripts)
foreach(script postinst postrm)
  configure_file(cmake/deb/${script}.in "${popfetchd_generated}/deb/${script}" @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                 WORLD_EXECUTE)
  list(APPEND popfetchd_maintainer_scripts "${popfetchd_generated}/deb/${script}")
endforeach()
if(POPFETCHD_INSTALL_CONFIG)
  file(WRITE "${popfetchd_generated}/deb/conffiles" "${CMAKE_INSTALL_FULL_SYSCONFDIR}/popfetchd/popfetchd.yaml\n")
  list(APPEND popfetchd_maintainer_scripts "${popfetchd_generated}/deb/conffiles")
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${popfetchd_maintainer_scripts}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
