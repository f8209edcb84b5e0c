// Where lwIP's memory comes from. lwipopts.h routes every lwIP allocation
// (MEM_LIBC_MALLOC + MEMP_MEM_MALLOC) to shunt_lwip_malloc/calloc/free, which
// call the heap installed here. The daemon installs a DPDK (rte_malloc) heap
// before lwip_init(); unit tests keep the default, the C library's heap.
//
// Contract: install_heap() is called before lwip_init() and never while an
// lwIP instance is running; returned memory is aligned to MEM_ALIGNMENT (8).
#pragma once

#include <cstddef>

namespace shunt::stack {

struct heap_ops {
    const char* name;
    void* (*alloc)(std::size_t size);
    void (*release)(void* ptr);
};

void install_heap(const heap_ops& ops);
[[nodiscard]] const heap_ops& current_heap();

}  // namespace shunt::stack
