// Issue 20 item 11: an app's command line is logged by shuntd and shown by
// `shuntctl apps`; it is the app's to choose, escape sequences included.
#include <gtest/gtest.h>

#include "base/printable.hpp"

namespace shunt::test {
namespace {

TEST(Printable, KeepsPlainTextAndEscapesTheRest) {
    EXPECT_EQ(printable("nginx: worker process"), "nginx: worker process");
    EXPECT_EQ(printable("\x1b]0;owned\x07"), "\\x1b]0;owned\\x07") << "a terminal title sequence";
    EXPECT_EQ(printable("a\nfake log line"), "a\\x0afake log line");
    EXPECT_EQ(printable("back\\slash"), "back\\x5cslash") << "an escape cannot be forged";
    EXPECT_EQ(printable("caf\xc3\xa9"), "caf\\xc3\\xa9");
    EXPECT_EQ(printable(std::string_view("nul\0in", 6)), "nul\\x00in");
}

}  // namespace
}  // namespace shunt::test
