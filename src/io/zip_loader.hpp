// libzip, loaded at run time: the functions npz_archive.cpp calls, as typed pointers.
//
// baler does not link libzip. Linking it made every start of the tool load libzip,
// libcrypto and libbz2 (~3.5 ms, most of the start-up time for a small file) although only
// .npz files need it; libzip() loads it the first time an npz is read or written.
#pragma once

#include <zip.h>

namespace baler::detail {

// Every libzip function baler calls. A new call to libzip goes through libzip() and its
// name goes here; calling zip_* directly would link libzip again (the link then fails, as
// baler_io no longer names the library).
#define BALER_LIBZIP_FUNCTIONS(X)                                                              \
  X(zip_open) X(zip_close) X(zip_discard) X(zip_strerror)                                      \
  X(zip_get_num_entries) X(zip_get_name) X(zip_stat_init) X(zip_stat_index)                    \
  X(zip_fopen_index) X(zip_fread) X(zip_fseek) X(zip_fclose) X(zip_file_strerror)              \
  X(zip_error_init_with_code) X(zip_error_strerror) X(zip_error_fini)                          \
  X(zip_source_buffer) X(zip_source_file) X(zip_source_free)                                   \
  X(zip_file_add) X(zip_set_file_compression) X(zip_file_set_mtime)

// Each member has the type of the function of the same name in <zip.h>, so a call through
// the table is checked against the headers exactly as a direct call is.
struct LibZip {
#define BALER_LIBZIP_MEMBER(name) decltype(&::name) name = nullptr;
  BALER_LIBZIP_FUNCTIONS(BALER_LIBZIP_MEMBER)
#undef BALER_LIBZIP_MEMBER
};

// The loaded library, every member set. Loads it on the first call (thread-safe; the library
// stays loaded until the process ends). Throws Error(Unsupported) naming the library and the
// loader's message if it cannot be loaded or lacks a function; a later call tries again.
const LibZip& libzip();

}  // namespace baler::detail
