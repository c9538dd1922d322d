# The Debian package (`make deb`): install rules for what a server needs, and CPack's DEB
# generator to pack them. Paths under CPACK_PACKAGING_INSTALL_PREFIX (/usr for a .deb) are
# relative; configuration and units have the absolute paths Debian expects.
include(GNUInstallDirs)

# `cpack` on a build tree builds only what it installs (the binary), not the tests too.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS esafe RUNTIME DESTINATION bin)
# The data the binary reads at run time: profiles, term libraries, flowcharts, surveys,
# audit templates, contacts, Squid configuration.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/ DESTINATION share/esafe)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/esafe)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION share/doc/esafe FILES_MATCHING PATTERN "*.md")
install(FILES ${CMAKE_SOURCE_DIR}/packaging/esafe.yaml DESTINATION /etc/esafe
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/esafe.service ${CMAKE_SOURCE_DIR}/packaging/systemd/esafe-icap.service
              ${CMAKE_SOURCE_DIR}/packaging/systemd/esafe-ingest.service
        DESTINATION /lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME esafe)
set(CPACK_PACKAGE_VENDOR "esafe")
set(CPACK_PACKAGE_CONTACT "esafe maintainers <esafe@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "child online-safety: filtering, activity log, incident log, audits")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "child online-safety: filtering, activity log, incident log, audits\n"
    "esafe is the system a safeguarding partnership and its member agencies use to run an\n"
    "e-safety strategy: filtering enforcement points for Squid and DNS resolvers, the\n"
    "forensic activity log, the incident log and response flowcharts, and the annual audit.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# useradd and groupadd (passwd) are Priority: required, so always there.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
