# cmake -DSRC=<tests/jsroot> -DDEST=<build folder> -DNODE=<node> -DNPM=<npm> -P install.cmake
#
# Installs the pinned jsroot (package.json + package-lock.json in SRC) into DEST/node_modules
# with `npm ci`, and copies dump.mjs beside it. The install is skipped while DEST/.stamp holds
# the hash of package.json, package-lock.json and node's version and node_modules/jsroot is
# there: a re-run costs nothing. Any failure is fatal with a message saying what to do (the
# ctest fixture then fails the tests that need JSROOT).
foreach(v SRC DEST NODE NPM)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "jsroot install: -D${v}=... missing")
  endif()
endforeach()
if(NOT NODE OR NOT EXISTS "${NODE}" OR NOT NPM OR NOT EXISTS "${NPM}")
  message(FATAL_ERROR "jsroot install: node or npm not found (node='${NODE}', npm='${NPM}'): "
                      "run `bash scripts/install-deps.sh` (Debian packages nodejs and npm), then "
                      "re-run cmake")
endif()

file(MAKE_DIRECTORY "${DEST}")
# dump.mjs imports 'jsroot/...': it must sit beside node_modules. Copied every time (cheap).
file(COPY_FILE "${SRC}/dump.mjs" "${DEST}/dump.mjs" ONLY_IF_DIFFERENT)
file(COPY_FILE "${SRC}/census.mjs" "${DEST}/census.mjs" ONLY_IF_DIFFERENT)

execute_process(COMMAND "${NODE}" --version OUTPUT_VARIABLE node_version
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "jsroot install: '${NODE} --version' failed (${rc})")
endif()
file(SHA256 "${SRC}/package.json" h_package)
file(SHA256 "${SRC}/package-lock.json" h_lock)
set(stamp_text "node ${node_version}\npackage.json ${h_package}\npackage-lock.json ${h_lock}\n")
set(stamp "${DEST}/.stamp")
if(EXISTS "${stamp}" AND EXISTS "${DEST}/node_modules/jsroot/package.json")
  file(READ "${stamp}" old)
  if(old STREQUAL stamp_text)
    message(STATUS "jsroot: up to date in ${DEST} (stamp ${stamp})")
    return()
  endif()
endif()

file(REMOVE "${stamp}")
file(COPY_FILE "${SRC}/package.json" "${DEST}/package.json")
file(COPY_FILE "${SRC}/package-lock.json" "${DEST}/package-lock.json")
# --ignore-scripts: no install script runs (jsroot's drawing dependencies such as canvas would
# try to fetch or compile native code; reading files needs none of them). --omit=optional:
# no platform-specific binaries. npm ci installs exactly the lock file, into DEST only.
message(STATUS "jsroot: npm ci in ${DEST} (node ${node_version})")
execute_process(
  COMMAND "${NPM}" ci --prefix "${DEST}" --omit=optional --ignore-scripts --no-audit --no-fund
          --loglevel=error
  WORKING_DIRECTORY "${DEST}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${DEST}/node_modules/jsroot/package.json")
  message(FATAL_ERROR "jsroot install: `npm ci` in ${DEST} failed (${rc}): see npm's output above; it needs the npm "
                      "registry (see tests/jsroot/README.md). The JSROOT cross-check cannot run.")
endif()
file(WRITE "${stamp}" "${stamp_text}")
message(STATUS "jsroot: installed (stamp ${stamp})")
