# SPDX-License-Identifier: MIT
# libmeshsentry.so.0: the C API (meshsentry.h) as a shared library, linked
# from the static library's objects, which are compiled with hidden
# visibility; the version script keeps every symbol but ms_* local (template
# instantiations of the standard library would otherwise be exported).
# C++ programs that want the C++ API link the static meshsentry::engine.
add_library(meshsentry_shared SHARED $<TARGET_OBJECTS:meshsentry_engine>)
add_library(meshsentry::meshsentry ALIAS meshsentry_shared)
set_target_properties(meshsentry_shared PROPERTIES
  OUTPUT_NAME meshsentry
  EXPORT_NAME meshsentry
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINKER_LANGUAGE CXX
  LINK_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cmake/meshsentry.map)
target_include_directories(meshsentry_shared INTERFACE
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(meshsentry_shared PRIVATE OpenMP::OpenMP_CXX assimp::assimp OpenSSL::Crypto
  LibArchive::LibArchive EXPAT::EXPAT ZLIB::ZLIB PNG::PNG ${MESHSENTRY_OCCT_TOOLKITS})
# --no-undefined: a missing dependency fails here, not in the C program.
target_link_options(meshsentry_shared PRIVATE -Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/cmake/meshsentry.map
  -Wl,--no-undefined -Wl,--as-needed)
if(MESHSENTRY_SANITIZE)
  target_link_options(meshsentry_shared INTERFACE -fsanitize=address,undefined)
endif()

# Files that name the install prefix (the pkg-config file, the systemd unit)
# are made when installing, so that `cmake --install --prefix P` and CPack's
# /usr get their own prefix: TEMPLATE's @VAR@s are filled in now, except
# @prefix@, which is filled in at install time.
function(meshsentry_install_configured template name destination)
  set(prefix "@prefix@")
  set(stage ${CMAKE_CURRENT_BINARY_DIR}/install-configured)
  configure_file(${template} ${stage}/${name}.in @ONLY)
  install(CODE "set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
configure_file(\"${stage}/${name}.in\" \"${stage}/${name}\" @ONLY)")
  install(FILES ${stage}/${name} DESTINATION ${destination})
endfunction()
