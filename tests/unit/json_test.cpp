#include <gtest/gtest.h>

#include "base/json_value.hpp"
#include "base/json_writer.hpp"

using shunt::json_value;
using shunt::json_writer;

TEST(Json, WriterOutputParsesBack) {
    json_writer w;
    w.begin_object()
        .field("name", "a\"b\\c\n\x01")
        .field("n", std::uint64_t{18446744073709551615ull})
        .field("r", 0.25)
        .field("ok", true);
    w.begin_array("list").value("x").value("y").end_array();
    w.begin_array("objs").begin_object().field("k", 1).end_object().end_array();
    w.end_object();
    auto v = json_value::parse(w.str());
    ASSERT_TRUE(v) << v.err().describe() << " in " << w.str();
    EXPECT_EQ((*v)["name"].str(), "a\"b\\c\n\x01");
    EXPECT_EQ((*v)["n"].u64(), 18446744073709551615ull);
    EXPECT_DOUBLE_EQ((*v)["r"].num(), 0.25);
    EXPECT_TRUE((*v)["ok"].boolean());
    EXPECT_EQ((*v)["list"].size(), 2u);
    EXPECT_EQ((*v)["list"][1].str(), "y");
    EXPECT_EQ((*v)["objs"][0]["k"].u64(), 1u);
    EXPECT_EQ((*v)["missing"]["deeper"].str("none"), "none");
}

TEST(Json, MalformedInputIsAnError) {
    for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "\"unterminated", "tru", "{} x",
                            "\"\\q\"", "[\"\x01\"]"})
        EXPECT_FALSE(json_value::parse(bad)) << bad;
}

TEST(Json, DepthIsBounded) {
    std::string deep(1000, '[');
    deep += std::string(1000, ']');
    EXPECT_FALSE(json_value::parse(deep));
}
