// Issue 20 item 11: a segment header is read by libshunt from a memfd it
// was handed; make_geometry must end, and give a geometry no check accepts,
// for any values in it (next_pow2 looped for ever above 2^31).
#include <gtest/gtest.h>

#include "shm/segment.hpp"

namespace shunt::test {
namespace {

TEST(SegmentGeometry, NextPow2SaturatesAboveTwoToTheThirtyOne) {
    EXPECT_EQ(shm::next_pow2(0), 1u);
    EXPECT_EQ(shm::next_pow2(4097), 8192u);
    EXPECT_EQ(shm::next_pow2(0x80000000u), 0x80000000u);
    EXPECT_EQ(shm::next_pow2(0x80000001u), 0u);
    EXPECT_EQ(shm::next_pow2(0xffffffffu), 0u);
}

TEST(SegmentGeometry, HostileHeaderValuesGiveAGeometryNoCheckAccepts) {
    const auto g = shm::make_geometry(0xffffffffu, 0xffffffffu, 0xffffffffu);
    EXPECT_FALSE(shm::is_pow2(g.ring_bytes));
    EXPECT_FALSE(shm::is_pow2(g.ring_cells)) << "4 * max_sockets + call_slots overflowed 32 bits";
    const auto big = shm::make_geometry(1u << 30, 4096, 8);
    EXPECT_FALSE(shm::is_pow2(big.ring_cells));
}

}  // namespace
}  // namespace shunt::test
