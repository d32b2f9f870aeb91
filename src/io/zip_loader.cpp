// Loads libzip with dlopen on first use (see zip_loader.hpp for why it is not linked).
#include "zip_loader.hpp"

#include <dlfcn.h>

#include <string>
#include <type_traits>

#include "baler/error.hpp"

#ifndef BALER_LIBZIP_SONAME
#define BALER_LIBZIP_SONAME "libzip.so.4"  // Debian 12's libzip4, which libzip-dev depends on
#endif

namespace baler::detail {
namespace {

// dlerror() after a failed dl* call; it can be null when the loader recorded nothing.
std::string loader_message() {
  const char* m = dlerror();
  return m ? m : "no message from the dynamic loader";
}

LibZip load_libzip() {
  // RTLD_LOCAL keeps libzip's symbols (and those of libcrypto, which it loads) out of the
  // global scope, where they could bind other libraries' references. RTLD_NOW resolves
  // everything here, so a broken installation fails at load time and not inside a read.
  void* lib = dlopen(BALER_LIBZIP_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    throw Error(ErrorCode::Unsupported, "npz files need libzip (" BALER_LIBZIP_SONAME
                                        "), which cannot be loaded: " + loader_message());
  LibZip api;
  // A function is never at address 0, so a null pointer from dlsym is a failed lookup.
  const auto find = [&](auto& slot, const char* name) {
    dlerror();  // drop any earlier message so that the one read below is this lookup's
    void* sym = dlsym(lib, name);
    if (!sym) {
      const std::string why = loader_message();
      dlclose(lib);
      throw Error(ErrorCode::Unsupported, std::string("npz files need libzip (" BALER_LIBZIP_SONAME "), which lacks ") +
                                              name + ": " + why);
    }
    // POSIX guarantees that a dlsym result converts to a function pointer.
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(sym);
  };
#define BALER_LIBZIP_FIND(name) find(api.name, #name);
  BALER_LIBZIP_FUNCTIONS(BALER_LIBZIP_FIND)
#undef BALER_LIBZIP_FIND
  return api;  // `lib` is never closed: the table points into it for the rest of the process
}

}  // namespace

const LibZip& libzip() {
  // Initialised once, thread-safely; if load_libzip throws, the next call tries again.
  static const LibZip api = load_libzip();
  return api;
}

}  // namespace baler::detail
