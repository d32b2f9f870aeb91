// Test helper: run a call that must throw baler::Error with a given code; get its message.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "baler/error.hpp"

namespace baler::test {

// Runs f, expects Error(code), returns its message ("" and a test failure if nothing threw).
template <class F> std::string error_of(F f, ErrorCode code) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

}  // namespace baler::test
