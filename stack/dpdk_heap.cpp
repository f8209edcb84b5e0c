#include "stack/dpdk_heap.hpp"

#include <rte_malloc.h>

#include "stack/lwip_heap.hpp"

namespace shunt::stack {
namespace {

// rte_malloc takes a short internal spinlock; only the worker that owns the
// lwIP instance allocates, so it never contends with another worker's ring work.
void* dpdk_alloc(std::size_t size) { return rte_malloc("lwip", size, 8); }
void dpdk_release(void* p) { rte_free(p); }

}  // namespace

void install_dpdk_heap() { install_heap(heap_ops{"dpdk", dpdk_alloc, dpdk_release}); }

}  // namespace shunt::stack
