# What `cmake --install` puts where (GNUInstallDirs), and the Debian package
# `cpack -G DEB` makes from it. The systemd units and man pages are
# configured with the installed binary's path and the project version.
include(GNUInstallDirs)

set(POPFETCHD_BINARY "${CMAKE_INSTALL_FULL_BINDIR}/popfetchd")
set(popfetchd_generated "${CMAKE_CURRENT_BINARY_DIR}/install")

# systemd's own directories are under /usr/lib (also for /usr/local: systemd
# reads /usr/local/lib/systemd/system too), not under the multiarch libdir.
set(POPFETCHD_SYSTEMD_SYSTEM_DIR "lib/systemd/system" CACHE STRING "systemd system units, relative to the prefix")
set(POPFETCHD_SYSTEMD_USER_DIR "lib/systemd/user" CACHE STRING "systemd user units, relative to the prefix")
set(POPFETCHD_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING "sysusers.d files, relative to the prefix")

# One source, two system units: the single service and the per-config template.
function(popfetchd_system_unit name about description config dir)
  set(POPFETCHD_UNIT_NAME "${name}")
  set(POPFETCHD_UNIT_ABOUT "${about}")
  set(POPFETCHD_UNIT_DESCRIPTION "${description}")
  set(POPFETCHD_UNIT_CONFIG "${config}")
  set(POPFETCHD_UNIT_DIR "${dir}")
  configure_file("${PROJECT_SOURCE_DIR}/systemd/popfetchd.service.in" "${popfetchd_generated}/${name}" @ONLY)
endfunction()
popfetchd_system_unit(popfetchd.service "one daemon for /etc/popfetchd/popfetchd.yaml."
                      "popfetchd POP3 fetcher and mail archive" /etc/popfetchd/popfetchd.yaml popfetchd)
popfetchd_system_unit(popfetchd@.service
                      "one daemon per config, popfetchd@NAME reads /etc/popfetchd/NAME.yaml."
                      "popfetchd POP3 fetcher and mail archive (%i)" /etc/popfetchd/%i.yaml popfetchd/%i)
configure_file(systemd/user/popfetchd.service.in "${popfetchd_generated}/user/popfetchd.service" @ONLY)
configure_file(doc/popfetchd.8 "${popfetchd_generated}/popfetchd.8" @ONLY)
configure_file(doc/popfetchd.yaml.5 "${popfetchd_generated}/popfetchd.yaml.5" @ONLY)

install(TARGETS popfetchd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES "${popfetchd_generated}/popfetchd.service" "${popfetchd_generated}/popfetchd@.service"
        DESTINATION ${POPFETCHD_SYSTEMD_SYSTEM_DIR})
install(FILES "${popfetchd_generated}/user/popfetchd.service" DESTINATION ${POPFETCHD_SYSTEMD_USER_DIR})
install(FILES systemd/popfetchd.sysusers DESTINATION ${POPFETCHD_SYSUSERS_DIR} RENAME popfetchd.conf)
install(FILES "${popfetchd_generated}/popfetchd.8.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES "${popfetchd_generated}/popfetchd.yaml.5.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES etc/popfetchd.example.yaml README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES completions/popfetchd.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME popfetchd)
install(FILES completions/_popfetchd DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

include(cmake/Package.cmake)
